using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// LeakyReLU(x) = x for x &gt; 0, slope·x otherwise. Derivative: 1 for x &gt; 0, slope for x ≤ 0 (so at the
/// kink we use the slope, as PyTorch does).
/// </summary>
public sealed class LeakyReLU<T>(double slope) : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _slope = T.CreateChecked(slope);

    public double Slope => slope;

    public override string Spec { get; } = FormattableString.Invariant($"leaky_relu={slope}");

    protected override void Apply(Matrix<T> x, Matrix<T> y)
    {
        ReadOnlySpan<T> xs = x.Span;
        Span<T> ys = y.Span;
        for (int i = 0; i < ys.Length; i++) ys[i] = xs[i] > T.Zero ? xs[i] : _slope * xs[i];
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> xs = x.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        for (int i = 0; i < dx.Length; i++) dx[i] = xs[i] > T.Zero ? dy[i] : _slope * dy[i];
    }
}
