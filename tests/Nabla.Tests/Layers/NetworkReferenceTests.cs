using Nabla.Layers;
using Nabla.Losses;
using Nabla.Tests.Support;
using Nabla.Training;

namespace Nabla.Tests.Layers;

/// <summary>Whole networks against PyTorch (tests/fixtures/make_reference.py): outputs, losses, every gradient.</summary>
public class NetworkReferenceTests
{
    public static Network<double> Load(string prefix, string spec, bool bias = true)
    {
        var net = Network<double>.Create(NetSpec.Parse(spec), new Randomness.Rng(0), bias: bias);
        foreach (var p in net.Parameters) p.Value.CopyFrom(Reference.Get($"{prefix}.{p.Name}"));
        return net;
    }

    [Theory]
    [InlineData("mixed", "7,5,leaky_relu=0.01,4,softplus=1,3,gelu,2,tanh", "mse", 0.0, true)]
    [InlineData("classifier", "6,8,relu,5,sigmoid,4,softmax", "cross-entropy", 0.01, true)]
    [InlineData("nobias", "784,16,relu,1,sigmoid", "bce", 0.0, false)]
    public void Output_loss_and_gradients_match_pytorch(string prefix, string spec, string loss, double l2, bool bias)
    {
        var net = Load(prefix, spec, bias);
        var objective = Objective<double>.Create(net, loss, l2);
        var X = Reference.Get($"{prefix}.x");
        net.ZeroGrad();
        double value = objective.Forward(X, Reference.Get($"{prefix}.y"));
        var dX = objective.Backward(needInputGradient: true)!;
        double expected = Reference.Get($"{prefix}.loss")[0, 0];
        Assert.True(Math.Abs(value - expected) < 1e-13, $"loss {value:R} vs torch {expected:R}");
        Compare.Close(Reference.Get($"{prefix}.output"), objective.Output, 1e-12, 1e-14, $"{prefix} output");
        Compare.Close(Reference.Get($"{prefix}.grad.input"), dX, 1e-11, 1e-14, $"{prefix} ∂L/∂x");
        foreach (var p in net.Parameters)
            Compare.Close(Reference.Get($"{prefix}.grad.{p.Name}"), p.Grad, 1e-11, 1e-14, $"{prefix} ∂L/∂{p.Name}");
        if (prefix == "classifier")
        {
            Assert.True(objective.IsFused);
            Compare.Close(Reference.Get("classifier.probabilities"), objective.Predict(X), 1e-13, 1e-15, "probabilities");
        }
    }
}
