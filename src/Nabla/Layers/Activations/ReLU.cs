using System.Numerics;
using System.Numerics.Tensors;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// ReLU(x) = max(x, 0). Derivative: 1 for x &gt; 0, 0 for x &lt; 0; at the kink x = 0 we use ReLU'(0) = 0,
/// as PyTorch does (any value in [0, 1] is a valid subgradient).
/// </summary>
public sealed class ReLU<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "relu";

    protected override void Apply(Matrix<T> x, Matrix<T> y) => TensorPrimitives.Max(x.Span, T.Zero, y.Span);

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> xs = x.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        for (int i = 0; i < dx.Length; i++) dx[i] = xs[i] > T.Zero ? dy[i] : T.Zero;
    }
}
