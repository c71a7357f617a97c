using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// The register-blocked micro-kernel: C[0..MR, 0..NR] (+)= Ap · Bp over kc packed steps, where each
/// step broadcasts MR values of A and multiplies them into two vectors of B with fused multiply-adds.
/// With Vector512 the tile is 8 rows × 2 vectors (8×32 floats, 8×16 doubles: 16 accumulators of 32
/// registers); with Vector256, 6 rows × 2 vectors (12 accumulators of 16 registers); with only 128-bit vectors
/// (x86 without AVX2, ARM64's NEON), 6 rows × 2 vectors of 128 bits.
/// </summary>
internal static unsafe class Kernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static readonly bool Wide = Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Only 128-bit vectors are the processor's own: Vector256 there is .NET's software emulation, a call for each
    /// operation (W3 0.34–0.36 s/epoch through it on this processor with AVX2 switched off, 0.22–0.24 with these lanes, 0.03 with AVX-512).
    /// </summary>
    public static readonly bool Narrow = !Vector512.IsHardwareAccelerated && !Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated;

    public static readonly int MR = Wide ? 8 : 6;
    public static readonly int NR = 2 * (Wide ? Vector512<T>.Count : Narrow ? Vector128<T>.Count : Vector256<T>.Count);

    /// <summary>
    /// C tile (row stride ldc) = or += Ap·Bp; only the top-left mr×nr part is written. Bp holds NR values per step,
    /// <paramref name="ldb"/> apart: NR in a packed panel, B's row stride when B is read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int kc, T* Ap, T* Bp, int ldb, T* C, int ldc, int mr, int nr, bool overwrite)
    {
        if (Wide) Tile512(kc, Ap, Bp, ldb, C, ldc, mr, nr, overwrite);
        else if (Narrow) Tile6x2<Vector128<T>, Lanes128<T>>(kc, Ap, Bp, ldb, C, ldc, mr, nr, overwrite);
        else Tile6x2<Vector256<T>, Lanes256<T>>(kc, Ap, Bp, ldb, C, ldc, mr, nr, overwrite);
    }

    /// <summary>a·b + c with one rounding (float or double lanes); shared with <see cref="GemmDot{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector512.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        return a * b + c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        // Without AVX2 (x86-64-v2: .NET then reports no FMA either) a fused multiply-add is emulated one value at a
        // time in software, and the vectors here are software too: W3 took 6.8 s/epoch that way, 0.32 with a multiply
        // and an add (two roundings, so other bits than with FMA, as such a processor's other paths give anyway).
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported && !System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) return a * b + c;
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector256.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        return a * b + c;
    }

    /// <summary>
    /// a·b + c for one value with the vector lanes' rounding: one rounding where the processor has FMA, two where .NET
    /// reports none (x86 without AVX2), as <see cref="Fma(Vector128{T}, Vector128{T}, Vector128{T})"/> — so a scalar tail
    /// gets the bits a vector lane would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Fma(T a, T b, T c) =>
        !System.Runtime.Intrinsics.X86.Fma.IsSupported && !System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? a * b + c : T.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<T> Fma(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        // As the 256-bit one: x86 without AVX2 has no FMA in .NET, so a multiply and an add there; ARM64 has its own.
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported && !System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) return a * b + c;
        if (typeof(T) == typeof(float))
            return Vector128.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector128.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        return a * b + c;
    }

    private static void Tile512(int kc, T* Ap, T* Bp, int ldb, T* C, int ldc, int mr, int nr, bool overwrite)
    {
        int W = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(Bp);
            var b1 = Vector512.Load(Bp + W);
            Vector512<T> a;
            a = Vector512.Create(Ap[0]); c00 = Fma(a, b0, c00); c01 = Fma(a, b1, c01);
            a = Vector512.Create(Ap[1]); c10 = Fma(a, b0, c10); c11 = Fma(a, b1, c11);
            a = Vector512.Create(Ap[2]); c20 = Fma(a, b0, c20); c21 = Fma(a, b1, c21);
            a = Vector512.Create(Ap[3]); c30 = Fma(a, b0, c30); c31 = Fma(a, b1, c31);
            a = Vector512.Create(Ap[4]); c40 = Fma(a, b0, c40); c41 = Fma(a, b1, c41);
            a = Vector512.Create(Ap[5]); c50 = Fma(a, b0, c50); c51 = Fma(a, b1, c51);
            a = Vector512.Create(Ap[6]); c60 = Fma(a, b0, c60); c61 = Fma(a, b1, c61);
            a = Vector512.Create(Ap[7]); c70 = Fma(a, b0, c70); c71 = Fma(a, b1, c71);
            Ap += 8;
            Bp += ldb;
        }
        if (mr == 8 && nr == 2 * W)
        {
            Store(C + 0 * ldc, c00, c01, overwrite, W); Store(C + 1 * ldc, c10, c11, overwrite, W);
            Store(C + 2 * ldc, c20, c21, overwrite, W); Store(C + 3 * ldc, c30, c31, overwrite, W);
            Store(C + 4 * ldc, c40, c41, overwrite, W); Store(C + 5 * ldc, c50, c51, overwrite, W);
            Store(C + 6 * ldc, c60, c61, overwrite, W); Store(C + 7 * ldc, c70, c71, overwrite, W);
            return;
        }
        Edge512(C, ldc, mr, nr, overwrite, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    // An edge tile: the full tile into a scratch tile, then its valid part into C. Kept out of Tile512: with the scratch
    // tile in its frame, the JIT (without profile data: TieredPGO off, NativeAOT) spilled all sixteen accumulators to
    // the stack at every step of the loop above, and the kernel ran at a third of its speed.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Edge512(T* C, int ldc, int mr, int nr, bool overwrite,
        Vector512<T> c00, Vector512<T> c01, Vector512<T> c10, Vector512<T> c11, Vector512<T> c20, Vector512<T> c21,
        Vector512<T> c30, Vector512<T> c31, Vector512<T> c40, Vector512<T> c41, Vector512<T> c50, Vector512<T> c51,
        Vector512<T> c60, Vector512<T> c61, Vector512<T> c70, Vector512<T> c71)
    {
        int W = Vector512<T>.Count;
        T* tile = stackalloc T[8 * 2 * W];
        int ld = 2 * W;
        c00.Store(tile + 0 * ld); c01.Store(tile + 0 * ld + W); c10.Store(tile + 1 * ld); c11.Store(tile + 1 * ld + W);
        c20.Store(tile + 2 * ld); c21.Store(tile + 2 * ld + W); c30.Store(tile + 3 * ld); c31.Store(tile + 3 * ld + W);
        c40.Store(tile + 4 * ld); c41.Store(tile + 4 * ld + W); c50.Store(tile + 5 * ld); c51.Store(tile + 5 * ld + W);
        c60.Store(tile + 6 * ld); c61.Store(tile + 6 * ld + W); c70.Store(tile + 7 * ld); c71.Store(tile + 7 * ld + W);
        WritePart(tile, ld, C, ldc, mr, nr, overwrite);
    }

    // 6 rows × 2 vectors of 256 or 128 bits: 12 accumulators, two vectors of B and one broadcast of A — 15 of x86's
    // 16 registers (ARM64 has 32). A method of its own, not inlined into the caller's blocking loops: inlined there,
    // the loop reloaded two of their variables from the stack at every step.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tile6x2<TV, L>(int kc, T* Ap, T* Bp, int ldb, T* C, int ldc, int mr, int nr, bool overwrite)
        where TV : struct where L : struct, ILanes<T, TV>
    {
        int W = L.Count;
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = L.Load(Bp);
            var b1 = L.Load(Bp + W);
            TV a;
            a = L.Broadcast(Ap[0]); c00 = L.Fma(a, b0, c00); c01 = L.Fma(a, b1, c01);
            a = L.Broadcast(Ap[1]); c10 = L.Fma(a, b0, c10); c11 = L.Fma(a, b1, c11);
            a = L.Broadcast(Ap[2]); c20 = L.Fma(a, b0, c20); c21 = L.Fma(a, b1, c21);
            a = L.Broadcast(Ap[3]); c30 = L.Fma(a, b0, c30); c31 = L.Fma(a, b1, c31);
            a = L.Broadcast(Ap[4]); c40 = L.Fma(a, b0, c40); c41 = L.Fma(a, b1, c41);
            a = L.Broadcast(Ap[5]); c50 = L.Fma(a, b0, c50); c51 = L.Fma(a, b1, c51);
            Ap += 6;
            Bp += ldb;
        }
        if (mr == 6 && nr == 2 * W)
        {
            Store<TV, L>(C + 0 * ldc, c00, c01, overwrite); Store<TV, L>(C + 1 * ldc, c10, c11, overwrite);
            Store<TV, L>(C + 2 * ldc, c20, c21, overwrite); Store<TV, L>(C + 3 * ldc, c30, c31, overwrite);
            Store<TV, L>(C + 4 * ldc, c40, c41, overwrite); Store<TV, L>(C + 5 * ldc, c50, c51, overwrite);
            return;
        }
        Edge6x2<TV, L>(C, ldc, mr, nr, overwrite, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    // The 6 × 2 tile's edge, out of its frame for the same reason as Edge512 (every step of its loop spilled the
    // twelve accumulators, with or without profile data).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Edge6x2<TV, L>(T* C, int ldc, int mr, int nr, bool overwrite,
        TV c00, TV c01, TV c10, TV c11, TV c20, TV c21, TV c30, TV c31, TV c40, TV c41, TV c50, TV c51)
        where TV : struct where L : struct, ILanes<T, TV>
    {
        int W = L.Count;
        T* tile = stackalloc T[6 * 2 * W];
        int ld = 2 * W;
        L.Store(c00, tile + 0 * ld); L.Store(c01, tile + 0 * ld + W); L.Store(c10, tile + 1 * ld); L.Store(c11, tile + 1 * ld + W);
        L.Store(c20, tile + 2 * ld); L.Store(c21, tile + 2 * ld + W); L.Store(c30, tile + 3 * ld); L.Store(c31, tile + 3 * ld + W);
        L.Store(c40, tile + 4 * ld); L.Store(c41, tile + 4 * ld + W); L.Store(c50, tile + 5 * ld); L.Store(c51, tile + 5 * ld + W);
        WritePart(tile, ld, C, ldc, mr, nr, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TV, L>(T* row, TV v0, TV v1, bool overwrite) where TV : struct where L : struct, ILanes<T, TV>
    {
        int W = L.Count;
        if (!overwrite)
        {
            v0 = L.Add(v0, L.Load(row));
            v1 = L.Add(v1, L.Load(row + W));
        }
        L.Store(v0, row);
        L.Store(v1, row + W);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, Vector512<T> v0, Vector512<T> v1, bool overwrite, int W)
    {
        if (!overwrite)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + W);
        }
        v0.Store(row);
        v1.Store(row + W);
    }

    private static void WritePart(T* tile, int ld, T* C, int ldc, int mr, int nr, bool overwrite)
    {
        for (int i = 0; i < mr; i++)
        {
            T* src = tile + i * ld;
            T* dst = C + (long)i * ldc;
            if (overwrite) for (int j = 0; j < nr; j++) dst[j] = src[j];
            else for (int j = 0; j < nr; j++) dst[j] += src[j];
        }
    }
}
