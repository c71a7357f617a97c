using System.Buffers.Binary;
using System.IO.Compression;

namespace Nabla.Data.Formats;

/// <summary>
/// An IDX array (the MNIST format): a big-endian header — two zero bytes, a type code, the number of
/// dimensions, then each dimension as a 32-bit integer — followed by the values, row-major, big-endian.
/// Images are type 0x08 (unsigned bytes) with 3 dimensions (magic 0x00000803), labels type 0x08 with one
/// (magic 0x00000801).
/// </summary>
public sealed class IdxArray
{
    public const byte UInt8 = 0x08, Int8 = 0x09, Int16 = 0x0B, Int32 = 0x0C, Float32 = 0x0D, Float64 = 0x0E;

    public IdxArray(byte type, int[] shape, byte[] data)
    {
        Type = type;
        Shape = shape;
        Data = data;
    }

    /// <summary>The type code (0x08 unsigned byte … 0x0E double).</summary>
    public byte Type { get; }

    public int[] Shape { get; }

    /// <summary>The values as stored (big-endian for multi-byte types).</summary>
    public byte[] Data { get; }

    public int Count => Shape.Length == 0 ? 0 : Shape[0];

    public static int ElementSize(byte type) => type switch
    {
        UInt8 or Int8 => 1,
        Int16 => 2,
        Int32 or Float32 => 4,
        Float64 => 8,
        _ => 0,
    };
}

/// <summary>Reads and writes IDX files, raw or gzip-compressed, checking every header field before trusting it.</summary>
public static class Idx
{
    /// <summary>The largest array Nabla will read (2 GiB of values): a header claiming more is refused before any allocation.</summary>
    public const long MaxBytes = int.MaxValue;

    public static IdxArray Read(string path) => FileReading.Read(path, Read);

    /// <summary>Reads an IDX array from <paramref name="stream"/> (gzip is detected from its magic bytes); <paramref name="name"/> names it in errors.</summary>
    public static IdxArray Read(Stream stream, string name)
    {
        long? compressedLength = stream.CanSeek ? stream.Length - stream.Position : null;
        var head = new byte[2];
        int got = FileReading.ReadFully(stream, head);
        if (got < 2) throw new DataFormatException(name, $"too short for an IDX file ({got} bytes)");
        Stream body;
        uint? gzipSize = null;
        var prefix = new MemoryStream(head);
        if (head[0] == 0x1f && head[1] == 0x8b)
        {
            if (stream.CanSeek && stream.Length >= 18)
            {
                // The gzip trailer's ISIZE is the uncompressed length mod 2^32: checked against the header below.
                long at = stream.Position;
                stream.Seek(-4, SeekOrigin.End);
                var trailer = new byte[4];
                FileReading.ReadFully(stream, trailer);
                gzipSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
                stream.Seek(at, SeekOrigin.Begin);
            }
            body = new GZipStream(new ConcatStream(prefix, stream), CompressionMode.Decompress);
            compressedLength = null;
        }
        else body = new ConcatStream(prefix, stream);

        try
        {
            var header = new byte[4];
            if (FileReading.ReadFully(body, header) < 4) throw new DataFormatException(name, "truncated: the 4-byte IDX magic is incomplete");
            if (header[0] != 0 || header[1] != 0)
                throw new DataFormatException(name, $"not an IDX file: magic 0x{BinaryPrimitives.ReadUInt32BigEndian(header):X8} does not start with two zero bytes");
            byte type = header[2];
            int size = IdxArray.ElementSize(type);
            if (size == 0) throw new DataFormatException(name, $"unknown IDX type code 0x{type:X2} (expected 08, 09, 0B, 0C, 0D or 0E)");
            int rank = header[3];
            if (rank is < 1 or > 8) throw new DataFormatException(name, $"{rank} dimensions: an IDX array here has 1 to 8");
            var dims = new byte[4 * rank];
            if (FileReading.ReadFully(body, dims) < dims.Length) throw new DataFormatException(name, "truncated inside the dimension sizes");
            var shape = new int[rank];
            long total = size;
            for (int i = 0; i < rank; i++)
            {
                uint d = BinaryPrimitives.ReadUInt32BigEndian(dims.AsSpan(4 * i));
                if (d > int.MaxValue) throw new DataFormatException(name, $"dimension {i} is {d}, too large");
                shape[i] = (int)d;
                total *= d;
                if (total > MaxBytes) throw new DataFormatException(name, $"shape [{string.Join(", ", shape[..(i + 1)])}…] needs over {MaxBytes} bytes");
            }
            long expected = 4 + 4L * rank + total;
            if (compressedLength is { } length && length != expected)
                throw new DataFormatException(name, length < expected
                    ? $"truncated: shape [{string.Join(", ", shape)}] needs {expected} bytes, the file has {length}"
                    : $"{length - expected} bytes after the [{string.Join(", ", shape)}] array (dimensions whose product disagrees with the length)");
            if (gzipSize is { } isize && isize != (uint)expected)
                throw new DataFormatException(name, $"the gzip stream holds {isize} bytes (mod 2^32) but the IDX header implies {expected}: truncated or mismatched");
            var data = HugePages.Uninitialized(total);
            int read = FileReading.ReadFully(body, data);
            if (read < data.Length)
                throw new DataFormatException(name, $"truncated: shape [{string.Join(", ", shape)}] needs {total} bytes of values, found {read}");
            if (body.ReadByte() >= 0)
                throw new DataFormatException(name, $"data continues after the [{string.Join(", ", shape)}] array (dimensions whose product disagrees with the length)");
            return new IdxArray(type, shape, data);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(name, $"corrupt gzip stream ({e.Message})", e);
        }
        catch (EndOfStreamException e)
        {
            throw new DataFormatException(name, "truncated gzip stream", e);
        }
        finally
        {
            body.Dispose();
        }
    }

    /// <summary>Writes an IDX array atomically (a temporary file, then a rename); gzip when the name ends in .gz.</summary>
    public static void Write(string path, IdxArray array)
    {
        AtomicFile.Write(path, stream =>
        {
            Stream target = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true) : stream;
            Span<byte> word = stackalloc byte[4];
            word[0] = 0;
            word[1] = 0;
            word[2] = array.Type;
            word[3] = (byte)array.Shape.Length;
            target.Write(word);
            foreach (int d in array.Shape)
            {
                BinaryPrimitives.WriteInt32BigEndian(word, d);
                target.Write(word);
            }
            target.Write(array.Data);
            if (target != stream) target.Dispose();
        });
    }

    /// <summary>Two streams read one after the other (the sniffed magic bytes, then the rest).</summary>
    private sealed class ConcatStream(Stream first, Stream second) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = first.Read(buffer);
            return n > 0 ? n : second.Read(buffer);
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
