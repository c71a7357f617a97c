using Nabla.Kernels;
using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Kernels;

/// <summary>
/// Small batches of mostly-zero inputs through lane-major transposed weights (<see cref="SparseBatch"/>): the
/// bits of the dense products they replace, whatever the tail, the batch size, the density or the thread split;
/// a layer trained this way cannot be told from one that never was.
/// </summary>
public class SparseBatchTests
{
    private static bool PathAvailable()
    {
        if (SparseBatch.Available) return true;
        Assert.True(Environment.GetEnvironmentVariable("NABLA_REQUIRE_AVX512") != "1", "NABLA_REQUIRE_AVX512=1 but this processor (or DOTNET_EnableAVX512=0) gives no 512-bit vectors");
        return false;
    }

    private static Matrix<float> Sparse(int rows, int cols, double zeros, int seed)
    {
        var rng = new Rng((ulong)seed);
        var m = new Matrix<float>(rows, cols);
        foreach (ref float v in m.Span) v = rng.NextDouble() < zeros ? 0f : (float)(rng.NextDouble() * 2 - 1);
        return m;
    }

    /// <summary>A classification problem over mostly-zero inputs: X [rows, 784], one-hot Y with label i mod 10.</summary>
    private static (Matrix<float> X, Matrix<float> Y) Problem(int rows, double zeros, int seed)
    {
        var Y = new Matrix<float>(rows, 10);
        for (int i = 0; i < rows; i++) Y[i, i % 10] = 1;
        return (Sparse(rows, 784, zeros, seed), Y);
    }

    private static Matrix<float> Rows(Matrix<float> m, int first, int count)
    {
        var rows = new Matrix<float>(count, m.Cols);
        m.Span.Slice(first * m.Cols, count * m.Cols).CopyTo(rows.Span);
        return rows;
    }

    // A sparse network and its dense twin, on one thread and then on two (small products split too): twin(threads, run)
    // trains run 0 with the sparse paths and run 1 without; the pool, the threshold and the switch are restored after.
    private static void WithTwins(Action<int, int> twin)
    {
        int savedThreads = WorkerPool.MaxThreads;
        long savedThreshold = Gemm.ParallelThreshold;
        try
        {
            foreach (int threads in new[] { 1, 2 })
                for (int run = 0; run < 2; run++)
                {
                    WorkerPool.MaxThreads = threads;
                    Gemm.ParallelThreshold = threads == 1 ? savedThreshold : 1 << 10;
                    SparseBatch.Enabled = run == 0;
                    twin(threads, run);
                }
        }
        finally
        {
            SparseBatch.Enabled = true;
            WorkerPool.MaxThreads = savedThreads;
            Gemm.ParallelThreshold = savedThreshold;
        }
    }

    [Fact]
    public void Lane_major_rows_are_a_permutation_and_the_layout_round_trips()
    {
        foreach (int k in new[] { 16, 17, 100, 784, 785 })
        {
            var rows = Enumerable.Range(0, k).Select(j => SparseInput<float>.Row(j, k)).ToArray();
            Assert.Equal(Enumerable.Range(0, k), rows.Order());
            if (k >= 32) Assert.Equal(SparseInput<float>.Row(0, k) + 1, SparseInput<float>.Row(16, k)); // a lane's blocks are neighbours
            Assert.Equal(k / 16, SparseInput<float>.Row(1, k)); // lane 1 starts after lane 0's blocks
            var w = Sparse(128, k, 0, k);
            var wt = new float[128 * k];
            SparseInput<float>.Transpose(w.Span, 128, k, wt); // at 128 outputs the stride is the outputs: the batch path's layout
            Assert.Equal(w[5, k - 1], wt[SparseInput<float>.Row(k - 1, k) * 128 + 5]);
            var back = new float[128 * k];
            SparseInput<float>.TransposeBack(wt, 128, k, back);
            Assert.True(w.Span.SequenceEqual(back));
        }
    }

    [Fact]
    public void The_pattern_counts_the_rows_a_pair_reads()
    {
        var x = Sparse(7, 100, 0.6, 1); // 7 rows: three pairs and one alone; 100 inputs: a tail of 4 outside the blocks
        x[2, 3] = float.NaN;            // NaN is non-zero
        x[4, 5] = -0f;                  // −0 is zero
        var pattern = new SparseBatch.Pattern();
        pattern.Analyse(x.Span, 7, 100);
        long expected = 0;
        for (int i = 0; i < 7; i += 2)
            for (int j = 0; j < 96; j++)
                if (x[i, j] != 0 || (i + 1 < 7 && x[i + 1, j] != 0)) expected++;
        Assert.Equal(expected, pattern.PairRows);
    }

