using System.Numerics;
using System.Numerics.Tensors;
using Nabla.Data;

namespace Nabla.Training;

/// <summary>A model's loss and error on a dataset, and its confusion matrix (rows: true class, columns: predicted).</summary>
public sealed record EvaluationResult(double Loss, double Error, int Count, int[][] Confusion)
{
    public double Accuracy => 1 - Error;
}

public static class Evaluator
{
    /// <summary>
    /// Runs the network over <paramref name="data"/> in fixed order, in batches of <paramref name="batchSize"/>:
    /// the mean data loss (no penalty), the error rate, and the confusion matrix.
    /// </summary>
    public static EvaluationResult Evaluate<T>(Objective<T> objective, Dataset data, Normalization normalization, int batchSize = 1000)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Evaluate(objective, new BatchLoader<T>(data, batchSize, normalization, objective.Network.OutputWidth, shuffle: null));

    /// <summary>The same, with a loader (fixed order) that the caller keeps between evaluations.</summary>
    public static EvaluationResult Evaluate<T>(Objective<T> objective, BatchLoader<T> loader)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = loader.Data;
        int outputs = objective.Network.OutputWidth;
        int classes = outputs == 1 ? 2 : outputs;
        var confusion = new int[classes][];
        for (int c = 0; c < classes; c++) confusion[c] = new int[classes];
        double lossSum = 0;
        int wrong = 0;
        T threshold = objective.Loss.TakesLogits ? T.Zero : T.CreateChecked(0.5);
        for (int b = 0; b < loader.BatchesPerEpoch; b++)
        {
            loader.Next();
            var X = loader.X;
            var Y = loader.Y;
            lossSum += double.CreateTruncating(objective.DataLoss(X, Y)) * X.Rows;
            var output = objective.Output;
            for (int r = 0; r < X.Rows; r++)
            {
                int truth = outputs == 1 ? (Y[r, 0] > T.CreateChecked(0.5) ? 1 : 0) : TensorPrimitives.IndexOfMax(Y.Row(r));
                int predicted = outputs == 1 ? (output[r, 0] > threshold ? 1 : 0) : TensorPrimitives.IndexOfMax(output.Row(r));
                confusion[truth][predicted]++;
                if (truth != predicted) wrong++;
            }
        }
        return new EvaluationResult(lossSum / data.Count, (double)wrong / data.Count, data.Count, confusion);
    }
}
