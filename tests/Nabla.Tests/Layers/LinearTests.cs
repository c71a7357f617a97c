using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Tests.Layers;

public class LinearTests
{
    [Fact]
    public void Forward_is_W_a_plus_b_with_W_stored_out_by_in()
    {
        var layer = new Linear<double>(3, 2);
        Matrix<double>.FromRows([[1, 2, 3], [4, 5, 6]]).Span.CopyTo(layer.W.Value.Span); // W [out=2, in=3]
        layer.b!.Value.Span[0] = 0.5;
        layer.b.Value.Span[1] = -1;
        var z = layer.Forward(Matrix<double>.FromRows([[1, 0, -1], [2, 1, 0]]));
        // z = W a + b: [1-3+0.5, 4-6-1] and [2+2+0.5, 8+5-1]
        Assert.Equal(new double[] { -1.5, -3, 4.5, 12 }, z.Span.ToArray());
    }

    [Fact]
    public void Backward_accumulates_parameter_gradients()
    {
        var layer = new Linear<double>(2, 1);
        layer.W.Value.Span[0] = 2;
        layer.W.Value.Span[1] = -1;
        var a = Matrix<double>.FromRows([[1, 3]]);
        var dz = Matrix<double>.FromRows([[1]]);
        layer.Forward(a);
        var da = layer.Backward(dz)!;
        Assert.Equal(new double[] { 2, -1 }, da.Span.ToArray());     // dA = dZ W
        Assert.Equal(new double[] { 1, 3 }, layer.W.Grad.Span.ToArray()); // dW = dZᵀ A
        layer.Backward(dz);
        Assert.Equal(new double[] { 2, 6 }, layer.W.Grad.Span.ToArray()); // += on the second call
        Assert.Equal(2.0, layer.b!.Grad[0, 0]);
    }

    [Theory]
    [InlineData(1)]   // the rank-k path (one sample)
    [InlineData(40)]  // a packed product
    public void Zero_grad_means_zero_whether_read_or_backpropagated_into(int batch)
    {
        var layer = new Linear<double>(37, 11);
        var rng = new Randomness.Rng(3);
        foreach (ref double w in layer.W.Value.Span) w = rng.NextNormal();
        var a = new Matrix<double>(batch, 37);
        var dz = new Matrix<double>(batch, 11);
        foreach (ref double v in a.Span) v = rng.NextNormal();
        foreach (ref double v in dz.Span) v = rng.NextNormal();
        layer.Forward(a);
        layer.Backward(dz, needInputGradient: false);
        var once = layer.W.Grad.Clone();
        var onceBias = layer.b!.Grad.Clone();
        layer.Backward(dz, needInputGradient: false);                  // stale gradient, then:
        layer.W.ZeroGrad();
        layer.b.ZeroGrad();
        Assert.All(layer.W.Grad.Span.ToArray(), g => Assert.Equal(0.0, g)); // read after ZeroGrad: zeros
        layer.W.ZeroGrad();
        layer.b.ZeroGrad();
        layer.Backward(dz, needInputGradient: false);                  // backward after ZeroGrad: written, not added
        Assert.Equal(once.Span.ToArray(), layer.W.Grad.Span.ToArray());
        Assert.Equal(onceBias.Span.ToArray(), layer.b.Grad.Span.ToArray());
        layer.Backward(dz, needInputGradient: false);                  // and the next one adds
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once.Span[i], layer.W.Grad.Span[i], 12);
    }

    [Fact]
    public void No_bias_layer_has_only_weights_and_they_decay()
    {
        var net = Network<float>.Create(NetSpec.Parse("784,64,relu,1,sigmoid"), new Randomness.Rng(1), bias: false);
        Assert.Equal(["layers.0.weight", "layers.2.weight"], net.Parameters.Select(p => p.Name));
        Assert.All(net.Parameters, p => Assert.True(p.Decay));
        var withBias = Network<float>.Create("784,64,relu,1,sigmoid", 1);
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"], withBias.Parameters.Select(p => p.Name));
        Assert.False(withBias.Parameter("layers.0.bias").Decay);
    }

    [Fact]
    public void Wrong_input_width_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Linear<float>(4, 2).Forward(new Matrix<float>(3, 5)));
        Assert.Contains("5 features, expected 4", e.Message);
    }
}
