namespace Nabla.Experiments;

/// <summary>
/// Gradient descent on L(w1, w2) = ½(a·w1² + b·w2²). The gradient is (a·w1, b·w2), so one step multiplies
/// each coordinate by its own factor: w1 ← (1 − ηa)·w1, w2 ← (1 − ηb)·w2. Descent converges iff both
/// |1 − ηa| and |1 − ηb| are below 1, i.e. η &lt; 2/max(a, b); the best fixed step η = 2/(a + b) contracts both
/// by (κ − 1)/(κ + 1) with κ = a/b, so the steps to a tolerance grow about linearly with κ.
/// </summary>
public sealed class Quadratic : IExperiment
{
    public string Name => "quadratic";
    public string Title => "Gradient descent on a quadratic bowl";

    public const double A = 10, B = 1, Tolerance = 1e-6;

    /// <summary>w after <paramref name="steps"/> steps of GD from (1, 1), every iterate kept.</summary>
    public static List<(double W1, double W2)> Descend(double a, double b, double eta, int steps)
    {
        var path = new List<(double, double)> { (1, 1) };
        double w1 = 1, w2 = 1;
        for (int t = 0; t < steps; t++)
        {
            double g1 = a * w1, g2 = b * w2;       // ∇L = (a w1, b w2)
            w1 -= eta * g1;
            w2 -= eta * g2;
            path.Add((w1, w2));
        }
        return path;
    }

    /// <summary>Steps until ‖w‖ ≤ tolerance·‖w0‖, or -1 when it never gets there within <paramref name="limit"/>.</summary>
    public static int StepsToConverge(double a, double b, double eta, double tolerance, int limit = 1_000_000)
    {
        double w1 = 1, w2 = 1, start = Math.Sqrt(2);
        for (int t = 0; t < limit; t++)
        {
            if (Math.Sqrt(w1 * w1 + w2 * w2) <= tolerance * start) return t;
            w1 -= eta * a * w1;
            w2 -= eta * b * w2;
            if (!double.IsFinite(w1) || Math.Abs(w1) > 1e100) return -1;
        }
        return -1;
    }

    /// <summary>Whether 2,000 steps shrink w (measured, not from the formula).</summary>
    private static bool Converges(double a, double b, double eta)
    {
        var end = Descend(a, b, eta, 2000)[^1];
        return Math.Abs(end.W1) < 1e-3 && Math.Abs(end.W2) < 1e-3;
    }

