using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Nabla.Data;
using Nabla.Data.Formats;

namespace Nabla.Serialization;

/// <summary>One named tensor of a safetensors file: dtype (F32, F64, I64, I32, U8), shape, little-endian bytes.</summary>
public sealed record TensorData(string DType, long[] Shape, byte[] Data)
{
    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        "U8" or "I8" or "BOOL" => 1,
        _ => 0,
    };

    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    public static TensorData FromFloats(ReadOnlySpan<float> values, params long[] shape)
    {
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), values[i]);
        return new TensorData("F32", shape, data);
    }

    public static TensorData FromDoubles(ReadOnlySpan<double> values, params long[] shape)
    {
        var data = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8 * i), values[i]);
        return new TensorData("F64", shape, data);
    }

    public static TensorData FromInt64(ReadOnlySpan<long> values, params long[] shape)
    {
        var data = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8 * i), values[i]);
        return new TensorData("I64", shape, data);
    }

    public double[] ToDoubles()
    {
        var result = new double[Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = DType switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan(4 * i)),
                "F64" => BinaryPrimitives.ReadDoubleLittleEndian(Data.AsSpan(8 * i)),
                "I64" => BinaryPrimitives.ReadInt64LittleEndian(Data.AsSpan(8 * i)),
                "I32" => BinaryPrimitives.ReadInt32LittleEndian(Data.AsSpan(4 * i)),
                "U8" => Data[i],
                _ => throw new InvalidOperationException($"Cannot read {DType} values as numbers."),
            };
        return result;
    }

    public long[] ToInt64()
    {
        if (DType != "I64") throw new InvalidOperationException($"Expected I64, found {DType}.");
        var result = new long[Count];
        for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt64LittleEndian(Data.AsSpan(8 * i));
        return result;
    }
}

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
/// mapping each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets into the
/// data that follows) plus an optional <c>"__metadata__"</c> of string pairs, then the raw little-endian
/// data. PyTorch reads it with <c>safetensors.torch.load_file</c>. The reader checks everything: the
/// header size limit, valid JSON, known dtypes, offsets inside the file, contiguous and in order, and
/// byte counts that match the shapes.
/// </summary>
public static class SafeTensors
{
    public const long MaxHeaderBytes = 100_000_000;

    public static void Write(string path, IReadOnlyDictionary<string, TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        AtomicFile.Write(path, s => Write(s, tensors, metadata));

    public static void Write(Stream stream, IReadOnlyDictionary<string, TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in tensors)
            {
                if (name == "__metadata__") throw new ArgumentException("'__metadata__' is not a tensor name.");
                if (t.Data.LongLength != t.Count * TensorData.ElementSize(t.DType))
                    throw new ArgumentException($"{name}: {t.Data.Length} bytes for shape [{string.Join(", ", t.Shape)}] of {t.DType}.");
                json.WriteStartObject(name);
                json.WriteString("dtype", t.DType);
                json.WriteStartArray("shape");
                foreach (long d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.LongLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.LongLength;
            }
            json.WriteEndObject();
        }
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' '); // data starts 8-byte aligned
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)buffer.Length);
        stream.Write(length);
        buffer.Position = 0;
        buffer.CopyTo(stream);
        foreach (var t in tensors.Values) stream.Write(t.Data);
    }

    public static (Dictionary<string, TensorData> Tensors, Dictionary<string, string> Metadata) Read(string path) => FileReading.Read(path, Read);

    public static (Dictionary<string, TensorData> Tensors, Dictionary<string, string> Metadata) Read(Stream stream, string name)
    {
        long total = stream.CanSeek ? stream.Length : long.MaxValue;
        var lengthBytes = new byte[8];
        if (FileReading.ReadFully(stream, lengthBytes) < 8) throw new DataFormatException(name, "too short for a safetensors file (no 8-byte header length)");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes) throw new DataFormatException(name, $"safetensors header of {headerLength} bytes is over the {MaxHeaderBytes}-byte limit");
        if ((long)headerLength > total - 8) throw new DataFormatException(name, $"truncated: the header claims {headerLength} bytes, the file has {total - 8} after the length");
        var header = new byte[headerLength];
        if (FileReading.ReadFully(stream, header) < header.Length) throw new DataFormatException(name, "truncated safetensors header");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw new DataFormatException(name, $"safetensors header is not valid JSON ({e.Message})", e); }
        try { return Parse(stream, name, doc, total, (long)headerLength); }
        catch (InvalidOperationException e) { throw new DataFormatException(name, $"safetensors header is not valid UTF-8 JSON ({e.Message})", e); }
        finally { doc.Dispose(); }
    }

    private static (Dictionary<string, TensorData>, Dictionary<string, string>) Parse(Stream stream, string name, JsonDocument doc, long total, long headerLength)
    {
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new DataFormatException(name, "safetensors header is not a JSON object");
            var metadata = new Dictionary<string, string>();
            var entries = new List<(string Name, string DType, long[] Shape, long Begin, long End)>();
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw new DataFormatException(name, "__metadata__ is not an object");
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String) throw new DataFormatException(name, $"__metadata__ value '{m.Name}' is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(property, name));
            }
            long dataLength = stream.CanSeek ? total - 8 - (long)headerLength : -1;
            long expectedBegin = 0;
            foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            {
                if (e.Begin != expectedBegin)
                    throw new DataFormatException(name, $"tensor '{e.Name}' starts at byte {e.Begin}, expected {expectedBegin}: offsets must be contiguous, in order, without gaps or overlaps");
                expectedBegin = e.End;
            }
            if (dataLength >= 0 && expectedBegin != dataLength)
                throw new DataFormatException(name, expectedBegin > dataLength
                    ? $"truncated: the tensors need {expectedBegin} bytes of data, the file has {dataLength}"
                    : $"{dataLength - expectedBegin} bytes after the last tensor");
            if (expectedBegin > int.MaxValue) throw new DataFormatException(name, "tensor data over 2 GiB");
            var data = new byte[expectedBegin];
            if (FileReading.ReadFully(stream, data) < data.Length) throw new DataFormatException(name, "truncated tensor data");
            var tensors = new Dictionary<string, TensorData>();
            foreach (var e in entries) tensors[e.Name] = new TensorData(e.DType, e.Shape, data[(int)e.Begin..(int)e.End]);
            return (tensors, metadata);
        }
    }

    private static (string, string, long[], long, long) ParseEntry(JsonProperty p, string file)
    {
        DataFormatException Bad(string what) => new(file, $"tensor '{p.Name}': {what}");
        var v = p.Value;
        if (v.ValueKind != JsonValueKind.Object) throw Bad("entry is not an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw Bad("no dtype");
        string dtype = dt.GetString()!;
        int size = TensorData.ElementSize(dtype);
        if (size == 0) throw Bad($"unknown dtype '{dtype}'");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw Bad("no shape");
        var shape = new List<long>();
        long count = 1;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long n) || n < 0) throw Bad("shape entries must be non-negative integers");
            shape.Add(n);
            count = n == 0 ? 0 : count > long.MaxValue / n ? throw Bad("shape overflows") : count * n;
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad("data_offsets must be [begin, end]");
        if (!off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end) || begin < 0 || end < begin) throw Bad("bad data_offsets");
        if (count > (long.MaxValue / size) || end - begin != count * size)
            throw Bad($"{end - begin} bytes do not hold shape [{string.Join(", ", shape)}] of {dtype} ({count} × {size} bytes)");
        return (p.Name, dtype, shape.ToArray(), begin, end);
    }
}
