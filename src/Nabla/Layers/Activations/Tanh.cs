using System.Numerics;
using System.Numerics.Tensors;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>tanh(x) = (e^x − e^-x) / (e^x + e^-x); tanh'(x) = 1 − tanh²(x), from the output.</summary>
public sealed class Tanh<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "tanh";

    protected override void Apply(Matrix<T> x, Matrix<T> y) => TensorPrimitives.Tanh(x.Span, y.Span);

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> ys = y.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * (T.One - ys[i] * ys[i]);
    }
}
