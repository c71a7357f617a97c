using System.CommandLine;
using System.Reflection;
using Nabla.Cli.Commands;
using Nabla.Data;
using Nabla.Layers;
using Spectre.Console;

namespace Nabla.Cli;

/// <summary>A mistake in how the command was called: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Where a command writes: a Spectre console for tables and plain writers for JSON and errors.</summary>
public sealed class Io(TextWriter output, TextWriter error)
{
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;
    public IAnsiConsole Console { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = output == System.Console.Out ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = output == System.Console.Out ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = output == System.Console.Out ? InteractionSupport.Detect : InteractionSupport.No,
    });
}

/// <summary>The <c>nabla</c> command line: one verb per file under Commands/, errors as one line.</summary>
public static class Cli
{
    public const int Ok = 0, Failed = 1, Usage = 2;

    public static string Version =>
        typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static RootCommand Build(Io io)
    {
        var root = new RootCommand("∇ Nabla: fully-connected neural networks with every forward and backward pass written by hand.");
        root.Subcommands.Add(GradcheckCommand.Create(io));
        root.Subcommands.Add(BenchCommand.Create(io));
        root.Subcommands.Add(DataCommand.Create(io));
        root.Subcommands.Add(TrainCommand.Create(io));
        root.Subcommands.Add(EvalCommand.CreateEval(io));
        root.Subcommands.Add(EvalCommand.CreatePredict(io));
        root.Subcommands.Add(TuneCommand.Create(io));
        root.Subcommands.Add(ExportCommand.Create(io));
        root.Subcommands.Add(ReportCommand.CreateReport(io));
        root.Subcommands.Add(ReportCommand.CreatePlot(io));
        root.Subcommands.Add(ExperimentCommand.Create(io));
        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var io = new Io(output, error);
        var root = Build(io);
        if (args.Length == 0) args = ["--help"];
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"nabla: {Readable(parse.Errors[0].Message)} (see {CommandPath(parse.CommandResult)} --help)");
            return Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UsageException or SpecException or ArgumentException or FormatException or DatasetNotFoundException
            or Data.DataFormatException { Problem: "no such file" } or FileNotFoundException or DirectoryNotFoundException)
        {
            error.WriteLine($"nabla: {OneLine(e.Message)}");
            return Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error.WriteLine($"nabla: {OneLine(e.Message)}");
            return Failed;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("NABLA_DEBUG") is null or "" or "0")
        {
            error.WriteLine($"nabla: internal error ({e.GetType().Name}): {OneLine(e.Message)} (set NABLA_DEBUG=1 for the stack trace)");
            return Failed;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    // "nabla export onnx": the command and the commands above it.
    private static string CommandPath(System.CommandLine.Parsing.CommandResult command)
    {
        var names = new List<string>();
        for (var c = command; c.Parent is System.CommandLine.Parsing.CommandResult parent; c = parent) names.Add(c.Command.Name);
        names.Add("nabla");
        names.Reverse();
        return string.Join(' ', names);
    }

    // The parser's "as expected type 'System.Nullable`1[System.UInt64]'" in words.
    private static string Readable(string message) => System.Text.RegularExpressions.Regex.Replace(message,
        @"as expected type '(?:System\.Nullable`1\[)?System\.(\w+)\]?'", m => "as " + (m.Groups[1].Value switch
        {
            "UInt64" or "UInt32" => "a whole number of 0 or more",
            "Int32" or "Int64" => "a whole number",
            "Double" or "Single" => "a number",
            "Boolean" => "true or false",
            var other => other,
        }));

    /// <summary>Reads an option that must be positive, or throws a usage error naming it.</summary>
    public static T Positive<T>(ParseResult parse, Option<T> option) where T : System.Numerics.INumber<T>
    {
        var value = parse.GetValue(option)!;
        if (!(value > T.Zero)) throw new UsageException($"{option.Name} must be positive, not {value}");
        return value;
    }
}
