using System.Diagnostics;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Training;

namespace Nabla.Experiments;

/// <summary>
/// The same network trained for the same number of epochs with batch sizes from 1 to the full set. An epoch
/// is ⌈N/B⌉ updates: small batches make many noisy updates, large ones few accurate ones; larger batches
/// compute faster per sample (matrix products instead of vector ones), but with a fixed number of epochs
/// and step size the largest batches make too few updates to learn much.
/// </summary>
public sealed class BatchSize : IExperiment
{
    public string Name => "batch-size";
    public string Title => "Batch size: updates, time and error for a fixed number of epochs";

    public const int Epochs = 4, TrainSize = 10_000;
    public const double LearningRate = 0.05;
    public const string Net = "784,32,relu,10,softmax";

    public ExperimentResult Run(ulong seed)
    {
        var r = new ExperimentResult(Name, Title,
            "With N samples and batch B an epoch is ⌈N/B⌉ updates. Per sample, large batches compute faster (matrix–matrix products); " +
            "with the same epochs and step size, the full batch makes only a handful of updates and ends with a much higher loss than small batches.");
        var source = Catalog.Load(Catalog.FashionMnist);
        var train = Preparation.StratifiedSubsample(source.Train, TrainSize / (double)source.Train.Count, Rng.Fork(seed, "batch-size-subsample"));
        var test = source.Test;
        int n = train.Count;
        var norm = Normalization.For(train);
        int[] sizes = [1, 8, 32, 64, 512, 4096, n];
        var rows = new List<IReadOnlyList<object>>();
        var results = new Dictionary<int, (double Seconds, double FastestEpoch, long Updates, EvaluationResult Train, EvaluationResult Test)>();
        foreach (int b in sizes)
        {
            var net = Network<float>.Create(NetSpec.Parse(Net), Rng.Fork(seed, "batch-size-init"));
            var objective = Objective<float>.Create(net, "cross-entropy");
            var sgd = new Sgd<float>(net.Parameters, LearningRate);
            var loader = new BatchLoader<float>(train, b, norm, 10, Rng.Fork(seed, "batch-size-shuffle"));
            long updates = 0;
            double fastestEpoch = double.PositiveInfinity;
            var clock = Stopwatch.StartNew();
            var lap = clock.Elapsed;
            while (loader.Epoch < Epochs || !loader.AtEpochEnd)
            {
                loader.Next();
                sgd.ZeroGrad();
                objective.Forward(loader.X, loader.Y);
                objective.Backward();
                sgd.Step();
                updates++;
                if (loader.AtEpochEnd)
                {
                    fastestEpoch = Math.Min(fastestEpoch, (clock.Elapsed - lap).TotalSeconds);
                    lap = clock.Elapsed;
                }
            }
            double seconds = clock.Elapsed.TotalSeconds;
            var onTrain = Evaluator.Evaluate(objective, train, norm);
            var onTest = Evaluator.Evaluate(objective, test, norm);
            results[b] = (seconds, fastestEpoch, updates, onTrain, onTest);
            rows.Add([b == n ? $"{b} (full)" : b, updates, seconds, seconds / Epochs, onTrain.Loss, onTrain.Error, onTest.Loss, onTest.Error]);
            r.Checks.Add(new Check($"updates at B = {b}", updates, Epochs * Math.Ceiling(n / (double)b), 0));
        }
        r.Tables.Add(new Table($"{Net}, SGD η = {LearningRate}, {Epochs} epochs on {n:N0} FashionMNIST training images; test on {test.Count:N0}",
            ["batch", "updates", "seconds", "s/epoch", "train loss", "train error", "test loss", "test error"], rows));
        // The fastest of the epochs on each side, so that one stall of this shared machine does not decide it.
        r.Checks.Add(Check.AtMost("seconds per epoch at B = 64 ÷ at B = 1 (fastest epochs)", results[64].FastestEpoch / results[1].FastestEpoch, 1) with { Timed = true });
        r.Checks.Add(Check.AtLeast("training loss with the full batch ÷ with B = 32", results[n].Train.Loss / results[32].Train.Loss, 2));
        r.Checks.Add(Check.AtLeast("test error with the full batch − with B = 32", results[n].Test.Error - results[32].Test.Error, 0.1));
        var bs = sizes.Select(b => (double)b).ToArray();
        r.Charts.Add(new Chart("error-vs-batch", $"Test error after {Epochs} epochs against batch size", "batch size B", "test error", [
            new Series("test error", bs, sizes.Select(b => results[b].Test.Error).ToArray(), SeriesKind.LineMarkers),
            new Series("training error", bs, sizes.Select(b => results[b].Train.Error).ToArray(), SeriesKind.Dashed),
        ], LogX: true, YRange: (0, 1)));
        r.Charts.Add(new Chart("error-vs-time", $"Test error against training time ({Epochs} epochs each)", "training seconds", "test error",
            sizes.Select(b => new Series(b == n ? "full batch" : $"B = {b}", [results[b].Seconds], [results[b].Test.Error], SeriesKind.Markers)).ToArray(),
            LogX: true, YRange: (0, 1)));
        r.Notes.Add("Times are wall-clock on this machine and vary from run to run; the update counts and losses are fixed by the seed.");
        return r;
    }
}