    /// <summary>The forward against the dense row-dot product, the weight gradient against the blocked one: every bit.</summary>
    [Fact]
    public void Forward_and_weight_gradient_give_the_dense_bits()
    {
        if (!PathAvailable()) return;
        int cases = 0;
        foreach (int outputs in new[] { 128, 256 })
            foreach (int inputs in new[] { 16, 100, 784, 785 })
                foreach (int m in new[] { 1, 2, 3, 17, 64 })
                    foreach (double zeros in new[] { 0, 0.5, 0.9, 1 })
                    {
                        var x = Sparse(m, inputs, zeros, 100 * m + inputs);
                        var W = Sparse(outputs, inputs, 0, inputs + outputs);
                        var dZ = Sparse(m, outputs, 0.3, m + outputs);
                        string label = $"out={outputs} in={inputs} m={m} zeros={zeros}";

                        var expected = new Matrix<float>(m, outputs);
                        Gemm.MatMulTransB(x, W, expected); // the row-dot path (m ≤ 64)
                        var wt = new float[inputs * outputs];
                        SparseInput<float>.Transpose(W.Span, outputs, inputs, wt);
                        var pattern = new SparseBatch.Pattern();
                        pattern.Analyse(x.Span, m, inputs);
                        var z = new float[m * outputs];
                        SparseBatch.Forward(pattern, x.Span, wt, outputs, z, new float[SparseBatch.ForwardScratch(outputs)]);
                        Assert.True(expected.Span.SequenceEqual(z), $"{label}: forward not the row-dot's bits");

                        // Two and four shares of the lanes, summed by Finish: the same bits.
                        foreach (int parts in new[] { 2, 4 })
                        {
                            var roots = new float[parts * m * outputs];
                            for (int p = 0; p < parts; p++)
                                SparseBatch.Lanes(pattern, x.Span, wt, outputs, p * 16 / parts, 16 / parts, new float[SparseBatch.ForwardScratch(outputs)],
                                    roots.AsSpan(p * m * outputs, m * outputs));
                            var zParts = new float[m * outputs];
                            SparseBatch.Finish(pattern, x.Span, wt, outputs, roots, parts, zParts);
                            Assert.True(expected.Span.SequenceEqual(zParts), $"{label}: {parts} shares differ");
                        }

                        var dW = new Matrix<float>(outputs, inputs);
                        Gemm.MatMulTransA(dZ, x, dW); // the blocked path, one block of depth m
                        var dwt = new float[inputs * outputs];
                        Array.Fill(dwt, float.NaN); // every row must be written
                        int pieces = SparseBatch.GradientPieces(inputs);
                        pattern.AnalyseInputs(x.Span, m, inputs);
                        SparseBatch.WeightGradient(pattern, x.Span, dZ.Span, dwt, outputs, 0, 5);
                        SparseBatch.WeightGradient(pattern, x.Span, dZ.Span, dwt, outputs, 5, pieces);
                        var back = new float[inputs * outputs];
                        SparseInput<float>.TransposeBack(dwt, outputs, inputs, back);
                        Assert.True(dW.Span.SequenceEqual(back), $"{label}: weight gradient not the blocked kernel's bits");
                        cases++;
                    }
        Assert.Equal(2 * 4 * 5 * 4, cases);
    }

