using Nabla.Layers;
using Nabla.Losses;
using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Diagnostics;

/// <summary>
/// A random problem to check a network's gradients on: the network built from its spec (weights from
/// the spec's initialiser, biases N(0, 0.3²) so no unit sits exactly on a kink), inputs N(0, 1), and
/// targets that suit the loss — one-hot rows for cross-entropy, 0/1 for binary cross-entropy, N(0, 1)
/// for regression losses. Everything is drawn from <c>seed</c>.
/// </summary>
public sealed record CheckProblem(Objective<double> Objective, Matrix<double> X, Matrix<double> Y)
{
    public static CheckProblem Create(string spec, string loss, int batch = 4, ulong seed = 1, bool bias = true, double l2 = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var network = Network<double>.Create(NetSpec.Parse(spec), Rng.Fork(seed, "init"), bias: bias);
        var objective = new Objective<double>(network, LossFactory.Create<double>(loss), l2);
        var rng = Rng.Fork(seed, "check");
        foreach (var p in network.Parameters)
            if (!p.Decay)
                foreach (ref double b in p.Value.Span) b = 0.3 * rng.NextNormal();
        var X = new Matrix<double>(batch, network.InputWidth);
        foreach (ref double x in X.Span) x = rng.NextNormal();
        return new CheckProblem(objective, X, Targets(objective.Loss, batch, network.OutputWidth, rng));
    }

    /// <summary>Targets that suit <paramref name="loss"/>: classes for classification losses, N(0, 1) values otherwise.</summary>
    public static Matrix<double> Targets(Loss<double> loss, int rows, int cols, Rng rng)
    {
        var Y = new Matrix<double>(rows, cols);
        for (int r = 0; r < rows; r++)
        {
            if (loss.IsClassification && cols > 1 && loss is not BinaryCrossEntropy<double> and not BinaryCrossEntropyWithLogits<double>)
                Y[r, rng.NextInt(cols)] = 1;
            else if (loss.IsClassification)
                for (int c = 0; c < cols; c++) Y[r, c] = rng.NextInt(2);
            else
                for (int c = 0; c < cols; c++) Y[r, c] = rng.NextNormal();
        }
        return Y;
    }
}
