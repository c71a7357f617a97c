using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Examples;

/// <summary>
/// The library example in README.md is this code: the test checks the README still shows exactly the
/// lines between the markers below, then runs them.
/// </summary>
public class ReadmeExampleTests
{
    private static Matrix<float> Example()
    {
        // BEGIN README EXAMPLE
        // XOR: four points no linear model can separate; a 2-8-1 network learns them.
        var X = Matrix<float>.FromRows([[0, 0], [0, 1], [1, 0], [1, 1]]);
        var Y = Matrix<float>.FromRows([[0], [1], [1], [0]]);
        var net = Network<float>.Create("2,8,tanh,1,sigmoid", seed: 42);
        var objective = Objective<float>.Create(net, "bce");
        var optimizer = new Adam<float>(net.Parameters, learningRate: 0.05);
        for (int step = 0; step < 300; step++)
        {
            optimizer.ZeroGrad();                 // the PyTorch rhythm:
            float loss = objective.Forward(X, Y); // forward and loss,
            objective.Backward();                 // backward (gradients accumulate),
            optimizer.Step();                     // update.
        }
        var p = objective.Predict(X);             // p ≈ [0, 1, 1, 0]ᵀ
        // END README EXAMPLE
        return p;
    }

    private static string[] Lines(string text, string begin, string end)
    {
        var lines = text.Split('\n').Select(l => l.Trim()).ToArray();
        int from = Array.FindIndex(lines, l => l.Contains(begin)) + 1;
        int to = Array.FindIndex(lines, from, l => l.Contains(end));
        Assert.True(from > 0 && to > from, $"markers '{begin}' … '{end}' not found");
        return lines[from..to].Where(l => l.Length > 0).ToArray();
    }

    [Fact]
    public void Readme_shows_this_example_verbatim()
    {
        var readme = Lines(File.ReadAllText(Support.Repository.File("README.md")), "<!-- BEGIN README EXAMPLE -->", "<!-- END README EXAMPLE -->")
            .Where(l => !l.StartsWith("```")).ToArray();
        var source = Lines(File.ReadAllText(Support.Repository.File("tests/Nabla.Tests/Examples/ReadmeExampleTests.cs")), "// BEGIN README EXAMPLE", "// END README EXAMPLE");
        Assert.Equal(source, readme);
    }

    [Fact]
    public void Example_learns_xor()
    {
        var p = Example();
        Assert.True(p[0, 0] < 0.1 && p[1, 0] > 0.9 && p[2, 0] > 0.9 && p[3, 0] < 0.1,
            $"XOR predictions {string.Join(", ", p.Span.ToArray())}");
    }
}
