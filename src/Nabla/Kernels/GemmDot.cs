using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// C[m,n] (=/+=) A[m,k]·B[n,k]ᵀ as dot products of rows, for the forward Z = A·Wᵀ when the batch is
/// small (down to one sample): both operands are read along contiguous rows, so nothing is packed or
/// transposed — which is what dominates the blocked kernel when m is small. Tiles of 4 rows of A by 4
/// rows of B keep 16 vector accumulators; every element of C is computed by the same sequence (vector
/// FMAs over k, a horizontal sum, then the scalar tail) whichever tile it falls in, so results do not
/// depend on the position or the thread split.
/// </summary>
internal static unsafe class GemmDot<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Available => Vector512.IsHardwareAccelerated;

    public static void Run(int m, int n, int k, T* a, int lda, T* b, int ldb, T* c, int ldc, bool accumulate)
    {
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            int j = 0;
            for (; j + 4 <= n; j += 4) Tile4x4(k, a + (long)i * lda, lda, b + (long)j * ldb, ldb, c + (long)i * ldc + j, ldc, accumulate);
            // The last one to three rows of B (a 10-output layer: columns 8 and 9) as 4×2 and 4×1 tiles, not one
            // chain at a time: a lone chain of fused multiply-adds waits on each one's latency.
            for (; j + 2 <= n; j += 2) Tile4x2(k, a + (long)i * lda, lda, b + (long)j * ldb, ldb, c + (long)i * ldc + j, ldc, accumulate);
            if (j < n) Tile4x1(k, a + (long)i * lda, lda, b + (long)j * ldb, c + (long)i * ldc + j, ldc, accumulate);
        }
        for (; i < m; i++)
        {
            int j = 0;
            for (; j + 4 <= n; j += 4) Tile1x4(k, a + (long)i * lda, b + (long)j * ldb, ldb, c + (long)i * ldc + j, accumulate);
            for (; j < n; j++) One(k, a + (long)i * lda, b + (long)j * ldb, c + (long)i * ldc + j, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> x, Vector512<T> y, Vector512<T> acc) => Kernel<T>.Fma(x, y, acc);

    // The end of one element: horizontal sum, scalar tail p = kv..k−1, then store or add.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector512<T> acc, int kv, int k, T* a, T* b, T* c, bool accumulate)
    {
        T s = Vector512.Sum(acc);
        for (int p = kv; p < k; p++) s = T.FusedMultiplyAdd(a[p], b[p], s);
        *c = accumulate ? *c + s : s;
    }

    // Four neighbouring elements of one row of C: the same as four Finish calls; for float without a tail, the
    // four horizontal sums at once (Sum4), then one 4-wide store or add.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish4(Vector512<T> s0, Vector512<T> s1, Vector512<T> s2, Vector512<T> s3, int kv, int k, T* a, T* b, int ldb, T* c, bool accumulate)
    {
        if (typeof(T) == typeof(float) && kv == k && Avx512F.IsSupported)
        {
            var sums = Sum4(s0.As<T, float>(), s1.As<T, float>(), s2.As<T, float>(), s3.As<T, float>());
            if (accumulate) sums = Vector128.Load((float*)c) + sums;
            sums.Store((float*)c);
            return;
        }
        Finish(s0, kv, k, a, b, c, accumulate);
        Finish(s1, kv, k, a, b + ldb, c + 1, accumulate);
        Finish(s2, kv, k, a, b + 2 * ldb, c + 2, accumulate);
        Finish(s3, kv, k, a, b + 3 * ldb, c + 3, accumulate);
    }

    // Two neighbouring elements of one row of C: Finish4's sums for two vectors (each twice), two stores.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish2(Vector512<T> s0, Vector512<T> s1, int kv, int k, T* a, T* b0, T* b1, T* c, bool accumulate)
    {
        if (typeof(T) == typeof(float) && kv == k && Avx512F.IsSupported)
        {
            var sums = Sum4(s0.As<T, float>(), s1.As<T, float>(), s0.As<T, float>(), s1.As<T, float>());
            float* f = (float*)c;
            f[0] = accumulate ? f[0] + sums.GetElement(0) : sums.GetElement(0);
            f[1] = accumulate ? f[1] + sums.GetElement(1) : sums.GetElement(1);
            return;
        }
        Finish(s0, kv, k, a, b0, c, accumulate);
        Finish(s1, kv, k, a, b1, c + 1, accumulate);
    }

    /// <summary>
    /// (Vector512.Sum(s0), …, Vector512.Sum(s3)) with the same bits: its tree — neighbours (l0 + l1), then pairs of
    /// those, then the four 128-bit groups as (g0 + g1) + (g2 + g3), a test pins it — done for the four vectors
    /// together, about 19 instructions instead of 4 × 24.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Sum4(Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3)
    {
        var odd = Vector512.Create(0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1).AsSingle();
        var upperPair = Vector512.Create(0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1).AsSingle();
        // Neighbours: lanes 2j and 2j+1 both hold l(2j) + l(2j+1); s0's in the even lanes, s1's in the odd ones.
        var q01 = Vector512.ConditionalSelect(odd, s1 + Avx512F.Permute4x32(s1, 0xB1), s0 + Avx512F.Permute4x32(s0, 0xB1));
        var q23 = Vector512.ConditionalSelect(odd, s3 + Avx512F.Permute4x32(s3, 0xB1), s2 + Avx512F.Permute4x32(s2, 0xB1));
        // Pairs of those: lane 4m + i holds group m's sum of s_i.
        var groups = Vector512.ConditionalSelect(upperPair, q23 + Avx512F.Permute4x32(q23, 0x4E), q01 + Avx512F.Permute4x32(q01, 0x4E));
        // (g0 + g1) in group 0, (g2 + g3) in group 2, then their sum.
        var halves = groups + Avx512F.Shuffle4x128(groups, groups, 0xB1);
        return halves.GetLower().GetLower() + halves.GetUpper().GetLower();
    }

    private static void One(int k, T* a, T* b, T* c, bool accumulate)
    {
        int W = Vector512<T>.Count, kv = k - k % W;
        var acc = Vector512<T>.Zero;
        for (int p = 0; p < kv; p += W) acc = Fma(Vector512.Load(a + p), Vector512.Load(b + p), acc);
        Finish(acc, kv, k, a, b, c, accumulate);
    }

    private static void Tile1x4(int k, T* a, T* b, int ldb, T* c, bool accumulate)
    {
        int W = Vector512<T>.Count, kv = k - k % W;
        T* b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kv; p += W)
        {
            var x = Vector512.Load(a + p);
            c0 = Fma(x, Vector512.Load(b0 + p), c0);
            c1 = Fma(x, Vector512.Load(b1 + p), c1);
            c2 = Fma(x, Vector512.Load(b2 + p), c2);
            c3 = Fma(x, Vector512.Load(b3 + p), c3);
        }
        Finish4(c0, c1, c2, c3, kv, k, a, b0, ldb, c, accumulate);
    }

    private static void Tile4x2(int k, T* a, int lda, T* b, int ldb, T* c, int ldc, bool accumulate)
    {
        int W = Vector512<T>.Count, kv = k - k % W;
        T* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        T* b0 = b, b1 = b + ldb;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kv; p += W)
        {
            var y0 = Vector512.Load(b0 + p);
            var y1 = Vector512.Load(b1 + p);
            var x = Vector512.Load(a0 + p);
            c00 = Fma(x, y0, c00); c01 = Fma(x, y1, c01);
            x = Vector512.Load(a1 + p);
            c10 = Fma(x, y0, c10); c11 = Fma(x, y1, c11);
            x = Vector512.Load(a2 + p);
            c20 = Fma(x, y0, c20); c21 = Fma(x, y1, c21);
            x = Vector512.Load(a3 + p);
            c30 = Fma(x, y0, c30); c31 = Fma(x, y1, c31);
        }
        Finish2(c00, c01, kv, k, a0, b0, b1, c, accumulate);
        Finish2(c10, c11, kv, k, a1, b0, b1, c + ldc, accumulate);
        Finish2(c20, c21, kv, k, a2, b0, b1, c + 2 * ldc, accumulate);
        Finish2(c30, c31, kv, k, a3, b0, b1, c + 3 * ldc, accumulate);
    }

    private static void Tile4x1(int k, T* a, int lda, T* b, T* c, int ldc, bool accumulate)
    {
        int W = Vector512<T>.Count, kv = k - k % W;
        T* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kv; p += W)
        {
            var y = Vector512.Load(b + p);
            c0 = Fma(Vector512.Load(a0 + p), y, c0);
            c1 = Fma(Vector512.Load(a1 + p), y, c1);
            c2 = Fma(Vector512.Load(a2 + p), y, c2);
            c3 = Fma(Vector512.Load(a3 + p), y, c3);
        }
        Finish(c0, kv, k, a0, b, c, accumulate);
        Finish(c1, kv, k, a1, b, c + ldc, accumulate);
        Finish(c2, kv, k, a2, b, c + 2 * ldc, accumulate);
        Finish(c3, kv, k, a3, b, c + 3 * ldc, accumulate);
    }

    private static void Tile4x4(int k, T* a, int lda, T* b, int ldb, T* c, int ldc, bool accumulate)
    {
        int W = Vector512<T>.Count, kv = k - k % W;
        T* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        T* b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default,
            c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        for (int p = 0; p < kv; p += W)
        {
            var y0 = Vector512.Load(b0 + p);
            var y1 = Vector512.Load(b1 + p);
            var y2 = Vector512.Load(b2 + p);
            var y3 = Vector512.Load(b3 + p);
            var x = Vector512.Load(a0 + p);
            c00 = Fma(x, y0, c00); c01 = Fma(x, y1, c01); c02 = Fma(x, y2, c02); c03 = Fma(x, y3, c03);
            x = Vector512.Load(a1 + p);
            c10 = Fma(x, y0, c10); c11 = Fma(x, y1, c11); c12 = Fma(x, y2, c12); c13 = Fma(x, y3, c13);
            x = Vector512.Load(a2 + p);
            c20 = Fma(x, y0, c20); c21 = Fma(x, y1, c21); c22 = Fma(x, y2, c22); c23 = Fma(x, y3, c23);
            x = Vector512.Load(a3 + p);
            c30 = Fma(x, y0, c30); c31 = Fma(x, y1, c31); c32 = Fma(x, y2, c32); c33 = Fma(x, y3, c33);
        }
        Finish4(c00, c01, c02, c03, kv, k, a0, b0, ldb, c, accumulate);
        Finish4(c10, c11, c12, c13, kv, k, a1, b0, ldb, c + ldc, accumulate);
        Finish4(c20, c21, c22, c23, kv, k, a2, b0, ldb, c + 2 * ldc, accumulate);
        Finish4(c30, c31, c32, c33, kv, k, a3, b0, ldb, c + 3 * ldc, accumulate);
    }
}
