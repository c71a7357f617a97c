using System.Numerics;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>GELU(x) = x·Φ(x) = ½x(1 + erf(x/√2)) (the exact erf form); GELU'(x) = Φ(x) + x·φ(x).</summary>
public sealed class Gelu<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "gelu";

    protected override void Apply(Matrix<T> x, Matrix<T> y)
    {
        ReadOnlySpan<T> xs = x.Span;
        Span<T> ys = y.Span;
        for (int i = 0; i < ys.Length; i++) ys[i] = xs[i] * ScalarMath.NormalCdf(xs[i]);
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> xs = x.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        for (int i = 0; i < dx.Length; i++)
            dx[i] = dy[i] * (ScalarMath.NormalCdf(xs[i]) + xs[i] * ScalarMath.NormalPdf(xs[i]));
    }
}
