using System.CommandLine;
using System.Text.Json;
using Nabla.Reports;
using Nabla.Reports.Plots;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla report DIR</c> and <c>nabla plot activations</c>: the pictures of a run, and the activation sheet alone.</summary>
public static class ReportCommand
{
    public static Command CreateReport(Io io)
    {
        var folder = new Argument<string>("run") { Description = "a run folder written by nabla train" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("report", """
            Rebuilds a run folder's report.html and plots/ (PNG and SVG) from run.json, metrics.json, history.csv and
            model.safetensors; the data is prepared again from the run's settings.
            Example: nabla report runs/hw-relu
            """) { folder, json };
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(folder)!;
            if (!Directory.Exists(dir)) throw new UsageException($"{dir}: no such folder");
            string report = RunReport.Write(dir);
            if (parse.GetValue(json)) io.Output.WriteLine(JsonSerializer.Serialize(new { report, plots = Path.Combine(dir, "plots") }));
            else io.Output.WriteLine($"wrote {report} and {Path.Combine(dir, "plots")}/");
            return Cli.Ok;
        });
        return command;
    }

    public static Command CreatePlot(Io io)
    {
        var output = new Option<string>("--out") { Description = "folder for activations.png and activations.svg", DefaultValueFactory = _ => "." };
        var activations = new Command("activations", """
            Draws ReLU, LeakyReLU (0.01), softplus (β = 1), GELU, sigmoid, tanh and step with their derivatives on one
            sheet, computed by Nabla's own forward and backward passes.
            Example: nabla plot activations --out pictures
            """) { output };
        activations.SetAction(parse =>
        {
            string dir = parse.GetValue(output)!;
            Directory.CreateDirectory(dir);
            ActivationSheet.Draw().Save(dir);
            io.Output.WriteLine($"wrote {Path.Combine(dir, "activations.png")} and activations.svg");
            return Cli.Ok;
        });
        return new Command("plot", "Draws a picture on its own. Example: nabla plot activations --out pictures") { activations };
    }
}
