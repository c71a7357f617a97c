using Nabla.Data;
using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Experiments;

/// <summary>
/// The minibatch gradient ĝ_B = (1/B) Σ_{i∈batch} g_i of B samples drawn without replacement from N is an
/// unbiased estimate of the full gradient μ with E‖ĝ_B − μ‖² = (σ²/B)·(N − B)/(N − 1), where
/// σ² = (1/N) Σ ‖g_i − μ‖² is the per-sample variance: σ²/B for small batches, falling to exactly 0 at B = N.
/// Measured on softmax regression over FashionMNIST at fixed weights.
/// </summary>
public sealed class GradientVariance : IExperiment
{
    public string Name => "gradient-variance";
    public string Title => "Variance of the minibatch gradient";

    public const int SetSize = 5000;

    public ExperimentResult Run(ulong seed)
    {
        var r = new ExperimentResult(Name, Title,
            "For B samples drawn without replacement from N, E‖ĝ_B − μ‖² = (σ²/B)·(N − B)/(N − 1), σ² = (1/N)Σ‖g_i − μ‖²: " +
            "about σ²/B for small B, exactly 0 for the full set.");
        var (data, X, Y) = Common.FashionSubset(SetSize, seed, "variance-subsample");
        int n = data.Count, d = data.Features, k = data.Classes;

        // Fixed weights: one epoch of minibatch SGD from zero, so the gradients are those of a model in training.
        var net = Network<double>.Create(NetSpec.Parse($"{d},{k},softmax"), new Rng(seed), Init.Initializer.Zeros);
        var objective = Objective<double>.Create(net, "cross-entropy");
        var sgd = new Sgd<double>(net.Parameters, 0.1);
        var order = Enumerable.Range(0, n).ToArray();
        var rng = Rng.Fork(seed, "variance");
        rng.Shuffle(order.AsSpan());
        var Xb = new Matrix<double>(n, d);
        var Yb = new Matrix<double>(n, k);
        for (int start = 0; start + 50 <= n; start += 50)
        {
            Gather(X, Y, order.AsSpan(start, 50), Xb, Yb);
            sgd.ZeroGrad();
            objective.Forward(Xb, Yb);
            objective.Backward();
            sgd.Step();
        }

        // μ: the full-batch gradient; σ²: from the per-sample gradients g_i = ((p_i − y_i) x_iᵀ, p_i − y_i),
        // whose squared norm is ‖p_i − y_i‖²(‖x_i‖² + 1).
        var mu = Gradient(objective, X, Y);
        var P = net.Forward(X);
        double meanSquare = 0;
        for (int i = 0; i < n; i++)
        {
            double e2 = 0, x2 = 1;
            for (int c = 0; c < k; c++) { double e = P[i, c] - Y[i, c]; e2 += e * e; }
            foreach (double v in X.Row(i)) x2 += v * v;
            meanSquare += e2 * x2 / n;
        }
        double sigma2 = meanSquare - mu.Sum(v => v * v);

        var sizes = new List<int>();
        for (int b = 1; b < n; b *= 2) sizes.Add(b);
        sizes.Add(n);
        var measured = new List<double>();
        var rows = new List<IReadOnlyList<object>>();
        foreach (int b in sizes)
        {
            int repeats = b == n ? 3 : b <= 256 ? 400 : 120;
            double sum = 0;
            Xb.Resize(b);
            Yb.Resize(b);
            for (int t = 0; t < repeats; t++)
            {
                // b indices without replacement: a partial Fisher–Yates shuffle.
                for (int i = 0; i < b; i++)
                {
                    int j = i + rng.NextInt(n - i);
                    (order[i], order[j]) = (order[j], order[i]);
                }
                Gather(X, Y, order.AsSpan(0, b), Xb, Yb);
                var g = Gradient(objective, Xb, Yb);
                double dist = 0;
                for (int q = 0; q < g.Length; q++) { double e = g[q] - mu[q]; dist += e * e; }
                sum += dist;
            }
            double mean = sum / repeats;
            double theory = sigma2 / b * (n - b) / (n - 1.0);
            measured.Add(mean);
            rows.Add([b, repeats, mean, theory, sigma2 / b]);
            if (b == n) r.Checks.Add(new Check($"E‖ĝ_B − μ‖² at B = N = {n}", mean, 0, 1e-12 * sigma2));
            else if (b is 1 or 16 or 256 or 2048 or 4096)
                r.Checks.Add(new Check($"E‖ĝ_B − μ‖² at B = {b}", mean, theory, 0.2, Relative: true));
        }
        r.Tables.Add(new Table($"Squared distance of the minibatch gradient from the full gradient (N = {n}, σ² = {sigma2:G4})",
            ["B", "batches drawn", "mean ‖ĝ_B − μ‖²", "σ²/B·(N−B)/(N−1)", "σ²/B"], rows));
        var bs = sizes.Take(sizes.Count - 1).Select(b => (double)b).ToArray();
        r.Charts.Add(new Chart("variance-vs-batch", $"Minibatch gradient variance, softmax regression on {n:N0} FashionMNIST images",
            "batch size B", "E‖ĝ_B − μ‖²", [
                new Series("measured", bs, measured.Take(bs.Length).ToArray(), SeriesKind.Markers),
                new Series("σ²/B · (N − B)/(N − 1)", bs, bs.Select(b => sigma2 / b * (n - b) / (n - 1.0)).ToArray(), SeriesKind.Line),
                new Series("σ²/B", bs, bs.Select(b => sigma2 / b).ToArray(), SeriesKind.Dashed),
            ], LogX: true, LogY: true));
        r.Notes.Add($"Weights after one epoch of SGD (lr 0.1, batch 50) from zero on a stratified {n:N0}-image subset; σ² = {sigma2:G5}. " +
            $"At B = N the estimate is the full gradient itself (measured {measured[^1]:G3}, rounding only), which no σ²/B line shows.");
        return r;
    }

    private static void Gather(Matrix<double> X, Matrix<double> Y, ReadOnlySpan<int> rows, Matrix<double> Xb, Matrix<double> Yb)
    {
        Xb.Resize(rows.Length);
        Yb.Resize(rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            X.Row(rows[i]).CopyTo(Xb.Row(i));
            Y.Row(rows[i]).CopyTo(Yb.Row(i));
        }
    }

    /// <summary>The mean-loss gradient over a batch, all parameters flattened (weights, then bias).</summary>
    private static double[] Gradient(Objective<double> objective, Matrix<double> X, Matrix<double> Y)
    {
        objective.Network.ZeroGrad();
        objective.Forward(X, Y);
        objective.Backward();
        return objective.Network.Parameters.SelectMany(p => p.Grad.Span.ToArray()).ToArray();
    }
}
