using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Nabla.Data.Formats;

/// <summary>The element types Nabla reads from and writes to .npy files.</summary>
public enum NpyType { UInt8, Int8, UInt16, Int16, Int32, Int64, Float32, Float64 }

/// <summary>An n-dimensional array as stored in a .npy file: its shape, element type and little-endian bytes.</summary>
public sealed class NpyArray(NpyType type, int[] shape, byte[] data)
{
    public NpyType Type { get; } = type;
    public int[] Shape { get; } = shape;

    /// <summary>The values, C order, little-endian.</summary>
    public byte[] Data { get; } = data;

    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    public static int ElementSize(NpyType t) => t switch
    {
        NpyType.UInt8 or NpyType.Int8 => 1,
        NpyType.UInt16 or NpyType.Int16 => 2,
        NpyType.Int32 or NpyType.Float32 => 4,
        _ => 8,
    };

    /// <summary>Element <paramref name="i"/> (flat index) as a double.</summary>
    public double this[long i] => Type switch
    {
        NpyType.UInt8 => Data[i],
        NpyType.Int8 => (sbyte)Data[i],
        NpyType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(Data.AsSpan((int)(2 * i))),
        NpyType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(Data.AsSpan((int)(2 * i))),
        NpyType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(Data.AsSpan((int)(4 * i))),
        NpyType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(Data.AsSpan((int)(8 * i))),
        NpyType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan((int)(4 * i))),
        _ => BinaryPrimitives.ReadDoubleLittleEndian(Data.AsSpan((int)(8 * i))),
    };

    public static NpyArray FromFloats(float[] values, params int[] shape)
    {
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), values[i]);
        return new NpyArray(NpyType.Float32, shape, data);
    }

    public static NpyArray FromBytes(byte[] values, params int[] shape) => new(NpyType.UInt8, shape, values);

    public static NpyArray FromInt64(long[] values, params int[] shape)
    {
        var data = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8 * i), values[i]);
        return new NpyArray(NpyType.Int64, shape, data);
    }
}

/// <summary>
/// Reads and writes NumPy's .npy format (versions 1, 2 and 3): the magic <c>\x93NUMPY</c>, a version,
/// a header length, then a Python dict literal such as <c>{'descr': '&lt;f4', 'fortran_order': False,
/// 'shape': (60000, 784), }</c>, then the raw values. The header is parsed by a small grammar (strings,
/// booleans, integer tuples) and never evaluated; object arrays (pickles), Fortran order, big-endian
/// data, headers over 10,000 bytes and shapes that overflow are refused.
/// </summary>
public static class Npy
{
    public const int MaxHeaderBytes = 10_000;
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Read(string path) => FileReading.Read(path, Read);

