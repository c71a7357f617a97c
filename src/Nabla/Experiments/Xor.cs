using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Tensors;

namespace Nabla.Experiments;

/// <summary>
/// XOR: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0. The least-squares linear fit ŷ = w·x + b solves the normal
/// equations [XᵀX] (w, b) = Xᵀy; by symmetry the answer is w = (0, 0), b = ½: it predicts ½ everywhere.
/// Gradient descent on the same loss reaches the same point. A two-layer ReLU network fits all four.
/// </summary>
public sealed class Xor : IExperiment
{
    public string Name => "xor";
    public string Title => "XOR: a linear model cannot, a two-layer ReLU network can";

    public static readonly double[][] Points = [[0, 0], [0, 1], [1, 0], [1, 1]];
    public static readonly double[] Targets = [0, 1, 1, 0];

    /// <summary>(w1, w2, b) minimising Σ (w·x + b − y)², from the normal equations by Gaussian elimination.</summary>
    public static double[] LeastSquares()
    {
        var A = new double[3, 4]; // [XᵀX | Xᵀy] with X rows (x1, x2, 1)
        for (int i = 0; i < 4; i++)
        {
            double[] row = [Points[i][0], Points[i][1], 1];
            for (int p = 0; p < 3; p++)
            {
                for (int q = 0; q < 3; q++) A[p, q] += row[p] * row[q];
                A[p, 3] += row[p] * Targets[i];
            }
        }
        for (int c = 0; c < 3; c++)
        {
            int pivot = Enumerable.Range(c, 3 - c).MaxBy(rr => Math.Abs(A[rr, c]));
            for (int q = 0; q < 4; q++) (A[c, q], A[pivot, q]) = (A[pivot, q], A[c, q]);
            for (int rr = 0; rr < 3; rr++)
            {
                if (rr == c) continue;
                double f = A[rr, c] / A[c, c];
                for (int q = 0; q < 4; q++) A[rr, q] -= f * A[c, q];
            }
        }
        return [A[0, 3] / A[0, 0], A[1, 3] / A[1, 1], A[2, 3] / A[2, 2]];
    }

    public ExperimentResult Run(ulong seed)
    {
        var r = new ExperimentResult(Name, Title,
            "For XOR the least-squares linear model is w = (0, 0), b = ½ (it predicts ½ at every point), in closed form and by gradient descent; " +
            "a network Linear → ReLU → Linear fits all four points.");
        var X = Matrix<double>.FromRows(Points);
        var Y = Matrix<double>.FromRows(Targets.Select(t => new[] { t }).ToArray());

        var closed = LeastSquares();
        r.Checks.Add(new Check("closed form w1", closed[0], 0, 1e-12));
        r.Checks.Add(new Check("closed form w2", closed[1], 0, 1e-12));
        r.Checks.Add(new Check("closed form b", closed[2], 0.5, 1e-12));

        var linear = Network<double>.Create(NetSpec.Parse("2,1"), Rng.Fork(seed, "xor-linear"));
        var linearLoss = Common.TrainFullBatch(linear, "mse", new Sgd<double>(linear.Parameters, 0.5), X, Y, 3000);
        var W = linear.Parameter("layers.0.weight").Value;
        var b = linear.Parameter("layers.0.bias").Value;
        r.Checks.Add(new Check("gradient descent w1", W[0, 0], 0, 1e-8));
        r.Checks.Add(new Check("gradient descent w2", W[0, 1], 0, 1e-8));
        r.Checks.Add(new Check("gradient descent b", b[0, 0], 0.5, 1e-8));

        var relu = Network<double>.Create(NetSpec.Parse("2,8,relu,1"), Rng.Fork(seed, "xor-relu"));
        var reluLoss = Common.TrainFullBatch(relu, "mse", new Adam<double>(relu.Parameters, 0.05), X, Y, 3000);
        var fitted = relu.Forward(X).Span.ToArray();
        double worst = fitted.Select((v, i) => Math.Abs(v - Targets[i])).Max();
        r.Checks.Add(Check.AtMost("two-layer ReLU network: largest |ŷ − y| on the four points", worst, 0.05));

        r.Charts.Add(Surface("linear-surface", "Linear least squares ŷ = w·x + b", linear));
        r.Charts.Add(Surface("relu-surface", "2 → 8 ReLU → 1 network", relu));
        var steps = Enumerable.Range(1, linearLoss.Length).Select(t => (double)t).ToArray();
        r.Charts.Add(new Chart("loss", "Mean squared error during training (full batch)", "step", "MSE", [
            new Series("linear model (SGD η = 0.5)", steps, linearLoss),
            new Series("2-8-1 ReLU network (Adam η = 0.05)", steps, reluLoss, SeriesKind.Dashed),
        ], LogX: true, LogY: true));
        r.Notes.Add($"The linear model's loss stops at {linearLoss[^1]:G4}: the mean of (½ − y)², 0.25. The network's falls to {reluLoss[^1]:G3}.");
        r.Checks.Add(new Check("linear model's final MSE", linearLoss[^1], 0.25, 1e-10));
        return r;
    }

    private static Chart Surface(string name, string title, Network<double> net)
    {
        const int n = 121;
        const double lo = -0.5, hi = 1.5;
        var grid = new Matrix<double>(n * n, 2);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) { grid[i * n + j, 0] = lo + (hi - lo) * j / (n - 1); grid[i * n + j, 1] = hi - (hi - lo) * i / (n - 1); }
        var out_ = net.Forward(grid);
        var values = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) values[i, j] = Math.Clamp(out_[i * n + j, 0], 0, 1);
        return new Chart(name, title + " (circles: y = 0, squares: y = 1)", "x1", "x2", [
            new Series("", [0, 1], [0, 1], SeriesKind.Markers),
            new Series("", [0, 1], [1, 0], SeriesKind.Markers),
        ], Surface: new Surface(values, lo, hi, lo, hi, "ŷ (white 0 … black 1)", (0, 1)), SquareUnits: true);
    }
}
