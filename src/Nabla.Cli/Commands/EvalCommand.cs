using System.CommandLine;
using System.Text.Json;
using Nabla.Data;
using Nabla.Data.Formats;
using Nabla.Serialization;
using Nabla.Training;
using Spectre.Console;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla eval</c> and <c>nabla predict</c>: use a saved model.</summary>
public static class EvalCommand
{
    public static Command CreateEval(Io io)
    {
        var model = new Option<string>("--model") { Description = "a model.safetensors written by nabla train", Required = true };
        var data = new Option<string?>("--data") { Description = "dataset name or folder (default: the one the model was trained on)" };
        var split = new Option<string>("--split") { Description = "test, validation or train (as prepared for the model's run)", DefaultValueFactory = _ => "test" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("eval", """
            Loss, accuracy and confusion matrix of a saved model on a dataset's test part (prepared as in the model's run:
            the same task, custom split and seed).
            Example: nabla eval --model runs/hw-relu/model.safetensors --data fashion-mnist
            """) { model, data, split, json };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            var net = ModelFile.LoadNetwork<float>(path, out var info);
            var settings = info.Settings.TryGetValue("settings", out var s) ? RunSettings.FromJson(s) : new RunSettings { Net = info.Net, Loss = info.Loss, Bias = info.Bias };
            settings = settings with { Data = parse.GetValue(data) ?? settings.Data, InitFrom = null };
            var source = DataCommand.Load(io, settings.Data);
            var prepared = PreparedData.Prepare(settings with { Subsample = settings.Subsample }, source);
            var part = parse.GetValue(split) switch
            {
                "test" => prepared.Test,
                "train" => prepared.Train,
                "validation" => prepared.Validation ?? throw new UsageException("the model's run had no validation split"),
                var other => throw new UsageException($"--split must be test, validation or train, not '{other}'"),
            };
            if (part.Features != net.InputWidth) throw new UsageException($"the model takes {net.InputWidth} inputs, {source.Title} has {part.Features} features");
            var objective = Objective<float>.Create(net, info.Loss);
            var result = Evaluator.Evaluate(objective, part, info.Normalization);
            if (parse.GetValue(json))
            {
                io.Output.WriteLine(JsonSerializer.Serialize(new { model = path, data = source.Title, split = parse.GetValue(split), samples = result.Count, loss = result.Loss, accuracy = result.Accuracy, error = result.Error, confusion = result.Confusion }));
                return Cli.Ok;
            }
            io.Console.MarkupLine($"[bold]{Markup.Escape(info.Net)}[/] on {Markup.Escape(source.Title)} {parse.GetValue(split)} ({result.Count:N0} samples): accuracy [bold]{result.Accuracy:P2}[/], loss {result.Loss:F4}");
            var names = part.ClassNames;
            var table = new Table().Title("confusion matrix (rows: true class, columns: predicted)").AddColumn("true \\ predicted");
            for (int c = 0; c < result.Confusion.Length; c++) table.AddColumn(new TableColumn($"{c}").RightAligned());
            for (int r = 0; r < result.Confusion.Length; r++)
                table.AddRow([Markup.Escape($"{r} {(r < names.Count ? names[r] : "")}"), .. result.Confusion[r].Select((n, c) => r == c ? $"[bold]{n}[/]" : n == 0 ? "[grey]0[/]" : $"{n}")]);
            io.Console.Write(table);
            return Cli.Ok;
        });
        return command;
    }

    public static Command CreatePredict(Io io)
    {
        var model = new Option<string>("--model") { Description = "a model.safetensors written by nabla train", Required = true };
        var npy = new Option<string?>("--npy") { Description = "a .npy of one sample (784,) / (28, 28) or of n samples (n, 784) / (n, 28, 28), raw pixel values" };
        var image = new Option<string?>("--image") { Description = "a PNG picture of the model's input size (e.g. 28×28), 8-bit grey or colour" };
        var top = new Option<int>("--top") { Description = "how many classes to show per sample", DefaultValueFactory = _ => 3 };
        var save = new Option<string?>("--out") { Description = "also write the network's outputs [n, k] (float32) to this .npy file" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("predict", """
            The predicted class and its probabilities for a PNG image or for samples in a .npy file (raw values: 0..255
            for 8-bit images; the model's own normalisation is applied).
            Examples: nabla predict --model runs/hw-relu/model.safetensors --image shoe.png
                      nabla predict --model runs/hw-relu/model.safetensors --npy digits.npy --out outputs.npy
            """) { model, npy, image, top, save, json };
        command.SetAction(parse =>
        {
            var net = ModelFile.LoadNetwork<float>(parse.GetValue(model)!, out var info);
            NpyArray array;
            string file;
            if (parse.GetValue(image) is { } png)
            {
                var (pixels, width, height) = Png.ReadGray(png);
                if (width * height != net.InputWidth) throw new UsageException($"{png} is {width}×{height}; the model takes {net.InputWidth} pixels");
                (array, file) = (NpyArray.FromBytes(pixels, width * height), png);
            }
            else
            {
                file = parse.GetValue(npy) ?? throw new UsageException("give the input with --image FILE.png or --npy FILE");
                array = Npy.Read(file);
            }
            int d = net.InputWidth;
            long count = array.Count / Math.Max(1, d);
            if (array.Count % d != 0 || count == 0) throw new UsageException($"{file}: {array.Count} values are not whole samples of {d} features");
            var values = new float[array.Count];
            for (long i = 0; i < values.Length; i++) values[i] = (float)array[i];
            var samples = array.Type == NpyType.UInt8
                ? Dataset.FromBytes(file, [d], array.Data, new int[count], 1)
                : Dataset.FromFloats(file, [d], values, new int[count], 1);
            var X = new Tensors.Matrix<float>((int)count, d);
            for (int i = 0; i < count; i++) info.Normalization.Apply(samples, i, X.Row(i));
            var P = net.Forward(X);
            if (parse.GetValue(save) is { } outputs) Npy.Write(outputs, NpyArray.FromFloats(P.Span.ToArray(), P.Rows, P.Cols));
            var names = info.ClassNames;
            var rows = new List<object>();
            for (int i = 0; i < count; i++)
            {
                var p = P.Outputs(i);
                var ranked = p.Select((v, c) => (Class: c, P: v)).OrderByDescending(t => t.P).Take(Math.Max(1, parse.GetValue(top))).ToArray();
                rows.Add(new { sample = i, @class = ranked[0].Class, name = Name(names, ranked[0].Class), probability = ranked[0].P, top = ranked.Select(r => new { @class = r.Class, name = Name(names, r.Class), probability = r.P }) });
                if (!parse.GetValue(json))
                    io.Output.WriteLine($"sample {i}: {Name(names, ranked[0].Class)} ({ranked[0].P:P1})" + string.Concat(ranked.Skip(1).Select(r => $"; {Name(names, r.Class)} {r.P:P1}")));
            }
            if (parse.GetValue(json)) io.Output.WriteLine(JsonSerializer.Serialize(new { model = parse.GetValue(model), predictions = rows }));
            return Cli.Ok;
        });
        return command;
    }

    private static string Name(IReadOnlyList<string> names, int c) => c < names.Count ? names[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Class probabilities of row <paramref name="i"/>: the softmax row, or (1 − p, p) for one sigmoid output.</summary>
    private static float[] Outputs(this Tensors.Matrix<float> P, int i) =>
        P.Cols == 1 ? [1 - P[i, 0], P[i, 0]] : P.Row(i).ToArray();
}
