using System.Text.Json;
using System.Xml.Linq;
using Nabla.Data.Formats;
using Nabla.Reports;
using Nabla.Reports.Plots;
using Nabla.Training;

namespace Nabla.Tests.Reports;

/// <summary>
/// The pictures and report.html of small seeded runs: every figure a valid PNG of the size it claims and not
/// blank, an SVG beside it, and the report embedding and linking every one.
/// </summary>
public sealed class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly string[] Expected =
        ["samples-loaded", "samples-prepared", "learning-curves", "examples-correct", "examples-wrong", "confusion", "weights", "activations"];

    [Theory]
    [InlineData("784,24,relu,10,softmax", "cross-entropy", new string[0])]
    [InlineData("784,8,tanh,1,sigmoid", "bce", new[] { "--task", "even-odd", "--validation", "0.2", "--standardize", "--precision", "float64" })]
    public void Train_writes_a_report_with_every_plot(string net, string loss, string[] extra)
    {
        string run = Path.Combine(_dir, "run");
        var (code, _, err) = Cli.CliTests.Run(["train", "--data", "fashion-mnist", "--net", net, "--loss", loss, "--subsample", "0.05",
            "--epochs", "2", "--eval-every", "50", "--seed", "5", "--out", run, .. extra]);
        Assert.True(code == 0, err);
        Assert.Equal("", err);
        string html = File.ReadAllText(Path.Combine(run, "report.html"));
        var contents = RunReport.Load(run);
        var figures = RunReport.Figures(contents);
        Assert.Equal(Expected, figures.Select(f => f.Name));
        foreach (var figure in figures)
        {
            string png = Path.Combine(run, "plots", figure.Name + ".png"), svg = Path.Combine(run, "plots", figure.Name + ".svg");
            var (pixels, width, height) = Png.ReadGray(png);
            Assert.Equal((figure.Width, figure.Height), (width, height));
            Assert.True(pixels.Distinct().Count() > 10, $"{figure.Name}.png looks blank");
            var root = XDocument.Load(svg).Root!;
            Assert.Equal("svg", root.Name.LocalName);
            Assert.Contains($"href=\"plots/{figure.Name}.svg\"", html);
            Assert.Contains($"<figure id=\"{figure.Name}\"><img src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(png))}\"", html);
            Assert.Contains(System.Net.WebUtility.HtmlEncode(figure.Title), html);
        }
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        // The report shows the run's own numbers and the command that made it.
        Assert.Contains(metrics.RootElement.GetProperty("test_accuracy").GetDouble().ToString("P2", System.Globalization.CultureInfo.InvariantCulture).Replace(" ", " "), html.Replace(" ", " "));
        Assert.Contains(System.Net.WebUtility.HtmlEncode(metrics.RootElement.GetProperty("command").GetString()!), html);
        Assert.StartsWith("nabla train --data fashion-mnist", metrics.RootElement.GetProperty("command").GetString());
        // The confusion matrix drawn is the one metrics.json measured.
        var measured = metrics.RootElement.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(measured, contents.Confusion);
        Assert.Contains(contents.Data.Validation is null ? "test" : "validation", File.ReadAllText(Path.Combine(run, "plots", "learning-curves.svg")));
    }

    [Fact]
    public void Report_command_rebuilds_the_report_and_plot_draws_the_activation_sheet()
    {
        string run = Path.Combine(_dir, "run");
        Assert.Equal(0, Cli.CliTests.Run("train", "--net", "784,10,softmax", "--subsample", "0.02", "--epochs", "1", "--out", run, "--no-report").Code);
        Assert.False(File.Exists(Path.Combine(run, "report.html")));
        var (code, output, err) = Cli.CliTests.Run("report", run);
        Assert.True(code == 0, err);
        Assert.Contains("report.html", output);
        Assert.All(Expected, name => Assert.True(File.Exists(Path.Combine(run, "plots", name + ".png")), name));

        string sheet = Path.Combine(_dir, "sheet");
        Assert.Equal(0, Cli.CliTests.Run("plot", "activations", "--out", sheet).Code);
        var (_, width, height) = Png.ReadGray(Path.Combine(sheet, "activations.png"));
        var drawn = ActivationSheet.Draw();
        Assert.Equal((drawn.Width, drawn.Height), (width, height));
        Assert.True(File.Exists(Path.Combine(sheet, "activations.svg")));

        var missing = Cli.CliTests.Run("report", Path.Combine(_dir, "nowhere"));
        Assert.Equal(2, missing.Code);
        Assert.Single(missing.Err.Trim().Split('\n'));
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
        var empty = Cli.CliTests.Run("report", Path.Combine(_dir, "empty"));
        Assert.Equal(2, empty.Code);
        Assert.Contains("no run.json", empty.Err);
    }

    [Fact]
    public void Activation_sheet_values_come_from_the_layers_forward_and_backward()
    {
        double[] x = [-2, -0.5, 0.5, 2];
        var byName = ActivationSheet.Functions.ToDictionary(f => f.Title, f => f.Layer);
        Assert.Equal(7, byName.Count);
        var (y, dy) = ActivationSheet.Evaluate(byName["ReLU"], x);
        Assert.Equal([0, 0, 0.5, 2], y);
        Assert.Equal([0, 0, 1, 1], dy);
        (y, dy) = ActivationSheet.Evaluate(byName["LeakyReLU (slope 0.01)"], x);
        Assert.Equal([-0.02, -0.005, 0.5, 2], y);
        Assert.Equal([0.01, 0.01, 1, 1], dy);
        (y, dy) = ActivationSheet.Evaluate(byName["sigmoid"], [0]);
        Assert.Equal(0.5, y[0]);
        Assert.Equal(0.25, dy[0]);
        (y, dy) = ActivationSheet.Evaluate(byName["tanh"], [0]);
        Assert.Equal(1, dy[0]);
        (y, dy) = ActivationSheet.Evaluate(byName["softplus (β = 1)"], [0]);
        Assert.Equal(Math.Log(2), y[0], 12);
        Assert.Equal(0.5, dy[0], 12);
        (y, dy) = ActivationSheet.Evaluate(byName["GELU"], [1]);
        Assert.Equal(0.8413447460685429, y[0], 12);  // Φ(1)
        (y, dy) = ActivationSheet.Evaluate(byName["step"], x);
        Assert.Equal([0, 0, 1, 1], y);
        Assert.Equal([0, 0, 0, 0], dy);
    }

    [Fact]
    public void History_csv_reads_back_what_it_wrote()
    {
        var h = new History();
        h.AddEvaluation(new EvaluationPoint(0, 0, 2.3, 0.9));
        h.Add(1, 2.25, 0.875);
        h.Add(1, 1.5, 0.5);
        h.AddEvaluation(new EvaluationPoint(2, 1, 1.25, 0.375));
        h.Add(2, 1.0, 0.25);
        string csv = h.ToCsv();
        var back = History.FromCsv(csv);
        Assert.Equal(csv, back.ToCsv());
        Assert.Equal([2.25f, 1.5f, 1.0f], back.TrainLoss);
        Assert.Equal([0L, 2], back.Evaluations.Select(e => e.Update));
        Assert.Throws<FormatException>(() => History.FromCsv("update,epoch\n1,1\n"));
        Assert.Throws<FormatException>(() => History.FromCsv("update,epoch,train_loss,train_error,test_loss,test_error\n1,1,x,0,,\n"));
        Assert.Throws<FormatException>(() => History.FromCsv("update,epoch,train_loss,train_error,test_loss,test_error\n2,1,1,0,,\n"));
    }

    [Fact]
    public void Smoothing_is_an_exponential_moving_average()
    {
        var s = LearningCurves.Smooth([1f, 0f, 0f, 4f], span: 3); // α = 0.5
        Assert.Equal([1, 0.5, 0.25, 2.125], s);
        Assert.Equal(10, LearningCurves.SmoothingSpan(100));
        Assert.Equal(400, LearningCurves.SmoothingSpan(20_000));
    }
}
