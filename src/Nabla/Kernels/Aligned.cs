using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Buffers whose values start on a 64-byte boundary, so that no 512-bit load or store of a vector at a
/// multiple of 16 floats (8 doubles) from the start straddles two cache lines. Pinned: the address, and so
/// the offset, never changes.
/// </summary>
internal static class Aligned
{
    /// <summary>A pinned, zeroed array with room for <paramref name="length"/> values from <c>Offset</c>, which is 64-byte aligned.</summary>
    public static unsafe (T[] Array, int Offset) Allocate<T>(int length) where T : unmanaged
    {
        var array = GC.AllocateArray<T>(length + 64 / sizeof(T), pinned: true);
        long address = (long)Unsafe.AsPointer(ref array[0]);
        return (array, (int)((64 - address % 64) % 64 / sizeof(T)));
    }

    /// <summary>The <paramref name="length"/> values of an <see cref="Allocate"/>d buffer, from its aligned start.</summary>
    public static Span<T> Slice<T>((T[] Array, int Offset) buffer, int length) => buffer.Array.AsSpan(buffer.Offset, length);
}
