using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Tests.Layers;
using Nabla.Tests.Support;
using Nabla.Training;

namespace Nabla.Tests.Optimizers;

public class OptimizerTests
{
    public static TheoryData<string> Cases() => ["sgd", "momentum", "nesterov", "adam"];

    private static Optimizer<double> Make(string name, IReadOnlyList<Parameter<double>> p) => name switch
    {
        "sgd" => new Sgd<double>(p, 0.5),
        "momentum" => new Sgd<double>(p, 0.3, momentum: 0.9, weightDecay: 0.01),
        "nesterov" => new Sgd<double>(p, 0.3, momentum: 0.9, nesterov: true),
        "adam" => new Adam<double>(p, 0.05, weightDecay: 0.01),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Ten steps in the PyTorch rhythm land where torch.optim lands, loss by loss.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Ten_steps_match_torch_optim(string name)
    {
        var net = NetworkReferenceTests.Load("classifier", "6,8,relu,5,sigmoid,4,softmax");
        var objective = Objective<double>.Create(net, "cross-entropy");
        var optimizer = Make(name, net.Parameters);
        var X = Reference.Get("classifier.x");
        var Y = Reference.Get("classifier.y");
        var expectedLosses = Reference.Get($"{name}.losses").Span.ToArray();
        for (int step = 0; step < 10; step++)
        {
            optimizer.ZeroGrad();
            double loss = objective.Forward(X, Y);
            objective.Backward();
            optimizer.Step();
            Assert.True(Math.Abs(loss - expectedLosses[step]) < 1e-12, $"{name} step {step}: loss {loss:R} vs torch {expectedLosses[step]:R}");
        }
        foreach (var p in net.Parameters)
            Compare.Close(Reference.Get($"{name}.{p.Name}"), p.Value, 1e-11, 1e-13, $"{name} {p.Name} after 10 steps");
        Assert.Equal(10, optimizer.Steps);
    }

    [Fact]
    public void Coordinate_descent_moves_exactly_one_scalar_by_its_partial_derivative()
    {
        var (objective, X, Y) = Nets.Case("4,3,tanh,2", "mse", batch: 5);
        var net = objective.Network;
        var optimizer = new CoordinateSgd<double>(net.Parameters, 0.1, new Rng(5));
        var seen = new HashSet<(int, int)>();
        for (int step = 0; step < 200; step++)
        {
            var before = net.Parameters.Select(p => p.Value.Span.ToArray()).ToArray();
            optimizer.ZeroGrad();
            objective.Forward(X, Y);
            objective.Backward();
            optimizer.Step();
            var (pi, j) = optimizer.LastCoordinate;
            seen.Add((pi, j));
            for (int i = 0; i < net.Parameters.Count; i++)
            {
                var after = net.Parameters[i].Value.Span;
                for (int k = 0; k < after.Length; k++)
                {
                    double expected = before[i][k] - (i == pi && k == j ? 0.1 * net.Parameters[i].Grad.Span[k] : 0);
                    Assert.Equal(expected, after[k]);
                }
            }
        }
        Assert.True(seen.Count > 15, $"only {seen.Count} of 23 coordinates were ever chosen");
    }

    [Fact]
    public void Lookahead_adam_holds_theta_plus_beta1_times_the_last_step()
    {
        // The same gradients fed to plain Adam and to the look-ahead variant: θ̃ = θ + β1·d.
        var a = new Parameter<double>("w", 1, 3, decay: true);
        var b = new Parameter<double>("w", 1, 3, decay: true);
        var plain = new Adam<double>([a], 0.1);
        var ahead = new Adam<double>([b], 0.1, lookahead: true);
        var rng = new Rng(3);
        double[] lastStep = new double[3];
        for (int t = 0; t < 5; t++)
        {
            for (int i = 0; i < 3; i++) a.Grad.Span[i] = b.Grad.Span[i] = rng.NextNormal();
            var before = a.Value.Span.ToArray();
            plain.Step();
            ahead.Step();
            for (int i = 0; i < 3; i++)
            {
                lastStep[i] = a.Value.Span[i] - before[i];
                Assert.Equal(a.Value.Span[i] + 0.9 * lastStep[i], b.Value.Span[i], 14);
            }
        }
    }

    /// <summary>
    /// One sample per step: the weight gradient is held as dz and a, and SGD applies θ −= η dzᵀa without
    /// writing the matrix. The same run with every gradient read (written out) before each step must give
    /// the same bits, and a second backward pass before the step must add to the held outer product.
    /// </summary>
    [Fact]
    public void Per_sample_sgd_without_the_gradient_matrix_gives_the_same_bits()
    {
        var rng = new Rng(8);
        var X = new Tensors.Matrix<float>(60, 50);
        var Y = new Tensors.Matrix<float>(60, 10);
        foreach (ref float v in X.Span) v = rng.NextDouble() < 0.5 ? 0 : (float)rng.NextDouble();
        for (int i = 0; i < 60; i++) Y[i, i % 10] = 1;
        Network<float>[] nets = [Network<float>.Create("50,32,sigmoid,32,sigmoid,10,softmax", 4), Network<float>.Create("50,32,sigmoid,32,sigmoid,10,softmax", 4)];
        for (int run = 0; run < 2; run++)
        {
            var objective = Objective<float>.Create(nets[run], "cross-entropy");
            var optimizer = new Sgd<float>(nets[run].Parameters, 0.1);
            for (int step = 0; step < 120; step++)
            {
                optimizer.ZeroGrad();
                objective.Forward(Nets.Sample(X, step % 60), Nets.Sample(Y, step % 60));
                objective.Backward();
                if (step % 7 == 3) // two samples' gradients summed before one step
                {
                    objective.Forward(Nets.Sample(X, (step + 1) % 60), Nets.Sample(Y, (step + 1) % 60));
                    objective.Backward();
                }
                if (run == 1) foreach (var p in nets[run].Parameters) _ = p.Grad; // written out: the general path
                optimizer.Step();
            }
        }
        for (int i = 0; i < nets[0].Parameters.Count; i++)
            Assert.True(nets[0].Parameters[i].Value.Span.SequenceEqual(nets[1].Parameters[i].Value.Span), $"{nets[0].Parameters[i].Name} differs");
        Assert.NotEqual(Network<float>.Create("50,32,sigmoid,32,sigmoid,10,softmax", 4).Parameters[0].Value.Span.ToArray(), nets[0].Parameters[0].Value.Span.ToArray());
    }

    /// <summary>A parameter [1, n] from <paramref name="start"/>, one step per gradient, with the pool at <paramref name="threads"/> threads: its values after.</summary>
    private static float[] StepsOnThreads(int threads, float[] start, float[][] grads, Func<Parameter<float>, Optimizer<float>> optimizer)
    {
        int saved = Nabla.Kernels.WorkerPool.MaxThreads;
        try
        {
            Nabla.Kernels.WorkerPool.MaxThreads = threads;
            var p = new Parameter<float>("w", 1, start.Length, decay: true);
            start.CopyTo(p.Value.Span);
            var opt = optimizer(p);
            foreach (var g in grads)
            {
                opt.ZeroGrad();
                g.CopyTo(p.Grad.Span);
                opt.Step();
            }
            return p.Value.Span.ToArray();
        }
        finally { Nabla.Kernels.WorkerPool.MaxThreads = saved; }
    }

    /// <summary>
    /// A tensor large enough to take its momentum step in slices on several threads: the same bits on one
    /// thread and on four, and the same as the update written out element by element.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Large_momentum_step_is_the_formula_on_any_thread_count(bool nesterov)
    {
        const int n = 300_007; // not a multiple of the vector width: slices end in a scalar tail
        var rng = new Rng(12);
        var start = new float[n];
        var grads = new float[3][];
        for (int j = 0; j < n; j++) start[j] = (float)rng.NextNormal();
        for (int s = 0; s < 3; s++) { grads[s] = new float[n]; for (int j = 0; j < n; j++) grads[s][j] = (float)rng.NextNormal(); }
        float[] Run(int threads) => StepsOnThreads(threads, start, grads, p => new Sgd<float>([p], 0.05, momentum: 0.9, nesterov: nesterov, weightDecay: 0.01));
        var one = Run(1);
        var four = Run(4);
        Assert.True(one.AsSpan().SequenceEqual(four), "one thread and four differ");
        float eta = 0.05f, mu = 0.9f, lambda = 0.01f;
        for (int j = 0; j < n; j += 997)
        {
            float theta = start[j], v = 0;
            for (int s = 0; s < 3; s++)
            {
                float g = grads[s][j] + lambda * theta;
                v = mu * v + g;
                g = nesterov ? g + mu * v : v;
                theta -= eta * g;
            }
            Assert.Equal(theta, one[j]);
        }
    }

    /// <summary>
    /// Plain SGD's step on a gradient written by four threads (so stepped in four slices), over TensorPrimitives'
    /// non-temporal threshold: θ + ∇θ(−η) element by element, the same bits on one thread and on four.
    /// </summary>
    [Fact]
    public void Large_plain_step_is_the_formula_on_any_thread_count()
    {
        const int n = 300_007;
        var rng = new Rng(13);
        var start = new float[n];
        var grad = new float[n];
        for (int j = 0; j < n; j++) { start[j] = (float)rng.NextNormal(); grad[j] = (float)rng.NextNormal(); }
        float[] Run(int threads) => StepsOnThreads(threads, start, [grad, grad], p =>
        {
            p.GradientParts = 4; // as a layer sets it after a product split over four threads
            return new Sgd<float>([p], 0.05);
        });
        var one = Run(1);
        var four = Run(4);
        Assert.True(one.AsSpan().SequenceEqual(four), "one thread and four differ");
        float minusEta = -0.05f;
        for (int j = 0; j < n; j++)
        {
            float theta = start[j];
            theta = grad[j] * minusEta + theta;
            theta = grad[j] * minusEta + theta;
            if (theta != one[j]) Assert.Fail($"element {j}: {one[j]:R}, the formula gives {theta:R}");
        }
    }

    /// <summary>Adam in vector lanes against its formula written out element by element in float: the same bits.</summary>
    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.01)]
    public void Adam_step_is_its_formula_bit_for_bit(bool lookahead, double weightDecay)
    {
        const int n = 1003; // vector lanes and a scalar tail
        var rng = new Rng(21);
        var p = new Parameter<float>("w", 1, n, decay: true);
        foreach (ref float x in p.Value.Span) x = (float)rng.NextNormal();
        var theta = p.Value.Span.ToArray();
        var adam = new Adam<float>([p], 0.01, lookahead: lookahead, weightDecay: weightDecay);
        float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, lambda = (float)weightDecay;
        var m = new float[n]; var v = new float[n]; var last = new float[n];
        for (int t = 1; t <= 4; t++)
        {
            adam.ZeroGrad();
            foreach (ref float g in p.Grad.Span) g = (float)rng.NextNormal();
            var grad = p.Grad.Span.ToArray();
            adam.Step();
            float stepSize = (float)(0.01 / (1 - Math.Pow(0.9, t))), sqrtBc2 = (float)Math.Sqrt(1 - Math.Pow(0.999, t));
            for (int j = 0; j < n; j++)
            {
                float g = grad[j] + lambda * theta[j];
                m[j] = b1 * m[j] + (1f - b1) * g;
                v[j] = b2 * v[j] + (1f - b2) * g * g;
                float d = -stepSize * m[j] / (MathF.Sqrt(v[j]) / sqrtBc2 + eps);
                if (!lookahead) theta[j] += d;
                else
                {
                    theta[j] += (1f + b1) * d - b1 * last[j];
                    last[j] = d;
                }
            }
            Assert.True(theta.AsSpan().SequenceEqual(p.Value.Span), $"step {t}: not the formula's bits");
        }
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        var p = new[] { new Parameter<float>("w", 1, 1, true) };
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(p, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(p, 0.1, momentum: 1.0));
        Assert.Throws<ArgumentException>(() => new Sgd<float>(p, 0.1, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(p, 0.1, beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(p, double.NaN));
    }
}
