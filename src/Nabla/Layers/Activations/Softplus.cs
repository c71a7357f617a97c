using System.Numerics;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// softplus_β(x) = (1/β) log(1 + e^(βx)), computed as (1/β)(max(βx, 0) + log(1 + e^-|βx|)) so it never
/// overflows. Derivative: σ(βx).
/// </summary>
public sealed class Softplus<T>(double beta) : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _beta = T.CreateChecked(beta);

    public double Beta => beta;

    public override string Spec { get; } = FormattableString.Invariant($"softplus={beta}");

    protected override void Apply(Matrix<T> x, Matrix<T> y)
    {
        ReadOnlySpan<T> xs = x.Span;
        Span<T> ys = y.Span;
        for (int i = 0; i < ys.Length; i++) ys[i] = ScalarMath.Log1pExp(_beta * xs[i]) / _beta;
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> xs = x.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * ScalarMath.Sigmoid(_beta * xs[i]);
    }
}
