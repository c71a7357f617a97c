using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Nabla.Data;
using Nabla.Experiments;

namespace Nabla.Reports.Experiments;

/// <summary>
/// What an experiment leaves in its folder: <c>result.json</c> (with <c>agrees</c> and every measured and
/// theoretical value), <c>result.txt</c> (theory, measurements, verdict), <c>plots/*.png|svg</c> and a
/// self-contained <c>report.html</c>; and, for several, an <c>index.html</c> that shows them all.
/// </summary>
public static class ExperimentReport
{
    /// <summary>Writes one experiment's files; returns its figures' PNG bytes by name (for an index).</summary>
    public static List<(Figure Figure, byte[] Png)> Write(ExperimentResult result, string folder)
    {
        string plots = Path.Combine(folder, "plots");
        Directory.CreateDirectory(plots);
        var figures = result.Charts.Select(c => ChartRenderer.Draw(c)).Concat(result.Graphs.Select(g => GraphRenderer.Draw(g))).ToList();
        var saved = figures.Select(f => (Figure: f, Png: f.Save(plots))).ToList();
        AtomicFile.WriteAllText(Path.Combine(folder, "result.json"), Json(result, figures.Select(f => f.Name)));
        AtomicFile.WriteAllText(Path.Combine(folder, "result.txt"), result.Text());
        AtomicFile.WriteAllText(Path.Combine(folder, "report.html"), Page($"∇ {result.Title}", Section(result, saved, "plots/", headingLevel: 1)));
        return saved;
    }

    /// <summary>The index of several experiments written under <paramref name="folder"/>/NAME/.</summary>
    public static string WriteIndex(IReadOnlyList<(ExperimentResult Result, List<(Figure Figure, byte[] Png)> Figures)> all, string folder)
    {
        var body = new StringBuilder();
        int agree = all.Count(a => a.Result.Agrees);
        body.Append($"<h1>∇ Nabla: the coursework's theory, measured</h1>\n<p class=\"sub\">{agree} of {all.Count} experiments agree with the theory · {all.Sum(a => a.Result.Seconds):0.0} s in all · rebuild with <code>nabla experiment all --out DIR</code></p>\n<table class=\"list\">\n");
        foreach (var (r, _) in all)
            body.Append($"<tr><td><a href=\"#{r.Name}\">{E(r.Name)}</a></td><td>{E(r.Title)}</td><td>{Verdict(r)}</td><td class=\"n\">{r.Seconds:0.0} s</td></tr>\n");
        body.Append("</table>\n");
        foreach (var (r, figures) in all) body.Append(Section(r, figures, $"{r.Name}/plots/", headingLevel: 2));
        string path = Path.Combine(folder, "index.html");
        AtomicFile.WriteAllText(path, Page("∇ Nabla experiments", body.ToString()));
        return path;
    }

    public static string Json(ExperimentResult r, IEnumerable<string> plots) => JsonSerializer.Serialize(new
    {
        name = r.Name,
        title = r.Title,
        agrees = r.Agrees,
        theory = r.Theory,
        seconds = r.Seconds,
        checks = r.Checks.Select(c => new
        {
            name = c.Name,
            measured = c.Measured,
            theory = c.Theory,
            relation = c.Relation switch { Relation.AtMost => "at_most", Relation.AtLeast => "at_least", _ => "equal" },
            tolerance = c.Tolerance,
            relative = c.Relative,
            timed = c.Timed,
            agrees = c.Agrees,
        }),
        tables = r.Tables.Select(t => new { title = t.Title, columns = t.Columns, rows = t.Rows }),
        notes = r.Notes,
        plots = plots.Select(p => $"plots/{p}.png"),
    }, new JsonSerializerOptions { WriteIndented = true });

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string Verdict(ExperimentResult r) => r.Agrees ? "<span class=\"ok\">agrees</span>" : "<span class=\"bad\">disagrees</span>";

    private static string Format(object v) => v switch
    {
        double d => d.ToString(Math.Abs(d) is >= 1e-3 and < 1e6 || d == 0 ? "0.######" : "G4", CultureInfo.InvariantCulture),
        float f => ((double)f).ToString("G5", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static string Section(ExperimentResult r, List<(Figure Figure, byte[] Png)> figures, string plotPath, int headingLevel)
    {
        var html = new StringBuilder();
        html.Append($"<section id=\"{r.Name}\"><h{headingLevel}>{E(r.Title)} <small>({E(r.Name)}: {Verdict(r)})</small></h{headingLevel}>\n");
        html.Append($"<p><b>Theory.</b> {E(r.Theory)}</p>\n<table><tr><th>measured</th><th class=\"n\">value</th><th>theory</th><th></th></tr>\n");
        foreach (var c in r.Checks)
            html.Append($"<tr><td>{E(c.Name)}</td><td class=\"n\">{E(Format(c.Measured))}</td><td>{E(c.Expectation)}</td><td>{(c.Agrees ? "<span class=\"ok\">✓</span>" : "<span class=\"bad\">✗</span>")}</td></tr>\n");
        html.Append("</table>\n");
        foreach (var t in r.Tables)
        {
            html.Append($"<p class=\"caption\">{E(t.Title)}</p><table class=\"data\"><tr>{string.Concat(t.Columns.Select(c => $"<th>{E(c)}</th>"))}</tr>\n");
            foreach (var row in t.Rows) html.Append($"<tr>{string.Concat(row.Select(v => $"<td class=\"n\">{E(Format(v))}</td>"))}</tr>\n");
            html.Append("</table>\n");
        }
        foreach (string note in r.Notes) html.Append($"<p>{E(note)}</p>\n");
        foreach (var (figure, png) in figures)
        {
            html.Append($"<figure><img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" width=\"{figure.Width}\" height=\"{figure.Height}\" alt=\"{E(figure.Title)}\">" +
                $"<figcaption><a href=\"{plotPath}{figure.Name}.svg\">SVG</a> · <a href=\"{plotPath}{figure.Name}.png\">PNG</a></figcaption></figure>\n");
        }
        html.Append("</section>\n");
        return html.ToString();
    }

    private static string Page(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}}</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body { font: 16px/1.5 system-ui, -apple-system, "DejaVu Sans", sans-serif; color: #111; max-width: 1000px; margin: 2em auto; padding: 0 1.2em; }
        h1 { font-size: 1.7em; } h2 { font-size: 1.3em; margin-top: 2.2em; border-bottom: 1px solid #ccc; padding-bottom: .2em; } small { font-weight: normal; color: #555; }
        .sub, .caption { color: #555; } table { border-collapse: collapse; margin: .6em 0; } td, th { padding: .2em .8em .2em 0; text-align: left; vertical-align: top; }
        th { font-weight: 600; } td.n { text-align: right; font-variant-numeric: tabular-nums; } table.data td, table.data th { border-bottom: 1px solid #eee; padding-left: .6em; }
        .ok { color: #1b6e20; font-weight: 600; } .bad { color: #a11; font-weight: 600; }
        figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; } figcaption { font-size: .9em; color: #444; }
        </style></head><body>
        {{body}}
        </body></html>

        """;
}