    public ExperimentResult Run(ulong seed)
    {
        var r = new ExperimentResult(Name, Title,
            "On L = ½(a·w1² + b·w2²) each GD step multiplies w1 by ρ1 = 1 − ηa and w2 by ρ2 = 1 − ηb; descent converges iff η < 2/max(a, b); " +
            "at the best fixed η = 2/(a + b) both shrink by (κ − 1)/(κ + 1), κ = a/b, so the steps to reach a tolerance grow about linearly with κ.");

        // 1. Per-step contraction, measured as the ratio of successive iterates.
        const double eta = 0.05;
        var path = Descend(A, B, eta, 20);
        r.Checks.Add(new Check($"ρ1 at η = {eta} (a = {A})", path[10].W1 / path[9].W1, 1 - eta * A, 1e-12));
        r.Checks.Add(new Check($"ρ2 at η = {eta} (b = {B})", path[10].W2 / path[9].W2, 1 - eta * B, 1e-12));

        // 2. The largest step that still converges, found by bisection on measured runs.
        double lo = 0.01, hi = 1;
        for (int i = 0; i < 40; i++)
        {
            double mid = (lo + hi) / 2;
            if (Converges(A, B, mid)) lo = mid; else hi = mid;
        }
        r.Checks.Add(new Check("largest η that converges", lo, 2 / Math.Max(A, B), 2e-3));

        // 3. Steps to tolerance at the best fixed step, against κ = a/b.
        var kappas = new[] { 1.0, 2, 4, 8, 16, 32, 64, 128, 256 };
        var measured = new double[kappas.Length];
        var theory = new double[kappas.Length];
        var rows = new List<IReadOnlyList<object>>();
        for (int i = 0; i < kappas.Length; i++)
        {
            double k = kappas[i], best = 2 / (k + 1);
            measured[i] = StepsToConverge(k, 1, best, Tolerance);
            double rho = (k - 1) / (k + 1);
            theory[i] = rho == 0 ? 1 : Math.Ceiling(Math.Log(Tolerance) / Math.Log(rho));
            rows.Add([k, best, measured[i], theory[i]]);
        }
        r.Tables.Add(new Table($"Steps to shrink ‖w‖ by {Tolerance:G1} at η = 2/(a + b), b = 1", ["κ = a/b", "η", "steps measured", "⌈log tol / log ρ⌉"], rows));
        for (int i = 0; i < kappas.Length; i += 4)
            r.Checks.Add(new Check($"steps at κ = {kappas[i]}", measured[i], theory[i], 1));
        double slope = (Math.Log(measured[^1]) - Math.Log(measured[^3])) / (Math.Log(kappas[^1]) - Math.Log(kappas[^3]));
        r.Checks.Add(new Check("log-log slope of steps against κ (large κ)", slope, 1, 0.05));

        // Charts: trajectories on the contours, and steps against κ.
        var series = new List<Series>();
        foreach (double level in new[] { 0.05, 0.25, 1, 2.5, 5 })
        {
            var xs = new double[201];
            var ys = new double[201];
            for (int k = 0; k <= 200; k++)
            {
                double t = 2 * Math.PI * k / 200;
                xs[k] = Math.Sqrt(2 * level / A) * Math.Cos(t);
                ys[k] = Math.Sqrt(2 * level / B) * Math.Sin(t);
            }
            series.Add(new Series(level == 0.05 ? "contours of L" : "", xs, ys, SeriesKind.Guide));
        }
        foreach (var (step, label) in new[] { (0.05, "η = 0.05: w1 shrinks by 0.5 a step"), (0.19, "η = 0.19: w1 flips sign, shrinks by 0.9") })
        {
            var p = Descend(A, B, step, 30);
            series.Add(new Series(label, p.Select(q => q.W1).ToArray(), p.Select(q => q.W2).ToArray(), SeriesKind.LineMarkers));
        }
        r.Charts.Add(new Chart("trajectories", $"GD on ½({A}·w1² + {B}·w2²) from (1, 1)", "w1", "w2", series, SquareUnits: true, YRange: (-1.2, 1.2), Legend: "lower right"));
        var around = new[] { 0.05, 0.19, 0.2, 0.205, 0.21 };
        r.Charts.Add(new Chart("threshold", $"|w1| under GD, a = {A}: the threshold η = 2/a = {2 / A}", "step", "|w1|",
            around.Select(e => new Series($"η = {e} (ρ1 = {1 - e * A:0.##})", Enumerable.Range(0, 41).Select(t => (double)t).ToArray(),
                Descend(A, B, e, 40).Select(q => Math.Abs(q.W1)).ToArray(), e < 0.2 ? SeriesKind.Line : e == 0.2 ? SeriesKind.Dashed : SeriesKind.LineMarkers)).ToArray(),
            LogY: true, Legend: "lower left"));
        r.Charts.Add(new Chart("steps-vs-condition", $"Steps to {Tolerance:G1} at the best fixed step", "κ = a/b", "steps", [
            new Series("measured", kappas, measured, SeriesKind.Markers),
            new Series("⌈log tol / log((κ−1)/(κ+1))⌉", kappas, theory, SeriesKind.Dashed),
        ], LogX: true, LogY: true, Legend: "lower right"));
        r.Notes.Add($"At η = 0.19 < 0.2 the w1 factor is 1 − 0.19·10 = −0.9: w1 flips sign every step and still shrinks; at η = 0.205 it is −1.05 and grows.");
        return r;
    }
}
