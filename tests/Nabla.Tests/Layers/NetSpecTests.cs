using Nabla.Layers;

namespace Nabla.Tests.Layers;

public class NetSpecTests
{
    [Theory]
    [InlineData("784,128,relu,10,softmax", 784, 10, 4)]
    [InlineData("784,32,sigmoid,32,sigmoid,10,softmax", 784, 10, 6)]
    [InlineData("10,32,relu,scale=5,1", 10, 1, 4)]
    [InlineData("784,64,relu,1,sigmoid", 784, 1, 4)]
    [InlineData("7,5,leaky_relu=0.01,4,softplus=1,3,gelu,2,tanh", 7, 2, 8)]
    [InlineData(" 4 , 3 ", 4, 3, 1)]
    public void Examples_parse(string text, int input, int output, int layers)
    {
        var spec = NetSpec.Parse(text);
        Assert.Equal(input, spec.InputWidth);
        Assert.Equal(output, spec.OutputWidth);
        Assert.Equal(layers, spec.Layers.Count);
    }

    [Fact]
    public void Parameters_are_read()
    {
        var spec = NetSpec.Parse("7,5,leaky_relu=0.2,4,softplus=3,1,scale=-2.5");
        Assert.Equal(0.2, spec.Layers[1].Parameter);
        Assert.Equal(3.0, spec.Layers[3].Parameter);
        Assert.Equal(-2.5, spec.Layers[5].Parameter);
        Assert.Equal(0.01, NetSpec.Parse("3,2,leaky_relu").Layers[1].Parameter);
        var net = Network<float>.Create("7,5,leaky_relu=0.2,4,softplus=3,1,scale=-2.5", 1);
        Assert.Equal("5,leaky_relu=0.2,4,softplus=3,1,scale=-2.5", string.Join(",", net.Layers.Select(l => l.Spec)));
    }

    [Theory]
    [InlineData("784,128,rleu,10", 3, "unknown token")]
    [InlineData("relu,10", 1, "starts with the input width")]
    [InlineData("784,0,relu", 2, "at least 1")]
    [InlineData("784,-3", 2, "at least 1")]
    [InlineData("784", 1, "no layer")]
    [InlineData("", 1, "empty")]
    [InlineData("784,,10", 2, "empty token")]
    [InlineData("784,relu,10", 2, "must follow a layer width")]
    [InlineData("784,10,relu=3", 3, "takes no parameter")]
    [InlineData("784,10,scale", 3, "needs a value")]
    [InlineData("784,10,scale=abc", 3, "not a number")]
    [InlineData("784,10,softplus=0", 3, "positive")]
    [InlineData("784,12.5,relu", 2, "whole number")]
    [InlineData("784,10,", 3, "empty token")]
    public void Bad_specs_point_at_the_token(string text, int position, string problem)
    {
        var e = Assert.Throws<SpecException>(() => NetSpec.Parse(text));
        Assert.Equal(position, e.Position);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
