using Nabla.Kernels;
using Nabla.Tensors;
using Nabla.Tests.Support;

namespace Nabla.Tests.Kernels;

/// <summary>The blocked SIMD products against the naive triple loop, on many shapes, odd ones included.</summary>
public class GemmTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>
        {
            { 1, 1, 1 }, { 1, 784, 1 }, { 1, 1, 784 }, { 784, 1, 1 }, { 63, 65, 67 }, { 257, 3, 5 }, { 3, 257, 5 },
            { 5, 3, 257 }, { 64, 128, 784 }, { 64, 10, 128 }, { 10, 128, 64 }, { 128, 784, 64 }, { 97, 33, 300 },
            { 200, 300, 600 }, { 8, 32, 1 }, { 9, 33, 2 }, { 0, 5, 3 }, { 4, 0, 3 }, { 4, 5, 0 },
            // few rows (the weight gradient of a 10-output layer): every row count of that path, k across its 256-step blocks
            { 6, 32, 7 }, { 7, 95, 513 }, { 10, 784, 100 }, { 11, 40, 256 }, { 12, 33, 300 }, { 5, 64, 9 }, { 13, 64, 9 },
            // one to three rows (a single sample's dA = dZ·W): column blocks of 64, 16 and the scalar tail, k across 256
            { 1, 32, 10 }, { 1, 32, 32 }, { 2, 81, 300 }, { 3, 200, 513 }, { 1, 15, 40 },
        };
        for (int s = 1; s <= 40; s += 3) data.Add(s, s + 1, s + 2);
        return data;
    }

    private static void CheckAllForms<T>(int m, int n, int k, double rtol) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var A = Compare.Random<T>(m, k, 1);
        var B = Compare.Random<T>(k, n, 2);
        var Bt = Compare.Random<T>(n, k, 3);
        var At = Compare.Random<T>(k, m, 4);
        double atol = rtol * Math.Sqrt(Math.Max(k, 1)) * 4;
        foreach (bool accumulate in new[] { false, true })
        {
            var expected = Compare.Random<T>(m, n, 5);
            var actual = expected.Clone();
            GemmNaive.MatMul(A, B, expected, accumulate);
            Gemm.MatMul(A, B, actual, accumulate);
            Compare.Close(expected, actual, rtol, atol, $"A·B {m}x{k}·{k}x{n} accumulate={accumulate}");

            expected = Compare.Random<T>(m, n, 6);
            actual = expected.Clone();
            GemmNaive.MatMulTransB(A, Bt, expected, accumulate);
            Gemm.MatMulTransB(A, Bt, actual, accumulate);
            Compare.Close(expected, actual, rtol, atol, $"A·Bᵀ accumulate={accumulate}");

            expected = Compare.Random<T>(m, n, 7);
            actual = expected.Clone();
            GemmNaive.MatMulTransA(At, B, expected, accumulate);
            Gemm.MatMulTransA(At, B, actual, accumulate);
            Compare.Close(expected, actual, rtol, atol, $"Aᵀ·B accumulate={accumulate}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_matches_naive(int m, int n, int k) => CheckAllForms<float>(m, n, k, 2e-5);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_matches_naive(int m, int n, int k) => CheckAllForms<double>(m, n, k, 1e-13);

    /// <summary>
    /// The few-row path (6 to 12 rows: a 10-output layer's dW = dZᵀ·X) gives each element of C one chain of fused
    /// multiply-adds over p in order from zero per block of 256, then added to C — the bits of the other paths — whether
    /// its rows go through the 10-row tile (up to 10) or the 12-row one, in the two-vector tiles, the one-vector tile and
    /// the scalar tail.
    /// </summary>
    [Fact]
    public void The_few_row_path_gives_each_element_one_chain_over_p()
    {
        // Without FMA hardware (x86 without AVX2) the vector products multiply and add, two roundings: other bits by design.
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported) return;
        foreach (int m in new[] { 6, 9, 10, 11, 12 })
            foreach (int n in new[] { 16, 32, 48, 57, 784 })
                foreach (int k in new[] { 7, 100, 300 })
                    foreach (bool accumulate in new[] { false, true })
                    {
                        var At = Compare.Random<float>(k, m, (ulong)(m + n));
                        var B = Compare.Random<float>(k, n, (ulong)k);
                        var C = Compare.Random<float>(m, n, 5);
                        var expected = C.Clone();
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++)
                                for (int pc = 0; pc < k; pc += 256)
                                {
                                    float sum = 0;
                                    for (int p = pc; p < Math.Min(k, pc + 256); p++) sum = MathF.FusedMultiplyAdd(At[p, i], B[p, j], sum);
                                    expected[i, j] = pc == 0 && !accumulate ? sum : expected[i, j] + sum;
                                }
                        Gemm.MatMulTransA(At, B, C, accumulate);
                        Assert.True(expected.Span.SequenceEqual(C.Span), $"[{m},{k}]ᵀ·[{k},{n}] accumulate={accumulate}: not one chain over p per element");
                    }
    }

    [Fact]
    public void Every_square_size_up_to_70_matches_naive()
    {
        // Every remainder of the vector width and of the MR×NR tile runs at least once.
        for (int s = 0; s <= 70; s++) CheckAllForms<float>(s, s, s, 2e-5);
    }

    /// <summary>
    /// Runs <paramref name="fast"/> on one thread and on four: the bits must be the same, and close to the naive
    /// product <paramref name="naive"/>.
    /// </summary>
    private static void SameBitsOnOneAndFourThreads(int m, int n, int k,
        Action<Matrix<float>> fast, Action<Matrix<float>> naive, string what)
    {
        var one = new Matrix<float>(m, n);
        var four = new Matrix<float>(m, n);
        int saved = WorkerPool.MaxThreads;
        try
        {
            WorkerPool.MaxThreads = 1;
            fast(one);
            WorkerPool.MaxThreads = 4;
            fast(four);
        }
        finally { WorkerPool.MaxThreads = saved; }
        Assert.True(one.Span.SequenceEqual(four.Span), $"{what}: one thread and four threads gave different bits");
        var reference = new Matrix<float>(m, n);
        naive(reference);
        Compare.Close(reference, four, 2e-5, 2e-5 * Math.Sqrt(k) * 4, what);
    }

    [Theory]
    [InlineData(128, 784, 64)]  // W2's dW1 = dZ1ᵀ·X: 24 panels read in place and a partial one packed
    [InlineData(64, 128, 10)]   // W2's dH = dZ2·W2
    [InlineData(97, 96, 64)]    // every panel in place, an edge tile of A
    [InlineData(200, 2100, 33)] // more than one column block (NC)
    [InlineData(9, 31, 5)]      // narrower than one panel: all packed
    public void B_read_in_place_gives_the_bits_of_packed_B(int m, int n, int k)
    {
        foreach (bool transA in new[] { false, true })
            foreach (bool accumulate in new[] { false, true })
            {
                var A = transA ? Compare.Random<float>(k, m, 21) : Compare.Random<float>(m, k, 21);
                var B = Compare.Random<float>(k, n, 22);
                var inPlace = Compare.Random<float>(m, n, 23);
                var packed = inPlace.Clone();
                int saved = Gemm.InPlaceMaxK;
                try
                {
                    Gemm.InPlaceMaxK = 64;
                    if (transA) Gemm.MatMulTransA(A, B, inPlace, accumulate); else Gemm.MatMul(A, B, inPlace, accumulate);
                    Gemm.InPlaceMaxK = 0;
                    if (transA) Gemm.MatMulTransA(A, B, packed, accumulate); else Gemm.MatMul(A, B, packed, accumulate);
                }
                finally { Gemm.InPlaceMaxK = saved; }
                Assert.True(inPlace.Span.SequenceEqual(packed.Span), $"{(transA ? "Aᵀ·B" : "A·B")} {m}×{n}×{k} accumulate={accumulate}: in place and packed differ");
            }
    }

    [Fact]
    public void Result_does_not_depend_on_the_thread_count()
    {
        var A = Compare.Random<float>(300, 700, 11);
        var B = Compare.Random<float>(700, 500, 12);
        SameBitsOnOneAndFourThreads(300, 500, 700, C => Gemm.MatMul(A, B, C), C => GemmNaive.MatMul(A, B, C), "A·B");
    }

    [Fact]
    public void Weight_gradient_split_by_rows_does_not_depend_on_the_thread_count()
    {
        var dZ = Compare.Random<float>(64, 300, 33);   // dW [300, 500] = dZᵀ·X over a batch of 64: split by rows of W
        var X = Compare.Random<float>(64, 500, 34);
        SameBitsOnOneAndFourThreads(300, 500, 64, C => Gemm.MatMulTransA(dZ, X, C), C => GemmNaive.MatMulTransA(dZ, X, C), "dZᵀ·X by rows");
    }

    [Fact]
    public void Few_row_weight_gradient_does_not_depend_on_the_thread_count()
    {
        var dZ = Compare.Random<float>(3000, 10, 31);   // dW [10, 1000] = dZᵀ·X over 3,000 samples: split over columns
        var X = Compare.Random<float>(3000, 1000, 32);
        SameBitsOnOneAndFourThreads(10, 1000, 3000, C => Gemm.MatMulTransA(dZ, X, C), C => GemmNaive.MatMulTransA(dZ, X, C), "dZᵀ·X");
    }

    [Theory]
    [InlineData(64, 512, 784)]  // row-dot path (A·Bᵀ, small batch), split over columns
    [InlineData(1, 4096, 784)]  // one sample
    [InlineData(40, 37, 3000)]  // odd tiles
    public void Small_batch_forward_does_not_depend_on_the_thread_count(int m, int n, int k)
    {
        var A = Compare.Random<float>(m, k, 21);
        var W = Compare.Random<float>(n, k, 22);
        SameBitsOnOneAndFourThreads(m, n, k, C => Gemm.MatMulTransB(A, W, C), C => GemmNaive.MatMulTransB(A, W, C), "A·Wᵀ");
    }

    [Theory]
    [InlineData(1, 32, 10)]
    [InlineData(1, 32, 32)]
    [InlineData(2, 784, 128)]
    [InlineData(3, 100, 600)]
    public void Few_rows_get_the_bits_they_get_as_rows_of_a_batch(int m, int n, int k)
    {
        // The single-sample backward dA = dZ·W against the same rows inside a 40-row batch (blocked kernel).
        var batch = Compare.Random<float>(40, k, 41);
        var W = Compare.Random<float>(k, n, 42);
        var few = new Matrix<float>(m, k);
        batch.Span[..(m * k)].CopyTo(few.Span);
        foreach (bool accumulate in new[] { false, true })
        {
            var all = Compare.Random<float>(40, n, 43);
            var some = new Matrix<float>(m, n);
            all.Span[..(m * n)].CopyTo(some.Span);
            Gemm.MatMul(batch, W, all, accumulate);
            Gemm.MatMul(few, W, some, accumulate);
            Assert.True(some.Span.SequenceEqual(all.Span[..(m * n)]), $"{m} rows of [{m},{k}]·[{k},{n}] accumulate={accumulate}: not the batch's bits");
        }
    }

    [Fact]
    public void Shape_mismatch_is_refused_with_both_shapes_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.MatMul(new Matrix<float>(2, 3), new Matrix<float>(4, 5), new Matrix<float>(2, 5)));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        Assert.Throws<ArgumentException>(() => Gemm.MatMulTransB(new Matrix<float>(2, 3), new Matrix<float>(4, 3), new Matrix<float>(2, 5)));
    }

    [Fact]
    public void Hand_computed_product()
    {
        var A = Matrix<double>.FromRows([[1, 2], [3, 4]]);
        var B = Matrix<double>.FromRows([[5, 6], [7, 8]]);
        var C = new Matrix<double>(2, 2);
        Gemm.MatMul(A, B, C);
        Assert.Equal(new double[] { 19, 22, 43, 50 }, C.Span.ToArray());
        Gemm.MatMulTransB(A, B, C);
        Assert.Equal(new double[] { 17, 23, 39, 53 }, C.Span.ToArray());
        Gemm.MatMulTransA(A, B, C);
        Assert.Equal(new double[] { 26, 30, 38, 44 }, C.Span.ToArray());
    }
}
