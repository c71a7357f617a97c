using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Tensors;

namespace Nabla.Experiments;

/// <summary>
/// A line fitted to data with outliers. MSE weighs a residual r by r², so each outlier pulls the fit with
/// force ∝ r: with a fraction p of points shifted up by Δ (independently of x), the least-squares intercept
/// rises by about p·Δ. Huber's loss is ½r² for |r| ≤ δ and δ(|r| − ½δ) beyond: its pull is capped at δ,
/// so the fit follows the bulk of the data and predicts clean test points better.
/// </summary>
public sealed class HuberRegression : IExperiment
{
    public string Name => "huber";
    public string Title => "Huber against MSE on data with outliers";

    public const double Slope = 2, Intercept = 1, Noise = 0.3, OutlierFraction = 0.1, OutlierShift = 15;

    public ExperimentResult Run(ulong seed)
    {
        var r = new ExperimentResult(Name, Title,
            $"MSE's intercept moves by about p·Δ = {OutlierFraction}·{OutlierShift} = {OutlierFraction * OutlierShift} when a fraction p of the points is shifted by Δ; " +
            "Huber's bounded pull keeps the line near the clean one, so its error on clean test data is smaller.");
        var rng = Rng.Fork(seed, "huber-data");
        var (X, Y, outlier) = Data(200, rng, withOutliers: true);
        var (Xt, Yt, _) = Data(1000, rng, withOutliers: false);
        var fits = new Dictionary<string, (double W, double B, double TestMse)>();
        foreach (string loss in new[] { "mse", "huber=1" })
        {
            var net = Network<double>.Create(NetSpec.Parse("1,1"), Rng.Fork(seed, "huber-init"), Init.Initializer.Zeros);
            Common.TrainFullBatch(net, loss, new Adam<double>(net.Parameters, 0.05), X, Y, 4000);
            var P = net.Forward(Xt);
            double testMse = 0;
            for (int i = 0; i < Xt.Rows; i++) testMse += Math.Pow(P[i, 0] - Yt[i, 0], 2) / Xt.Rows;
            fits[loss] = (net.Parameter("layers.0.weight").Value[0, 0], net.Parameter("layers.0.bias").Value[0, 0], testMse);
        }
        double p = outlier.Count(o => o) / (double)outlier.Length;
        r.Checks.Add(new Check("MSE fit: intercept shift", fits["mse"].B - Intercept, p * OutlierShift, 0.25, Relative: true));
        r.Checks.Add(new Check("Huber fit: slope", fits["huber=1"].W, Slope, 0.1));
        r.Checks.Add(new Check("Huber fit: intercept", fits["huber=1"].B, Intercept, 0.2));
        r.Checks.Add(Check.AtMost("clean test MSE: Huber ÷ MSE fit", fits["huber=1"].TestMse / fits["mse"].TestMse, 0.5));
        r.Tables.Add(new Table($"Fits to 200 points y = {Slope}x + {Intercept} + N(0, {Noise}²), {p:P0} of them shifted by +{OutlierShift}",
            ["loss", "slope", "intercept", "MSE on 1,000 clean test points"],
            [["MSE", fits["mse"].W, fits["mse"].B, fits["mse"].TestMse], ["Huber (δ = 1)", fits["huber=1"].W, fits["huber=1"].B, fits["huber=1"].TestMse], ["the true line", Slope, Intercept, Noise * Noise]]));
        double[] ends = [-2, 2];
        var xs = X.Span.ToArray();
        var ys = Y.Span.ToArray();
        r.Charts.Add(new Chart("fits", "Fitted lines with 10% outliers", "x", "y", [
            new Series("data", xs.Where((_, i) => !outlier[i]).ToArray(), ys.Where((_, i) => !outlier[i]).ToArray(), SeriesKind.Markers),
            new Series("outliers (+15)", xs.Where((_, i) => outlier[i]).ToArray(), ys.Where((_, i) => outlier[i]).ToArray(), SeriesKind.Markers),
            new Series("MSE fit", ends, ends.Select(x => fits["mse"].W * x + fits["mse"].B).ToArray()),
            new Series("Huber fit (δ = 1)", ends, ends.Select(x => fits["huber=1"].W * x + fits["huber=1"].B).ToArray(), SeriesKind.Dashed),
        ]));
        return r;
    }

    private static (Matrix<double> X, Matrix<double> Y, bool[] Outlier) Data(int n, Rng rng, bool withOutliers)
    {
        var X = new Matrix<double>(n, 1);
        var Y = new Matrix<double>(n, 1);
        var outlier = new bool[n];
        for (int i = 0; i < n; i++)
        {
            double x = -2 + 4 * rng.NextDouble();
            X[i, 0] = x;
            Y[i, 0] = Slope * x + Intercept + Noise * rng.NextNormal();
            if (withOutliers && rng.NextDouble() < OutlierFraction)
            {
                outlier[i] = true;
                Y[i, 0] += OutlierShift;
            }
        }
        return (X, Y, outlier);
    }
}