    /// <summary>
    /// Batches above 64 rows, Wᵀ held in panels of 128 outputs, against the dense blocked kernel: the forward (sums in
    /// blocks of 256 inputs), the weight gradient (blocks of 256 samples) and dA = dZ·W read from the panels, every bit,
    /// with the work split as two threads split it.
    /// </summary>
    [Fact]
    public void The_panel_products_give_the_blocked_kernels_bits()
    {
        if (!PathAvailable()) return;
        int cases = 0;
        foreach (int outputs in new[] { 128, 384 })
            foreach (int inputs in new[] { 16, 100, 600, 784, 785 })
                foreach (int m in new[] { 65, 257, 600 })
                    foreach (double zeros in new[] { 0, 0.5, 0.9, 1 })
                    {
                        string label = $"out={outputs} in={inputs} m={m} zeros={zeros}";
                        var x = Sparse(m, inputs, zeros, 100 * m + inputs);
                        var W = Sparse(outputs, inputs, 0, inputs + outputs);
                        var dZ = Sparse(m, outputs, 0.3, m + outputs);
                        var wtp = new float[inputs * outputs];
                        SparseBatch.ToPanels(W.Span, outputs, inputs, wtp);
                        var back = new float[inputs * outputs];
                        SparseBatch.FromPanels(wtp, outputs, inputs, back);
                        Assert.True(W.Span.SequenceEqual(back), $"{label}: panels do not round-trip");

                        var expected = new Matrix<float>(m, outputs);
                        Gemm.MatMulTransB(x, W, expected); // the blocked path (m > 64)
                        var pattern = new SparseBatch.Pattern();
                        pattern.AnalysePlain(x.Span, m, inputs);
                        var scratch = new float[SparseBatch.BlockedScratch];
                        var z = new float[m * outputs];
                        SparseBatch.ForwardBlocked(pattern, x.Span, wtp, outputs, z, scratch, 0, 48);  // two threads' shares
                        SparseBatch.ForwardBlocked(pattern, x.Span, wtp, outputs, z, scratch, 48, m);
                        Assert.True(expected.Span.SequenceEqual(z), $"{label}: forward not the blocked kernel's bits");

                        // With a bias, added as the last block is written: Z + b, as the layer adds it after the product.
                        var bias = Sparse(1, outputs, 0.2, outputs + 7).Span.ToArray();
                        for (int r = 0; r < m; r++) System.Numerics.Tensors.TensorPrimitives.Add(expected.Row(r), bias, expected.Row(r));
                        SparseBatch.ForwardBlocked(pattern, x.Span, wtp, outputs, z, scratch, 0, 48, bias);
                        SparseBatch.ForwardBlocked(pattern, x.Span, wtp, outputs, z, scratch, 48, m, bias);
                        Assert.True(expected.Span.SequenceEqual(z), $"{label}: forward with a bias not the bits of the product, then + b");

                        var dW = new Matrix<float>(outputs, inputs);
                        Gemm.MatMulTransA(dZ, x, dW); // dW = dZᵀ X, the blocked path
                        pattern.AnalyseColumns(x.Span, m, inputs);
                        var dwtp = new float[inputs * outputs];
                        var gradientScratch = new float[SparseBatch.GradientScratch(m, inputs)];
                        int panels = outputs / SparseBatch.Panel;
                        SparseBatch.WeightGradientBlocked(pattern, x.Span, dZ.Span, dwtp, outputs, gradientScratch, 0, panels / 2);
                        SparseBatch.WeightGradientBlocked(pattern, x.Span, dZ.Span, dwtp, outputs, gradientScratch, panels / 2, panels);
                        SparseBatch.FromPanels(dwtp, outputs, inputs, back);
                        Assert.True(dW.Span.SequenceEqual(back), $"{label}: weight gradient not the blocked kernel's bits");

                        Assert.True(Gemm.PanelsMatchMatMul<float>(m, outputs, inputs));
                        var dA = new Matrix<float>(m, inputs);
                        Gemm.MatMul(dZ, W, dA);
                        var dAp = new Matrix<float>(m, inputs);
                        Gemm.MatMulPanels(dZ, wtp, dAp);
                        Assert.True(dA.Span.SequenceEqual(dAp.Span), $"{label}: dA from the panels not MatMul's bits");
                        cases++;
                    }
        Assert.Equal(2 * 5 * 3 * 4, cases);
    }

