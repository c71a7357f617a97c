using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>Scalar functions shared by activations and losses, each written to stay finite for any input.</summary>
public static class ScalarMath
{
    /// <summary>σ(x) = 1 / (1 + e^-x), split by sign so that e^(±x) never overflows: for x &lt; 0, σ(x) = e^x / (1 + e^x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x) where T : IFloatingPointIeee754<T>
    {
        if (x >= T.Zero) return T.One / (T.One + T.Exp(-x));
        T e = T.Exp(x);
        return e / (T.One + e);
    }

    /// <summary>log(1 + x), accurate for small |x| (Goldberg's correction of log(u) by x / (u − 1), u = 1 + x).</summary>
    public static T Log1p<T>(T x) where T : IFloatingPointIeee754<T>
    {
        T u = T.One + x;
        if (u == T.One) return x;
        return T.Log(u) * x / (u - T.One);
    }

    /// <summary>log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large x, no underflow to log(1) for small.</summary>
    public static T Log1pExp<T>(T x) where T : IFloatingPointIeee754<T> =>
        T.Max(x, T.Zero) + Log1p(T.Exp(-T.Abs(x)));

    /// <summary>
    /// The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt to about 1e-14: its Maclaurin series for |x| &lt; 3
    /// and Laplace's continued fraction for erfc beyond. (.NET has no Erf; GELU needs it.)
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax < 3.0)
        {
            // erf(x) = 2/√π Σ_n (−1)^n x^(2n+1) / (n! (2n+1))
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.Abs(t) < 1e-17 * Math.Abs(sum)) break;
            }
            return sum * (2.0 / Math.Sqrt(Math.PI));
        }
        if (ax >= 6.5) return Math.Sign(x); // erfc(6.5) < 1e-19
        // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail
        double f = ax;
        for (int k = 120; k >= 1; k--) f = ax + k * 0.5 / f;
        double erfc = Math.Exp(-ax * ax) / (Math.Sqrt(Math.PI) * f);
        return Math.Sign(x) * (1.0 - erfc);
    }

    /// <summary>Φ(x) = ½(1 + erf(x/√2)), the standard normal distribution function.</summary>
    public static T NormalCdf<T>(T x) where T : IFloatingPointIeee754<T> =>
        T.CreateTruncating(0.5 * (1.0 + Erf(double.CreateTruncating(x) / Math.Sqrt(2.0))));

    /// <summary>φ(x) = e^(−x²/2) / √(2π), the standard normal density.</summary>
    public static T NormalPdf<T>(T x) where T : IFloatingPointIeee754<T> =>
        T.Exp(-x * x / T.CreateTruncating(2.0)) / T.CreateTruncating(Math.Sqrt(2.0 * Math.PI));
}
