using Nabla.Data;
using ScottPlot;
using SkiaSharp;

namespace Nabla.Reports;

/// <summary>
/// One picture made of one or more ScottPlot plots laid out in pixel rectangles, saved as PNG and SVG from
/// the same drawing. <see cref="Name"/> is the file stem, <see cref="Title"/> and <see cref="Caption"/> go
/// into the report.
/// </summary>
public sealed class Figure(string name, string title, string caption, int width, int height)
{
    private readonly List<(Plot Plot, PixelRect Rect)> _panels = [];

    public string Name { get; } = name;
    public string Title { get; } = title;
    public string Caption { get; } = caption;
    public int Width { get; } = width;
    public int Height { get; } = height;

    /// <summary>Adds a plot drawn in the given rectangle (pixels from the top-left corner).</summary>
    public Figure Add(Plot plot, float left, float top, float panelWidth, float panelHeight)
    {
        _panels.Add((plot, new PixelRect(left, left + panelWidth, top + panelHeight, top)));
        return this;
    }

    /// <summary>One plot filling the whole figure.</summary>
    public static Figure Single(string name, string title, string caption, Plot plot, int width, int height) =>
        new Figure(name, title, caption, width, height).Add(plot, 0, 0, width, height);

    private void Draw(SKCanvas canvas)
    {
        canvas.Clear(SKColors.White);
        foreach (var (plot, rect) in _panels)
        {
            // A plot clears the canvas before drawing: clip and shift so it only paints its own panel.
            canvas.Save();
            canvas.ClipRect(new SKRect(rect.Left, rect.Top, rect.Right, rect.Bottom));
            canvas.Translate(rect.Left, rect.Top);
            plot.Render(canvas, (int)rect.Width, (int)rect.Height);
            canvas.Restore();
        }
    }

    public byte[] Png()
    {
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        Draw(surface.Canvas);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public byte[] Svg()
    {
        using var stream = new MemoryStream();
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, Width, Height), stream)) Draw(canvas);
        return stream.ToArray();
    }

    /// <summary>Writes <c>NAME.png</c> and <c>NAME.svg</c> into <paramref name="folder"/> atomically; returns the PNG bytes.</summary>
    public byte[] Save(string folder)
    {
        var png = Png();
        AtomicFile.WriteAllBytes(Path.Combine(folder, Name + ".png"), png);
        AtomicFile.WriteAllBytes(Path.Combine(folder, Name + ".svg"), Svg());
        return png;
    }
}
