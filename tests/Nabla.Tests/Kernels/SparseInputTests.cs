using System.Numerics;
using System.Runtime.Intrinsics;
using Nabla.Kernels;
using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Tests.Support;
using Nabla.Training;

namespace Nabla.Tests.Kernels;

/// <summary>
/// One sparse sample through transposed weights (<see cref="SparseInput{T}"/>): the same bits as the
/// row-dot product it replaces, for every vector width and tail; a held-transposed layer seen from outside
/// is indistinguishable from one that never was.
/// </summary>
public class SparseInputTests
{
    /// <summary>
    /// Whether this processor runs the 512-bit path these tests are about. Without AVX-512 (an AVX2 laptop; CI's
    /// second run) they have nothing to test and return; with NABLA_REQUIRE_AVX512=1 (CI's first run, on the
    /// project's AVX-512 machine) a missing path fails them instead.
    /// </summary>
    private static bool PathAvailable()
    {
        if (SparseInput<float>.Available && System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return true;
        Assert.True(Environment.GetEnvironmentVariable("NABLA_REQUIRE_AVX512") != "1", "NABLA_REQUIRE_AVX512=1 but this processor (or DOTNET_EnableAVX512=0) gives no 512-bit vectors");
        return false;
    }

    private static Matrix<T> Sparse<T>(int rows, int cols, double zeros, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)seed);
        var m = new Matrix<T>(rows, cols);
        foreach (ref T v in m.Span) v = rng.NextDouble() < zeros ? T.Zero : T.CreateTruncating(rng.NextDouble() * 2 - 1);
        return m;
    }

    private static void Check<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!PathAvailable()) return;
        int cases = 0;
        foreach (int outputs in new[] { 1, 3, 8, 10, 16, 17, 32, 33, 128 })
            foreach (int inputs in new[] { 16, 17, 31, 50, 100, 784, 785 })
                foreach (double zeros in new[] { 0, 0.5, 0.9, 1 })
                {
                    var x = Sparse<T>(1, inputs, zeros, 10 * outputs + inputs);
                    var W = Sparse<T>(outputs, inputs, 0, 7 * inputs + outputs);
                    var expected = new Matrix<T>(1, outputs);
                    Gemm.MatMulTransB(x, W, expected); // the row-dot path for one row

                    int stride = SparseInput<T>.Stride(outputs);
                    var wt = new T[inputs * stride];
                    SparseInput<T>.Transpose(W.Span, outputs, inputs, wt);
                    var masks = new uint[SparseInput<T>.MaskLength(inputs)];
                    SparseInput<T>.NonZeros(x.Span, masks);
                    Assert.Equal(x.Span.ToArray().Count(v => v != T.Zero), SparseInput<T>.Count(x.Span, masks));
                    var z = new T[outputs];
                    SparseInput<T>.Forward(x.Span, masks, wt, outputs, z, new T[SparseInput<T>.StackLength(outputs)]);
                    Assert.True(expected.Span.SequenceEqual(z), $"{typeof(T).Name} out={outputs} in={inputs} zeros={zeros}: not the row-dot's bits");

                    var back = new T[outputs * inputs];
                    SparseInput<T>.TransposeBack(wt, outputs, inputs, back);
                    Assert.True(W.Span.SequenceEqual(back));
                    cases++;
                }
        Assert.Equal(9 * 7 * 4, cases);
    }

    // The step folded into the next forward: the same bits as the step, then the forward.
    private static void CheckStepAndForward<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (int outputs in new[] { 1, 10, 16, 32, 33 })
            foreach (int inputs in new[] { 16, 17, 50, 785 })
                foreach (double zeros in new[] { 0, 0.5, 1 })
                {
                    var x = Sparse<T>(1, inputs, zeros, 3 * outputs + inputs);
                    var a = Sparse<T>(1, inputs, 0.5, 5 * outputs + inputs);
                    var W = Sparse<T>(outputs, inputs, 0, 7 * inputs + outputs);
                    int stride = SparseInput<T>.Stride(outputs);
                    var u = new T[stride];
                    Sparse<T>(1, outputs, 0, 11).Span.CopyTo(u);
                    T minusEta = T.CreateTruncating(-0.1);
                    var separate = new T[inputs * stride];
                    SparseInput<T>.Transpose(W.Span, outputs, inputs, separate);
                    var fused = (T[])separate.Clone();
                    var stack = new T[SparseInput<T>.StackLength(outputs)];

                    SparseInput<T>.StepTransposed(separate, stride, u, a.Span, minusEta);
                    var masks = new uint[SparseInput<T>.MaskLength(inputs)];
                    SparseInput<T>.NonZeros(x.Span, masks);
                    var expected = new T[outputs];
                    SparseInput<T>.Forward(x.Span, masks, separate, outputs, expected, stack);

                    var z = new T[outputs];
                    SparseInput<T>.StepAndForward(u, a.Span, minusEta, x.Span, fused, outputs, z, stack, masks);
                    Assert.True(separate.AsSpan().SequenceEqual(fused), $"{typeof(T).Name} out={outputs} in={inputs} zeros={zeros}: weights differ");
                    Assert.True(expected.AsSpan().SequenceEqual(z), $"{typeof(T).Name} out={outputs} in={inputs} zeros={zeros}: outputs differ");
                }
    }

    [Fact]
    public void The_step_folded_into_the_next_forward_gives_the_same_bits()
    {
        CheckStepAndForward<float>();
        CheckStepAndForward<double>();
    }

    [Fact]
    public void Forward_gives_the_row_dot_bits_float() => Check<float>();

    [Fact]
    public void Forward_gives_the_row_dot_bits_double() => Check<double>();

    /// <summary>The lane sum of the transposed path is written out as a pairwise tree of neighbours; it must be Vector512.Sum's.</summary>
    [Fact]
    public void Vector512_sum_is_the_pairwise_tree_of_neighbours()
    {
        var rng = new Rng(3);
        for (int trial = 0; trial < 2000; trial++)
        {
            var f = new float[16];
            var d = new double[8];
            for (int i = 0; i < 16; i++) f[i] = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.NextInt(8)));
            for (int i = 0; i < 8; i++) d[i] = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.NextInt(16));
            Assert.Equal(Pairwise(f), Vector512.Sum(Vector512.Create(f)));
            Assert.Equal(Pairwise(d), Vector512.Sum(Vector512.Create(d)));
        }

        static T Pairwise<T>(ReadOnlySpan<T> v) where T : IFloatingPointIeee754<T> =>
            v.Length == 1 ? v[0] : Pairwise(v[..(v.Length / 2)]) + Pairwise(v[(v.Length / 2)..]);
    }

    /// <summary>The row-dot's four horizontal sums at once must be four Vector512.Sum calls, bit for bit.</summary>
    [Fact]
    public void Four_sums_at_once_are_four_Vector512_sums()
    {
        if (!PathAvailable()) return;
        var rng = new Rng(4);
        var v = new float[4][];
        for (int trial = 0; trial < 5000; trial++)
        {
            for (int i = 0; i < 4; i++)
            {
                v[i] = new float[16];
                for (int l = 0; l < 16; l++) v[i][l] = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.NextInt(8)));
            }
            var sums = GemmDot<float>.Sum4(Vector512.Create(v[0]), Vector512.Create(v[1]), Vector512.Create(v[2]), Vector512.Create(v[3]));
            for (int i = 0; i < 4; i++) Assert.Equal(Vector512.Sum(Vector512.Create(v[i])), sums[i]);
        }
    }

    [Fact]
    public void The_masks_mark_the_non_zero_inputs_lane_by_lane()
    {
        Masks<float>();
        Masks<double>(); // eight lanes, no vector path

        static void Masks<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var rng = new Rng(5);
            int L = Vector512<T>.Count;
            foreach (int n in Enumerable.Range(0, 101).Concat([511, 512, 513, 1100]))
            {
                T[] x = new T[n], y = new T[n];
                foreach (var v in new[] { x, y })
                    for (int i = 0; i < n; i++)
                        v[i] = rng.NextInt(4) switch { 0 => T.Zero, 1 => -T.Zero, 2 => T.NaN, _ => T.CreateTruncating(rng.NextDouble() + 0.1) };
                var masks = new uint[SparseInput<T>.MaskLength(n)];
                Array.Fill(masks, uint.MaxValue); // every word must be written
                SparseInput<T>.NonZeros(x, masks);
                Assert.Equal(x.Count(v => v != T.Zero), SparseInput<T>.Count(x, masks)); // NaN counts, ±0 does not
                Assert.True(Marked(masks, n).SequenceEqual(x.Take(n - n % L).Select(v => v != T.Zero)), $"{typeof(T).Name} n={n}");
                SparseInput<T>.NonZerosOfEither(x, y, masks);
                Assert.True(Marked(masks, n).SequenceEqual(Enumerable.Range(0, n - n % L).Select(i => x[i] != T.Zero || y[i] != T.Zero)));
            }

            // Bit b mod 32 of word b / 32 of lane l: input bL + l (the whole blocks only).
            IEnumerable<bool> Marked(uint[] masks, int n) =>
                Enumerable.Range(0, n - n % L).Select(j => (masks[j / L / 32 * L + j % L] >> (j / L % 32) & 1) != 0);
        }
    }

    /// <summary>
    /// Per-sample plain SGD on mostly-zero inputs: the first layer is held transposed, and a reference to its
    /// weights taken before training reads, after it, exactly the weights of a twin that never held them so.
    /// </summary>
    [Fact]
    public void A_layer_held_transposed_trains_to_the_same_bits_and_its_weights_read_through()
    {
        if (!PathAvailable()) return;
        var X = Sparse<float>(60, 100, 0.6, 1);
        var Y = new Matrix<float>(60, 10);
        for (int i = 0; i < 60; i++) Y[i, i % 10] = 1;
        const string spec = "100,32,sigmoid,32,sigmoid,10,softmax";
        Network<float>[] nets = [Network<float>.Create(spec, 4), Network<float>.Create(spec, 4)];
        var held = nets[0].Parameters[0].Value; // a reference kept across training
        var heldRow = held.Row(3).ToArray();
        var W0 = nets[0].Parameters[0];
        bool wasHeld = false;
        for (int run = 0; run < 2; run++)
        {
            var objective = Objective<float>.Create(nets[run], "cross-entropy");
            var optimizer = new Sgd<float>(nets[run].Parameters, 0.1);
            for (int step = 0; step < 200; step++)
            {
                optimizer.ZeroGrad();
                objective.Forward(Nets.Sample(X, step % 60), Nets.Sample(Y, step % 60));
                objective.Backward();
                optimizer.Step();
                if (step % 37 == 5) optimizer.Step(); // the same gradient twice: a pending step applied before the next
                if (run == 0) wasHeld |= W0.HoldsTransposed;
                else _ = nets[1].Parameters[0].Value.Span; // read every step: never held for long
            }
        }
        Assert.True(wasHeld, "the transposed path was never taken");
        Assert.Equal(1, W0.TransposedWrites);
        Assert.True(W0.HoldsTransposed);
        Assert.True(held.Span.SequenceEqual(nets[1].Parameters[0].Value.Span), "the kept reference reads other weights than the twin's");
        Assert.False(W0.HoldsTransposed); // that read brought them back
        Assert.False(held.Row(3).SequenceEqual(heldRow)); // and they did train
        for (int i = 1; i < nets[0].Parameters.Count; i++)
            Assert.True(nets[0].Parameters[i].Value.Span.SequenceEqual(nets[1].Parameters[i].Value.Span), $"{nets[0].Parameters[i].Name} differs");
    }

    /// <summary>
    /// A held layer whose plain SGD step is sliced over threads, given a gradient that is not one sample's outer
    /// product (two samples accumulated): its weights come back before the slices read them, and
    /// training on four threads gives the bits of a twin on one thread that never held them.
    /// </summary>
    [Fact]
    public void A_held_layer_stepped_in_slices_brings_its_weights_back_first()
    {
        if (!PathAvailable()) return;
        var X = Sparse<float>(20, 784, 0.6, 3);
        var Y = new Matrix<float>(20, 10);
        for (int i = 0; i < 20; i++) Y[i, i % 10] = 1;
        const string spec = "784,128,relu,10,softmax";
        Network<float>[] nets = [Network<float>.Create(spec, 5), Network<float>.Create(spec, 5)];
        var W0 = nets[0].Parameters[0];
        bool heldAtSlicedStep = false;
        int saved = WorkerPool.MaxThreads;
        try
        {
            for (int run = 0; run < 2; run++)
            {
                WorkerPool.MaxThreads = run == 0 ? 4 : 1;
                var objective = Objective<float>.Create(nets[run], "cross-entropy");
                var optimizer = new Sgd<float>(nets[run].Parameters, 0.05);
                for (int step = 0; step < 60; step++)
                {
                    optimizer.ZeroGrad();
                    objective.Forward(Nets.Sample(X, step % 20), Nets.Sample(Y, step % 20));
                    objective.Backward();
                    if (step % 10 == 9)
                    {
                        objective.Forward(Nets.Sample(X, (step + 7) % 20), Nets.Sample(Y, (step + 7) % 20));
                        objective.Backward(); // accumulated: no longer one outer product
                        if (run == 0) heldAtSlicedStep |= W0.HoldsTransposed;
                        nets[run].Parameters[0].GradientParts = 4; // stepped in four slices, as after a product split over four threads
                    }
                    optimizer.Step();
                    if (run == 1) _ = nets[1].Parameters[0].Value.Span; // never held for long
                }
            }
        }
        finally { WorkerPool.MaxThreads = saved; }
        Assert.True(heldAtSlicedStep, "the layer was never held transposed when a sliced step came");
        for (int i = 0; i < nets[0].Parameters.Count; i++)
            Assert.True(nets[0].Parameters[i].Value.Span.SequenceEqual(nets[1].Parameters[i].Value.Span), $"{nets[0].Parameters[i].Name} differs");
    }

    /// <summary>An optimizer that needs W back at every step (momentum) makes the layer stop holding Wᵀ after one short spell.</summary>
    [Fact]
    public void Short_spells_are_not_repeated_at_every_sample()
    {
        if (!PathAvailable()) return;
        var X = Sparse<float>(60, 100, 0.6, 2);
        var Y = new Matrix<float>(60, 10);
        for (int i = 0; i < 60; i++) Y[i, i % 10] = 1;
        var net = Network<float>.Create("100,16,relu,10,softmax", 4);
        var objective = Objective<float>.Create(net, "cross-entropy");
        var optimizer = new Sgd<float>(net.Parameters, 0.05, momentum: 0.9);
        for (int step = 0; step < 500; step++)
        {
            optimizer.ZeroGrad();
            objective.Forward(Nets.Sample(X, step % 60), Nets.Sample(Y, step % 60));
            objective.Backward();
            optimizer.Step();
        }
        Assert.Equal(1, net.Parameters[0].TransposedWrites);
    }
}
