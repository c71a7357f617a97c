using ScottPlot;

namespace Nabla.Reports.Plots;

/// <summary>
/// The look every figure shares: black, dark grey and mid grey told apart by line pattern and marker too,
/// so the pictures survive greyscale printing; fonts big enough to read at the default size.
/// </summary>
internal static class Style
{
    public static readonly Color Ink = Color.FromHex("#111111");
    public static readonly Color Dark = Color.FromHex("#444444");
    public static readonly Color Mid = Color.FromHex("#888888");
    public static readonly Color Faint = Color.FromHex("#c8c8c8");
    public static readonly Color Accent = Color.FromHex("#1f5fa8"); // a dark blue: reads as dark grey in print

    public const float TitleSize = 17, LabelSize = 15, TickSize = 13, SmallSize = 12;

    /// <summary>A sans-serif family this machine has (scripts/setup.sh installs DejaVu where there is none).</summary>
    public static readonly string Sans = new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial" }.FirstOrDefault(SkiaSharp.SKFontManager.Default.GetFontFamilies().Contains) ?? Fonts.Default;

    static Style() => Fonts.Default = Sans;

    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title, TitleSize);
        plot.XLabel(xLabel, LabelSize);
        plot.YLabel(yLabel, LabelSize);
        plot.Axes.Bottom.TickLabelStyle.FontSize = TickSize;
        plot.Axes.Left.TickLabelStyle.FontSize = TickSize;
        plot.Grid.MajorLineColor = Color.FromHex("#e6e6e6");
        return plot;
    }

    /// <summary>A plot with no axes, for pictures laid out in data coordinates (image grids).</summary>
    public static Plot Canvas(string title)
    {
        var plot = new Plot();
        plot.HideAxesAndGrid();
        if (title.Length > 0) plot.Title(title, TitleSize);
        return plot;
    }
}
