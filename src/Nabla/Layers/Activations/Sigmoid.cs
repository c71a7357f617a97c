using System.Numerics;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>σ(x) = 1 / (1 + e^-x), computed split by sign so no exponential overflows. σ'(x) = σ(x)(1 − σ(x)), from the output.</summary>
public sealed class Sigmoid<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "sigmoid";

    protected override void Apply(Matrix<T> x, Matrix<T> y)
    {
        ReadOnlySpan<T> xs = x.Span;
        Span<T> ys = y.Span;
        for (int i = 0; i < ys.Length; i++) ys[i] = ScalarMath.Sigmoid(xs[i]);
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> ys = y.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * ys[i] * (T.One - ys[i]);
    }
}
