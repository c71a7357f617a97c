using System.Buffers.Binary;
using System.IO.Compression;

namespace Nabla.Data.Formats;

/// <summary>
/// Reads the PNG images people feed to <c>nabla predict</c>: 8-bit greyscale, grey+alpha, RGB or RGBA,
/// non-interlaced (what image editors and Python's PIL write for small pictures). Colour is turned into
/// grey by luminance, 0.299 R + 0.587 G + 0.114 B. Anything else is refused with the reason.
/// </summary>
public static class Png
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>The image as grey bytes, row-major, with its width and height.</summary>
    public static (byte[] Pixels, int Width, int Height) ReadGray(string path) => FileReading.Read(path, ReadGray);

    public static (byte[] Pixels, int Width, int Height) ReadGray(Stream stream, string name)
    {
        var sig = new byte[8];
        if (FileReading.ReadFully(stream, sig) < 8 || !sig.AsSpan().SequenceEqual(Signature)) throw new DataFormatException(name, "not a PNG file");
        int width = 0, height = 0, channels = 0;
        var idat = new MemoryStream();
        var head = new byte[8];
        while (true)
        {
            if (FileReading.ReadFully(stream, head) < 8) throw new DataFormatException(name, "truncated PNG (no IEND chunk)");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(head);
            string type = System.Text.Encoding.ASCII.GetString(head, 4, 4);
            if (length > 64_000_000) throw new DataFormatException(name, $"PNG chunk {type} of {length} bytes is too large");
            var data = new byte[length + 4]; // + CRC
            if (FileReading.ReadFully(stream, data) < data.Length) throw new DataFormatException(name, $"truncated PNG chunk {type}");
            if (type == "IHDR")
            {
                if (length < 13) throw new DataFormatException(name, "short IHDR chunk");
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
                byte depth = data[8], color = data[9], interlace = data[12];
                channels = color switch { 0 => 1, 4 => 2, 2 => 3, 6 => 4, _ => 0 };
                if (depth != 8 || channels == 0) throw new DataFormatException(name, $"PNG colour type {color} at {depth} bits is not supported (8-bit grey, grey+alpha, RGB or RGBA)");
                if (interlace != 0) throw new DataFormatException(name, "interlaced PNG is not supported");
                if (width < 1 || height < 1 || (long)width * height > 16_000_000) throw new DataFormatException(name, $"PNG size {width}×{height} is out of range");
            }
            else if (type == "IDAT") idat.Write(data, 0, (int)length);
            else if (type == "IEND") break;
        }
        if (channels == 0) throw new DataFormatException(name, "PNG has no IHDR chunk");
        int stride = width * channels;
        var raw = new byte[(stride + 1) * height];
        idat.Position = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            if (FileReading.ReadFully(z, raw) < raw.Length) throw new DataFormatException(name, "PNG image data is truncated");
        }
        catch (InvalidDataException e) { throw new DataFormatException(name, $"corrupt PNG image data ({e.Message})", e); }
        var image = new byte[stride * height];
        var previous = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            var line = raw.AsSpan(y * (stride + 1) + 1, stride);
            var current = image.AsSpan(y * stride, stride);
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? current[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new DataFormatException(name, $"unknown PNG filter {filter} on row {y}"),
                };
                current[x] = (byte)(line[x] + predictor);
            }
            current.CopyTo(previous);
        }
        var gray = new byte[width * height];
        for (int i = 0; i < gray.Length; i++)
        {
            var px = image.AsSpan(i * channels, channels);
            gray[i] = channels <= 2 ? px[0] : (byte)Math.Round(0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2]);
        }
        return (gray, width, height);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
