namespace Nabla.Training;

public enum ScheduleKind { Constant, Step, Cosine }

/// <summary>
/// How the learning rate changes during a run, as a factor of the base rate η₀:
/// constant (1); step (γ^⌊epoch / every⌋: multiplied by γ every <c>Every</c> epochs);
/// cosine (½(1 + cos(π·t/T)) over the T updates of the run, from η₀ down to 0).
/// </summary>
public sealed record Schedule(ScheduleKind Kind = ScheduleKind.Constant, double Gamma = 0.1, int Every = 10)
{
    public static readonly Schedule Constant = new();

    public double Factor(long update, long totalUpdates, int epoch) => Kind switch
    {
        ScheduleKind.Step => Math.Pow(Gamma, epoch / Math.Max(1, Every)),
        ScheduleKind.Cosine => 0.5 * (1 + Math.Cos(Math.PI * Math.Min(update, totalUpdates) / Math.Max(1, totalUpdates))),
        _ => 1,
    };

    /// <summary>Parses <c>constant</c>, <c>step</c>, <c>step:γ:every</c> or <c>cosine</c>.</summary>
    public static Schedule Parse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split(':');
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return parts[0] switch
        {
            "constant" when parts.Length == 1 => Constant,
            "cosine" when parts.Length == 1 => new Schedule(ScheduleKind.Cosine),
            "step" when parts.Length == 1 => new Schedule(ScheduleKind.Step),
            "step" when parts.Length == 3 && double.TryParse(parts[1], inv, out double g) && g > 0 && g <= 1
                && int.TryParse(parts[2], inv, out int every) && every >= 1 => new Schedule(ScheduleKind.Step, g, every),
            _ => throw new ArgumentException($"unknown learning-rate schedule '{text}'; expected constant, cosine, step or step:γ:every (e.g. step:0.1:10)"),
        };
    }

    public override string ToString() => Kind switch
    {
        ScheduleKind.Step => FormattableString.Invariant($"step:{Gamma}:{Every}"),
        ScheduleKind.Cosine => "cosine",
        _ => "constant",
    };
}
