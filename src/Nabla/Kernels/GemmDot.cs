using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
        Finish(c0, kv, k, a, b0, c, accumulate);
        Finish(c1, kv, k, a, b1, c + 1, accumulate);
        Finish(c2, kv, k, a, b2, c + 2, accumulate);
        Finish(c3, kv, k, a, b3, c + 3, accumulate);
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
        Finish(c00, kv, k, a0, b0, c, accumulate); Finish(c01, kv, k, a0, b1, c + 1, accumulate);
        c += ldc;
        Finish(c10, kv, k, a1, b0, c, accumulate); Finish(c11, kv, k, a1, b1, c + 1, accumulate);
        c += ldc;
        Finish(c20, kv, k, a2, b0, c, accumulate); Finish(c21, kv, k, a2, b1, c + 1, accumulate);
        c += ldc;
        Finish(c30, kv, k, a3, b0, c, accumulate); Finish(c31, kv, k, a3, b1, c + 1, accumulate);
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
        Finish(c00, kv, k, a0, b0, c, accumulate); Finish(c01, kv, k, a0, b1, c + 1, accumulate);
        Finish(c02, kv, k, a0, b2, c + 2, accumulate); Finish(c03, kv, k, a0, b3, c + 3, accumulate);
        c += ldc;
        Finish(c10, kv, k, a1, b0, c, accumulate); Finish(c11, kv, k, a1, b1, c + 1, accumulate);
        Finish(c12, kv, k, a1, b2, c + 2, accumulate); Finish(c13, kv, k, a1, b3, c + 3, accumulate);
        c += ldc;
        Finish(c20, kv, k, a2, b0, c, accumulate); Finish(c21, kv, k, a2, b1, c + 1, accumulate);
        Finish(c22, kv, k, a2, b2, c + 2, accumulate); Finish(c23, kv, k, a2, b3, c + 3, accumulate);
        c += ldc;
        Finish(c30, kv, k, a3, b0, c, accumulate); Finish(c31, kv, k, a3, b1, c + 1, accumulate);
        Finish(c32, kv, k, a3, b2, c + 2, accumulate); Finish(c33, kv, k, a3, b3, c + 3, accumulate);
    }
}
