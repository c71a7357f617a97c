using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// 8-bit pixels to network inputs: destination[i] = source[i] / divisor, in float32, bit-identical to the
/// scalar reference <see cref="ScaleNaive"/>. A SIMD division is slow (about ten cycles per vector), so the
/// fast path multiplies by the reciprocal and corrects once with two fused multiply-adds (Markstein):
/// q = x·(1/d), r = x − q·d (exact), q′ = q + r·(1/d). With only 256 possible inputs the correction is
/// checked for every one of them, once per divisor; a divisor for which it ever differs keeps the division.
/// </summary>
public static class PixelKernels
{
    private static float _checkedDivisor = float.NaN;
    private static bool _correctedExact;

    /// <summary>Whether the corrected multiplication gives x / <paramref name="divisor"/> exactly for every byte x.</summary>
    public static bool CorrectionIsExact(float divisor)
    {
        if (divisor == _checkedDivisor) return _correctedExact;
        float inverse = 1 / divisor;
        bool exact = true;
        for (int x = 0; x < 256 && exact; x++)
        {
            float q = x * inverse;
            float r = MathF.FusedMultiplyAdd(-q, divisor, x);
            exact = MathF.FusedMultiplyAdd(r, inverse, q) == x / divisor;
        }
        (_correctedExact, _checkedDivisor) = (exact, divisor);
        return exact;
    }

    public static void Scale(ReadOnlySpan<byte> source, Span<float> destination, float divisor)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is shorter than source", nameof(destination));
        int i = 0;
        if (Avx512F.IsSupported && CorrectionIsExact(divisor))
        {
            // vpmovzxbd: 16 bytes straight to 16 int32 lanes.
            var d = Vector512.Create(divisor);
            var inverse = Vector512.Create(1 / divisor);
            ref byte src = ref MemoryMarshal.GetReference(source);
            ref float dst = ref MemoryMarshal.GetReference(destination);
            for (; i <= source.Length - 16; i += 16)
            {
                var ints = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref src, (nuint)i));
                Divide(Avx512F.ConvertToVector512Single(ints), d, inverse).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && CorrectionIsExact(divisor))
        {
            float inverse = 1 / divisor;
            for (; i <= source.Length - 16; i += 16)
            {
                var (s0, s1) = Vector128.Widen(Vector128.Create(source.Slice(i, 16))); // u8 → u16
                var (u0, u1) = Vector128.Widen(s0);                                    // u16 → u32
                var (u2, u3) = Vector128.Widen(s1);
                var d = Vector256.Create(divisor);
                var inv = Vector256.Create(inverse);
                Divide(Vector256.ConvertToSingle(Vector256.Create(u0, u1).AsInt32()), d, inv).CopyTo(destination.Slice(i, 8));
                Divide(Vector256.ConvertToSingle(Vector256.Create(u2, u3).AsInt32()), d, inv).CopyTo(destination.Slice(i + 8, 8));
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            // 128-bit vectors only (x86 without AVX2, ARM64), or a divisor the correction misses: a true division,
            // four lanes at a time — IEEE's quotient, the bits of one at a time.
            var d = Vector128.Create(divisor);
            for (; i <= source.Length - 16; i += 16)
            {
                var (s0, s1) = Vector128.Widen(Vector128.Create(source.Slice(i, 16))); // u8 → u16
                var (u0, u1) = Vector128.Widen(s0);                                    // u16 → u32
                var (u2, u3) = Vector128.Widen(s1);
                (Vector128.ConvertToSingle(u0.AsInt32()) / d).CopyTo(destination.Slice(i, 4));
                (Vector128.ConvertToSingle(u1.AsInt32()) / d).CopyTo(destination.Slice(i + 4, 4));
                (Vector128.ConvertToSingle(u2.AsInt32()) / d).CopyTo(destination.Slice(i + 8, 4));
                (Vector128.ConvertToSingle(u3.AsInt32()) / d).CopyTo(destination.Slice(i + 12, 4));
            }
        }
        for (; i < source.Length; i++) destination[i] = source[i] / divisor;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Divide(Vector512<float> x, Vector512<float> d, Vector512<float> inverse)
    {
        var q = x * inverse;
        var r = Vector512.FusedMultiplyAdd(-q, d, x);
        return Vector512.FusedMultiplyAdd(r, inverse, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Divide(Vector256<float> x, Vector256<float> d, Vector256<float> inverse)
    {
        var q = x * inverse;
        var r = Vector256.FusedMultiplyAdd(-q, d, x);
        return Vector256.FusedMultiplyAdd(r, inverse, q);
    }

    /// <summary>The reference: one value at a time.</summary>
    public static void ScaleNaive(ReadOnlySpan<byte> source, Span<float> destination, float divisor)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = source[i] / divisor;
    }
}
