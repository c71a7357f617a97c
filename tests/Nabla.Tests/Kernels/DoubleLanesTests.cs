using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

public class DoubleLanesTests
{
    private static readonly double[] OutOfRange =
        [-750, -708.5, 708.5, 709.7, 710, 1e6, -1e6, double.NegativeInfinity, double.PositiveInfinity, double.NaN];

    // Compiled optimized from the first call, DoubleLanes.Exp inlined: the JIT's tier at which Vector512.Exp alone lets a
    // lane's bits hang on its neighbours (bench/NOTES.md step 42).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector512<double> Optimized(Vector512<double> x) => DoubleLanes.Exp(x);

    // Vector512.Exp called, not inlined, at whatever tier the JIT has it: on vectors all in range every tier agrees.
    [MethodImpl(MethodImplOptions.NoOptimization | MethodImplOptions.NoInlining)]
    private static Vector512<double> PlainInRange(Vector512<double> x) => Vector512.Exp(x);

    private static bool Same(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    /// <summary>
    /// Vectors of in-range values with one to three lanes replaced by values out of the polynomial's range: every
    /// in-range lane keeps the bits it has in the vector without them (and those of Vector512.Exp there), every
    /// out-of-range lane gets the C library's e^x (0, ∞, NaN, or a finite value between 708 and 709.78).
    /// </summary>
    [Fact]
    public void Each_lane_gets_its_own_bits_whatever_its_neighbours()
    {
        var rng = new Nabla.Randomness.Rng(42);
        var clean = new double[8];
        for (int trial = 0; trial < 20_000; trial++)
        {
            for (int k = 0; k < 8; k++) clean[k] = trial % 3 == 0 ? 1400 * rng.NextDouble() - 700 : 30 * rng.NextNormal();
            var mixed = (double[])clean.Clone();
            int replaced = 1 + rng.NextInt(3);
            for (int r = 0; r < replaced; r++) mixed[rng.NextInt(8)] = OutOfRange[rng.NextInt(OutOfRange.Length)];
            var alone = Optimized(Vector512.Create(clean));
            var reference = PlainInRange(Vector512.Create(clean));
            var together = Optimized(Vector512.Create(mixed));
            for (int k = 0; k < 8; k++)
            {
                double expected = Math.Abs(mixed[k]) <= DoubleLanes.PolynomialRange ? alone[k] : Math.Exp(mixed[k]);
                Assert.True(Same(together[k], expected), $"e^{mixed[k]:R} in [{string.Join(", ", mixed)}] = {together[k]:R}, alone {expected:R}");
                Assert.True(Same(alone[k], reference[k]), $"e^{clean[k]:R}: {alone[k]:R} here, Vector512.Exp {reference[k]:R}");
            }
        }
    }

    [Fact]
    public void Exp_is_within_two_units_in_the_last_place_of_the_c_library()
    {
        var rng = new Nabla.Randomness.Rng(7);
        var x = new double[80_000];
        foreach (ref double v in x.AsSpan()) v = 1416 * rng.NextDouble() - 708;
        var e = new double[x.Length];
        DoubleLanes.Exp(x, e);
        for (int i = 0; i < x.Length; i++)
        {
            double c = Math.Exp(x[i]), ulp = Math.BitIncrement(c) - c;
            Assert.True(Math.Abs(e[i] - c) <= 2 * ulp, $"e^{x[i]:R} = {e[i]:R}, the C library {c:R}");
        }
    }

    /// <summary>
    /// σ and tanh against the C library's, tanh down to 10⁻¹² where e^t − 1 by a subtraction loses digits: within 8 units
    /// in the last place (measured over 2·10⁶ such values: tanh 6, σ 5; TensorPrimitives' double tanh 1.4·10¹¹ at 1.6e-12).
    /// </summary>
    [Fact]
    public void Sigmoid_and_tanh_are_within_eight_units_in_the_last_place()
    {
        var rng = new Nabla.Randomness.Rng(5);
        var x = new double[100_000];
        for (int i = 0; i < x.Length; i++)
            x[i] = (i % 2 == 0 ? 40 * rng.NextDouble() - 20 : Math.Pow(10, -12 + 13 * rng.NextDouble())) * (i % 4 < 2 ? 1 : -1);
        var y = new double[x.Length];
        DoubleLanes.Tanh(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double c = Math.Tanh(x[i]);
            Assert.True(Math.Abs(y[i] - c) <= 8 * (Math.BitIncrement(Math.Abs(c)) - Math.Abs(c)), $"tanh({x[i]:R}) = {y[i]:R}, the C library {c:R}");
        }
        DoubleLanes.Sigmoid(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double c = x[i] >= 0 ? 1 / (1 + Math.Exp(-x[i])) : Math.Exp(x[i]) / (1 + Math.Exp(x[i]));
            Assert.True(Math.Abs(y[i] - c) <= 8 * (Math.BitIncrement(c) - c), $"σ({x[i]:R}) = {y[i]:R}, the C library's {c:R}");
        }
    }

    /// <summary>
    /// Exp, σ and tanh over spans: a value's bits are the same at every length of span (the tail goes through padded
    /// lanes), at every position, and beside out-of-range neighbours; σ and tanh keep their limits (0, 1, ±1, NaN).
    /// </summary>
    [Theory]
    [InlineData("exp")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    public void A_value_has_the_same_bits_at_any_width_and_beside_any_neighbour(string name)
    {
        SpanFunction f = name switch { "exp" => DoubleLanes.Exp, "sigmoid" => DoubleLanes.Sigmoid, _ => DoubleLanes.Tanh };
        var rng = new Nabla.Randomness.Rng(11);
        var x = new double[203];
        foreach (ref double v in x.AsSpan()) v = 20 * rng.NextNormal();
        for (int i = 0; i < x.Length; i += 7) x[i] = OutOfRange[rng.NextInt(OutOfRange.Length)];
        for (int i = 3; i < x.Length; i += 11) x[i] = Math.Pow(10, -1 - 9 * rng.NextDouble()) * (i % 2 == 0 ? 1 : -1); // near 0
        var whole = new double[x.Length];
        f(x, whole);
        var one = new double[1];
        for (int i = 0; i < x.Length; i++)
        {
            f(x.AsSpan(i, 1), one);
            Assert.True(Same(one[0], whole[i]), $"{name}({x[i]:R}) = {one[0]:R} alone, {whole[i]:R} in the span");
        }
        foreach (int width in new[] { 3, 8, 13, 16, 40 })
        {
            var piece = new double[x.Length];
            for (int start = 0; start < x.Length; start += width)
            {
                int n = Math.Min(width, x.Length - start);
                f(x.AsSpan(start, n), piece.AsSpan(start, n));
            }
            for (int i = 0; i < x.Length; i++) Assert.True(Same(piece[i], whole[i]), $"{name}({x[i]:R}) in pieces of {width}: {piece[i]:R}, whole {whole[i]:R}");
        }
        var inPlace = (double[])x.Clone();
        f(inPlace, inPlace);
        for (int i = 0; i < x.Length; i++) Assert.True(Same(inPlace[i], whole[i]), $"{name}({x[i]:R}) in place: {inPlace[i]:R}");
        for (int i = 0; i < x.Length; i++)
        {
            double expected = name switch { "exp" => Math.Exp(x[i]), "sigmoid" => 1 / (1 + Math.Exp(-x[i])), _ => Math.Tanh(x[i]) };
            Assert.True(double.IsNaN(expected) ? double.IsNaN(whole[i]) : whole[i] == expected || Math.Abs(whole[i] - expected) <= 1e-15 * Math.Abs(expected),
                $"{name}({x[i]:R}) = {whole[i]:R}, the C library {expected:R}");
        }
    }

    private delegate void SpanFunction(ReadOnlySpan<double> x, Span<double> y);
}
