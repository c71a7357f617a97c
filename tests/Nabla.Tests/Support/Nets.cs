using Nabla.Layers;
using Nabla.Losses;
using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Support;

/// <summary>Small seeded networks with inputs and targets that suit each loss.</summary>
public static class Nets
{
    public static Matrix<double> Targets(string loss, int rows, int cols, ulong seed)
    {
        var rng = new Rng(seed);
        var Y = new Matrix<double>(rows, cols);
        for (int r = 0; r < rows; r++)
        {
            if (loss is "cross-entropy" or "cross-entropy-probabilities")
                Y[r, rng.NextInt(cols)] = 1;
            else if (loss is "bce" or "bce-logits")
                for (int c = 0; c < cols; c++) Y[r, c] = rng.NextInt(2);
            else
                for (int c = 0; c < cols; c++) Y[r, c] = rng.NextNormal();
        }
        return Y;
    }

    public static (Objective<double> Objective, Matrix<double> X, Matrix<double> Y) Case(string spec, string loss, int batch = 5,
        ulong seed = 1, double l2 = 0, bool bias = true)
    {
        var net = Network<double>.Create(NetSpec.Parse(spec), Rng.Fork(seed, "init"), bias: bias);
        // Random biases too, so no unit starts exactly at a kink.
        foreach (var p in net.Parameters.Where(p => !p.Decay))
        {
            var rng = new Rng(seed + 99);
            var s = p.Value.Span;
            for (int i = 0; i < s.Length; i++) s[i] = 0.3 * rng.NextNormal();
        }
        var X = Compare.Random<double>(batch, net.InputWidth, seed + 1);
        var Y = Targets(loss, batch, net.OutputWidth, seed + 2);
        return (new Objective<double>(net, LossFactory.Create<double>(loss), l2), X, Y);
    }
}
