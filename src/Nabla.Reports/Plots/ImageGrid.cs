using ScottPlot;

namespace Nabla.Reports.Plots;

/// <summary>A small picture (h × w values, row-major) and the text written above it.</summary>
public sealed record Tile(float[] Pixels, string Label);

/// <summary>
/// Images in a grid, each titled: samples with their labels, classified test images, first-layer weights.
/// One plot in data coordinates: tile (row r, column c) covers [c·(1+gap), c·(1+gap)+1] × a band of height 1
/// below its label lines; square units keep the pixels square.
/// </summary>
public static class ImageGrid
{
    /// <param name="range">the value drawn black-to-white (null: each tile's own minimum to maximum)</param>
    /// <param name="symmetric">map −m..m (m = the tile's largest |value|) so 0 is mid grey, for weights</param>
    /// <param name="inkOnPaper">draw high values dark on a light background (images), else high values light</param>
    public static Plot Draw(string title, IReadOnlyList<Tile> tiles, int height, int width, int columns,
        ScottPlot.Range? range = null, bool symmetric = false, bool inkOnPaper = true, int labelLines = 1)
    {
        var plot = Style.Canvas(title);
        double gapX = 0.12 * labelLines;
        double labelHeight = labelLines * 0.22 + 0.06;
        double rowHeight = 1 + labelHeight + 0.08;
        for (int k = 0; k < tiles.Count; k++)
        {
            int row = k / columns, col = k % columns;
            double left = col * (1 + gapX), top = -row * rowHeight - labelHeight;
            var values = new double[height, width];
            var pixels = tiles[k].Pixels;
            float lo = float.MaxValue, hi = float.MinValue;
            for (int i = 0; i < height; i++)
            {
                for (int j = 0; j < width; j++)
                {
                    float v = pixels[i * width + j];
                    values[i, j] = v;
                    lo = Math.Min(lo, v);
                    hi = Math.Max(hi, v);
                }
            }
            var heatmap = plot.Add.Heatmap(values);
            heatmap.Rectangle = new CoordinateRect(left, left + 1, top - 1, top);
            heatmap.Colormap = inkOnPaper ? new ScottPlot.Colormaps.GrayscaleReversed() : new ScottPlot.Colormaps.Grayscale();
            if (symmetric)
            {
                double m = Math.Max(Math.Abs(lo), Math.Abs(hi));
                heatmap.ManualRange = new ScottPlot.Range(-m, m > 0 ? m : 1);
            }
            else heatmap.ManualRange = range ?? new ScottPlot.Range(lo, hi > lo ? hi : lo + 1);
            var text = plot.Add.Text(tiles[k].Label, left + 0.5, top + 0.03);
            text.Alignment = Alignment.LowerCenter;
            text.LabelFontSize = Style.SmallSize;
            text.LabelFontColor = Style.Ink;
        }
        int rows = (tiles.Count + columns - 1) / columns;
        plot.Axes.SetLimits(-0.05 - gapX / 2, columns * (1 + gapX) - gapX / 2 + 0.05, -rows * rowHeight + 0.02, 0.02);
        plot.Axes.SquareUnits();
        return plot;
    }

    /// <summary>Pixel size of a figure holding the grid, about <paramref name="cell"/> pixels per image.</summary>
    public static (int Width, int Height) Size(int count, int columns, int cell = 96, int labelLines = 1)
    {
        int rows = (count + columns - 1) / columns;
        double rowHeight = 1 + labelLines * 0.22 + 0.06 + 0.08;
        return ((int)(columns * (1 + 0.12 * labelLines) * cell + 40), (int)(rows * rowHeight * cell + 70));
    }
}
