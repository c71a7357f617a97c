using System.CommandLine;
using System.Text.Json;
using Nabla.Diagnostics;
using Nabla.Layers;
using Nabla.Randomness;
using Spectre.Console;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla gradcheck</c>: backprop against central differences for a spec and a loss.</summary>
public static class GradcheckCommand
{
    public static Command Create(Io io)
    {
        var net = new Option<string>("--net") { Description = "network spec, e.g. 784,128,relu,10,softmax", Required = true };
        var loss = new Option<string?>("--loss") { Description = "mse, half-mse, l2, bce, bce-logits, cross-entropy or huber (default: cross-entropy after softmax, bce after sigmoid, else mse)" };
        var batch = new Option<int>("--batch") { Description = "samples in the random batch", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong>("--seed") { Description = "seed for weights, inputs and targets", DefaultValueFactory = _ => 1 };
        var tolerance = new Option<double>("--tolerance") { Description = "largest relative error that passes", DefaultValueFactory = _ => GradientChecker.DefaultTolerance };
        var epsilon = new Option<double>("--epsilon") { Description = "step of the central differences", DefaultValueFactory = _ => GradientChecker.DefaultEpsilon };
        var l2 = new Option<double>("--l2") { Description = "L2 penalty α on weights", DefaultValueFactory = _ => 0 };
        var noBias = new Option<bool>("--no-bias") { Description = "linear layers without bias" };
        var sample = new Option<int>("--max-per-tensor") { Description = "check at most this many entries of each tensor, drawn at random", DefaultValueFactory = _ => 2000 };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of a table" };
        var command = new Command("gradcheck", """
            Check a network's backward pass against central differences in float64, on random inputs and
            targets that suit the loss. Exits 0 only when every tensor passes.
            Example: nabla gradcheck --net 7,5,leaky_relu=0.01,4,softplus=1,3,gelu,2,tanh --loss mse
            """)
        { net, loss, batch, seed, tolerance, epsilon, l2, noBias, sample, json };
        command.SetAction(parse =>
        {
            var spec = NetSpec.Parse(parse.GetValue(net)!);
            string lossName = parse.GetValue(loss) ?? (spec.EndsWithSoftmax ? "cross-entropy" : spec.EndsWithSigmoid ? "bce" : "mse");
            double alpha = parse.GetValue(l2);
            if (!(alpha >= 0)) throw new UsageException($"--l2 must be 0 or more, not {alpha}");
            var problem = CheckProblem.Create(spec.Text, lossName, Cli.Positive(parse, batch), parse.GetValue(seed), !parse.GetValue(noBias), alpha);
            var result = GradientChecker.Check(problem.Objective, problem.X, problem.Y, Cli.Positive(parse, epsilon),
                Cli.Positive(parse, tolerance), includeInput: true, Cli.Positive(parse, sample), Rng.Fork(parse.GetValue(seed), "sample"));
            if (parse.GetValue(json)) io.Output.WriteLine(ToJson(result, spec.Text, lossName));
            else Render(io.Console, result, spec.Text, lossName);
            return result.Passed ? Cli.Ok : Cli.Failed;
        });
        return command;
    }

    private static string ToJson(GradientCheckResult r, string spec, string loss) => JsonSerializer.Serialize(new
    {
        passed = r.Passed,
        max_relative_error = r.MaxRelativeError,
        tolerance = r.Tolerance,
        epsilon = r.Epsilon,
        net = spec,
        loss,
        tensors = r.Tensors.Select(t => new
        {
            name = t.Name, shape = t.Shape, count = t.Count, @checked = t.Checked,
            max_relative_error = t.MaxRelativeError, max_absolute_error = t.MaxAbsoluteError, passed = t.Passed,
        }),
    });

    private static void Render(IAnsiConsole console, GradientCheckResult r, string spec, string loss)
    {
        var table = new Table().Title($"gradient check: {Markup.Escape(spec)} with {loss} (ε = {r.Epsilon:G3}, float64)")
            .AddColumns("tensor", "shape", "checked", "max rel. error", "max abs. error", "");
        foreach (var t in r.Tensors)
            table.AddRow(Markup.Escape(t.Name), Markup.Escape(t.Shape), t.Checked == t.Count ? $"{t.Count}" : $"{t.Checked} of {t.Count}",
                $"{t.MaxRelativeError:E2}", $"{t.MaxAbsoluteError:E2}", t.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        console.Write(table);
        console.MarkupLine(r.Passed
            ? $"[green]passed[/]: every tensor within {r.Tolerance:G3} (largest {r.MaxRelativeError:E2})"
            : $"[red]failed[/]: largest relative error {r.MaxRelativeError:E2} > {r.Tolerance:G3}");
    }
}
