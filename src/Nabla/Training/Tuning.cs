using System.Globalization;
using Nabla.Layers;
using Nabla.Randomness;

namespace Nabla.Training;

/// <summary>The values a search may try for each hyperparameter (an empty list keeps the base setting).</summary>
public sealed record SearchSpace
{
    public IReadOnlyList<double> LearningRates { get; init; } = [];
    public IReadOnlyList<int> Batches { get; init; } = [];
    public IReadOnlyList<int> Epochs { get; init; } = [];
    public IReadOnlyList<double> L2 { get; init; } = [];
    public IReadOnlyList<int> Hidden { get; init; } = [];

    public int GridSize => new[] { LearningRates.Count, Batches.Count, Epochs.Count, L2.Count, Hidden.Count }.Aggregate(1, (a, n) => a * Math.Max(1, n));
}

/// <summary>
/// Hyperparameter search done honestly: every candidate is trained on the training part and scored on
/// the validation part only; the test set is for the one final evaluation of the chosen settings.
/// </summary>
public static class Tuning
{
    /// <summary>Every combination of the listed values (the Cartesian product), in a fixed order.</summary>
    public static IReadOnlyList<RunSettings> Grid(RunSettings baseline, SearchSpace space)
    {
        IEnumerable<RunSettings> all = [baseline];
        if (space.LearningRates.Count > 0) all = all.SelectMany(s => space.LearningRates.Select(v => s with { LearningRate = v }));
        if (space.Batches.Count > 0) all = all.SelectMany(s => space.Batches.Select(v => s with { Batch = v }));
        if (space.Epochs.Count > 0) all = all.SelectMany(s => space.Epochs.Select(v => s with { Epochs = v, Updates = null }));
        if (space.L2.Count > 0) all = all.SelectMany(s => space.L2.Select(v => s with { L2 = v }));
        if (space.Hidden.Count > 0) all = all.SelectMany(s => space.Hidden.Select(v => s with { Net = WithHiddenWidth(s.Net, v) }));
        return all.ToList();
    }

    /// <summary><paramref name="trials"/> distinct combinations drawn at random (without replacement) from the grid.</summary>
    public static IReadOnlyList<RunSettings> Random(RunSettings baseline, SearchSpace space, int trials, Rng rng)
    {
        var grid = Grid(baseline, space).ToArray();
        rng.Shuffle(grid.AsSpan());
        return grid.Take(Math.Min(trials, grid.Length)).ToList();
    }

    /// <summary>The spec with every hidden layer width (all but the last linear layer) set to <paramref name="width"/>.</summary>
    public static string WithHiddenWidth(string spec, int width)
    {
        var parsed = NetSpec.Parse(spec);
        var tokens = spec.Split(',').Select(t => t.Trim()).ToArray();
        int lastWidth = Array.FindLastIndex(tokens, t => t.Length > 0 && char.IsDigit(t[0]));
        if (parsed.Layers.Count(l => l.Kind == LayerKind.Linear) < 2)
            throw new ArgumentException($"--hidden: the network {spec} has no hidden layer");
        for (int i = 1; i < lastWidth; i++)
            if (char.IsDigit(tokens[i][0])) tokens[i] = width.ToString(CultureInfo.InvariantCulture);
        return string.Join(",", tokens);
    }
}
