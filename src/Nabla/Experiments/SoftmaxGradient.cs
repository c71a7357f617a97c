using Nabla.Data;
using Nabla.Layers;
using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Experiments;

/// <summary>
/// Softmax regression ŷ_i = softmax(W x_i + b) with L = −(1/n) Σ_i Σ_c y_ic log ŷ_ic has the gradient
/// ∂L/∂W = −(1/n) Σ_i (y_i − ŷ_i) x_iᵀ and ∂L/∂b = −(1/n) Σ_i (y_i − ŷ_i). Both are computed here from the
/// formula, checked against central differences of L for every one of the 7,850 parameters on real
/// FashionMNIST images, and against Nabla's backpropagation.
/// </summary>
public sealed class SoftmaxGradient : IExperiment
{
    public string Name => "softmax-gradient";
    public string Title => "The softmax-regression gradient, derived and measured";

    public const int Samples = 1000;
    public const double Epsilon = 1e-5;

    public ExperimentResult Run(ulong seed)
    {
        var r = new ExperimentResult(Name, Title,
            "For softmax regression with cross-entropy, ∂L/∂W = −(1/n) Σ x(y − ŷ)ᵀ (as W [classes, inputs]: −(1/n) Σ (y − ŷ) xᵀ) and ∂L/∂b = −(1/n) Σ (y − ŷ).");
        var (data, X, Y) = Common.FashionSubset(Samples, seed, "softmax-gradient");
        int n = data.Count, d = data.Features, k = data.Classes;
        var net = Network<double>.Create(NetSpec.Parse($"{d},{k},softmax"), Rng.Fork(seed, "softmax-gradient-init"), Init.Initializer.Normal);
        var W = net.Parameter("layers.0.weight").Value; // [k, d]
        var b = net.Parameter("layers.0.bias").Value;   // [1, k]
        var rng = Rng.Fork(seed, "softmax-gradient-bias");
        for (int c = 0; c < k; c++) b[0, c] = 0.1 * rng.NextNormal();

        // The formula, straight from the derivation.
        var Z = Logits(X, W, b);
        var Yhat = Softmax(Z);
        var dW = new double[k, d];
        var db = new double[k];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++)
            {
                double e = Y[i, c] - Yhat[i, c];  // y − ŷ
                db[c] -= e / n;
                for (int j = 0; j < d; j++) dW[c, j] -= e * X[i, j] / n;
            }
        }

        // Central differences: W[c, j] ± ε moves only logit column c by ± ε x_ij, b[c] moves it by ± ε.
        double worstRelative = 0, worstAbsolute = 0; // relative: over entries with |∂L/∂θ| ≥ 1e-3, where rounding cannot dominate
        var formula = new List<double>();
        var numeric = new List<double>();
        double Compare(int c, double[] shift, double analytic)
        {
            double plus = LossShifted(Z, Y, c, shift, +Epsilon), minus = LossShifted(Z, Y, c, shift, -Epsilon);
            double g = (plus - minus) / (2 * Epsilon);
            double abs = Math.Abs(g - analytic);
            worstAbsolute = Math.Max(worstAbsolute, abs);
            double size = Math.Max(Math.Abs(g), Math.Abs(analytic));
            if (size >= 1e-3) worstRelative = Math.Max(worstRelative, abs / size);
            formula.Add(analytic);
            numeric.Add(g);
            return g;
        }
        var column = new double[n];
        for (int c = 0; c < k; c++)
        {
            for (int j = 0; j < d; j++)
            {
                for (int i = 0; i < n; i++) column[i] = X[i, j];
                Compare(c, column, dW[c, j]);
            }
            Array.Fill(column, 1.0);
            Compare(c, column, db[c]);
        }
        // A central difference in float64 is good to the rounding of L (a sum of n terms: about n·ε_machine·L)
        // divided by ε, plus O(ε²): here up to ≈ 1000 · 2.2e-16 · 2.5 / 1e-5 ≈ 6e-8 absolute.
        r.Checks.Add(Check.AtMost($"largest |formula − central difference| over all {k * d + k:N0} parameters", worstAbsolute, 6e-8));
        r.Checks.Add(Check.AtMost("largest relative difference where |∂L/∂θ| ≥ 1e-3", worstRelative, 1e-5));

        // Nabla's backprop (the fused softmax–cross-entropy backward (p − y)/B) against the formula.
        var objective = Objective<double>.Create(net, "cross-entropy");
        net.ZeroGrad();
        double loss = objective.Forward(X, Y);
        objective.Backward();
        var gW = net.Parameter("layers.0.weight").Grad;
        var gb = net.Parameter("layers.0.bias").Grad;
        double worstBackprop = 0;
        for (int c = 0; c < k; c++)
        {
            worstBackprop = Math.Max(worstBackprop, Math.Abs(gb[0, c] - db[c]));
            for (int j = 0; j < d; j++) worstBackprop = Math.Max(worstBackprop, Math.Abs(gW[c, j] - dW[c, j]));
        }
        r.Checks.Add(Check.AtMost("largest |backprop − formula|", worstBackprop, 1e-12));
        r.Checks.Add(new Check("loss: Nabla's objective vs the formula's", loss, Loss(Z, Y), 1e-12));
        r.Charts.Add(new Chart("formula-vs-numeric", $"∂L/∂θ on {n:N0} FashionMNIST images: formula against central differences", "central difference (ε = 1e-5)", "formula −(1/n)Σ x(y − ŷ)", [
            new Series("all 7,850 parameters", numeric.ToArray(), formula.ToArray(), SeriesKind.Markers),
            new Series("y = x", [numeric.Min(), numeric.Max()], [numeric.Min(), numeric.Max()], SeriesKind.Guide),
        ]));
        r.Notes.Add($"Central differences L(θ ± ε), ε = {Epsilon}, moving one logit column at a time; weights drawn from N(0, 1/max(n_in, n_out)), biases from N(0, 0.01).");
        return r;
    }

    private static double[,] Logits(Matrix<double> X, Matrix<double> W, Matrix<double> b)
    {
        var Z = new double[X.Rows, W.Rows];
        for (int i = 0; i < X.Rows; i++)
            for (int c = 0; c < W.Rows; c++)
            {
                double z = b[0, c];
                for (int j = 0; j < X.Cols; j++) z += W[c, j] * X[i, j];
                Z[i, c] = z;
            }
        return Z;
    }

    private static double[,] Softmax(double[,] Z)
    {
        int n = Z.GetLength(0), k = Z.GetLength(1);
        var P = new double[n, k];
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < k; c++) max = Math.Max(max, Z[i, c]);
            for (int c = 0; c < k; c++) sum += P[i, c] = Math.Exp(Z[i, c] - max);
            for (int c = 0; c < k; c++) P[i, c] /= sum;
        }
        return P;
    }

    /// <summary>L = −(1/n) Σ log softmax(z_i)[y_i], with logit column <paramref name="c"/> moved by h·shift_i.</summary>
    private static double LossShifted(double[,] Z, Matrix<double> Y, int c, double[] shift, double h)
    {
        int n = Z.GetLength(0), k = Z.GetLength(1);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int q = 0; q < k; q++) max = Math.Max(max, Z[i, q] + (q == c ? h * shift[i] : 0));
            double sum = 0, target = 0;
            for (int q = 0; q < k; q++)
            {
                double z = Z[i, q] + (q == c ? h * shift[i] : 0) - max;
                sum += Math.Exp(z);
                target += Y[i, q] * z;
            }
            total -= target - Math.Log(sum);
        }
        return total / n;
    }

    private static double Loss(double[,] Z, Matrix<double> Y) => LossShifted(Z, Y, 0, new double[Z.GetLength(0)], 0);
}