    public static NpyArray Read(Stream stream, string name)
    {
        var pre = new byte[10];
        if (FileReading.ReadFully(stream, pre) < 10) throw new DataFormatException(name, "too short for a .npy file");
        if (!pre.AsSpan(0, 6).SequenceEqual(Magic)) throw new DataFormatException(name, "not a .npy file (no \\x93NUMPY magic)");
        byte major = pre[6];
        long headerLength;
        int offset;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre.AsSpan(8));
            offset = 10;
        }
        else if (major is 2 or 3)
        {
            var more = new byte[2];
            if (FileReading.ReadFully(stream, more) < 2) throw new DataFormatException(name, "truncated .npy header length");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian([pre[8], pre[9], more[0], more[1]]);
            offset = 12;
        }
        else throw new DataFormatException(name, $".npy format version {major}.{pre[7]} is not supported (1, 2 or 3)");
        if (headerLength > MaxHeaderBytes) throw new DataFormatException(name, $".npy header of {headerLength} bytes is over the {MaxHeaderBytes}-byte limit");
        var headerBytes = new byte[headerLength];
        if (FileReading.ReadFully(stream, headerBytes) < headerLength) throw new DataFormatException(name, "truncated .npy header");
        string header = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var (type, shape, total) = ParseHeader(header, name);
        long dataBytes = total * NpyArray.ElementSize(type);
        if (dataBytes > int.MaxValue) throw new DataFormatException(name, $"shape ({string.Join(", ", shape)}) needs {dataBytes} bytes, over the 2 GiB limit");
        if (stream.CanSeek)
        {
            long available = stream.Length - offset - headerLength;
            if (available != dataBytes)
                throw new DataFormatException(name, available < dataBytes
                    ? $"truncated: shape ({string.Join(", ", shape)}) needs {dataBytes} bytes of data, the file has {available}"
                    : $"{available - dataBytes} bytes after the ({string.Join(", ", shape)}) array");
        }
        var data = new byte[dataBytes];
        if (FileReading.ReadFully(stream, data) < dataBytes) throw new DataFormatException(name, $"truncated: shape ({string.Join(", ", shape)}) needs {dataBytes} bytes of data");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Nabla reads .npy on little-endian machines only.");
        return new NpyArray(type, shape, data);
    }

    /// <summary>Writes a version 1.0 .npy file atomically.</summary>
    public static void Write(string path, NpyArray array) => AtomicFile.Write(path, s => Write(s, array));

    public static void Write(Stream stream, NpyArray array)
    {
        string descr = array.Type switch
        {
            NpyType.UInt8 => "|u1",
            NpyType.Int8 => "|i1",
            NpyType.UInt16 => "<u2",
            NpyType.Int16 => "<i2",
            NpyType.Int32 => "<i4",
            NpyType.Int64 => "<i8",
            NpyType.Float32 => "<f4",
            _ => "<f8",
        };
        string shape = array.Shape.Length == 1 ? $"({array.Shape[0]},)" : $"({string.Join(", ", array.Shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int unpadded = 10 + dict.Length + 1;
        int padding = (64 - unpadded % 64) % 64;      // data starts on a 64-byte boundary, as NumPy writes it
        string header = dict + new string(' ', padding) + "\n";
        if (header.Length > ushort.MaxValue) throw new ArgumentException("The .npy header is too long for version 1.0.");
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(array.Data);
    }

    /// <summary>Parses the header dict: exactly the keys descr, fortran_order and shape.</summary>
    internal static (NpyType Type, int[] Shape, long Count) ParseHeader(string header, string name)
    {
        var p = new HeaderParser(header, name);
        var dict = p.ParseDict();
        foreach (var key in dict.Keys)
            if (key is not ("descr" or "fortran_order" or "shape")) throw new DataFormatException(name, $".npy header has an unexpected key '{key}'");
        if (!dict.TryGetValue("descr", out var descrValue) || descrValue is not string descr)
            throw new DataFormatException(name, ".npy header has no string 'descr'");
        if (!dict.TryGetValue("fortran_order", out var fortran) || fortran is not bool isFortran)
            throw new DataFormatException(name, ".npy header has no boolean 'fortran_order'");
        if (isFortran) throw new DataFormatException(name, "Fortran-order .npy arrays are not supported; save with np.ascontiguousarray");
        if (!dict.TryGetValue("shape", out var shapeValue) || shapeValue is not List<long> dims)
            throw new DataFormatException(name, ".npy header has no 'shape' tuple");
        var type = ParseDescr(descr, name);
        var shape = new int[dims.Count];
        long count = 1;
        for (int i = 0; i < dims.Count; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue) throw new DataFormatException(name, $".npy shape dimension {dims[i]} is out of range");
            shape[i] = (int)dims[i];
            count *= dims[i];
            if (count > int.MaxValue) throw new DataFormatException(name, $".npy shape ({string.Join(", ", dims)}) overflows");
        }
        return (type, shape, count);
    }

    private static NpyType ParseDescr(string descr, string name)
    {
        if (descr.Contains('O')) throw new DataFormatException(name, $".npy dtype '{descr}' is an object array (a pickle); refused");
        if (descr.Length < 3) throw new DataFormatException(name, $"unsupported .npy dtype '{descr}'");
        char order = descr[0];
        string code = descr[1..];
        bool single = code is "u1" or "i1" or "b1";
        if (order == '>' && !single) throw new DataFormatException(name, $".npy dtype '{descr}' is big-endian; only little-endian data is supported");
        if (order is not ('<' or '|' or '=' or '>')) throw new DataFormatException(name, $"unsupported .npy dtype '{descr}'");
        return code switch
        {
            "u1" or "b1" => NpyType.UInt8,
            "i1" => NpyType.Int8,
            "u2" => NpyType.UInt16,
            "i2" => NpyType.Int16,
            "i4" => NpyType.Int32,
            "i8" => NpyType.Int64,
            "f4" => NpyType.Float32,
            "f8" => NpyType.Float64,
            _ => throw new DataFormatException(name, $"unsupported .npy dtype '{descr}' (supported: u1, i1, u2, i2, i4, i8, f4, f8)"),
        };
    }

    /// <summary>dict := '{' (key ':' value ',')* [key ':' value] '}'; key := string; value := string | True | False | tuple of ints.</summary>
    private sealed class HeaderParser(string text, string name)
    {
        private int _at;

        private DataFormatException Error(string what) => new(name, $".npy header: {what} at character {_at}");

        private void Skip()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }

        private bool Take(char c)
        {
            Skip();
            if (_at < text.Length && text[_at] == c)
            {
                _at++;
                return true;
            }
            return false;
        }

        public Dictionary<string, object> ParseDict()
        {
            var result = new Dictionary<string, object>();
            if (!Take('{')) throw Error("expected '{'");
            while (!Take('}'))
            {
                string key = ParseString();
                if (!Take(':')) throw Error("expected ':'");
                if (!result.TryAdd(key, ParseValue())) throw Error($"duplicate key '{key}'");
                if (!Take(','))
                {
                    if (!Take('}')) throw Error("expected ',' or '}'");
                    break;
                }
            }
            Skip();
            if (_at != text.Length) throw Error("unexpected text after the dict");
            return result;
        }

        private object ParseValue()
        {
            Skip();
            if (_at >= text.Length) throw Error("unexpected end");
            char c = text[_at];
            if (c is '\'' or '"') return ParseString();
            if (c == '(') return ParseTuple();
            if (Word("True")) return true;
            if (Word("False")) return false;
            throw Error($"unexpected '{c}' (only strings, True, False and integer tuples are allowed)");
        }

        private bool Word(string w)
        {
            if (string.CompareOrdinal(text, _at, w, 0, w.Length) != 0) return false;
            _at += w.Length;
            return true;
        }

        private string ParseString()
        {
            Skip();
            if (_at >= text.Length || text[_at] is not ('\'' or '"')) throw Error("expected a quoted string");
            char quote = text[_at++];
            int start = _at;
            while (_at < text.Length && text[_at] != quote)
            {
                if (text[_at] == '\\') throw Error("escapes are not allowed in header strings");
                _at++;
            }
            if (_at >= text.Length) throw Error("unterminated string");
            return text[start.._at++];
        }

        private List<long> ParseTuple()
        {
            Take('(');
            var items = new List<long>();
            while (!Take(')'))
            {
                Skip();
                int start = _at;
                while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
                if (start == _at) throw Error("expected a non-negative integer in the shape");
                if (_at - start > 18 || !long.TryParse(text.AsSpan(start, _at - start), NumberStyles.None, CultureInfo.InvariantCulture, out long v))
                    throw Error("shape dimension overflows");
                if (_at < text.Length && text[_at] == 'L') _at++; // Python 2 longs
                items.Add(v);
                if (items.Count > 32) throw Error("more than 32 dimensions");
                if (!Take(','))
                {
                    if (!Take(')')) throw Error("expected ',' or ')' in the shape");
                    break;
                }
            }
            return items;
        }
    }
}
