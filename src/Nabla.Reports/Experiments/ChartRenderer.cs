using System.Globalization;
using Nabla.Experiments;
using Nabla.Reports.Plots;
using ScottPlot;

namespace Nabla.Reports.Experiments;

/// <summary>
/// Draws a <see cref="Chart"/> (data from an experiment) with ScottPlot. Series are told apart by line
/// pattern and marker shape as well as by shade, so they survive greyscale printing; log axes plot log10
/// of the data with decade labels.
/// </summary>
public static class ChartRenderer
{
    private static readonly Color[] Shades = [Style.Ink, Style.Accent, Style.Mid, Style.Dark];
    private static readonly MarkerShape[] Markers = [MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.FilledTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Eks, MarkerShape.FilledSquare, MarkerShape.OpenCircle];

    public static Figure Draw(Chart chart, int width = 900, int height = 560)
    {
        var plot = Style.NewPlot(chart.Title, chart.XLabel, chart.YLabel);
        if (chart.Surface is { } s)
        {
            var heatmap = plot.Add.Heatmap(s.Values);
            heatmap.Rectangle = new CoordinateRect(s.XMin, s.XMax, s.YMin, s.YMax);
            heatmap.Colormap = new ScottPlot.Colormaps.GrayscaleReversed();
            double lo = double.MaxValue, hi = double.MinValue;
            foreach (double v in s.Values) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            heatmap.ManualRange = s.Range is { } fixedRange ? new ScottPlot.Range(fixedRange.Min, fixedRange.Max) : new ScottPlot.Range(lo, hi > lo ? hi : lo + 1);
            var bar = plot.Add.ColorBar(heatmap);
            bar.Label = s.Label;
        }
        int shade = 0, marker = 0;
        foreach (var series in chart.Series)
        {
            var (xs, ys) = Transform(series.X, series.Y, chart.LogX, chart.LogY);
            var color = series.Kind == SeriesKind.Guide ? Style.Mid
                : chart.Surface is not null && series.Kind == SeriesKind.Markers ? (marker == 0 ? Colors.White : Style.Accent)
                : Shades[shade++ % Shades.Length];
            var scatter = plot.Add.Scatter(xs, ys, color);
            scatter.LegendText = series.Label;
            switch (series.Kind)
            {
                case SeriesKind.Line or SeriesKind.Dashed or SeriesKind.Guide:
                    // Lines without markers: solid, dashed, or a thin dotted guide (contours, y = x).
                    scatter.MarkerSize = 0;
                    scatter.LineWidth = series.Kind == SeriesKind.Guide ? 1 : 2.5f;
                    scatter.LinePattern = series.Kind switch
                    {
                        SeriesKind.Dashed => LinePattern.Dashed,
                        SeriesKind.Guide => LinePattern.Dotted,
                        _ => LinePattern.Solid,
                    };
                    break;
                case SeriesKind.Markers:
                    scatter.LineWidth = 0;
                    scatter.MarkerSize = xs.Length > 500 ? 3 : 9;
                    scatter.MarkerShape = Markers[marker++ % Markers.Length];
                    if (chart.Surface is not null) { scatter.MarkerSize = 16; scatter.MarkerLineColor = Style.Ink; scatter.MarkerLineWidth = 2; }
                    break;
                case SeriesKind.LineMarkers:
                    scatter.LineWidth = 1.5f;
                    scatter.MarkerSize = xs.Length > 200 ? 3 : 7;
                    scatter.MarkerShape = Markers[marker++ % Markers.Length];
                    break;
            }
        }
        if (chart.LogX) LogTicks(plot.Axes.Bottom);
        if (chart.LogY) LogTicks(plot.Axes.Left);
        if (chart.YRange is { } range) plot.Axes.SetLimitsY(range.Min, range.Max);
        if (chart.SquareUnits) plot.Axes.SquareUnits();
        var corner = chart.Legend switch
        {
            "upper left" => Alignment.UpperLeft,
            "lower left" => Alignment.LowerLeft,
            "lower right" => Alignment.LowerRight,
            _ => Alignment.UpperRight,
        };
        if (chart.Series.Any(s => s.Label.Length > 0)) plot.ShowLegend(corner).FontSize = Style.SmallSize;
        return Figure.Single(chart.Name, chart.Title, "", plot, width, height);
    }

    private static (double[] X, double[] Y) Transform(double[] x, double[] y, bool logX, bool logY)
    {
        var keep = Enumerable.Range(0, Math.Min(x.Length, y.Length))
            .Where(i => double.IsFinite(x[i]) && double.IsFinite(y[i]) && (!logX || x[i] > 0) && (!logY || y[i] > 0)).ToArray();
        return (keep.Select(i => logX ? Math.Log10(x[i]) : x[i]).ToArray(), keep.Select(i => logY ? Math.Log10(y[i]) : y[i]).ToArray());
    }

    private static void LogTicks(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => Math.Abs(v) <= 4 ? Math.Pow(10, v).ToString("G6", CultureInfo.InvariantCulture) : $"1e{v:0}",
        };
    }
}
