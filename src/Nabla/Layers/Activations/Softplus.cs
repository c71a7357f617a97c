using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    protected override void Apply(ReadOnlySpan<T> xs, Span<T> ys, int cols)
    {
        int i = 0;
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
        {
            // The scalar formula below in sixteen float lanes: (max(βx, 0) + log1p(e^−|βx|)) / β, log1p by Goldberg's correction.
            var xf = MemoryMarshal.Cast<T, float>(xs);
            var yf = MemoryMarshal.Cast<T, float>(ys);
            var beta = Vector512.Create(float.CreateTruncating(_beta));
            for (; i <= xf.Length - 16; i += 16)
            {
                var bx = beta * Vector512.Create(xf.Slice(i, 16));
                var e = Vector512.Exp(-Vector512.Abs(bx));
                var u = Vector512<float>.One + e;
                var log1p = Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<float>.One), e, Vector512.Log(u) * e / (u - Vector512<float>.One));
                ((Vector512.Max(bx, Vector512<float>.Zero) + log1p) / beta).CopyTo(yf.Slice(i, 16));
            }
        }
        for (; i < ys.Length; i++) ys[i] = ScalarMath.Log1pExp(_beta * xs[i]) / _beta;
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> xs = x.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        int i = 0;
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
        {
            // dx = dy·σ(βx), σ(t) = 1/(1 + e^−t): for t → −∞, e^−t → ∞ and 1/∞ = 0, the right limit.
            var xf = MemoryMarshal.Cast<T, float>(xs);
            var dyf = MemoryMarshal.Cast<T, float>(dy);
            var dxf = MemoryMarshal.Cast<T, float>(dx);
            var beta = Vector512.Create(float.CreateTruncating(_beta));
            for (; i <= xf.Length - 16; i += 16)
            {
                var sigma = Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-(beta * Vector512.Create(xf.Slice(i, 16)))));
                (Vector512.Create(dyf.Slice(i, 16)) * sigma).CopyTo(dxf.Slice(i, 16));
            }
        }
        for (; i < dx.Length; i++) dx[i] = dy[i] * ScalarMath.Sigmoid(_beta * xs[i]);
    }
}
