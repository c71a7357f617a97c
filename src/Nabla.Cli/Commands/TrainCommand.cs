using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.Serialization;
using Nabla.Training;
using Spectre.Console;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla train</c>: one command from data to a run folder with the model, its history and its metrics.</summary>
public static class TrainCommand
{
    private static readonly Option<string?> Data = new("--data") { Description = "dataset name (fashion-mnist, mnist) or folder" };
    private static readonly Option<string?> Net = new("--net") { Description = "network spec, e.g. 784,128,relu,10,softmax" };
    private static readonly Option<string?> Model = new("--model") { Description = $"preset: {string.Join(", ", Presets.All.Keys)}" };
    private static readonly Option<string?> Loss = new("--loss") { Description = "cross-entropy, bce, bce-logits, mse, half-mse, l2, huber" };
    private static readonly Option<string?> Optimizer = new("--optimizer") { Description = "sgd, adam or coordinate" };
    private static readonly Option<double?> Lr = new("--lr") { Description = "learning rate η" };
    private static readonly Option<double?> Momentum = new("--momentum") { Description = "SGD momentum μ" };
    private static readonly Option<bool> Nesterov = new("--nesterov") { Description = "Nesterov momentum" };
    private static readonly Option<int?> Batch = new("--batch") { Description = "samples per update: 1 (per sample) … the whole set" };
    private static readonly Option<int?> Epochs = new("--epochs") { Description = "passes over the training data" };
    private static readonly Option<long?> Updates = new("--updates") { Description = "a fixed number of weight updates instead of epochs" };
    private static readonly Option<double?> L2 = new("--l2") { Description = "L2 penalty α (weights only)" };
    private static readonly Option<double?> Validation = new("--validation") { Description = "fraction of the training data held out for validation" };
    private static readonly Option<double?> Subsample = new("--subsample") { Description = "fraction of each class kept (train and test)" };
    private static readonly Option<string?> Task = new("--task") { Description = "classes or even-odd" };
    private static readonly Option<int?> TestCount = new("--test-count") { Description = "custom split: this many test samples, the rest for training" };
    private static readonly Option<bool> Standardize = new("--standardize") { Description = "standardise inputs with training-set statistics" };
    private static readonly Option<int?> EvalEvery = new("--eval-every") { Description = "evaluate on the held-out set every N updates" };
    private static readonly Option<ulong?> Seed = new("--seed") { Description = "the one seed every random choice derives from" };
    private static readonly Option<int?> Threads = new("--threads") { Description = "threads for large matrix products (results do not depend on it)" };
    private static readonly Option<string?> Precision = new("--precision") { Description = "float32 or float64" };
    private static readonly Option<bool> NoShuffle = new("--no-shuffle") { Description = "keep the data in file order" };
    private static readonly Option<bool> NoBias = new("--no-bias") { Description = "linear layers without bias" };
    private static readonly Option<string?> Initializer = new("--initializer") { Description = "auto, normal, xavier, xavier-normal, he, zeros" };
    private static readonly Option<string?> Init = new("--init") { Description = "start from the parameters in this model.safetensors" };
    private static readonly Option<string?> Schedule = new("--schedule") { Description = "learning-rate schedule: constant, cosine, step:γ:every" };
    private static readonly Option<int?> Patience = new("--patience") { Description = "early stopping: evaluations without a better validation loss" };
    private static readonly Option<long?> CheckpointEvery = new("--checkpoint-every") { Description = "write a checkpoint every K updates (and always at the end)" };
    private static readonly Option<string?> Out = new("--out") { Description = "run folder (default runs/<time>-<preset>)" };
    private static readonly Option<string?> Resume = new("--resume") { Description = "continue the stopped run in this folder" };
    private static readonly Option<bool> Json = new("--json") { Description = "print metrics.json instead of tables" };
    private static readonly Option<bool> NoReport = new("--no-report") { Description = "skip report.html and plots/ (nabla report DIR writes them later)" };
    internal static readonly Option<long?> StopAfter = new("--stop-after") { Description = "stop after this many updates, leaving a checkpoint (to test --resume)", Hidden = true };

