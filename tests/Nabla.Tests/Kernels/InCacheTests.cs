using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Nabla.Kernels;
using Nabla.Randomness;

namespace Nabla.Tests.Kernels;

/// <summary>
/// <see cref="InCache"/> cuts a span into pieces below TensorPrimitives' non-temporal threshold: every element must
/// keep the bits of the whole-span call, at every length around the piece size and with special values in it.
/// </summary>
public class InCacheTests
{
    private static T[] Values<T>(int n, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)seed);
        var x = new T[n];
        T[] special = [T.NaN, T.Zero, T.NegativeZero, T.PositiveInfinity, T.NegativeInfinity, T.CreateTruncating(1e30), T.CreateTruncating(-88.7)];
        for (int i = 0; i < n; i++)
            x[i] = rng.NextDouble() < 0.01 ? special[i % special.Length] : T.CreateTruncating(rng.NextNormal() * 30);
        return x;
    }

    private static void Same<T>(T[] expected, T[] actual, string op, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = Unsafe.SizeOf<T>();
        var e = System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan());
        var a = System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan());
        for (int i = 0; i < n; i++)
            if (!e.Slice(i * size, size).SequenceEqual(a.Slice(i * size, size)))
                Assert.Fail($"{op}, {typeof(T).Name}, length {n}: element {i} is {actual[i]}, the whole-span call gives {expected[i]}");
    }

    private static void Check<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        int piece = InCache.ChunkBytes / Unsafe.SizeOf<T>();
        foreach (int n in new[] { 1, 15, 16, 17, piece - 1, piece, piece + 1, piece + 15, 2 * piece - 1, 2 * piece, 3 * piece + 17 })
        {
            T[] x = Values<T>(n, n), a = Values<T>(n, n + 1), expected = new T[n], actual = new T[n];
            T y = T.CreateTruncating(-0.1);

            TensorPrimitives.MultiplyAdd(x, y, a, expected);
            InCache.MultiplyAdd(x, y, a, actual);
            Same(expected, actual, "MultiplyAdd", n);

            TensorPrimitives.Multiply(x, y, expected);
            InCache.Multiply(x, y, actual);
            Same(expected, actual, "Multiply", n);

            TensorPrimitives.Max(x, T.Zero, expected);
            InCache.Max(x, T.Zero, actual);
            Same(expected, actual, "Max", n);

            x.CopyTo(actual); // in place, as the SGD step writes θ
            TensorPrimitives.MultiplyAdd(a, y, x, expected);
            InCache.MultiplyAdd(a, y, actual, actual);
            Same(expected, actual, "MultiplyAdd in place", n);
        }
    }

    [Fact]
    public void Pieces_keep_the_bits_of_the_whole_span_call_float() => Check<float>();

    [Fact]
    public void Pieces_keep_the_bits_of_the_whole_span_call_double() => Check<double>();

    [Fact]
    public void Spans_of_different_lengths_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => InCache.Max(new float[5], 0f, new float[4]));
        Assert.Contains("lengths 5 and 4", ex.Message);
        Assert.Throws<ArgumentException>(() => InCache.MultiplyAdd(new float[4], 1f, new float[3], new float[4]));
    }
}
