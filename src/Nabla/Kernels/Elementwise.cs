using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// An element-wise operation of two inputs, d = f(x, y), written for 512-, 256- and 128-bit vector lanes and for one
/// value (the tail, and processors without vectors); all must give the same bits for the same inputs.
/// </summary>
public interface IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    Vector512<T> Invoke(Vector512<T> x, Vector512<T> y);
    Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);
    Vector128<T> Invoke(Vector128<T> x, Vector128<T> y);
    T Invoke(T x, T y);
}

/// <summary>The loop driver for <see cref="IBinaryOperator{T}"/> (TensorPrimitives' pattern: one driver, many small operators).</summary>
public static class Elementwise
{
    /// <summary>destination[i] = op(x[i], y[i]): sixteen (or eight) lanes at a time, eight (or four) without AVX-512, four (or two) with 128-bit vectors only, then the scalar tail.</summary>
    public static void Map<T, TOperator>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, TOperator op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOperator : struct, IBinaryOperator<T>
    {
        if (x.Length != destination.Length || y.Length != destination.Length)
            throw new ArgumentException($"Element-wise: lengths {x.Length}, {y.Length} and {destination.Length} differ.");
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref T x0 = ref MemoryMarshal.GetReference(x);
            ref T y0 = ref MemoryMarshal.GetReference(y);
            ref T d0 = ref MemoryMarshal.GetReference(destination);
            for (; i <= destination.Length - Vector512<T>.Count; i += Vector512<T>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref x0, (nuint)i), Vector512.LoadUnsafe(ref y0, (nuint)i)).StoreUnsafe(ref d0, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            ref T x0 = ref MemoryMarshal.GetReference(x);
            ref T y0 = ref MemoryMarshal.GetReference(y);
            ref T d0 = ref MemoryMarshal.GetReference(destination);
            for (; i <= destination.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref x0, (nuint)i), Vector256.LoadUnsafe(ref y0, (nuint)i)).StoreUnsafe(ref d0, (nuint)i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            // Only 128-bit vectors (x86 without AVX2, ARM64): four (or two) lanes.
            ref T x0 = ref MemoryMarshal.GetReference(x);
            ref T y0 = ref MemoryMarshal.GetReference(y);
            ref T d0 = ref MemoryMarshal.GetReference(destination);
            for (; i <= destination.Length - Vector128<T>.Count; i += Vector128<T>.Count)
                op.Invoke(Vector128.LoadUnsafe(ref x0, (nuint)i), Vector128.LoadUnsafe(ref y0, (nuint)i)).StoreUnsafe(ref d0, (nuint)i);
        }
        for (; i < destination.Length; i++) destination[i] = op.Invoke(x[i], y[i]);
    }
}
