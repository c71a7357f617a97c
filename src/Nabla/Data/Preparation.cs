using Nabla.Randomness;

namespace Nabla.Data;

/// <summary>The coursework's preparation steps, each a pure function of a dataset and a seeded generator.</summary>
public static class Preparation
{
    /// <summary>
    /// Keeps <paramref name="fraction"/> of each class (rounded to the nearest sample), chosen at random,
    /// in their original order, labels kept with their images. The homework keeps 50% of each class.
    /// </summary>
    public static Dataset StratifiedSubsample(Dataset data, double fraction, Rng rng)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The subsample fraction must be in (0, 1].");
        if (fraction == 1) return data;
        var (kept, _) = SplitByClass(data, c => (int)Math.Round(fraction * c), rng);
        return data.Select(kept, data.Name);
    }

    /// <summary>
    /// Carves a stratified held-out part of <paramref name="heldOut"/> samples from <paramref name="data"/>
    /// (each class contributes in proportion, largest remainders rounded up so the total is exact).
    /// Returns (rest, held-out), each in the original order.
    /// </summary>
    public static (Dataset Kept, Dataset HeldOut) StratifiedSplit(Dataset data, int heldOut, Rng rng, string restName, string heldOutName)
    {
        if (heldOut < 0 || heldOut > data.Count) throw new ArgumentOutOfRangeException(nameof(heldOut), heldOut, $"Cannot hold out {heldOut} of {data.Count} samples.");
        var counts = data.ClassCounts();
        var quota = Apportion(counts, heldOut);
        int k = 0;
        var (held, rest) = SplitByClass(data, _ => quota[k++], rng);
        return (data.Select(rest, restName), data.Select(held, heldOutName));
    }

    /// <summary>Splits off a fraction (0 &lt; f &lt; 1) of the samples, stratified: the validation split.</summary>
    public static (Dataset Train, Dataset Validation) ValidationSplit(Dataset train, double fraction, Rng rng)
    {
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The validation fraction must be in (0, 1).");
        int n = (int)Math.Round(fraction * train.Count);
        if (n == 0 || n == train.Count) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"A validation fraction of {fraction} leaves no samples on one side of {train.Count}.");
        return StratifiedSplit(train, n, rng, $"{train.Name} (training part)", $"{train.Name} (validation part)");
    }

    /// <summary>Even digits become class 1 ("even"), odd digits class 0 ("odd"): the binary task.</summary>
    public static Dataset RelabelEvenOdd(Dataset data)
    {
        var labels = new int[data.Count];
        var source = data.Labels;
        for (int i = 0; i < labels.Length; i++) labels[i] = source[i] % 2 == 0 ? 1 : 0;
        return data.Relabel(labels, 2, ["odd", "even"], $"{data.Name} (even/odd)");
    }

    /// <summary>Per-class quotas summing exactly to <paramref name="total"/>, by largest remainder.</summary>
    internal static int[] Apportion(int[] counts, int total)
    {
        int n = counts.Sum();
        var quota = new int[counts.Length];
        if (n == 0) return quota;
        var remainders = new (double Fraction, int Class)[counts.Length];
        int assigned = 0;
        for (int c = 0; c < counts.Length; c++)
        {
            double exact = (double)counts[c] * total / n;
            quota[c] = (int)Math.Floor(exact);
            assigned += quota[c];
            remainders[c] = (exact - quota[c], c);
        }
        foreach (var (_, c) in remainders.OrderByDescending(r => r.Fraction).ThenBy(r => r.Class).Take(total - assigned)) quota[c]++;
        return quota;
    }

    // For each class c, draws take(count_c) of its samples at random: (taken, left), both sorted.
    private static (int[] Taken, int[] Left) SplitByClass(Dataset data, Func<int, int> take, Rng rng)
    {
        var byClass = new List<int>[data.Classes];
        for (int c = 0; c < data.Classes; c++) byClass[c] = [];
        var labels = data.Labels;
        for (int i = 0; i < data.Count; i++) byClass[labels[i]].Add(i);
        var taken = new List<int>();
        var left = new List<int>();
        for (int c = 0; c < data.Classes; c++)
        {
            var members = byClass[c].ToArray();
            rng.Shuffle(members.AsSpan());
            int k = Math.Clamp(take(members.Length), 0, members.Length);
            taken.AddRange(members[..k]);
            left.AddRange(members[k..]);
        }
        taken.Sort();
        left.Sort();
        return (taken.ToArray(), left.ToArray());
    }
}
