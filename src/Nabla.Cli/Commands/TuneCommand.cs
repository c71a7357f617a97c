using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nabla.Data;
using Nabla.Randomness;
using Nabla.Serialization;
using Nabla.Training;
using Spectre.Console;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla tune</c>: grid or random search scored on the validation split; the test set is used once.</summary>
public static class TuneCommand
{
    public static Command Create(Io io)
    {
        var lrs = new Option<string?>("--lrs") { Description = "learning rates to try, comma-separated" };
        var batches = new Option<string?>("--batches") { Description = "batch sizes to try" };
        var epochs = new Option<string?>("--epochs-grid") { Description = "epoch counts to try" };
        var l2s = new Option<string?>("--l2s") { Description = "L2 penalties α to try" };
        var hidden = new Option<string?>("--hidden") { Description = "hidden-layer widths to try (every hidden layer gets the width)" };
        var search = new Option<string>("--search") { Description = "grid or random", DefaultValueFactory = _ => "grid" };
        var trials = new Option<int>("--trials") { Description = "random search: how many combinations", DefaultValueFactory = _ => 8 };
        var keep = new Option<bool>("--keep") { Description = "keep the best trial's weights instead of retraining on train + validation" };
        var outDir = new Option<string?>("--out") { Description = "folder for tune.json and the chosen model (default runs/<time>-tune-<preset>)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("tune", """
            Search hyperparameters: each trial trains on the training part and is scored on the validation split only
            (10% of the training data unless --validation says otherwise). The best settings are retrained on
            training + validation (or kept, with --keep) and evaluated on the test set exactly once.
            Example: nabla tune --model softmax-regression --lrs 0.01,0.1,0.5 --l2s 0,1e-4,1e-3 --epochs-grid 10
            """) { lrs, batches, epochs, l2s, hidden, search, trials, keep, outDir, json };
        TrainCommand.AddRunOptions(command);
        command.SetAction(parse =>
        {
            TrainCommand.ApplyThreads(parse);
            var baseline = TrainCommand.Settings(parse);
            if (baseline.Validation == 0) baseline = baseline with { Validation = 0.1 };
            baseline.Validate();
            var space = new SearchSpace
            {
                LearningRates = List(parse.GetValue(lrs), "--lrs", double.Parse),
                Batches = List(parse.GetValue(batches), "--batches", int.Parse),
                Epochs = List(parse.GetValue(epochs), "--epochs-grid", int.Parse),
                L2 = List(parse.GetValue(l2s), "--l2s", double.Parse),
                Hidden = List(parse.GetValue(hidden), "--hidden", int.Parse),
            };
            var candidates = parse.GetValue(search) switch
            {
                "grid" => Tuning.Grid(baseline, space),
                "random" => Tuning.Random(baseline, space, Cli.Positive(parse, trials), Rng.Fork(baseline.Seed, "tune")),
                var other => throw new UsageException($"--search must be grid or random, not '{other}'"),
            };
            foreach (var c in candidates) c.Validate();
            var source = DataCommand.Load(io, baseline.Data);
            string folder = parse.GetValue(outDir) ?? Path.Combine("runs", $"{DateTime.Now:yyyyMMdd-HHmmss}-tune-{baseline.Preset}");
            bool quiet = parse.GetValue(json);
            if (!quiet) io.Console.MarkupLine($"[bold]tuning[/] {Markup.Escape(baseline.Net)} on {Markup.Escape(source.Title)}: {candidates.Count} trial(s), scored on {baseline.Validation:P0} of the training data held out for validation");

            var results = new List<(RunSettings Settings, EvaluationResult Validation, double Seconds, TrainingSession<float> Session)>();
            for (int i = 0; i < candidates.Count; i++)
            {
                var s = candidates[i];
                var session = new TrainingSession<float>(s, PreparedData.Prepare(s, source));
                var clock = Stopwatch.StartNew();
                var outcome = session.Trainer.Run();
                var validation = session.Evaluate(session.Data.Validation!);
                results.Add((s, validation, clock.Elapsed.TotalSeconds, session));
                if (!quiet)
                    io.Output.WriteLine(FormattableString.Invariant($"trial {i + 1}/{candidates.Count}: {Describe(s)} → validation accuracy {validation.Accuracy:P2}, loss {validation.Loss:F4}{(outcome.Diverged ? " (diverged)" : "")} [{clock.Elapsed.TotalSeconds:F1} s]"));
            }
            var ranked = results.OrderByDescending(r => r.Validation.Accuracy).ThenBy(r => r.Validation.Loss).ToList();
            var best = ranked[0];

            TrainingSession<float> final;
            if (parse.GetValue(keep)) final = best.Session;
            else
            {
                var retrain = best.Settings with { Validation = 0 };
                final = new TrainingSession<float>(retrain, PreparedData.Prepare(retrain, source));
                final.Trainer.Run();
            }
            var test = final.Evaluate(final.Data.Test); // the one and only look at the test set
            Directory.CreateDirectory(folder);
            ModelFile.Save(Path.Combine(folder, "model.safetensors"), final.Network, final.ModelInfo(new Dictionary<string, string>
            {
                ["data"] = source.Title, ["settings"] = final.Settings.ToJson(), ["test_accuracy"] = test.Accuracy.ToString("R", CultureInfo.InvariantCulture),
            }));
            var report = new
            {
                data = source.Title,
                validation_fraction = baseline.Validation,
                trials = ranked.Select((r, rank) => new
                {
                    rank = rank + 1, learning_rate = r.Settings.LearningRate, batch = r.Settings.Batch, epochs = r.Settings.Epochs, l2 = r.Settings.L2, net = r.Settings.Net,
                    validation_accuracy = r.Validation.Accuracy, validation_loss = r.Validation.Loss, seconds = r.Seconds,
                }),
                best = Describe(best.Settings),
                final_training = parse.GetValue(keep) ? "kept the best trial's weights (trained on the training part only)" : "retrained on training + validation",
                test_accuracy = test.Accuracy,
                test_loss = test.Loss,
                test_samples = test.Count,
                model = Path.Combine(folder, "model.safetensors"),
            };
            string text = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
            AtomicFile.WriteAllText(Path.Combine(folder, "tune.json"), text);
            if (quiet)
            {
                io.Output.WriteLine(JsonSerializer.Serialize(report));
                return Cli.Ok;
            }
            var table = new Table().Title("trials ranked by validation accuracy").AddColumns("rank", "η", "batch", "epochs", "α", "net", "validation acc.", "validation loss", "seconds");
            int n = 0;
            foreach (var r in ranked)
                table.AddRow($"{++n}", $"{r.Settings.LearningRate:G3}", $"{r.Settings.Batch}", $"{r.Settings.Epochs}", $"{r.Settings.L2:G3}", Markup.Escape(r.Settings.Net), $"{r.Validation.Accuracy:P2}", $"{r.Validation.Loss:F4}", $"{r.Seconds:F1}");
            io.Console.Write(table);
            io.Console.MarkupLine($"best: {Markup.Escape(Describe(best.Settings))}; {Markup.Escape(report.final_training)}.");
            io.Console.MarkupLine($"[bold]test accuracy {test.Accuracy:P2}[/] (loss {test.Loss:F4}, {test.Count:N0} samples) — the test set was used once, for this number only. Model: {Markup.Escape(report.model)}");
            return Cli.Ok;
        });
        return command;
    }

    private static string Describe(RunSettings s) =>
        FormattableString.Invariant($"η={s.LearningRate:G3} batch={s.Batch} epochs={s.Epochs} α={s.L2:G3} net={s.Net}");

    private static IReadOnlyList<T> List<T>(string? text, string option, Func<string, IFormatProvider, T> parse)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        try { return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => parse(t, CultureInfo.InvariantCulture)).ToList(); }
        catch (FormatException) { throw new UsageException($"{option} takes comma-separated numbers, not '{text}'"); }
    }
}