    // Units — samples (x's rows) or inputs (its columns) — of densities 10–90% mixed within each block of 16, or, with twins,
    // each odd unit non-zero exactly where the one before it is; and the non-zeros a pair of neighbouring units visits.
    private static (Matrix<float> X, long Neighbours) UnequalUnits(int rows, int cols, bool unitsAreRows, bool twins, ulong seed)
    {
        var rng = new Rng(seed + (twins ? 1UL : 0UL));
        var x = new Matrix<float>(rows, cols);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                int unit = unitsAreRows ? i : j;
                bool nonZero = twins && unit % 2 == 1 ? (unitsAreRows ? x[i - 1, j] : x[i, j - 1]) != 0
                    : rng.NextDouble() < 0.1 + 0.8 * (unit * 37 % 16) / 15.0;
                x[i, j] = nonZero ? (float)(rng.NextDouble() * 2 - 1) : 0f;
            }
        int units = unitsAreRows ? rows : cols, others = unitsAreRows ? cols : rows;
        long neighbours = 0;
        for (int u = 0; u < units; u += 2)
            for (int o = 0; o < others; o++)
            {
                int v = Math.Min(u + 1, units - 1);
                if ((unitsAreRows ? x[u, o] : x[o, u]) != 0 || (unitsAreRows ? x[v, o] : x[o, v]) != 0) neighbours++;
            }
        return (x, neighbours);
    }

    // A pairing order is a permutation of each block of 16; unequal units are sorted (all blocks but perhaps a short last
    // one) and visit fewer non-zeros than neighbours would; twins keep their neighbours.
    private static void AssertPairing(string label, ReadOnlySpan<int> order, int sortedBlocks, long visits, long neighbours, bool twins)
    {
        var units = order.ToArray();
        Assert.Equal(Enumerable.Range(0, units.Length), units.Order());
        for (int q = 0; q < units.Length; q++) Assert.Equal(q / 16, units[q] / 16);
        int blocks = (units.Length + 15) / 16;
        if (twins) Assert.True(sortedBlocks == 0 && visits == neighbours, $"{label}: {sortedBlocks} blocks sorted");
        else Assert.True(sortedBlocks >= blocks - 1 && visits < 0.95 * neighbours,
            $"{label}: {sortedBlocks} of {blocks} blocks sorted, {visits} visits against {neighbours}");
    }

    /// <summary>
    /// The weight gradient's pairs of inputs: independent inputs of unequal densities (ReLU units) are paired by density
    /// within each block of 16, visiting fewer samples than neighbours; inputs that are non-zero together in neighbouring
    /// pairs (pixels) keep their neighbours. Either way the blocked kernel's bits, for an odd k too.
    /// </summary>
    [Fact]
    public void The_weight_gradient_pairs_inputs_by_density_where_it_visits_fewer_samples()
    {
        if (!PathAvailable()) return;
        const int m = 300, outputs = 256;
        foreach (bool twins in new[] { false, true })
            foreach (int inputs in new[] { 256, 201 })
            {
                string label = $"{(twins ? "neighbours alike" : "independent")}, in={inputs}";
                var (x, neighbours) = UnequalUnits(m, inputs, unitsAreRows: false, twins, (ulong)inputs);
                var dZ = Sparse(m, outputs, 0.3, inputs);
                var pattern = new SparseBatch.Pattern();
                pattern.AnalyseColumns(x.Span, m, inputs);
                AssertPairing(label, pattern.InputOrder, pattern.SortedBlocks, pattern.PairSamples, neighbours, twins);

                var expected = new Matrix<float>(outputs, inputs);
                Gemm.MatMulTransA(dZ, x, expected);
                var dwtp = new float[inputs * outputs];
                var scratch = new float[SparseBatch.GradientScratch(m, inputs)];
                SparseBatch.WeightGradientBlocked(pattern, x.Span, dZ.Span, dwtp, outputs, scratch, 0, 1);
                SparseBatch.WeightGradientBlocked(pattern, x.Span, dZ.Span, dwtp, outputs, scratch, 1, 2);
                var dW = new float[inputs * outputs];
                SparseBatch.FromPanels(dwtp, outputs, inputs, dW);
                Assert.True(expected.Span.SequenceEqual(dW), $"{label}: weight gradient not the blocked kernel's bits");
            }
    }

    /// <summary>
    /// The forward's pairs of samples: samples of unequal densities are paired by density within each block of 16, reading
    /// fewer rows than in batch order, samples alike in neighbouring pairs keep their neighbours; the blocked kernel's bits
    /// either way, with an odd number of samples and the work split as two threads split it.
    /// </summary>
    [Fact]
    public void The_forward_pairs_samples_by_density_where_it_reads_fewer_rows()
    {
        if (!PathAvailable()) return;
        const int inputs = 300, outputs = 256;
        foreach (bool twins in new[] { false, true })
            foreach (int m in new[] { 256, 201 })
            {
                string label = $"{(twins ? "neighbours alike" : "unequal")}, m={m}";
                var (x, neighbours) = UnequalUnits(m, inputs, unitsAreRows: true, twins, (ulong)m);
                var W = Sparse(outputs, inputs, 0, m);
                var pattern = new SparseBatch.Pattern();
                pattern.AnalysePlain(x.Span, m, inputs);
                AssertPairing(label, pattern.SampleOrder, pattern.SortedSampleBlocks, pattern.PairRows, neighbours, twins);
                // Split over threads by blocks of 16 samples: the same masks, pairs and counts.
                foreach (int parts in new[] { 2, 3, 16 })
                {
                    var split = new SparseBatch.Pattern();
                    split.AnalysePlain(x.Span, m, inputs, parts);
                    Assert.True(split.SampleOrder.SequenceEqual(pattern.SampleOrder), $"{label}, {parts} parts: other pairs");
                    Assert.True(split.PlainMasks.AsSpan(0, m * ((inputs + 63) / 64)).SequenceEqual(pattern.PlainMasks.AsSpan(0, m * ((inputs + 63) / 64))),
                        $"{label}, {parts} parts: other masks");
                    Assert.Equal((pattern.PairRows, pattern.SortedSampleBlocks), (split.PairRows, split.SortedSampleBlocks));
                }

                var expected = new Matrix<float>(m, outputs);
                Gemm.MatMulTransB(x, W, expected);
                var wtp = new float[inputs * outputs];
                SparseBatch.ToPanels(W.Span, outputs, inputs, wtp);
                var z = new float[m * outputs];
                var scratch = new float[SparseBatch.BlockedScratch];
                SparseBatch.ForwardBlocked(pattern, x.Span, wtp, outputs, z, scratch, 0, 48);
                SparseBatch.ForwardBlocked(pattern, x.Span, wtp, outputs, z, scratch, 48, m);
                Assert.True(expected.Span.SequenceEqual(z), $"{label}: forward not the blocked kernel's bits");
            }
    }

    /// <summary>
    /// dA = dZ·W with dZ's zeros skipped: W's rows in panels of 128 inputs (<see cref="SparseBatch.TransposePanels"/>
    /// from the forward's Wᵀ in panels, against its naive reference: out of panels, transposed, into panels) through the
    /// forward's kernel — <see cref="Gemm.MatMul{T}"/>'s bits, every one, for depths under, at and over a block of 256,
    /// densities from none to all zeros, and the work split as two threads split it.
    /// </summary>
    [Fact]
    public void The_input_gradient_from_transposed_panels_gives_MatMuls_bits()
    {
        if (!PathAvailable()) return;
        int cases = 0;
        foreach (int inputs in new[] { 128, 384 })
            foreach (int outputs in new[] { 128, 256, 640 })
            {
                var W = Sparse(outputs, inputs, 0, 7 * inputs + outputs); // [out, in]
                var wtp = new float[inputs * outputs];
                SparseBatch.ToPanels(W.Span, outputs, inputs, wtp);
                var wt = new float[inputs * outputs]; // Wᵀ [in, out]
                for (int r = 0; r < outputs; r++)
                    for (int j = 0; j < inputs; j++) wt[j * outputs + r] = W[r, j];
                var expectedPanels = new float[inputs * outputs];
                SparseBatch.ToPanels(wt, inputs, outputs, expectedPanels);
                var wp = new float[inputs * outputs];
                int panels = inputs / SparseBatch.Panel;
                SparseBatch.TransposePanels(wtp, outputs, inputs, wp, 0, panels / 2);
                SparseBatch.TransposePanels(wtp, outputs, inputs, wp, panels / 2, panels);
                Assert.True(expectedPanels.AsSpan().SequenceEqual(wp), $"in={inputs} out={outputs}: transposed panels differ from the reference");
                foreach (int m in new[] { 65, 257, 600 })
                    foreach (double zeros in new[] { 0, 0.5, 0.9, 1 })
                    {
                        string label = $"in={inputs} out={outputs} m={m} zeros={zeros}";
                        var dZ = Sparse(m, outputs, zeros, 31 * m + outputs);
                        Assert.True(Gemm.PanelsMatchMatMul<float>(m, outputs, inputs));
                        var expected = new Matrix<float>(m, inputs);
                        Gemm.MatMul(dZ, W, expected);
                        var pattern = new SparseBatch.Pattern();
                        pattern.AnalysePlain(dZ.Span, m, outputs);
                        var dA = new float[m * inputs];
                        var scratch = new float[SparseBatch.BlockedScratch];
                        SparseBatch.ForwardBlocked(pattern, dZ.Span, wp, inputs, dA, scratch, 0, 48);
                        SparseBatch.ForwardBlocked(pattern, dZ.Span, wp, inputs, dA, scratch, 48, m);
                        Assert.True(expected.Span.SequenceEqual(dA), $"{label}: dA not MatMul's bits");
                        cases++;
                    }
            }
        Assert.Equal(2 * 3 * 3 * 4, cases);
    }

    /// <summary>
    /// Training on minibatches of 16 (lane-major) with evaluations between at 100 and 1 sample (plain order, one
    /// sample's path): the same bits as a dense twin, and the minibatch path taken up again after each evaluation.
    /// </summary>
    [Fact]
    public void Evaluations_between_minibatches_keep_the_bits_and_the_path()
    {
        if (!PathAvailable()) return;
        var (X, Y) = Problem(200, 0.6, 11);
        const string spec = "784,128,relu,10,softmax";
        Network<float>[] nets = [Network<float>.Create(spec, 5), Network<float>.Create(spec, 5)];
        var outputs = new List<float[]>[] { new(), new() };
        int heldAfterEvaluation = 0;
        try
        {
            for (int run = 0; run < 2; run++)
            {
                SparseBatch.Enabled = run == 0;
                var objective = Objective<float>.Create(nets[run], "cross-entropy");
                var optimizer = new Sgd<float>(nets[run].Parameters, 0.05);
                for (int step = 0; step < 40; step++)
                {
                    optimizer.ZeroGrad();
                    objective.Forward(Rows(X, step * 16 % 192, 16), Rows(Y, step * 16 % 192, 16));
                    objective.Backward();
                    optimizer.Step();
                    if (run == 0 && step % 10 == 1 && nets[0].Parameters[0].HoldsLaneMajor) heldAfterEvaluation++;
                    if (step % 10 == 9)
                    {
                        outputs[run].Add(nets[run].Forward(Rows(X, 0, 100)).Span.ToArray());
                        if (run == 0) Assert.True(nets[0].Parameters[0].HoldsTransposed && !nets[0].Parameters[0].HoldsLaneMajor, "100 samples did not go the plain-order way");
                        outputs[run].Add(nets[run].Forward(Rows(X, 7, 1)).Span.ToArray());
                    }
                }
            }
        }
        finally { SparseBatch.Enabled = true; }
        Assert.Equal(4, heldAfterEvaluation); // at steps 1, 11, 21, 31: held lane-major again after each evaluation
        for (int e = 0; e < outputs[0].Count; e++)
            Assert.True(outputs[0][e].AsSpan().SequenceEqual(outputs[1][e]), $"evaluation {e} differs");
        for (int i = 0; i < nets[0].Parameters.Count; i++)
            Assert.True(nets[0].Parameters[i].Value.Span.SequenceEqual(nets[1].Parameters[i].Value.Span), $"{nets[0].Parameters[i].Name} differs");
    }

    /// <summary>
    /// Minibatches of mostly-zero inputs, plain SGD: the first layer is held lane-major and stepped there; it trains to
    /// the bits of a twin on the dense path, on one thread or split over two, with batch sizes changing on the way
    /// (one sample: the per-sample path and its own transposed layout; 80: the dense path), and a reference to its
    /// weights taken before training reads them through; its gradient, read while held lane-major, is the dense one.
    /// </summary>
    [Fact]
    public void A_layer_trained_lane_major_cannot_be_told_from_the_dense_one()
    {
        if (!PathAvailable()) return;
        var (X, Y) = Problem(200, 0.6, 7); // a pair reads 64% of the rows
        const string spec = "784,128,relu,10,softmax";
        // Minibatches first; then one sample (the per-sample path holds Wᵀ its own way), 80 (the dense path needs W), odd
        // sizes. A switch after a short spell makes the layer rest from holding (as for momentum), so the mix runs dense.
        int[] batches = [16, 16, 33, 16, 2, 16, 16, 1, 1, 16, 80, 16, 16, 33, 2, 16, 16, 16];
        Network<float>[] nets = [];
        Matrix<float> kept = null!;
        bool held = false, gradientChecked = false;
        WithTwins((threads, run) =>
        {
            if (run == 0)
            {
                nets = [Network<float>.Create(spec, 3), Network<float>.Create(spec, 3)];
                kept = nets[0].Parameters[0].Value; // a reference kept across training
                (held, gradientChecked) = (false, false);
            }
            var W0 = nets[0].Parameters[0];
            var objective = Objective<float>.Create(nets[run], "cross-entropy");
            var optimizer = new Sgd<float>(nets[run].Parameters, 0.05);
            int at = 0;
            for (int step = 0; step < 2 * batches.Length; step++)
            {
                int b = batches[Math.Min(step, batches.Length - 1)];
                if (at + b > 200) at = 0;
                optimizer.ZeroGrad();
                objective.Forward(Rows(X, at, b), Rows(Y, at, b));
                objective.Backward();
                if (run == 0 && W0.HoldsLaneMajor && W0.TryGetHeld(out _, out _)) held = true;
                if (run == 0 && step == 4)
                {
                    // Read the gradient while it is held lane-major (written out as dW), then step with it.
                    Assert.True(W0.TryGetHeld(out _, out _), "the gradient was not held lane-major at this step");
                    gradientChecked = W0.Grad.Span.ToArray().Any(v => v != 0);
                }
                optimizer.Step();
                at += b;
            }
            if (run == 0) return;
            Assert.True(held, $"{threads} thread(s): the lane-major path was never taken");
            Assert.True(gradientChecked);
            Assert.True(kept.Span.SequenceEqual(nets[1].Parameters[0].Value.Span), $"{threads} thread(s): the kept reference reads other weights than the twin's");
            Assert.False(W0.HoldsTransposed); // that read brought them back
            for (int i = 1; i < nets[0].Parameters.Count; i++)
                Assert.True(nets[0].Parameters[i].Value.Span.SequenceEqual(nets[1].Parameters[i].Value.Span), $"{threads} thread(s): {nets[0].Parameters[i].Name} differs");
        });
    }

    /// <summary>
    /// Momentum SGD (Nesterov, weight decay) through 784-256-relu-256-relu-10: at batches above 64 both hidden layers take
    /// the panel path (the second one's dA read from its panels), at 32 the first layer goes lane-major (the velocity
    /// follows it from layout to layout), and weights, outputs and velocity are a dense twin's bit for bit, on one
    /// thread and on two; the velocity read mid-way (as a checkpoint reads it) is the twin's, and the path is taken up
    /// again after it.
    /// </summary>
    [Fact]
    public void Momentum_training_in_panels_keeps_a_dense_twins_bits()
    {
        if (!PathAvailable()) return;
        var (X, Y) = Problem(400, 0.6, 13);
        const string spec = "784,256,relu,256,relu,10,softmax";
        Network<float>[] nets = [];
        var velocities = new List<float[]>[2];
        var outputs = new float[2][];
        int[] heldSteps = new int[2]; // steps with layer 0's gradient held (either layout) and layer 2's held in panels
        bool heldAfterRead = false;
        int sparseInputGradients = 0;
        WithTwins((threads, run) =>
        {
            if (run == 0)
            {
                nets = [Network<float>.Create(spec, 7), Network<float>.Create(spec, 7)];
                // Uniform inputs leave each hidden unit on for half the samples, independently: 75% of the rows for a
                // pair, at the path's limit. A negative bias keeps about a quarter on, as correlated images do (two
                // thirds per pair).
                foreach (var net in nets) net.Parameters[1].Value.Span.Fill(-0.3f);
                (heldSteps[0], heldSteps[1], heldAfterRead) = (0, 0, false);
            }
            var objective = Objective<float>.Create(nets[run], "cross-entropy");
            var optimizer = new Sgd<float>(nets[run].Parameters, 0.02, momentum: 0.9, nesterov: true, weightDecay: 1e-3);
            for (int step = 0; step < 12; step++)
            {
                int b = step is 9 or 10 ? 32 : step % 4 == 3 ? 70 : 130;
                int at = step * 23 % (400 - b);
                optimizer.ZeroGrad();
                objective.Forward(Rows(X, at, b), Rows(Y, at, b));
                objective.Backward();
                if (run == 0 && nets[0].Parameters[0].TryGetHeld(out _, out _)) heldSteps[0]++;
                if (run == 0 && nets[0].Parameters[2].HoldsPanels && nets[0].Parameters[2].TryGetHeld(out _, out _)) heldSteps[1]++;
                if (run == 0 && step == 9) Assert.True(nets[0].Parameters[0].HoldsLaneMajor, "32 samples did not go the lane-major way");
                if (run == 0 && step == 7) heldAfterRead = nets[0].Parameters[0].TryGetHeld(out _, out _);
                optimizer.Step();
                if (step == 5) velocities[run] = optimizer.State.Select(s => s.Buffer.Span.ToArray()).ToList(); // a checkpoint's read
            }
            outputs[run] = nets[run].Forward(Rows(X, 3, 100)).Span.ToArray();
            velocities[run].AddRange(optimizer.State.Select(s => s.Buffer.Span.ToArray()));
            if (run == 0)
            {
                sparseInputGradients = ((Linear<float>)nets[0].Layers[2]).SparseInputGradients;
                return;
            }
            // Layer 2 needs dA, so at 32 samples it goes dense and then rests (W brought back after a short spell).
            Assert.True(heldSteps[0] == 12 && heldSteps[1] >= 8, $"{threads} thread(s): the sparse paths were taken at {heldSteps[0]} and {heldSteps[1]} of 12 steps");
            Assert.True(heldAfterRead, $"{threads} thread(s): the panel path was not taken up again after the velocity was read");
            Assert.True(sparseInputGradients >= 8, $"{threads} thread(s): layer 2's dA skipped dZ's zeros at {sparseInputGradients} of 12 steps");
            Assert.True(outputs[0].AsSpan().SequenceEqual(outputs[1]), $"{threads} thread(s): outputs differ");
            for (int i = 0; i < nets[0].Parameters.Count; i++)
                Assert.True(nets[0].Parameters[i].Value.Span.SequenceEqual(nets[1].Parameters[i].Value.Span), $"{threads} thread(s): {nets[0].Parameters[i].Name} differs");
            for (int i = 0; i < velocities[0].Count; i++)
                Assert.True(velocities[0][i].AsSpan().SequenceEqual(velocities[1][i]), $"{threads} thread(s): velocity {i} differs");
        });
    }

    /// <summary>
    /// One sample's plain SGD step still waiting in the layer (per-sample training) when a batch of 100 comes through
    /// the plain-order forward: applied first, so outputs and weights are a dense twin's.
    /// </summary>
    [Fact]
    public void A_waiting_one_sample_step_is_applied_before_a_large_batch()
    {
        if (!PathAvailable()) return;
        var (X, Y) = Problem(120, 0.6, 12);
        const string spec = "784,128,relu,10,softmax";
        Network<float>[] nets = [Network<float>.Create(spec, 6), Network<float>.Create(spec, 6)];
        var outputs = new float[2][];
        for (int run = 0; run < 2; run++)
        {
            var objective = Objective<float>.Create(nets[run], "cross-entropy");
            var optimizer = new Sgd<float>(nets[run].Parameters, 0.05);
            for (int step = 0; step < 6; step++)
            {
                optimizer.ZeroGrad();
                objective.Forward(Rows(X, step, 1), Rows(Y, step, 1));
                objective.Backward();
                optimizer.Step();
                if (run == 1) _ = nets[1].Parameters[0].Value.Span; // the twin never holds Wᵀ for long
            }
            if (run == 0) Assert.True(nets[0].Parameters[0].HoldsTransposed, "one sample's path did not hold Wᵀ");
            outputs[run] = nets[run].Forward(Rows(X, 10, 100)).Span.ToArray();
            if (run == 0) Assert.True(nets[0].Parameters[0].HoldsTransposed && !nets[0].Parameters[0].HoldsLaneMajor, "100 samples did not go the plain-order way");
        }
        Assert.True(outputs[0].AsSpan().SequenceEqual(outputs[1]));
        for (int i = 0; i < nets[0].Parameters.Count; i++)
            Assert.True(nets[0].Parameters[i].Value.Span.SequenceEqual(nets[1].Parameters[i].Value.Span), $"{nets[0].Parameters[i].Name} differs");
    }

    /// <summary>The gradient of one batch read while held lane-major is the dense path's gradient, bit for bit.</summary>
    [Fact]
    public void A_lane_major_gradient_reads_as_the_dense_one()
    {
        if (!PathAvailable()) return;
        var (X, Y) = Problem(32, 0.6, 8);
        var grads = new float[2][];
        try
        {
            for (int run = 0; run < 2; run++)
            {
                SparseBatch.Enabled = run == 0;
                var net = Network<float>.Create("784,256,relu,10,softmax", 9);
                var objective = Objective<float>.Create(net, "cross-entropy");
                var optimizer = new Sgd<float>(net.Parameters, 0.05);
                for (int step = 0; step < 2; step++) // the first backward tells the layer its input gradient is not needed
                {
                    optimizer.ZeroGrad();
                    objective.Forward(X, Y);
                    objective.Backward();
                }
                Assert.Equal(run == 0, net.Parameters[0].TryGetHeld(out _, out _));
                grads[run] = net.Parameters[0].Grad.Span.ToArray();
            }
        }
        finally { SparseBatch.Enabled = true; }
        Assert.True(grads[0].AsSpan().SequenceEqual(grads[1]));
    }

    /// <summary>Inputs with few zeros (standardised) keep the dense path: reading rows for a pair would cost more.</summary>
    [Fact]
    public void Dense_inputs_keep_the_dense_path()
    {
        if (!PathAvailable()) return;
        var (X, Y) = Problem(32, 0.05, 10);
        var net = Network<float>.Create("784,128,relu,10,softmax", 9);
        var objective = Objective<float>.Create(net, "cross-entropy");
        var optimizer = new Sgd<float>(net.Parameters, 0.05);
        for (int step = 0; step < 3; step++)
        {
            optimizer.ZeroGrad();
            objective.Forward(X, Y);
            objective.Backward();
            optimizer.Step();
        }
        Assert.Equal(0, net.Parameters[0].TransposedWrites);
    }

    /// <summary>
    /// One sample outside per-sample training (inference, as `nabla bench` W5 at batch 1 runs it) goes the lane-major way
    /// with the dense row-dot's bits: 784 → 128 at any density (no zero at all included), a hidden layer's ReLU output too;
    /// 784 → 1024 keeps the dense product for an image with few zeros until W is held lane-major. Per-sample training
    /// afterwards keeps that Wᵀ (one sample's path holds the same layout: never rewritten), and trains to a dense twin's bits.
    /// </summary>
    [Fact]
    public void One_sample_outside_training_goes_lane_major_with_the_dense_bits()
    {
        if (!PathAvailable()) return;
        const string spec = "784,128,relu,128,relu,10,softmax";
        var (X, Y) = Problem(12, 0.5, 13);
        X.Row(3).Fill(0.25f); // no zero at all
        Network<float>[] nets = [Network<float>.Create(spec, 4), Network<float>.Create(spec, 4)];
        var outputs = new List<float[]>[] { new(), new() };
        try
        {
            for (int run = 0; run < 2; run++)
            {
                SparseBatch.Enabled = run == 0;
                for (int i = 0; i < 6; i++)
                {
                    outputs[run].Add(nets[run].Forward(Rows(X, i, 1)).Span.ToArray());
                    if (run == 0)
                        foreach (int layer in new[] { 0, 2 })
                            Assert.True(nets[0].Parameters[layer].HoldsLaneMajor, $"image {i}: {nets[0].Parameters[layer].Name} not lane-major");
                }
                var objective = Objective<float>.Create(nets[run], "cross-entropy");
                var optimizer = new Sgd<float>(nets[run].Parameters, 0.05);
                for (int step = 0; step < 6; step++)
                {
                    optimizer.ZeroGrad();
                    objective.Forward(Rows(X, 6 + step, 1), Rows(Y, 6 + step, 1));
                    objective.Backward();
                    optimizer.Step();
                    if (run == 0)
                        Assert.True(nets[0].Parameters[0].HoldsLaneMajor, $"step {step}: the per-sample path let go of the lane-major Wᵀ");
                }
                if (run == 0) Assert.Equal(1, nets[0].Parameters[0].TransposedWrites);
                outputs[run].Add(nets[run].Forward(Rows(X, 0, 1)).Span.ToArray());
            }
        }
        finally { SparseBatch.Enabled = true; }
        for (int e = 0; e < outputs[0].Count; e++)
            Assert.True(outputs[0][e].AsSpan().SequenceEqual(outputs[1][e]), $"output {e} differs");
        for (int i = 0; i < nets[0].Parameters.Count; i++)
            Assert.True(nets[0].Parameters[i].Value.Span.SequenceEqual(nets[1].Parameters[i].Value.Span), $"{nets[0].Parameters[i].Name} differs");

        var wide = new Linear<float>(784, 1024);
        Sparse(1024, 784, 0, 16).Span.CopyTo(wide.W.Value.Span);
        var dense = Sparse(1, 784, 0.2, 14);
        var z = wide.Forward(dense).Span.ToArray();
        Assert.False(wide.W.HoldsTransposed, "an image with 80% non-zero pixels went sparse through 784 → 1024");
        var expected = new Matrix<float>(1, 1024);
        Gemm.MatMulTransB(dense, wide.W.Value, expected);
        Assert.True(expected.Span.SequenceEqual(z));
        var sparse = Sparse(1, 784, 0.5, 15);
        z = wide.Forward(sparse).Span.ToArray();
        Assert.True(wide.W.HoldsLaneMajor, "an image with half its pixels zero did not go lane-major through 784 → 1024");
        var zDense = wide.Forward(dense).Span.ToArray();
        Assert.True(wide.W.HoldsLaneMajor, "a dense image after a sparse one wrote W back");
        Gemm.MatMulTransB(sparse, wide.W.Value, expected);
        Assert.True(expected.Span.SequenceEqual(z));
        Gemm.MatMulTransB(dense, wide.W.Value, expected);
        Assert.True(expected.Span.SequenceEqual(zDense));
    }
}
