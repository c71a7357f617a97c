using Nabla.Training;
using ScottPlot;

namespace Nabla.Reports.Plots;

/// <summary>
/// Loss (top) and error (bottom) against weight updates: the training value of every update (faint, thinned
/// to at most 3,000 points), its exponential moving average (solid) and the held-out value at every
/// evaluation (dashed with circles), on the same axes so over-fitting shows as the two parting.
/// </summary>
public static class LearningCurves
{
    public const int MaxRawPoints = 3000;

    public static Figure Draw(History history, string heldOutName, string dataTitle, int width = 1000, int height = 760)
    {
        var figure = new Figure("learning-curves", "Learning curves",
            $"Training loss and error of each update's batch (faint), smoothed (solid), and {heldOutName} loss and error at each evaluation (dashed, circles).",
            width, height);
        int span = SmoothingSpan(history.Updates);
        figure.Add(Panel($"Loss on {dataTitle}", "loss", history.TrainLoss, history.Evaluations.Select(e => (e.Update, e.Loss)), heldOutName, span, error: false),
            0, 0, width, height / 2f);
        figure.Add(Panel($"Error rate on {dataTitle}", "error rate", history.TrainError, history.Evaluations.Select(e => (e.Update, e.Error)), heldOutName, span, error: true),
            0, height / 2f, width, height / 2f);
        return figure;
    }

    /// <summary>The EMA span: about a fiftieth of the run, at least 10 updates.</summary>
    public static int SmoothingSpan(int updates) => Math.Max(10, updates / 50);

    /// <summary>Exponential moving average with α = 2/(span + 1), started at the first value.</summary>
    public static double[] Smooth(IReadOnlyList<float> values, int span)
    {
        var smooth = new double[values.Count];
        double alpha = 2.0 / (span + 1), s = values.Count > 0 ? values[0] : 0;
        for (int i = 0; i < values.Count; i++) smooth[i] = s = s + alpha * (values[i] - s);
        return smooth;
    }

    private static Plot Panel(string title, string yLabel, IReadOnlyList<float> train, IEnumerable<(long Update, double Value)> heldOut,
        string heldOutName, int span, bool error)
    {
        var plot = Style.NewPlot(title, "weight updates", yLabel);
        int n = train.Count;
        if (n > 0)
        {
            int every = Math.Max(1, (n + MaxRawPoints - 1) / MaxRawPoints);
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < n; i += every)
            {
                xs.Add(i + 1);
                ys.Add(train[i]);
            }
            var raw = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), Style.Faint);
            raw.LineWidth = 1;
            raw.LegendText = every == 1 ? "training, each update" : $"training, every {every}th update";
            var smooth = Smooth(train, span);
            var s = plot.Add.ScatterLine(Enumerable.Range(1, n).Select(i => (double)i).ToArray(), smooth, Style.Ink);
            s.LineWidth = 2.5f;
            s.LegendText = $"training, smoothed (EMA over {span} updates)";
        }
        var points = heldOut.ToArray();
        if (points.Length > 0)
        {
            var h = plot.Add.Scatter(points.Select(p => (double)p.Update).ToArray(), points.Select(p => p.Value).ToArray(), Style.Accent);
            h.LineWidth = 2;
            h.LinePattern = LinePattern.Dashed;
            h.MarkerSize = 8;
            h.MarkerShape = MarkerShape.OpenCircle;
            h.LegendText = heldOutName;
        }
        var all = train.Select(v => (double)v).Concat(points.Select(p => p.Value)).Where(double.IsFinite).ToArray();
        if (all.Length > 0)
        {
            // Robust limits: the first updates' loss can dwarf the rest of the run.
            Array.Sort(all);
            double top = Math.Max(all[(int)(0.995 * (all.Length - 1))], points.Length > 0 ? points.Max(p => p.Value) : 0);
            plot.Axes.SetLimitsY(0, error ? Math.Min(1, top * 1.08 + 0.01) : top * 1.08 + 1e-6);
        }
        plot.Axes.SetLimitsX(0, Math.Max(1, n));
        plot.ShowLegend(Alignment.UpperRight).FontSize = Style.SmallSize;
        return plot;
    }
}