    public static Command Create(Io io)
    {
        var command = new Command("train", """
            Train a network and write a run folder: model.safetensors, history.csv, metrics.json, run.json, checkpoint.safetensors,
            and report.html with its pictures in plots/.
            Examples:
              nabla train --model hw-relu
              nabla train --data mnist --net 784,32,sigmoid,32,sigmoid,10,softmax --batch 1 --epochs 3 --lr 0.05
            """)
        {
            Data, Net, Model, Loss, Optimizer, Lr, Momentum, Nesterov, Batch, Epochs, Updates, L2, Validation, Subsample, Task, TestCount,
            Standardize, EvalEvery, Seed, Threads, Precision, NoShuffle, NoBias, Initializer, Init, Schedule, Patience, CheckpointEvery, Out, Resume, Json, NoReport, StopAfter,
        };
        command.SetAction(parse => Execute(io, parse));
        return command;
    }

    /// <summary>The options that describe a run, for commands that build runs too (tune).</summary>
    public static void AddRunOptions(Command command)
    {
        foreach (var o in new Option[] { Data, Net, Model, Loss, Optimizer, Lr, Momentum, Nesterov, Batch, Epochs, Updates, L2, Validation, Subsample, Task, TestCount,
            Standardize, EvalEvery, Seed, Threads, Precision, NoShuffle, NoBias, Initializer, Init, Schedule })
            command.Options.Add(o);
    }

    public static void ApplyThreads(ParseResult parse)
    {
        if (parse.GetValue(Threads) is { } threads)
        {
            if (threads < 1) throw new UsageException($"--threads must be at least 1, not {threads}");
            WorkerPool.MaxThreads = threads;
        }
    }

    /// <summary>The preset (if any) with every option the user gave laid over it.</summary>
    public static RunSettings Settings(ParseResult p)
    {
        var s = p.GetValue(Model) is { } preset ? Presets.Get(preset) : new RunSettings();
        s = s with
        {
            Data = p.GetValue(Data) ?? s.Data,
            Net = p.GetValue(Net) ?? s.Net,
            Loss = p.GetValue(Loss) ?? s.Loss,
            Optimizer = p.GetValue(Optimizer) ?? s.Optimizer,
            LearningRate = p.GetValue(Lr) ?? s.LearningRate,
            Momentum = p.GetValue(Momentum) ?? s.Momentum,
            Nesterov = p.GetValue(Nesterov) || s.Nesterov,
            Batch = p.GetValue(Batch) ?? s.Batch,
            Epochs = p.GetValue(Epochs) ?? s.Epochs,
            Updates = p.GetValue(Updates) ?? (p.GetValue(Epochs) is null ? s.Updates : null),
            L2 = p.GetValue(L2) ?? s.L2,
            Validation = p.GetValue(Validation) ?? s.Validation,
            Subsample = p.GetValue(Subsample) ?? s.Subsample,
            Task = p.GetValue(Task) ?? s.Task,
            TestCount = p.GetValue(TestCount) ?? s.TestCount,
            Standardize = p.GetValue(Standardize) || s.Standardize,
            EvalEvery = p.GetValue(EvalEvery) ?? s.EvalEvery,
            Seed = p.GetValue(Seed) ?? s.Seed,
            Precision = p.GetValue(Precision) ?? s.Precision,
            Shuffle = !p.GetValue(NoShuffle) && s.Shuffle,
            Bias = !p.GetValue(NoBias) && s.Bias,
            Initializer = p.GetValue(Initializer) ?? s.Initializer,
            InitFrom = p.GetValue(Init) ?? s.InitFrom,
            Schedule = p.GetValue(Schedule) ?? s.Schedule,
            Patience = p.GetValue(Patience) ?? s.Patience,
            CheckpointEvery = p.GetValue(CheckpointEvery) ?? s.CheckpointEvery,
        };
        if (p.GetValue(Model) is null && p.GetValue(Net) is null) throw new UsageException("give a network with --net SPEC or a preset with --model NAME");
        return s;
    }

