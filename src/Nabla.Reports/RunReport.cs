using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Randomness;
using Nabla.Reports.Plots;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Reports;

/// <summary>
/// The pictures and the one-page <c>report.html</c> of a run folder (run.json, metrics.json, history.csv,
/// model.safetensors): the data is prepared again from the run's settings, so the report can be rebuilt
/// at any time (<c>nabla report DIR</c>). Figures go to <c>DIR/plots/NAME.png</c> and <c>.svg</c>; the
/// report embeds the PNGs, so it is one self-contained file.
/// </summary>
public static class RunReport
{
    public const int SampleCount = 24, ExampleCount = 8, WeightCount = 32;

    /// <summary>Everything the report shows, computed from the run folder.</summary>
    public sealed record Contents(RunSettings Settings, JsonElement Metrics, History History, PreparedData Data, Network<float> Network,
        ModelInfo Info, float[][] Outputs, int[] Predicted, int[][] Confusion);

    public static Contents Load(string folder)
    {
        string File(string name)
        {
            string path = Path.Combine(folder, name);
            return System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"{folder} has no {name}: not a finished run folder", path);
        }
        var settings = RunSettings.FromJson(System.IO.File.ReadAllText(File("run.json")));
        using var metricsDoc = JsonDocument.Parse(System.IO.File.ReadAllText(File("metrics.json")));
        var history = History.FromCsv(System.IO.File.ReadAllText(File("history.csv")));
        var net = ModelFile.LoadNetwork<float>(File("model.safetensors"), out var info);
        var data = PreparedData.Prepare(settings, Catalog.Load(settings.Data));
        var (outputs, predicted, confusion) = Classify(net, data.Test, info.Normalization);
        return new Contents(settings, metricsDoc.RootElement.Clone(), history, data, net, info, outputs, predicted, confusion);
    }

    /// <summary>Network outputs, predicted classes and the confusion matrix [true][predicted] on a dataset.</summary>
    public static (float[][] Outputs, int[] Predicted, int[][] Confusion) Classify(Network<float> net, Dataset data, Normalization normalization)
    {
        int k = Math.Max(data.Classes, net.OutputWidth == 1 ? 2 : net.OutputWidth);
        var outputs = new float[data.Count][];
        var predicted = new int[data.Count];
        var confusion = Enumerable.Range(0, k).Select(_ => new int[k]).ToArray();
        const int batch = 1000;
        var X = new Matrix<float>(batch, data.Features);
        for (int start = 0; start < data.Count; start += batch)
        {
            int n = Math.Min(batch, data.Count - start);
            X.Resize(n);
            for (int i = 0; i < n; i++) normalization.Apply(data, start + i, X.Row(i));
            var Y = net.Forward(X);
            for (int i = 0; i < n; i++)
            {
                var row = Y.Row(i);
                float[] p = row.Length == 1 ? [1 - row[0], row[0]] : row.ToArray();
                int best = 0;
                for (int c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
                outputs[start + i] = p;
                predicted[start + i] = best;
                confusion[data.Labels[start + i]][best]++;
            }
        }
        return (outputs, predicted, confusion);
    }

    /// <summary>Draws every figure of the run.</summary>
    public static List<Figure> Figures(Contents c)
    {
        var figures = new List<Figure>();
        var rng = Rng.Fork(c.Settings.Seed, "report");
        var source = c.Data.Source;
        figures.Add(Samples("samples-loaded", $"{source.Title}: training images as loaded", source.Train, Normalization.Create(1f), rng,
            $"{SampleCount} random training images from {source.Source}, raw pixel values (0 = white … 255 = black), with their labels."));
        var prepared = c.Data.Train;
        figures.Add(Samples("samples-prepared", $"Training set after preparation ({prepared.Count:N0} images{Describe(c.Settings)})", prepared, c.Data.Normalization, rng,
            $"{SampleCount} random images of the prepared training set ({prepared.Count:N0} samples{Describe(c.Settings)}) after normalisation, as the network sees them; labels as trained on."));
        figures.Add(LearningCurves.Draw(c.History, c.Data.HeldOutName, source.Title));
        figures.Add(Examples(c, correct: true, rng));
        figures.Add(Examples(c, correct: false, rng));
        figures.Add(ConfusionMatrixPlot.Draw(c.Confusion, ClassNames(c), $"{source.Title} test"));
        if (Weights(c) is { } weights) figures.Add(weights);
        figures.Add(ActivationSheet.Draw());
        return figures;
    }

    /// <summary>Writes the plots and report.html into the run folder; returns the report's path.</summary>
    public static string Write(string folder)
    {
        var contents = Load(folder);
        string plots = Path.Combine(folder, "plots");
        Directory.CreateDirectory(plots);
        var saved = Figures(contents).Select(f => (Figure: f, Png: f.Save(plots))).ToList();
        string path = Path.Combine(folder, "report.html");
        AtomicFile.WriteAllText(path, Html(contents, saved));
        return path;
    }

    private static string Describe(RunSettings s)
    {
        var parts = new List<string>();
        if (s.Subsample < 1) parts.Add($"{s.Subsample:P0} of each class");
        if (s.Validation > 0) parts.Add($"{s.Validation:P0} held out for validation");
        if (s.Task == "even-odd") parts.Add("relabelled even = 1, odd = 0");
        if (s.Standardize) parts.Add("standardised");
        return parts.Count == 0 ? "" : "; " + string.Join(", ", parts);
    }

    private static IReadOnlyList<string> ClassNames(Contents c) =>
        c.Data.Test.ClassNames.Count > 0 ? c.Data.Test.ClassNames : c.Info.ClassNames;

    private static string Name(IReadOnlyList<string> names, int k) => k < names.Count ? names[k] : k.ToString(CultureInfo.InvariantCulture);

    private static (int H, int W) ImageShape(Dataset d) =>
        d.SampleShape.Length == 2 ? (d.SampleShape[0], d.SampleShape[1])
        : Math.Sqrt(d.Features) % 1 == 0 ? ((int)Math.Sqrt(d.Features), (int)Math.Sqrt(d.Features)) : (1, d.Features);

    private static Figure Samples(string name, string title, Dataset data, Normalization normalization, Rng rng, string caption)
    {
        var (h, w) = ImageShape(data);
        int count = Math.Min(SampleCount, data.Count);
        var order = Enumerable.Range(0, data.Count).ToArray();
        rng.Shuffle(order.AsSpan());
        var tiles = new List<Tile>();
        float lo = float.MaxValue, hi = float.MinValue;
        foreach (int i in order.Take(count))
        {
            var pixels = new float[data.Features];
            normalization.Apply(data, i, pixels.AsSpan());
            lo = Math.Min(lo, pixels.Min());
            hi = Math.Max(hi, pixels.Max());
            tiles.Add(new Tile(pixels, Name(data.ClassNames, data.Labels[i])));
        }
        if (normalization.Divisor != 1f || normalization.Standardizes)
            caption += FormattableString.Invariant($" Values shown from {lo:0.###} (white) to {hi:0.###} (black).");
        const int columns = 8;
        var (width, height) = ImageGrid.Size(count, columns);
        return Figure.Single(name, title, caption, ImageGrid.Draw(title, tiles, h, w, columns, new ScottPlot.Range(lo, hi > lo ? hi : lo + 1)), width, height);
    }

    private static Figure Examples(Contents c, bool correct, Rng rng)
    {
        var test = c.Data.Test;
        var names = ClassNames(c);
        var (h, w) = ImageShape(test);
        var order = Enumerable.Range(0, test.Count).ToArray();
        rng.Shuffle(order.AsSpan());
        var chosen = order.Where(i => (c.Predicted[i] == test.Labels[i]) == correct).Take(ExampleCount).ToArray();
        var tiles = chosen.Select(i =>
        {
            var pixels = new float[test.Features];
            Normalization.Create(1f).Apply(test, i, pixels.AsSpan());
            int y = test.Labels[i], p = c.Predicted[i];
            string label = correct
                ? $"{Name(names, y)}\n{c.Outputs[i][p]:P0} sure"
                : $"true: {Name(names, y)}\nsaid: {Name(names, p)} {c.Outputs[i][p]:P0}";
            return new Tile(pixels, label);
        }).ToList();
        string what = correct ? "Correctly classified" : "Misclassified";
        string title = $"{what} test images";
        const int columns = 4;
        var (width, height) = ImageGrid.Size(Math.Max(1, tiles.Count), columns, cell: 150, labelLines: 2);
        int total = Enumerable.Range(0, test.Count).Count(i => (c.Predicted[i] == test.Labels[i]) == correct);
        var range = test.IsBytes ? new ScottPlot.Range(0, 255) : (ScottPlot.Range?)null;
        var plot = ImageGrid.Draw(title, tiles, h, w, columns, range, labelLines: 2);
        return Figure.Single(correct ? "examples-correct" : "examples-wrong", title,
            $"{tiles.Count} random {what.ToLowerInvariant()} images of the {total:N0} in the test set ({test.Count:N0}), each with the true class, the predicted class and the predicted probability.",
            plot, width, height);
    }

    private static Figure? Weights(Contents c)
    {
        if (c.Network.Layers.Count == 0 || c.Network.Layers[0] is not Linear<float> first) return null;
        var (h, w) = ImageShape(c.Data.Train);
        if (h * w != first.Inputs || h == 1) return null;
        int units = Math.Min(WeightCount, first.Outputs);
        var W = first.W.Value;
        var tiles = Enumerable.Range(0, units).Select(u => new Tile(W.Row(u).ToArray(), $"unit {u}")).ToList();
        const int columns = 8;
        var (width, height) = ImageGrid.Size(units, columns, cell: 96);
        string title = $"First-layer weights ({units} of {first.Outputs} units)";
        return Figure.Single("weights", title,
            $"Each unit's incoming weights W[u, :] drawn as a {h}×{w} image: white negative, mid grey 0, black positive (each unit scaled to its own largest |w|).",
            ImageGrid.Draw(title, tiles, h, w, columns, symmetric: true), width, height);
    }

    private static string Html(Contents c, List<(Figure Figure, byte[] Png)> figures)
    {
        var m = c.Metrics;
        string Text(string key) => m.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : "—";
        double? Number(string key) => m.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        string F(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        var s = c.Settings;
        string title = $"{s.Preset} on {c.Data.Source.Title}";
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>∇ Nabla · {{E(title)}}</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body { font: 16px/1.5 system-ui, -apple-system, "DejaVu Sans", sans-serif; color: #111; max-width: 1080px; margin: 2em auto; padding: 0 1.2em; }
            h1 { font-size: 1.7em; margin-bottom: .2em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; padding-bottom: .2em; }
            .sub { color: #555; margin-top: 0; }
            table { border-collapse: collapse; margin: .6em 0; } td, th { padding: .25em .9em .25em 0; text-align: left; vertical-align: top; }
            th { font-weight: 600; color: #333; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
            .cards { display: flex; flex-wrap: wrap; gap: .8em; margin: 1em 0; }
            .card { border: 1px solid #ccc; border-radius: 6px; padding: .6em 1em; min-width: 9em; }
            .card b { display: block; font-size: 1.5em; } .card span { color: #555; font-size: .9em; }
            pre { background: #f4f4f4; padding: .8em; overflow-x: auto; border-radius: 4px; white-space: pre-wrap; }
            figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
            figcaption { color: #444; font-size: .95em; } .cols { display: flex; gap: 3em; flex-wrap: wrap; }
            </style></head><body>
            <h1>∇ {{E(title)}}</h1>
            <p class="sub">{{E(c.Network.Spec.Text)}} · {{c.Network.ParameterCount:N0}} parameters · {{E(s.Loss)}} · seed {{s.Seed}}</p>
            <div class="cards">
            <div class="card"><b>{{F(Number("test_accuracy"), "P2")}}</b><span>test accuracy ({{c.Data.Test.Count:N0}} images)</span></div>
            <div class="card"><b>{{F(Number("test_loss"), "0.0000")}}</b><span>test loss</span></div>
            {{(Number("validation_accuracy") is { } va ? $"<div class=\"card\"><b>{va:P2}</b><span>validation accuracy</span></div>" : "")}}
            <div class="card"><b>{{F(Number("train_seconds"), "0.0")}} s</b><span>training time</span></div>
            <div class="card"><b>{{F(Number("updates_per_second"), "N0")}}</b><span>updates per second</span></div>
            </div>
            <h2>Reproduce</h2>
            <pre>{{E(Text("command"))}}</pre>

            """);
        var first = new[] { "learning-curves", "confusion" };
        void Figures(IEnumerable<(Figure Figure, byte[] Png)> which)
        {
            foreach (var (figure, png) in which)
            {
                html.Append($"""
                    <h2>{E(figure.Title)}</h2>
                    <figure id="{figure.Name}"><img src="data:image/png;base64,{Convert.ToBase64String(png)}" width="{figure.Width}" height="{figure.Height}" alt="{E(figure.Title)}">
                    <figcaption>{E(figure.Caption)} <a href="plots/{figure.Name}.svg">SVG</a> · <a href="plots/{figure.Name}.png">PNG</a></figcaption></figure>

                    """);
            }
        }
        Figures(figures.Where(f => first.Contains(f.Figure.Name)));
        html.Append("<div class=\"cols\"><div>\n<h2>Metrics</h2><table>\n");
        void Row(string name, string value) => html.Append($"<tr><th>{E(name)}</th><td class=\"n\">{E(value)}</td></tr>\n");
        Row("test accuracy", F(Number("test_accuracy"), "0.0000"));
        Row("test error", F(Number("test_error"), "0.0000"));
        Row("test loss", F(Number("test_loss"), "0.0000"));
        Row("validation accuracy", F(Number("validation_accuracy"), "0.0000"));
        Row("validation loss", F(Number("validation_loss"), "0.0000"));
        Row("updates", F(Number("updates"), "N0"));
        Row("epochs", F(Number("epochs"), "0.##"));
        Row("stopped", Text("stop"));
        html.Append("</table>\n<h2>Timing</h2><table>\n");
        Row("training time", F(Number("train_seconds"), "0.00") + " s");
        Row("data preparation", F(Number("setup_seconds"), "0.00") + " s");
        Row("updates per second", F(Number("updates_per_second"), "N0"));
        Row("seconds per epoch", F(Number("seconds_per_epoch"), "0.000"));
        Row("threads", Text("threads"));
        Row("precision", s.Precision);
        html.Append("</table></div><div>\n<h2>Data</h2><table>\n");
        Row("dataset", c.Data.Source.Title);
        Row("source", c.Data.Source.Source);
        Row("training images", c.Data.Train.Count.ToString("N0", CultureInfo.InvariantCulture));
        Row("validation images", (c.Data.Validation?.Count ?? 0).ToString("N0", CultureInfo.InvariantCulture));
        Row("test images", c.Data.Test.Count.ToString("N0", CultureInfo.InvariantCulture));
        Row("sample shape", string.Join("×", c.Data.Train.SampleShape));
        Row("classes", c.Data.Train.Classes.ToString(CultureInfo.InvariantCulture));
        Row("subsample", s.Subsample < 1 ? $"{s.Subsample:P0} of each class (train and test)" : "all");
        Row("task", s.Task);
        Row("normalisation", c.Data.Normalization.Standardizes ? "÷ 255, then standardised with training statistics" : $"÷ {c.Data.Normalization.Divisor}");
        html.Append("</table></div></div>\n<h2>Settings</h2><table>\n");
        using (var settingsDoc = JsonDocument.Parse(s.ToJson()))
        {
            var pairs = settingsDoc.RootElement.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).ToArray();
            for (int i = 0; i < pairs.Length; i += 3)
            {
                html.Append("<tr>");
                foreach (var p in pairs.Skip(i).Take(3)) html.Append($"<th>{E(p.Name)}</th><td>{E(p.Value.ToString())}</td>");
                html.Append("</tr>\n");
            }
        }
        html.Append("</table>\n");
        Figures(figures.Where(f => !first.Contains(f.Figure.Name)));
        html.Append($"<p class=\"sub\">Written by ∇ Nabla {E(typeof(RunReport).Assembly.GetName().Version?.ToString(3) ?? "")}; rebuild it with <code>nabla report RUN_FOLDER</code>.</p>\n</body></html>\n");
        return html.ToString();
    }
}
