using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// C[m, n] (+)= A·B for one to <see cref="MaxRows"/> rows, rows of B contiguous: row vector times matrix,
/// c = a·B, as in the backward dA = dZ·W of a single sample. The blocked kernel would pack B and run an
/// 8-row tile for one useful row; here each row of C is built in registers, four vectors of columns at a
/// time, reading B straight from its rows. Each C element is the same chain of fused multiply-adds over p
/// as in the blocked kernel (from zero over each 256-step block of p, then added to C), so a single
/// sample gets the bits it would get as a row of a batch.
/// </summary>
internal static unsafe class GemmRowVector<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public const int MaxRows = 3, KC = 256;
    public static bool Available => Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated;

    /// <summary>C(i,j) (+)= Σ_p A(i,p)·B(p,j), A(i,p) = a[i·rsA + p·csA], B(p,j) = b[p·rsB + j].</summary>
    public static void Run(int m, int n, int k, T* a, int rsA, int csA, T* b, int rsB, T* c, int ldc, bool accumulate)
    {
        bool wide = Vector512.IsHardwareAccelerated;
        int W = wide ? Vector512<T>.Count : Vector256<T>.Count; // without AVX-512: 256-bit lanes
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool overwrite = pc == 0 && !accumulate;
            T* bp = b + (long)pc * rsB;
            for (int i = 0; i < m; i++)
            {
                T* ai = a + (long)i * rsA + (long)pc * csA;
                T* ci = c + (long)i * ldc;
                int j = 0;
                if (wide)
                {
                    for (; j + 4 * W <= n; j += 4 * W) Four(kc, ai, csA, bp + j, rsB, ci + j, overwrite);
                    for (; j + W <= n; j += W) One(kc, ai, csA, bp + j, rsB, ci + j, overwrite);
                }
                else
                {
                    for (; j + 4 * W <= n; j += 4 * W) Four256(kc, ai, csA, bp + j, rsB, ci + j, overwrite);
                    for (; j + W <= n; j += W) One256(kc, ai, csA, bp + j, rsB, ci + j, overwrite);
                }
                for (; j < n; j++)
                {
                    T sum = T.Zero; // as in a tile: the chain over p from zero, then added to C
                    for (int p = 0; p < kc; p++) sum = T.FusedMultiplyAdd(ai[(long)p * csA], bp[(long)p * rsB + j], sum);
                    ci[j] = overwrite ? sum : ci[j] + sum;
                }
            }
        }
    }

    // c[0..4W) (+)= Σ_p a(p)·B[p, 0..4W).
    private static void Four(int kc, T* a, int csA, T* b, int rsB, T* c, bool overwrite)
    {
        int W = Vector512<T>.Count;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kc; p++)
        {
            var x = Vector512.Create(a[(long)p * csA]);
            T* row = b + (long)p * rsB;
            c0 = Kernel<T>.Fma(x, Vector512.Load(row), c0);
            c1 = Kernel<T>.Fma(x, Vector512.Load(row + W), c1);
            c2 = Kernel<T>.Fma(x, Vector512.Load(row + 2 * W), c2);
            c3 = Kernel<T>.Fma(x, Vector512.Load(row + 3 * W), c3);
        }
        Store(c, c0, overwrite);
        Store(c + W, c1, overwrite);
        Store(c + 2 * W, c2, overwrite);
        Store(c + 3 * W, c3, overwrite);
    }

    private static void One(int kc, T* a, int csA, T* b, int rsB, T* c, bool overwrite)
    {
        Vector512<T> c0 = default;
        for (int p = 0; p < kc; p++) c0 = Kernel<T>.Fma(Vector512.Create(a[(long)p * csA]), Vector512.Load(b + (long)p * rsB), c0);
        Store(c, c0, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* to, Vector512<T> v, bool overwrite)
    {
        if (!overwrite) v += Vector512.Load(to);
        v.Store(to);
    }

    // Four and One in 256-bit lanes, for processors without AVX-512.
    private static void Four256(int kc, T* a, int csA, T* b, int rsB, T* c, bool overwrite)
    {
        int W = Vector256<T>.Count;
        Vector256<T> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kc; p++)
        {
            var x = Vector256.Create(a[(long)p * csA]);
            T* row = b + (long)p * rsB;
            c0 = Kernel<T>.Fma(x, Vector256.Load(row), c0);
            c1 = Kernel<T>.Fma(x, Vector256.Load(row + W), c1);
            c2 = Kernel<T>.Fma(x, Vector256.Load(row + 2 * W), c2);
            c3 = Kernel<T>.Fma(x, Vector256.Load(row + 3 * W), c3);
        }
        Store(c, c0, overwrite);
        Store(c + W, c1, overwrite);
        Store(c + 2 * W, c2, overwrite);
        Store(c + 3 * W, c3, overwrite);
    }

    private static void One256(int kc, T* a, int csA, T* b, int rsB, T* c, bool overwrite)
    {
        Vector256<T> c0 = default;
        for (int p = 0; p < kc; p++) c0 = Kernel<T>.Fma(Vector256.Create(a[(long)p * csA]), Vector256.Load(b + (long)p * rsB), c0);
        Store(c, c0, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* to, Vector256<T> v, bool overwrite)
    {
        if (!overwrite) v += Vector256.Load(to);
        v.Store(to);
    }
}