    private static int Execute(Io io, ParseResult parse)
    {
        ApplyThreads(parse);
        RunSettings settings;
        string folder;
        string? resume = parse.GetValue(Resume);
        if (resume is not null)
        {
            string runJson = Path.Combine(resume, "run.json");
            if (!File.Exists(runJson)) throw new UsageException($"--resume {resume}: no run.json there (not a run folder)");
            settings = RunSettings.FromJson(File.ReadAllText(runJson));
            folder = resume;
        }
        else
        {
            settings = Settings(parse);
            settings.Validate();
            folder = parse.GetValue(Out) ?? Path.Combine("runs", $"{DateTime.Now:yyyyMMdd-HHmmss}-{settings.Preset}");
        }
        return settings.Precision == "float64"
            ? Train<double>(io, settings, folder, resume is not null, parse.GetValue(StopAfter), parse.GetValue(Json), !parse.GetValue(NoReport), parse.Tokens.Where(t => t.Type != TokenType.Command).Select(t => t.Value))
            : Train<float>(io, settings, folder, resume is not null, parse.GetValue(StopAfter), parse.GetValue(Json), !parse.GetValue(NoReport), parse.Tokens.Where(t => t.Type != TokenType.Command).Select(t => t.Value));
    }

    private static int Train<T>(Io io, RunSettings settings, string folder, bool resume, long? stopAfter, bool json, bool report, IEnumerable<string> tokens)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var started = Stopwatch.StartNew();
        var source = DataCommand.Load(io, settings.Data);
        var data = PreparedData.Prepare(settings, source);
        var session = new TrainingSession<T>(settings, data);
        Directory.CreateDirectory(folder);
        string checkpointPath = Path.Combine(folder, "checkpoint.safetensors");
        session.Configure(o => o with { StopAfter = stopAfter }, (tensors, meta) => SafeTensors.Write(checkpointPath, tensors, meta));
        if (resume)
        {
            if (!File.Exists(checkpointPath)) throw new UsageException($"--resume {folder}: no checkpoint.safetensors there");
            session.Trainer.Resume(SafeTensors.Read(checkpointPath).Tensors, checkpointPath);
        }
        else AtomicFile.WriteAllText(Path.Combine(folder, "run.json"), settings.ToJson());
        double setupSeconds = started.Elapsed.TotalSeconds;
        string command = resume ? $"nabla train --resume {folder}" : "nabla train " + string.Join(" ", tokens.Select(Quote));

