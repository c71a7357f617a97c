using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>GELU(x) = x·Φ(x) = ½x(1 + erf(x/√2)) (the exact erf form); GELU'(x) = Φ(x) + x·φ(x).</summary>
public sealed class Gelu<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "gelu";

    protected override void Apply(ReadOnlySpan<T> xs, Span<T> ys, int cols)
    {
        int i = 0;
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
        {
            // Eight lanes of double at a time: Φ through the single-precision erfc, as ScalarMath.NormalCdf does for float.
            var xf = MemoryMarshal.Cast<T, float>(xs);
            var yf = MemoryMarshal.Cast<T, float>(ys);
            for (; i <= xf.Length - 8; i += 8)
            {
                var xd = Widen(xf.Slice(i, 8));
                Narrow(xd * NormalCdf(xd), yf.Slice(i, 8));
            }
        }
        for (; i < ys.Length; i++) ys[i] = xs[i] * ScalarMath.NormalCdf(xs[i]);
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> xs = x.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        int i = 0;
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
        {
            var xf = MemoryMarshal.Cast<T, float>(xs);
            var dyf = MemoryMarshal.Cast<T, float>(dy);
            var dxf = MemoryMarshal.Cast<T, float>(dX.Span);
            var invSqrt2Pi = Vector512.Create(1 / Math.Sqrt(2 * Math.PI));
            for (; i <= xf.Length - 8; i += 8)
            {
                var xd = Widen(xf.Slice(i, 8));
                var pdf = DoubleLanes.Exp(-xd * xd * Vector512.Create(0.5)) * invSqrt2Pi;   // φ(x)
                Narrow(Widen(dyf.Slice(i, 8)) * (NormalCdf(xd) + xd * pdf), dxf.Slice(i, 8));
            }
        }
        for (; i < dx.Length; i++)
            dx[i] = dy[i] * (ScalarMath.NormalCdf(xs[i]) + xs[i] * ScalarMath.NormalPdf(xs[i]));
    }

    // Φ(x) = ½ erfc(−x/√2) with ScalarMath.ErfcSingle's fit (the same coefficients, Horner from the highest), lane by lane.
    private static Vector512<double> NormalCdf(Vector512<double> x)
    {
        var u = -x * Vector512.Create(1 / Math.Sqrt(2.0));
        var z = Vector512.Abs(u);
        var t = Vector512<double>.One / (Vector512<double>.One + Vector512.Create(0.5) * z);
        var p = Vector512.Create(0.17087277) * t + Vector512.Create(-0.82215223);
        p = p * t + Vector512.Create(1.48851587);
        p = p * t + Vector512.Create(-1.13520398);
        p = p * t + Vector512.Create(0.27886807);
        p = p * t + Vector512.Create(-0.18628806);
        p = p * t + Vector512.Create(0.09678418);
        p = p * t + Vector512.Create(0.37409196);
        p = p * t + Vector512.Create(1.00002368);
        p = p * t + Vector512.Create(-1.26551223);
        var r = t * DoubleLanes.Exp(-z * z + p);  // not Vector512.Exp: its lanes' bits hang on their neighbours
        var erfc = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(u, Vector512<double>.Zero), r, Vector512.Create(2.0) - r);
        return Vector512.Create(0.5) * erfc;
    }

    private static Vector512<double> Widen(ReadOnlySpan<float> eight) => Vector512.WidenLower(Vector512.Create(Vector256.Create(eight), Vector256<float>.Zero));

    private static void Narrow(Vector512<double> v, Span<float> eight) => Vector512.Narrow(v, Vector512<double>.Zero).GetLower().CopyTo(eight);
}
