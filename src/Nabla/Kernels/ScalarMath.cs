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
    /// The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, to a few units in the 15th digit: its Maclaurin
    /// series for |x| &lt; 1.5, else 1 − erfc(|x|) with the sign restored. (.NET has no Erf; GELU needs it.)
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        return ax < 1.5 ? ErfSeries(x) : Math.Sign(x) * (1.0 - Erfc(ax));
    }

    /// <summary>
    /// erfc(x) = 1 − erf(x), accurate relative to its own (tiny) size for large x: 1 − series for
    /// 0 ≤ x &lt; 1.5, Laplace's continued fraction e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
    /// beyond (120 terms: relative error below 4e-15 from 1.5 on), and 2 − erfc(−x) for x &lt; 0.
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x < 0) return 2.0 - Erfc(-x);
        if (x < 1.5) return 1.0 - ErfSeries(x);
        if (x > 27.3) return 0.0; // e^(−x²) underflows
        double f = x;
        for (int k = 120; k >= 1; k--) f = x + k * 0.5 / f;
        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * f);
    }

    // erf(x) = 2/√π Σ_n (−1)^n x^(2n+1) / (n! (2n+1)); only used for |x| < 1.5, where it loses no digits.
    private static double ErfSeries(double x)
    {
        double x2 = x * x, term = x, sum = x;
        for (int n = 1; n < 100; n++)
        {
            term *= -x2 / n;
            double t = term / (2 * n + 1);
            sum += t;
            if (Math.Abs(t) < 1e-17 * Math.Abs(sum)) break;
        }
        return sum * (2.0 / Math.Sqrt(Math.PI));
    }

    /// <summary>
    /// erfc(x) to a relative error below 1.1e-7 for every x (about one unit in the last place of a float):
    /// Numerical Recipes' Chebyshev fit, erfc(z) = t·exp(−z² + P(t)) with t = 1/(1 + z/2) for z ≥ 0, and
    /// 2 − erfc(−x) below 0. One exponential instead of <see cref="Erfc"/>'s series or continued fraction.
    /// </summary>
    public static double ErfcSingle(double x)
    {
        double z = Math.Abs(x), t = 1.0 / (1.0 + 0.5 * z);
        double p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        double r = t * Math.Exp(-z * z + p);
        return x >= 0 ? r : 2.0 - r;
    }

    /// <summary>
    /// Φ(x) = ½ erfc(−x/√2), the standard normal distribution function, accurate in both tails: to the last
    /// digits of a double for double, through <see cref="ErfcSingle"/> (within 1.1e-7 relative) for float.
    /// </summary>
    public static T NormalCdf<T>(T x) where T : IFloatingPointIeee754<T>
    {
        double u = -double.CreateTruncating(x) / Math.Sqrt(2.0);
        return T.CreateTruncating(0.5 * (typeof(T) == typeof(float) ? ErfcSingle(u) : Erfc(u)));
    }

    /// <summary>φ(x) = e^(−x²/2) / √(2π), the standard normal density.</summary>
    public static T NormalPdf<T>(T x) where T : IFloatingPointIeee754<T> =>
        T.Exp(-x * x / T.CreateTruncating(2.0)) / T.CreateTruncating(Math.Sqrt(2.0 * Math.PI));
}