        if (!json)
        {
            io.Console.MarkupLine($"[bold]{Markup.Escape(settings.Preset)}[/]: {Markup.Escape(session.Network.Spec.Text)} ({session.Network.ParameterCount:N0} parameters, {settings.Precision}) on {Markup.Escape(source.Title)}: " +
                $"{data.Train.Count:N0} training, {(data.Validation?.Count ?? 0):N0} validation, {data.Test.Count:N0} test samples; {session.Trainer.TotalUpdates:N0} updates of batch {settings.Batch}");
        }
        var clock = Stopwatch.StartNew();
        long firstUpdate = session.Trainer.Update;
        TrainingOutcome outcome;
        if (json || !io.Console.Profile.Capabilities.Interactive)
        {
            long nextReport = 0;
            outcome = session.Trainer.Run(p =>
            {
                if (json || p.LastEvaluation is not { } e || e.Update != p.Update || p.Update < nextReport) return;
                nextReport = p.Update + Math.Max(1, p.TotalUpdates / 20);
                io.Output.WriteLine(FormattableString.Invariant(
                    $"update {p.Update,8:N0}/{p.TotalUpdates:N0}  epoch {p.Epoch,3}  loss {p.Loss,8:F4}  {data.HeldOutName} loss {e.Loss:F4} error {e.Error:P2}  {(p.Update - firstUpdate) / clock.Elapsed.TotalSeconds,9:N0} updates/s"));
            });
        }
        else
        {
            outcome = default!;
            io.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("training", maxValue: session.Trainer.TotalUpdates);
                    task.Value = session.Trainer.Update;
                    long shown = 0;
                    outcome = session.Trainer.Run(p =>
                    {
                        if (p.Update - shown < Math.Max(1, p.TotalUpdates / 500) && p.Update != p.TotalUpdates) return;
                        shown = p.Update;
                        double rate = (p.Update - firstUpdate) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                        string heldOut = p.LastEvaluation is { } e ? $"{data.HeldOutName} error {e.Error:P2}" : "";
                        task.Description = Markup.Escape(FormattableString.Invariant($"epoch {p.Epoch} · {rate:N0} updates/s · loss {p.Loss:F4} · {heldOut}"));
                        task.Value = p.Update;
                    });
                    task.Value = task.MaxValue;
                });
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var test = session.Evaluate(data.Test);
        var validation = data.Validation is null ? null : session.Evaluate(data.Validation);
        long updatesRun = session.Trainer.Update - firstUpdate;
        double epochsRun = (double)session.Trainer.Update / session.Loader.BatchesPerEpoch;
        var metrics = new Dictionary<string, object?>
        {
            ["test_loss"] = test.Loss,
            ["test_accuracy"] = test.Accuracy,
            ["test_error"] = test.Error,
            ["validation_accuracy"] = validation?.Accuracy,
            ["validation_loss"] = validation?.Loss,
            ["train_seconds"] = trainSeconds,
            ["setup_seconds"] = setupSeconds,
            ["updates"] = session.Trainer.Update,
            ["epochs"] = Math.Round(epochsRun, 4),
            ["updates_per_second"] = updatesRun / Math.Max(1e-9, trainSeconds),
            ["seconds_per_epoch"] = updatesRun == 0 ? null : trainSeconds / (updatesRun / (double)session.Loader.BatchesPerEpoch),
            ["seed"] = settings.Seed,
            ["net"] = session.Network.Spec.Text,
            ["preset"] = settings.Preset,
            ["data"] = source.Title,
            ["data_source"] = source.Source,
            ["train_samples"] = data.Train.Count,
            ["validation_samples"] = data.Validation?.Count ?? 0,
            ["test_samples"] = data.Test.Count,
            ["parameters"] = session.Network.ParameterCount,
            ["precision"] = settings.Precision,
            ["threads"] = WorkerPool.MaxThreads,
            ["stop"] = outcome.Stop,
            ["diverged"] = outcome.Diverged,
            ["command"] = command,
            ["confusion"] = test.Confusion,
        };
        var info = session.ModelInfo(new Dictionary<string, string>
        {
            ["data"] = source.Title,
            ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
            ["settings"] = settings.ToJson(),
            ["test_accuracy"] = test.Accuracy.ToString("R", CultureInfo.InvariantCulture),
        });
        ModelFile.Save(Path.Combine(folder, "model.safetensors"), session.Network, info);
        AtomicFile.WriteAllText(Path.Combine(folder, "history.csv"), session.Trainer.History.ToCsv());
        string metricsJson = JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.WriteAllText(Path.Combine(folder, "metrics.json"), metricsJson);
        if (report && !outcome.Diverged)
        {
            try { Reports.RunReport.Write(folder); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The pictures are extras (and need native graphics libraries): the trained run stands without them.
                io.Error.WriteLine($"nabla: the run is saved, but report.html was not written ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}); try `nabla report {folder}`");
            }
        }

        if (json) io.Output.WriteLine(JsonSerializer.Serialize(metrics));
        else
        {
            if (outcome.Diverged) io.Console.MarkupLine($"[red]{Markup.Escape(outcome.Stop)}[/]");
            else if (outcome.Stop != "completed") io.Console.MarkupLine($"[yellow]{Markup.Escape(outcome.Stop)}[/]");
            var table = new Table().Title($"{Markup.Escape(settings.Preset)} on {Markup.Escape(source.Title)}").AddColumns("", "value");
            table.AddRow("test accuracy", $"{test.Accuracy:P2} ({data.Test.Count:N0} samples)");
            table.AddRow("test loss", $"{test.Loss:F4}");
            if (validation is not null) table.AddRow("validation accuracy", $"{validation.Accuracy:P2}");
            table.AddRow("updates", $"{session.Trainer.Update:N0} ({epochsRun:0.##} {(epochsRun == 1 ? "epoch" : "epochs")})");
            table.AddRow("training time", $"{trainSeconds:F1} s ({metrics["updates_per_second"]:N0} updates/s{(metrics["seconds_per_epoch"] is double spe ? $", {spe:F2} s/epoch" : "")})");
            table.AddRow("run folder", Markup.Escape(folder));
            if (File.Exists(Path.Combine(folder, "report.html"))) table.AddRow("report", Markup.Escape(Path.Combine(folder, "report.html")));
            io.Console.Write(table);
        }
        return outcome.Diverged ? Cli.Failed : Cli.Ok;
    }

    private static string Quote(string token) => token.Any(char.IsWhiteSpace) ? $"'{token}'" : token;
}
