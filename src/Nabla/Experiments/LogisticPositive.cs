using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Tensors;

namespace Nabla.Experiments;

/// <summary>
/// Logistic regression ŷ = σ(w·x + b) trained with log loss. When every label is 1, the loss
/// −(1/n) Σ log σ(w·x_i + b) is driven towards 0 by making every margin w·x_i + b larger: there is no
/// minimiser, and gradient descent grows the margin without bound (about ln 10 per tenfold more steps, as
/// the gradient ≈ e^(−margin) shrinks). Two-example datasets (no bias, one feature): with x = (1, 2) and
/// y = (1, 0) no w fits both, the loss has a finite minimiser w* and descent converges to it; with
/// x = (1, −2) and y = (1, 0) any w &gt; 0 classifies both, and w grows forever.
/// </summary>
public sealed class LogisticPositive : IExperiment
{
    public string Name => "logistic-positive";
    public string Title => "Logistic regression when one w cannot be optimal";

    public const int Steps = 100_000;
    public const double LearningRate = 1.0;

    public ExperimentResult Run(ulong seed)
    {
        var r = new ExperimentResult(Name, Title,
            "With all labels positive the log loss has infimum 0 and no minimiser: GD drives it to 0 while the margin w·x + b grows without bound " +
            "(≈ ln 10 more per tenfold more steps). With two examples and no bias: x = (1, 2), y = (1, 0) is not separable and w converges to the finite w*; " +
            "x = (1, −2), y = (1, 0) is separable and w grows without bound.");

        // (a) Every label positive, with a bias.
        double[] xs = [0.5, 1, 1.5, 2];
        var positive = Trajectory(xs, [1, 1, 1, 1], bias: true, seed);
        int last = positive.Count - 1, tenth = positive.FindIndex(p => p.Step >= Steps / 10);
        r.Checks.Add(Check.AtMost($"loss after {Steps:N0} steps", positive[last].Loss, 1e-3));
        r.Checks.Add(new Check($"margin gained from step {Steps / 10:N0} to {Steps:N0}", positive[last].Margin - positive[tenth].Margin, Math.Log(10), 0.1, Relative: true));
        r.Checks.Add(Check.AtLeast("b keeps growing: b(T) − b(T/10)", positive[last].B - positive[tenth].B, 0.5));
        var steps = positive.Select(p => (double)p.Step).ToArray();
        r.Charts.Add(new Chart("all-positive", "All labels positive: log loss, w and b under gradient descent", "step", "value", [
            new Series("log loss", steps, positive.Select(p => p.Loss).ToArray()),
            new Series("w", steps, positive.Select(p => p.W).ToArray(), SeriesKind.Dashed),
            new Series("b", steps, positive.Select(p => p.B).ToArray(), SeriesKind.LineMarkers),
        ], LogX: true));

        // (c) Two examples, no bias.
        var converging = Trajectory([1, 2], [1, 0], bias: false, seed);
        double wStar = Minimiser();
        r.Checks.Add(new Check("x = (1, 2), y = (1, 0): w after descent vs the root of σ(−w) = 2σ(2w)", converging[^1].W, wStar, 1e-8));
        var diverging = Trajectory([1, -2], [1, 0], bias: false, seed);
        int tenthD = diverging.FindIndex(p => p.Step >= Steps / 10);
        r.Checks.Add(new Check("x = (1, −2), y = (1, 0): w gained from step T/10 to T", diverging[^1].W - diverging[tenthD].W, Math.Log(10), 0.1, Relative: true));
        r.Charts.Add(new Chart("two-examples", "Two examples, no bias: w under gradient descent", "step", "w", [
            new Series("x = (1, 2), y = (1, 0): not separable", converging.Select(p => (double)p.Step).ToArray(), converging.Select(p => p.W).ToArray()),
            new Series($"its minimiser w* = {wStar:G5}", [1, Steps], [wStar, wStar], SeriesKind.Dashed),
            new Series("x = (1, −2), y = (1, 0): separable", diverging.Select(p => (double)p.Step).ToArray(), diverging.Select(p => p.W).ToArray(), SeriesKind.LineMarkers),
        ], LogX: true));
        r.Notes.Add($"All-positive run: loss {positive[last].Loss:G3}, w = {positive[last].W:G4}, b = {positive[last].B:G4} after {Steps:N0} steps of GD with η = {LearningRate}.");
        return r;
    }

    private sealed record Point(int Step, double Loss, double W, double B, double Margin);

    /// <summary>Full-batch GD on one feature, the state recorded at log-spaced steps.</summary>
    private static List<Point> Trajectory(double[] x, double[] y, bool bias, ulong seed)
    {
        var net = Network<double>.Create(NetSpec.Parse("1,1,sigmoid"), Rng.Fork(seed, "logistic"), Init.Initializer.Zeros, bias);
        var X = Matrix<double>.FromRows(x.Select(v => new[] { v }).ToArray());
        var Y = Matrix<double>.FromRows(y.Select(v => new[] { v }).ToArray());
        var W = net.Parameter("layers.0.weight").Value;
        var points = new List<Point>();
        int next = 1;
        Common.TrainFullBatch(net, "bce", new Sgd<double>(net.Parameters, LearningRate), X, Y, Steps, (t, loss) =>
        {
            if (t != next && t != Steps) return;
            double w = W[0, 0], b = bias ? net.Parameter("layers.0.bias").Value[0, 0] : 0;
            points.Add(new Point(t, loss, w, b, x.Min(v => w * v + b)));
            next = Math.Max(t + 1, (int)(t * 1.12));
        });
        return points;
    }

    /// <summary>The w where dL/dw = ½(−σ(−w) + 2σ(2w)) = 0, by bisection.</summary>
    public static double Minimiser()
    {
        static double Sigma(double z) => 1 / (1 + Math.Exp(-z));
        double lo = -10, hi = 10;
        for (int i = 0; i < 200; i++)
        {
            double mid = (lo + hi) / 2;
            if (-Sigma(-mid) + 2 * Sigma(2 * mid) > 0) hi = mid; else lo = mid;
        }
        return (lo + hi) / 2;
    }
}
