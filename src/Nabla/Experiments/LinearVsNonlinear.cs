using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Experiments;

/// <summary>
/// Three small claims about networks Linear → f → Linear → g. (1) Regression with f = 5·ReLU, g = identity
/// under MSE fits a curved target that the same network with f = identity (a composition of linear maps,
/// hence linear) cannot. (2) Classification with f = tanh, g = sigmoid: under MSE the output gradient carries
/// the factor σ′(z) = ŷ(1 − ŷ), which vanishes when the sigmoid saturates on the wrong side; cross-entropy's
/// is ŷ − y, so BCE trains faster from the same start. (3) Backpropagating through n sigmoid layers multiplies
/// by σ′ ≤ ¼ each time, so the first layers of a deep sigmoid network get vanishing gradients; ReLU′ = 1 on
/// its active side, and a He-initialised ReLU network keeps the gradient norms of all layers comparable.
/// </summary>
public sealed class LinearVsNonlinear : IExperiment
{
    public string Name => "linear-vs-nonlinear";
    public string Title => "Nonlinear activations, BCE against MSE, and vanishing gradients";

    public ExperimentResult Run(ulong seed)
    {
        var r = new ExperimentResult(Name, Title,
            "(1) Without a nonlinearity the network is linear and cannot fit a curve; with f = 5·ReLU it can. " +
            "(2) With a sigmoid output, MSE's gradient carries σ′(z) = ŷ(1 − ŷ) and stalls where the output saturates; BCE's gradient is ŷ − y, so BCE trains faster. " +
            "(3) Gradients shrink by σ′ ≤ ¼ per sigmoid layer, vanishing in the first layers of a deep sigmoid network; a ReLU network keeps them comparable.");
        var rng = Rng.Fork(seed, "linear-vs-nonlinear-data");

        // (1) Regression: y = x² − 1 + small noise on [−2, 2].
        const int n = 200, steps = 3000;
        var X = new Matrix<double>(n, 1);
        var Y = new Matrix<double>(n, 1);
        for (int i = 0; i < n; i++) { double x = -2 + 4.0 * i / (n - 1); X[i, 0] = x; Y[i, 0] = x * x - 1 + 0.05 * rng.NextNormal(); }
        var nonlinear = Network<double>.Create(NetSpec.Parse("1,32,relu,scale=5,1"), Rng.Fork(seed, "regression-init"));
        var linear = Network<double>.Create(NetSpec.Parse("1,32,1"), Rng.Fork(seed, "regression-init"));
        var nonlinearLoss = Common.TrainFullBatch(nonlinear, "mse", new Adam<double>(nonlinear.Parameters, 0.01), X, Y, steps);
        var linearLoss = Common.TrainFullBatch(linear, "mse", new Adam<double>(linear.Parameters, 0.01), X, Y, steps);
        double variance = Y.Span.ToArray().Select(v => v * v).Average() - Math.Pow(Y.Span.ToArray().Average(), 2);
        r.Checks.Add(new Check("linear network's MSE ÷ Var(y) (the best a line does on a symmetric parabola: 1)", linearLoss[^1] / variance, 1, 0.02));
        r.Checks.Add(Check.AtMost("5·ReLU network's MSE ÷ linear network's", nonlinearLoss[^1] / linearLoss[^1], 0.05));
        var t = Enumerable.Range(1, steps).Select(s => (double)s).ToArray();
        r.Charts.Add(new Chart("regression-loss", "Regression y = x² − 1: training MSE (Adam η = 0.01)", "step", "MSE", [
            new Series("Linear → identity → Linear", t, linearLoss),
            new Series("Linear → 5·ReLU → Linear", t, nonlinearLoss, SeriesKind.Dashed),
        ], LogX: true, LogY: true));
        var grid = Enumerable.Range(0, 101).Select(i => -2 + 0.04 * i).ToArray();
        r.Charts.Add(new Chart("regression-fit", "Regression y = x² − 1: the fitted functions", "x", "y", [
            new Series("data", X.Span.ToArray(), Y.Span.ToArray(), SeriesKind.Markers),
            new Series("linear network", grid, Predict(linear, grid)),
            new Series("5·ReLU network", grid, Predict(nonlinear, grid), SeriesKind.Dashed),
        ]));

        // (2) Classification of the quadrants (label: x1·x2 > 0), same start, MSE vs BCE.
        const int m = 400, classSteps = 2000;
        var Xc = new Matrix<double>(m, 2);
        var Yc = new Matrix<double>(m, 1);
        for (int i = 0; i < m; i++)
        {
            double a = rng.NextNormal(), b = rng.NextNormal();
            Xc[i, 0] = a; Xc[i, 1] = b; Yc[i, 0] = a * b > 0 ? 1 : 0;
        }
        var curves = new Dictionary<string, (double[] Loss, double[] Accuracy)>();
        foreach (string loss in new[] { "mse", "bce" })
        {
            var net = Network<double>.Create(NetSpec.Parse("2,16,tanh,1,sigmoid"), Rng.Fork(seed, "classification-init"));
            var W2 = net.Parameter("layers.2.weight").Value;
            for (int j = 0; j < W2.Cols; j++) W2[0, j] *= 6; // a confident (saturated) start, the case the theory is about
            curves[loss] = FitClassifier(net, loss, Xc, Yc, classSteps, 0.5);
        }
        int To(string loss, double target) => Array.FindIndex(curves[loss].Accuracy, a => a >= target) is var i and >= 0 ? i + 1 : int.MaxValue;
        int mseSteps = To("mse", 0.9), bceSteps = To("bce", 0.9);
        r.Checks.Add(Check.AtMost("steps to 90% training accuracy: BCE ÷ MSE", bceSteps / (double)mseSteps, 0.8));
        var tc = Enumerable.Range(1, classSteps).Select(s => (double)s).ToArray();
        r.Charts.Add(new Chart("classification-accuracy", "Quadrants, Linear → tanh → Linear → sigmoid: training accuracy (SGD η = 0.5)", "step", "accuracy", [
            new Series("MSE", tc, curves["mse"].Accuracy),
            new Series("BCE", tc, curves["bce"].Accuracy, SeriesKind.Dashed),
        ], LogX: true, YRange: (0.3, 1.02)));
        r.Notes.Add($"Steps to 90% training accuracy from the same start: BCE {Describe(bceSteps)}, MSE {Describe(mseSteps)}.");

        // (3) Gradient norms per layer at initialisation, 10 hidden layers of 32.
        const int depth = 10, width = 32;
        var Xd = new Matrix<double>(256, 20);
        var Yd = new Matrix<double>(256, 1);
        for (int i = 0; i < 256; i++)
        {
            for (int j = 0; j < 20; j++) Xd[i, j] = rng.NextNormal();
            Yd[i, 0] = rng.NextInt(2);
        }
        var norms = new Dictionary<string, double[]>();
        foreach (string act in new[] { "sigmoid", "relu" })
        {
            string spec = "20," + string.Concat(Enumerable.Repeat($"{width},{act},", depth)) + "1,sigmoid";
            var net = Network<double>.Create(NetSpec.Parse(spec), Rng.Fork(seed, "deep-init"));
            var objective = Objective<double>.Create(net, "bce");
            net.ZeroGrad();
            objective.Forward(Xd, Yd);
            objective.Backward();
            norms[act] = net.Parameters.Where(p => p.Decay).Select(p => Math.Sqrt(p.Grad.Span.ToArray().Sum(v => v * v))).ToArray();
        }
        r.Checks.Add(Check.AtMost("deep sigmoid net: ‖∂L/∂W_1‖ ÷ ‖∂L/∂W_11‖", norms["sigmoid"][0] / norms["sigmoid"][^1], 1e-3));
        r.Checks.Add(Check.AtLeast("deep ReLU net: ‖∂L/∂W_1‖ ÷ ‖∂L/∂W_11‖", norms["relu"][0] / norms["relu"][^1], 0.1));
        var layers = Enumerable.Range(1, depth + 1).Select(l => (double)l).ToArray();
        r.Charts.Add(new Chart("gradient-norms", $"‖∂L/∂W_l‖ at initialisation, {depth} hidden layers of {width} (Xavier for sigmoid, He for ReLU)", "layer l (1 = first)", "‖∂L/∂W_l‖", [
            new Series("sigmoid", layers, norms["sigmoid"], SeriesKind.LineMarkers),
            new Series("ReLU", layers, norms["relu"], SeriesKind.LineMarkers),
        ], LogY: true));
        return r;
    }

    private static string Describe(int steps) => steps == int.MaxValue ? "never (within 2,000)" : $"{steps:N0}";

    private static (double[] Loss, double[] Accuracy) FitClassifier(Network<double> net, string loss, Matrix<double> X, Matrix<double> Y, int steps, double lr)
    {
        var accuracy = new double[steps];
        var losses = Common.TrainFullBatch(net, loss, new Sgd<double>(net.Parameters, lr), X, Y, steps, (t, _) =>
        {
            // accuracy after step t (the loss is the one before it); index t − 1
            var P = net.Forward(X);
            int right = 0;
            for (int i = 0; i < X.Rows; i++) if ((P[i, 0] > 0.5) == (Y[i, 0] > 0.5)) right++;
            accuracy[t - 1] = right / (double)X.Rows;
        });
        return (losses, accuracy);
    }

    private static double[] Predict(Network<double> net, double[] xs)
    {
        var X = new Matrix<double>(xs.Length, 1);
        for (int i = 0; i < xs.Length; i++) X[i, 0] = xs[i];
        return net.Forward(X).Span.ToArray();
    }
}
