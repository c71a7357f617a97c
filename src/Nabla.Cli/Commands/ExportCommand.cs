using System.CommandLine;
using System.Text.Json;
using Nabla.Serialization;
using Nabla.Serialization.Onnx;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla export onnx</c>: a model file as an ONNX graph for ONNX Runtime and friends.</summary>
public static class ExportCommand
{
    public static Command Create(Io io)
    {
        var model = new Option<string>("--model") { Description = "a model.safetensors written by nabla train", Required = true };
        var output = new Option<string>("--out") { Description = "the .onnx file to write", Required = true };
        var raw = new Option<bool>("--raw-input") { Description = "put the model's input normalisation (÷255, standardisation) into the graph, so it takes raw pixels" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var onnx = new Command("onnx", $"""
            Writes the network as an ONNX model (opset {OnnxExport.Opset}): Gemm with transB for each linear layer, the
            activations as ONNX operators, input "input" [batch, d] with a dynamic batch, output "output" [batch, k].
            The graph takes normalised inputs, as the network does, unless --raw-input bakes the normalisation in.
            The model file's metadata (spec, classes, normalisation) travels in the ONNX metadata_props.
            Examples: nabla export onnx --model runs/hw-relu/model.safetensors --out hw-relu.onnx
                      nabla export onnx --model runs/best/model.safetensors --out best.onnx --raw-input
            """) { model, output, raw, json };
        onnx.SetAction(parse =>
        {
            string from = parse.GetValue(model)!, to = parse.GetValue(output)!;
            var net = ModelFile.LoadNetwork<float>(from, out var info);
            OnnxExport.Save(to, net, info, parse.GetValue(raw));
            long bytes = new FileInfo(to).Length;
            if (parse.GetValue(json))
                io.Output.WriteLine(JsonSerializer.Serialize(new { model = from, onnx = to, opset = OnnxExport.Opset, net = info.Net, raw_input = parse.GetValue(raw), bytes }));
            else
                io.Output.WriteLine($"wrote {to}: {info.Net}, opset {OnnxExport.Opset}, {bytes:N0} bytes, input {(parse.GetValue(raw) ? "raw" : "normalised")} [batch, {net.InputWidth}]");
            return Cli.Ok;
        });
        return new Command("export", "Writes a model in another format. Example: nabla export onnx --model runs/x/model.safetensors --out x.onnx") { onnx };
    }
}
