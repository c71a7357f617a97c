using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// e^x, σ(x) and tanh(x) in eight double lanes, each lane's bits its own: the same whatever its neighbours, wherever it
/// sits in a span and whenever the JIT compiled the caller.
/// </summary>
/// <remarks>
/// Vector512.Exp (and Vector256.Exp) of double, and TensorPrimitives' Exp, Sigmoid and Tanh of double built on them,
/// compute a vector with any lane out of the polynomial's range (|x| &gt; 708, ±∞, NaN) through the scalar function lane
/// by lane once the JIT has optimized the code, and through the polynomial before (measured with AVX-512 and with AVX2;
/// bench/NOTES.md step 42): the in-range lanes of such a vector get other bits than alone, and other bits at tier 0 than
/// at tier 1, so a seed would not fix a float64 run. Here such a vector goes through the polynomial with its out-of-range
/// lanes set to 0, and those lanes are computed apart by the C library's exp. Float needs none of this: its exponential
/// handles those lanes inside the vector.
/// </remarks>
public static class DoubleLanes
{
    /// <summary>|x| up to which Vector512.Exp of double takes its polynomial for every lane (0x4086200000000000).</summary>
    public const double PolynomialRange = 708.0;

    /// <summary>
    /// e^x: Vector512.Exp where every lane is within ±708 (its polynomial, the same bits at every tier, measured over
    /// 2²⁰ values to the edges), else <see cref="OutOfRange"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x) =>
        Vector512.LessThanOrEqualAll(Vector512.Abs(x), Vector512.Create(PolynomialRange)) ? Vector512.Exp(x) : OutOfRange(x);

    // The in-range lanes through the polynomial with the others set to 0, those by the C library: 0, ∞, NaN, or e^x
    // between 708 and 709.78.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<double> OutOfRange(Vector512<double> x)
    {
        var inRange = Vector512.LessThanOrEqual(Vector512.Abs(x), Vector512.Create(PolynomialRange)); // false for NaN
        var e = Vector512.Exp(Vector512.ConditionalSelect(inRange, x, Vector512<double>.Zero));
        for (int k = 0; k < Vector512<double>.Count; k++)
        {
            double xk = x.GetElement(k);
            if (!(Math.Abs(xk) <= PolynomialRange)) e = e.WithElement(k, Math.Exp(xk));
        }
        return e;
    }

    /// <summary>σ(x) = 1 / (1 + e^−x): for x → −∞, e^−x → ∞ and 1/∞ = 0, the right limit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sigmoid(Vector512<double> x) => Vector512<double>.One / (Vector512<double>.One + Exp(-x));

    /// <summary>
    /// tanh(x) = sign(x)·(−z / (z + 2)), z = e^(−2|x|) − 1 (TensorPrimitives' formula, from AMD's libm), with e^t − 1 by
    /// Kahan's (u − 1)·t / log u, u = e^t, so that tanh keeps its relative digits as x → 0 (e^t − 1 by a subtraction
    /// gave tanh(5e-10) wrong in the eighth digit). Large |x|: u = 0, z = −1 and tanh = ±1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Tanh(Vector512<double> x)
    {
        var t = Vector512.Create(-2.0) * Vector512.Abs(x);
        var u = Exp(t);
        var z = (u - Vector512<double>.One) * t / Vector512.Log(u);                                    // e^t − 1
        z = Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<double>.One), t, z);           // |t| under half an ulp of 1
        z = Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<double>.Zero), -Vector512<double>.One, z);
        var sign = x.AsUInt64() & Vector512.Create(1UL << 63);
        return (sign ^ (-z / (z + Vector512.Create(2.0))).AsUInt64()).AsDouble();
    }

    public static void Exp(ReadOnlySpan<double> x, Span<double> y) => Map<ExpLanes>(x, y);

    public static void Sigmoid(ReadOnlySpan<double> x, Span<double> y) => Map<SigmoidLanes>(x, y);

    public static void Tanh(ReadOnlySpan<double> x, Span<double> y) => Map<TanhLanes>(x, y);

    // One function of eight lanes, as a type, so that Map is compiled once per function with it inlined.
    private interface IFunction { static abstract Vector512<double> Invoke(Vector512<double> x); }

    private readonly struct ExpLanes : IFunction { [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Invoke(Vector512<double> x) => Exp(x); }

    private readonly struct SigmoidLanes : IFunction { [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Invoke(Vector512<double> x) => Sigmoid(x); }

    private readonly struct TanhLanes : IFunction { [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Invoke(Vector512<double> x) => Tanh(x); }

    // y = f(x) eight lanes at a time; the tail through the same lanes, padded with zeros, so a value's bits do not
    // depend on where it sits (x and y may be the same span).
    private static void Map<TFunction>(ReadOnlySpan<double> x, Span<double> y) where TFunction : struct, IFunction
    {
        if (x.Length != y.Length) throw new ArgumentException($"Element-wise: lengths {x.Length} and {y.Length} differ.");
        ref double x0 = ref MemoryMarshal.GetReference(x);
        ref double y0 = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i <= y.Length - 4 * Vector512<double>.Count; i += 4 * Vector512<double>.Count)
        {
            // Four vectors at a time: the exponential's chain is long, and one vector a loop left the core waiting on it
            // (100,000 values: 330 µs against 92).
            var y1 = TFunction.Invoke(Vector512.LoadUnsafe(ref x0, (nuint)i));
            var y2 = TFunction.Invoke(Vector512.LoadUnsafe(ref x0, (nuint)i + 8));
            var y3 = TFunction.Invoke(Vector512.LoadUnsafe(ref x0, (nuint)i + 16));
            var y4 = TFunction.Invoke(Vector512.LoadUnsafe(ref x0, (nuint)i + 24));
            y1.StoreUnsafe(ref y0, (nuint)i);
            y2.StoreUnsafe(ref y0, (nuint)i + 8);
            y3.StoreUnsafe(ref y0, (nuint)i + 16);
            y4.StoreUnsafe(ref y0, (nuint)i + 24);
        }
        for (; i <= y.Length - Vector512<double>.Count; i += Vector512<double>.Count)
            TFunction.Invoke(Vector512.LoadUnsafe(ref x0, (nuint)i)).StoreUnsafe(ref y0, (nuint)i);
        if (i == y.Length) return;
        Span<double> tail = stackalloc double[Vector512<double>.Count];
        tail.Clear();
        x[i..].CopyTo(tail);
        TFunction.Invoke(Vector512.Create((ReadOnlySpan<double>)tail)).CopyTo(tail);
        tail[..(y.Length - i)].CopyTo(y[i..]);
    }
}
