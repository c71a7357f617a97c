using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Nabla.Experiments;
using Nabla.Reports;
using Nabla.Reports.Experiments;
using Spectre.Console;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla experiment NAME|list|all</c>: the coursework's theory questions, measured and drawn.</summary>
public static class ExperimentCommand
{
    public static Command Create(Io io)
    {
        var name = new Argument<string>("name") { Description = "an experiment (see `nabla experiment list`), list, or all" };
        var output = new Option<string?>("--out") { Description = "folder for result.json, result.txt, report.html and plots/ (default experiments/NAME; for all: experiments/, with index.html)" };
        var seed = new Option<ulong>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "print result.json (for all: an array of them)" };
        var command = new Command("experiment", $"""
            Runs an experiment that checks a claim of the theory numerically, writes result.json (with "agrees" and the
            measured and theoretical values), result.txt, report.html and its plots; exit code 0 when it agrees.
            Experiments: {string.Join(", ", ExperimentCatalog.All.Select(e => e.Name))}.
            Examples: nabla experiment list
                      nabla experiment quadratic --out experiments/quadratic
                      nabla experiment all --out experiments
            """) { name, output, seed, json };
        command.SetAction(parse =>
        {
            string which = parse.GetValue(name)!.Trim().ToLowerInvariant();
            bool asJson = parse.GetValue(json);
            if (which == "list")
            {
                if (asJson) io.Output.WriteLine(JsonSerializer.Serialize(ExperimentCatalog.All.Select(e => new { name = e.Name, title = e.Title })));
                else foreach (var e in ExperimentCatalog.All) io.Output.WriteLine($"{e.Name,-20} {e.Title}");
                return Cli.Ok;
            }
            var chosen = which == "all" ? ExperimentCatalog.All
                : ExperimentCatalog.Find(which) is { } one ? [one]
                : throw new UsageException($"unknown experiment '{which}'; expected one of {string.Join(", ", ExperimentCatalog.All.Select(e => e.Name))}, list or all");
            string root = parse.GetValue(output) ?? (which == "all" ? "experiments" : Path.Combine("experiments", which));
            var done = new List<(ExperimentResult, List<(Figure, byte[])>)>();
            foreach (var experiment in chosen)
            {
                string folder = which == "all" ? Path.Combine(root, experiment.Name) : root;
                var clock = Stopwatch.StartNew();
                var result = experiment.Run(parse.GetValue(seed));
                result.Seconds = clock.Elapsed.TotalSeconds;
                var figures = ExperimentReport.Write(result, folder);
                done.Add((result, figures));
                if (asJson) continue;
                io.Console.MarkupLine($"[bold]{Markup.Escape(result.Title)}[/] ({experiment.Name}, {result.Seconds:0.0} s): {(result.Agrees ? "[green]agrees[/]" : "[red]disagrees[/]")} with the theory");
                foreach (var check in result.Checks) io.Console.MarkupLine($"  {(check.Agrees ? "✓" : "[red]✗[/]")} {Markup.Escape(check.ToString())}");
                io.Output.WriteLine($"  wrote {Path.Combine(folder, "result.json")}, result.txt, report.html, plots/");
            }
            if (which == "all")
            {
                string index = ExperimentReport.WriteIndex(done, root);
                if (!asJson) io.Output.WriteLine($"wrote {index}");
            }
            if (asJson)
            {
                var results = done.Select(d => JsonDocument.Parse(ExperimentReport.Json(d.Item1, d.Item2.Select(f => f.Item1.Name))).RootElement).ToArray();
                io.Output.WriteLine(which == "all" ? JsonSerializer.Serialize(results) : JsonSerializer.Serialize(results[0]));
            }
            return done.All(d => d.Item1.Agrees) ? Cli.Ok : Cli.Failed;
        });
        return command;
    }
}
