using Nabla.Diagnostics;
using Nabla.Layers;
using Nabla.Layers.Activations;
using Nabla.Losses;
using Nabla.Tensors;
using Nabla.Tests.Support;
using Nabla.Training;

namespace Nabla.Tests.Diagnostics;

public class GradientCheckerTests
{
    [Theory]
    [InlineData("7,5,leaky_relu=0.01,4,softplus=1,3,gelu,2,tanh", "mse")]
    [InlineData("10,16,sigmoid,16,sigmoid,16,sigmoid,5,softmax", "cross-entropy")]
    [InlineData("6,8,relu,scale=2,8,gelu,4,softplus=2,3,sigmoid", "bce")] // scale=5 saturates the sigmoid: log(1 − p) then loses digits and the differences are noise
    [InlineData("6,12,tanh,12,leaky_relu=0.1,12,relu,1", "huber")]
    [InlineData("9,7,gelu,7,softplus=0.5,7,tanh,4,softmax", "cross-entropy-probabilities")]
    [InlineData("5,8,relu,8,sigmoid,1", "l2")]
    public void Deep_mixed_networks_pass(string spec, string loss)
    {
        var (objective, X, Y) = Nets.Case(spec, loss, batch: 7, l2: 0.01);
        var result = GradientChecker.Check(objective, X, Y);
        Assert.True(result.Passed, string.Join("; ", result.Tensors.Select(t => $"{t.Name} {t.MaxRelativeError:E2}")));
        Assert.Contains(result.Tensors, t => t.Name == "input");
        Assert.True(result.MaxRelativeError < 1e-5);
    }

    [Fact]
    public void No_bias_network_passes()
    {
        var (objective, X, Y) = Nets.Case("20,6,relu,1,sigmoid", "bce", batch: 4, bias: false);
        Assert.True(GradientChecker.Check(objective, X, Y).Passed);
    }

    /// <summary>The classic bug from weaker code: a leaky ReLU whose backward is the plain ReLU's.</summary>
    private sealed class LeakyWithReluDerivative : Activation<double>
    {
        public override string Spec => "leaky_relu=0.3";
        protected override void Apply(ReadOnlySpan<double> x, Span<double> y, int cols)
        {
            for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : 0.3 * x[i];
        }
        protected override void Derive(Matrix<double> x, Matrix<double> y, Matrix<double> dY, Matrix<double> dX)
        {
            for (int i = 0; i < x.Length; i++) dX.Span[i] = x.Span[i] > 0 ? dY.Span[i] : 0;
        }
    }

    [Fact]
    public void A_deliberately_wrong_backward_fails()
    {
        var good = Network<double>.Create("4,6,leaky_relu=0.3,2", 3);
        var layers = new Layer<double>[] { good.Layers[0], new LeakyWithReluDerivative(), good.Layers[2] };
        var bad = new Network<double>(good.Spec, layers);
        var X = Compare.Random<double>(5, 4, 8);
        var Y = Compare.Random<double>(5, 2, 9);
        var result = GradientChecker.Check(new Objective<double>(bad, new MeanSquaredError<double>()), X, Y);
        Assert.False(result.Passed);
        var first = result.Tensors.Single(t => t.Name == "layers.0.weight");
        Assert.True(first.MaxRelativeError > 1e-2, $"error {first.MaxRelativeError}");
        Assert.True(result.Tensors.Single(t => t.Name == "layers.2.weight").Passed); // above the bug all is right
        Assert.True(GradientChecker.Check(new Objective<double>(good, new MeanSquaredError<double>()), X, Y).Passed);
    }

    [Fact]
    public void Sampling_checks_the_requested_number_of_entries()
    {
        var (objective, X, Y) = Nets.Case("30,40,relu,3", "mse", batch: 3);
        var result = GradientChecker.Check(objective, X, Y, maxPerTensor: 50, rng: new Randomness.Rng(1));
        var w = result.Tensors.Single(t => t.Name == "layers.0.weight");
        Assert.Equal(1200, w.Count);
        Assert.Equal(50, w.Checked);
        Assert.Equal(40, result.Tensors.Single(t => t.Name == "layers.0.bias").Checked);
        Assert.True(result.Passed);
    }
}
