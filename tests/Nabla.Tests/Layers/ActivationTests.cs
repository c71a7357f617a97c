using Nabla.Diagnostics;
using Nabla.Layers;
using Nabla.Layers.Activations;
using Nabla.Tensors;
using Nabla.Tests.Support;

namespace Nabla.Tests.Layers;

public class ActivationTests
{
    public static TheoryData<string> Names() =>
        ["relu", "leaky_relu=0.01", "leaky_relu=0.2", "sigmoid", "tanh", "softmax", "softplus=1", "softplus=2", "gelu", "scale=5"];

    private static Layer<double> Build(string token) => Network<double>.Create($"8,8,{token}", 1).Layers[1];

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_and_backward_match_pytorch(string name)
    {
        var layer = Build(name);
        var x = Reference.Get("act.x");
        var y = layer.Forward(x);
        Compare.Close(Reference.Get($"act.{name}.y"), y, 1e-13, 1e-15, $"{name} forward");
        var dx = layer.Backward(Reference.Get("act.dy"))!;
        Compare.Close(Reference.Get($"act.{name}.dx"), dx, 1e-12, 1e-14, $"{name} backward");
    }

    /// <summary>
    /// A forward large enough to be shared out over the threads (by rows in pieces of 16) gives the one-thread bits, for
    /// every activation, in float and double, at widths that leave vector tails and row counts that leave a short last piece.
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void A_forward_on_several_threads_gives_the_one_thread_bits(string name)
    {
        Check<float>();
        Check<double>();

        void Check<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            int saved = Nabla.Kernels.WorkerPool.MaxThreads;
            try
            {
                foreach (var (rows, cols) in new[] { (1000, 128), (517, 131), (70, 1001), (1000, 10), (409, 11) })
                {
                    var rng = new Nabla.Randomness.Rng((ulong)(rows + cols));
                    var x = new Matrix<T>(rows, cols);
                    foreach (ref T v in x.Span) v = T.CreateTruncating(rng.NextNormal() * 4);
                    x[rows - 1, cols - 1] = T.CreateTruncating(-200.0); x[0, 0] = T.NegativeZero;
                    Nabla.Kernels.WorkerPool.MaxThreads = 1;
                    var one = Network<T>.Create($"{cols},{cols},{name}", 1).Layers[1].Forward(x).Span.ToArray();
                    foreach (int threads in new[] { 2, 3, 4 })
                    {
                        Nabla.Kernels.WorkerPool.MaxThreads = threads;
                        var many = Network<T>.Create($"{cols},{cols},{name}", 1).Layers[1].Forward(x).Span;
                        for (int i = 0; i < one.Length; i++)
                            Assert.True(one[i].Equals(many[i]) && T.IsNegative(one[i]) == T.IsNegative(many[i]),
                                $"{name} {typeof(T).Name} [{rows},{cols}] on {threads} threads: [{i / cols},{i % cols}] = {many[i]}, on one {one[i]}");
                    }
                }
            }
            finally { Nabla.Kernels.WorkerPool.MaxThreads = saved; }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradient_check_passes(string name)
    {
        var (objective, X, Y) = Nets.Case($"5,6,{name},3", "mse", batch: 4);
        var result = GradientChecker.Check(objective, X, Y);
        Assert.True(result.Passed, string.Join("; ", result.Tensors.Select(t => $"{t.Name} {t.MaxRelativeError:E2}")));
    }

    /// <summary>
    /// Float layers whose vector path differs from the double one (GELU, softplus, sigmoid, LeakyReLU) against
    /// the double layer, forward and backward, on 4,001 points from −40 to 40 (vector lanes and a scalar tail):
    /// forward within a few units in the last place of a float.
    /// </summary>
    [Theory]
    [InlineData("gelu")]
    [InlineData("softplus=1")]
    [InlineData("softplus=2")]
    [InlineData("sigmoid")]
    [InlineData("leaky_relu=0.2")]
    public void Float_vector_path_agrees_with_double(string name)
    {
        const int n = 4001;
        var x = new Matrix<double>(1, n);
        var dy = new Matrix<double>(1, n);
        for (int i = 0; i < n; i++)
        {
            x[0, i] = (float)(-40 + 80.0 * i / (n - 1));
            dy[0, i] = (float)Math.Cos(i);
        }
        var exact = Network<double>.Create($"{n},{n},{name}", 1).Layers[1];
        var single = Network<float>.Create($"{n},{n},{name}", 1).Layers[1];
        var y = exact.Forward(x);
        var dx = exact.Backward(dy)!;
        var yf = single.Forward(x.Convert<float>());
        var dxf = single.Backward(dy.Convert<float>())!;
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(yf[0, i] - y[0, i]) <= 4e-7 * Math.Abs(y[0, i]) + 1e-37, $"{name}({x[0, i]}) = {yf[0, i]:R}, double {y[0, i]:R}");
            // Backward: derivatives that cancel (σ(1 − σ) from the output, GELU's Φ(x) + xφ(x) near x = −0.75) lose
            // relative digits, so the bound is also scaled by the incoming gradient.
            Assert.True(Math.Abs(dxf[0, i] - dx[0, i]) <= 4e-7 * Math.Abs(dx[0, i]) + 3e-7 * Math.Abs(dy[0, i]), $"{name}'({x[0, i]}): {dxf[0, i]:R}, double {dx[0, i]:R}");
        }
    }

    [Fact]
    public void Values_worked_out_by_hand()
    {
        var x = Matrix<double>.FromRows([[-2, 0, 3]]);
        double[] Run(Layer<double> l) => l.Forward(x).Span.ToArray();
        Assert.Equal(new double[] { 0, 0, 3 }, Run(new ReLU<double>()));
        Assert.Equal(new double[] { -0.02, 0, 3 }, Run(new LeakyReLU<double>(0.01)));
        Assert.Equal(new double[] { 0, 0, 1 }, Run(new Step<double>()));
        Assert.Equal(new double[] { -10, 0, 15 }, Run(new Scale<double>(5)));
        var s = Run(new Sigmoid<double>());
        Assert.Equal(1 / (1 + Math.Exp(2)), s[0], 14);
        Assert.Equal(0.5, s[1]);
        Assert.Equal(Math.Tanh(3), Run(new Tanh<double>())[2], 14);
        Assert.Equal(Math.Log(2), Run(new Softplus<double>(1))[1], 15);
        Assert.Equal(3 * 0.9986501019683699, Run(new Gelu<double>())[2], 14); // 3·Φ(3)
        var p = Run(new Softmax<double>());
        double z = Math.Exp(-2) + 1 + Math.Exp(3);
        Assert.Equal(Math.Exp(3) / z, p[2], 15);
        Assert.Equal(1.0, p.Sum(), 15);
    }

    [Fact]
    public void Derivatives_at_the_kink_are_the_documented_ones()
    {
        var x = Matrix<double>.FromRows([[0.0]]);
        var one = Matrix<double>.FromRows([[1.0]]);
        Layer<double> relu = new ReLU<double>(), leaky = new LeakyReLU<double>(0.1), step = new Step<double>();
        relu.Forward(x);
        Assert.Equal(0.0, relu.Backward(one)![0, 0]);   // ReLU'(0) = 0
        leaky.Forward(x);
        Assert.Equal(0.1, leaky.Backward(one)![0, 0]);  // LeakyReLU'(0) = slope
        step.Forward(Matrix<double>.FromRows([[0.5]]));
        Assert.Equal(0.0, step.Backward(one)![0, 0]);   // step' = 0 almost everywhere
    }

    [Fact]
    public void Softmax_and_sigmoid_stay_finite_for_huge_inputs()
    {
        var x = Matrix<float>.FromRows([[1e30f, -1e30f, 0f, 88f, -104f, 1000f]]);
        foreach (Layer<float> layer in new Layer<float>[] { new Softmax<float>(), new Sigmoid<float>(), new Softplus<float>(1), new Tanh<float>(), new Gelu<float>() })
        {
            var y = layer.Forward(x);
            Assert.All(y.Span.ToArray(), v => Assert.True(float.IsFinite(v), $"{layer.Spec} gave {v}"));
        }
        var p = new Softmax<float>().Forward(Matrix<float>.FromRows([[1000f, 1000f]]));
        Assert.Equal(0.5f, p[0, 0]);
    }
}
