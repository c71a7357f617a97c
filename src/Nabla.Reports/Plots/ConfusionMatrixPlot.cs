using ScottPlot;

namespace Nabla.Reports.Plots;

/// <summary>The confusion matrix as a grey heat map (darker = more), with the count written in every cell.</summary>
public static class ConfusionMatrixPlot
{
    /// <param name="confusion">confusion[true][predicted]</param>
    public static Figure Draw(int[][] confusion, IReadOnlyList<string> classNames, string dataTitle, int size = 760)
    {
        int k = confusion.Length;
        var plot = Style.NewPlot($"Confusion matrix on {dataTitle}", "predicted class", "true class");
        var values = new double[k, k];
        int max = 1;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) { values[i, j] = confusion[i][j]; max = Math.Max(max, confusion[i][j]); }
        // Row i (true class i) is drawn at y = k − 1 − i so the first class is at the top, as in a printed table.
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Rectangle = new CoordinateRect(0, k, 0, k);
        heatmap.Colormap = new ScottPlot.Colormaps.GrayscaleReversed();
        heatmap.ManualRange = new ScottPlot.Range(0, max);
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                var text = plot.Add.Text(confusion[i][j].ToString(System.Globalization.CultureInfo.InvariantCulture), j + 0.5, k - 1 - i + 0.5);
                text.Alignment = Alignment.MiddleCenter;
                text.LabelFontSize = k > 12 ? 9 : Style.SmallSize;
                text.LabelFontColor = confusion[i][j] > max / 2 ? Colors.White : Style.Ink;
            }
        }
        var names = Enumerable.Range(0, k).Select(c => c < classNames.Count ? classNames[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, k).Select(j => j + 0.5).ToArray(), names);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 100;
        plot.Axes.Left.MinimumSize = 120;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, k).Select(i => k - 1 - i + 0.5).ToArray(), names);
        plot.Axes.SetLimits(0, k, 0, k);
        plot.HideGrid();
        int total = confusion.Sum(r => r.Sum()), right = Enumerable.Range(0, k).Sum(i => confusion[i][i]);
        return Figure.Single("confusion", "Confusion matrix",
            $"Rows: true class; columns: predicted class; {right:N0} of {total:N0} on the diagonal ({(double)right / Math.Max(1, total):P2}).",
            plot, size + 80, size);
    }
}
