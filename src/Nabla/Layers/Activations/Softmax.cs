using System.Numerics;
using System.Numerics.Tensors;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// softmax(x)_k = e^(x_k − m) / Σ_j e^(x_j − m) over each row, with m the row maximum so no exponential
/// overflows. Backward: dX_k = y_k (dY_k − Σ_j dY_j y_j). With the cross-entropy loss the two are fused
/// and this backward is skipped (see <see cref="Losses.SoftmaxCrossEntropy{T}"/>).
/// </summary>
public sealed class Softmax<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "softmax";

    protected override void Apply(Matrix<T> x, Matrix<T> y)
    {
        for (int r = 0; r < x.Rows; r++) Row(x.Row(r), y.Row(r));
    }

    /// <summary>One row: y = softmax(x).</summary>
    public static void Row(ReadOnlySpan<T> x, Span<T> y)
    {
        T max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        T sum = TensorPrimitives.Sum<T>(y);
        TensorPrimitives.Divide(y, sum, y);
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        for (int r = 0; r < y.Rows; r++)
        {
            ReadOnlySpan<T> yr = y.Row(r), dyr = dY.Row(r);
            T dot = TensorPrimitives.Dot(dyr, yr);
            var dxr = dX.Row(r);
            TensorPrimitives.Subtract(dyr, dot, dxr);
            TensorPrimitives.Multiply(dxr, yr, dxr);
        }
    }
}
