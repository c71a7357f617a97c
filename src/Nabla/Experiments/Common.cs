using Nabla.Data;
using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Experiments;

/// <summary>What several experiments share: full-batch training on a small problem, and a FashionMNIST subset as matrices.</summary>
internal static class Common
{
    /// <summary>
    /// <paramref name="steps"/> full-batch steps in the usual rhythm (zero-grad, forward, backward, step);
    /// returns the loss before each step.
    /// </summary>
    public static double[] TrainFullBatch(Network<double> net, string loss, Optimizer<double> optimizer, Matrix<double> X, Matrix<double> Y, int steps,
        Action<int, double>? after = null)
    {
        var objective = Objective<double>.Create(net, loss);
        var losses = new double[steps];
        for (int t = 0; t < steps; t++)
        {
            optimizer.ZeroGrad();
            losses[t] = objective.Forward(X, Y);
            objective.Backward();
            optimizer.Step();
            after?.Invoke(t + 1, losses[t]);
        }
        return losses;
    }

    /// <summary>A stratified subset of about <paramref name="size"/> FashionMNIST training images: pixels ÷ 255 in X [n, 784], one-hot labels in Y [n, 10].</summary>
    public static (Dataset Data, Matrix<double> X, Matrix<double> Y) FashionSubset(int size, ulong seed, string stream)
    {
        var source = Catalog.Load(Catalog.FashionMnist);
        var data = Preparation.StratifiedSubsample(source.Train, size / (double)source.Train.Count, Rng.Fork(seed, stream));
        var norm = Normalization.For(data);
        var X = new Matrix<double>(data.Count, data.Features);
        var Y = new Matrix<double>(data.Count, data.Classes);
        for (int i = 0; i < data.Count; i++)
        {
            norm.Apply(data, i, X.Row(i));
            Y[i, data.Labels[i]] = 1;
        }
        return (data, X, Y);
    }
}
