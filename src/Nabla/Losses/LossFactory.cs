using System.Numerics;

namespace Nabla.Losses;

/// <summary>The loss names shared by the CLI and the docs.</summary>
public static class LossFactory
{
    public static readonly IReadOnlyList<(string Name, string Meaning)> Names =
    [
        ("mse", "‖ŷ − y‖², batch mean"),
        ("half-mse", "½‖ŷ − y‖², batch mean"),
        ("l2", "‖y − ŷ‖₂ (not squared), batch mean"),
        ("bce", "binary cross-entropy on probabilities (after a sigmoid output)"),
        ("bce-logits", "binary cross-entropy on logits (sigmoid folded in)"),
        ("cross-entropy", "categorical cross-entropy after a softmax output, fused with it"),
        ("huber", "Huber, δ = 1 (huber=δ to change it)"),
    ];

    /// <summary>Creates the loss called <paramref name="name"/> (<c>huber=2</c> sets δ).</summary>
    public static Loss<T> Create<T>(string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string key = name.Trim().ToLowerInvariant();
        double parameter = double.NaN;
        int eq = key.IndexOf('=');
        if (eq >= 0)
        {
            if (!double.TryParse(key[(eq + 1)..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out parameter) || !(parameter > 0))
                throw new ArgumentException($"loss '{name}': '{key[(eq + 1)..]}' is not a positive number");
            key = key[..eq];
            if (key != "huber") throw new ArgumentException($"loss '{name}': only huber takes a parameter");
        }
        return key switch
        {
            "mse" => new MeanSquaredError<T>(),
            "half-mse" => new MeanSquaredError<T>(half: true),
            "l2" => new L2NormLoss<T>(),
            "bce" => new BinaryCrossEntropy<T>(),
            "bce-logits" => new BinaryCrossEntropyWithLogits<T>(),
            "cross-entropy" or "ce" => new SoftmaxCrossEntropy<T>(),
            "cross-entropy-probabilities" => new CrossEntropy<T>(),
            "huber" => new Huber<T>(double.IsNaN(parameter) ? 1.0 : parameter),
            _ => throw new ArgumentException($"unknown loss '{name}'; expected one of {string.Join(", ", Names.Select(n => n.Name))}"),
        };
    }
}
