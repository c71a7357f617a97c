using Nabla.Layers;
using Nabla.Layers.Activations;
using Nabla.Tensors;
using ScottPlot;

namespace Nabla.Reports.Plots;

/// <summary>
/// The activation functions and their derivatives on one sheet, computed by Nabla's own layers: the value
/// from Forward, the derivative from Backward with ∂L/∂y = 1.
/// </summary>
public static class ActivationSheet
{
    public static IReadOnlyList<(string Title, Activation<double> Layer)> Functions { get; } =
    [
        ("ReLU", new ReLU<double>()),
        ("LeakyReLU (slope 0.01)", new LeakyReLU<double>(0.01)),
        ("softplus (β = 1)", new Softplus<double>(1)),
        ("GELU", new Gelu<double>()),
        ("sigmoid", new Sigmoid<double>()),
        ("tanh", new Tanh<double>()),
        ("step", new Step<double>()),
    ];

    /// <summary>f(x) and f′(x) on <paramref name="x"/> through the layer's forward and backward passes.</summary>
    public static (double[] Y, double[] dY) Evaluate(Activation<double> layer, double[] x)
    {
        var X = new Matrix<double>(1, x.Length);
        x.CopyTo(X.Span);
        var Y = layer.Forward(X).Span.ToArray();
        var ones = new Matrix<double>(1, x.Length);
        ones.Span.Fill(1);
        var dX = layer.Backward(ones, needInputGradient: true)!.Span.ToArray();
        return (Y, dX);
    }

    public static Figure Draw(int columns = 4, int panelWidth = 330, int panelHeight = 290)
    {
        int rows = (Functions.Count + columns - 1) / columns;
        var figure = new Figure("activations", "Activation functions and their derivatives",
            "Solid: f(x) from each layer's forward pass; dashed: f′(x) from its backward pass (the step's derivative is 0 wherever it is defined).",
            columns * panelWidth, rows * panelHeight);
        var x = Enumerable.Range(0, 801).Select(i => -4 + i * 0.01).ToArray();
        for (int k = 0; k < Functions.Count; k++)
        {
            var (title, layer) = Functions[k];
            var (y, dy) = Evaluate(layer, x);
            var plot = Style.NewPlot(title, "x", "");
            var f = plot.Add.ScatterLine(x, y, Style.Ink);
            f.LineWidth = 2.5f;
            f.LegendText = "f(x)";
            var d = plot.Add.ScatterLine(x, dy, Style.Accent);
            d.LineWidth = 2;
            d.LinePattern = LinePattern.Dashed;
            d.LegendText = "f′(x)";
            plot.Add.HorizontalLine(0, 1, Style.Mid, LinePattern.Dotted);
            plot.Add.VerticalLine(0, 1, Style.Mid, LinePattern.Dotted);
            plot.Axes.SetLimits(-4, 4, Math.Min(-0.25, y.Min() - 0.2), Math.Max(1.25, Math.Min(4.2, y.Max() + 0.2)));
            plot.ShowLegend(Alignment.UpperLeft).FontSize = Style.SmallSize;
            figure.Add(plot, (k % columns) * panelWidth, (k / columns) * panelHeight, panelWidth, panelHeight);
        }
        return figure;
    }
}
