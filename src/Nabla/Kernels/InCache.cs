using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// TensorPrimitives' element-wise operations on spans cut into pieces of at most <see cref="ChunkBytes"/>.
/// Over 256 KB TensorPrimitives writes the destination with non-temporal stores, past every cache level into
/// memory: right for a copy nobody reads soon, wrong inside a training step, whose next operation reads what was
/// just written — after plain SGD's step on W2's first layer (401 KB) the next forward fetched the weights from
/// memory and its product ran at 89 GFLOP/s instead of 105 (bench/NOTES.md step 20). Every element gets the
/// bits of the whole-span call: each lane of these operations is computed on its own.
/// </summary>
/// <remarks>
/// Not for TensorPrimitives' Exp, Sigmoid or Tanh: in float64 a vector with a lane out of the fast path's range
/// (e^x under- or overflowing) is computed by another route, so an element's bits can depend on which neighbours
/// share its vector — which pieces would change.
/// </remarks>
public static class InCache
{
    /// <summary>Half TensorPrimitives' non-temporal threshold (256 KB).</summary>
    public const int ChunkBytes = 128 * 1024;

    /// <summary>The pieces of a span of <paramref name="length"/> values: (start, length), the last one taking the remainder.</summary>
    private static int Pieces<T>(int length) where T : unmanaged => Math.Max(1, length / (ChunkBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>()));

    private static void SameLength(int x, int destination)
    {
        if (x != destination) throw new ArgumentException($"Element-wise: lengths {x} and {destination} differ.");
    }

    private static (int Start, int Length) Piece<T>(int length, int pieces, int i) where T : unmanaged
    {
        int size = ChunkBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return (i * size, i == pieces - 1 ? length - i * size : size);
    }

    /// <summary>destination[i] = x[i]·y + addend[i] (two roundings), as <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> x, T y, ReadOnlySpan<T> addend, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SameLength(x.Length, destination.Length);
        SameLength(addend.Length, destination.Length);
        int pieces = Pieces<T>(destination.Length);
        for (int i = 0; i < pieces; i++)
        {
            var (s, n) = Piece<T>(destination.Length, pieces, i);
            TensorPrimitives.MultiplyAdd(x.Slice(s, n), y, addend.Slice(s, n), destination.Slice(s, n));
        }
    }

    /// <summary>destination[i] = x[i]·y.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> x, T y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SameLength(x.Length, destination.Length);
        int pieces = Pieces<T>(destination.Length);
        for (int i = 0; i < pieces; i++)
        {
            var (s, n) = Piece<T>(destination.Length, pieces, i);
            TensorPrimitives.Multiply(x.Slice(s, n), y, destination.Slice(s, n));
        }
    }

    /// <summary>destination[i] = max(x[i], y) (NaN propagates; +0 above −0).</summary>
    public static void Max<T>(ReadOnlySpan<T> x, T y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SameLength(x.Length, destination.Length);
        int pieces = Pieces<T>(destination.Length);
        for (int i = 0; i < pieces; i++)
        {
            var (s, n) = Piece<T>(destination.Length, pieces, i);
            TensorPrimitives.Max(x.Slice(s, n), y, destination.Slice(s, n));
        }
    }
}
