using System.Buffers.Binary;
using System.IO.Compression;
using Nabla.Data;
using Nabla.Data.Formats;

namespace Nabla.Tests.Data;

public class PngTests
{
    private static byte[] Chunk(string type, byte[] data)
    {
        var t = System.Text.Encoding.ASCII.GetBytes(type);
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        return [.. len, .. t, .. data, 0, 0, 0, 0]; // the reader does not check CRCs
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>An encoder that uses every filter type (row y gets filter y mod 5).</summary>
    private static byte[] Encode(byte[] pixels, int width, int height, int channels, byte colorType, byte depth = 8)
    {
        int stride = width * channels;
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            int filter = y % 5;
            raw.WriteByte((byte)filter);
            for (int x = 0; x < stride; x++)
            {
                int v = pixels[y * stride + x];
                int a = x >= channels ? pixels[y * stride + x - channels] : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
                int c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
                int pred = filter switch { 1 => a, 2 => b, 3 => (a + b) / 2, 4 => Paeth(a, b, c), _ => 0 };
                raw.WriteByte((byte)(v - pred));
            }
        }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zs.Write(raw.ToArray());
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = depth;
        ihdr[9] = colorType;
        return [137, 80, 78, 71, 13, 10, 26, 10, .. Chunk("IHDR", ihdr), .. Chunk("IDAT", z.ToArray()), .. Chunk("IEND", [])];
    }

    [Fact]
    public void Greyscale_with_every_filter_decodes_exactly()
    {
        var rng = new Randomness.Rng(3);
        var pixels = Enumerable.Range(0, 28 * 28).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var (gray, w, h) = Png.ReadGray(new MemoryStream(Encode(pixels, 28, 28, 1, 0)), "g.png");
        Assert.Equal((28, 28), (w, h));
        Assert.Equal(pixels, gray);
    }

    [Fact]
    public void Colour_becomes_grey_by_luminance()
    {
        byte[] rgba = [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 255];
        var (gray, _, _) = Png.ReadGray(new MemoryStream(Encode(rgba, 2, 2, 4, 6)), "c.png");
        Assert.Equal(new byte[] { 76, 150, 29, 18 }, gray);
    }

    [Fact]
    public void Unsupported_or_broken_files_are_refused()
    {
        Assert.Contains("not a PNG", Assert.Throws<DataFormatException>(() => Png.ReadGray(new MemoryStream([1, 2, 3]), "x")).Message);
        Assert.Contains("16 bits", Assert.Throws<DataFormatException>(() => Png.ReadGray(new MemoryStream(Encode(new byte[8], 2, 2, 1, 0, depth: 16)), "x")).Message);
        var good = Encode(new byte[16], 4, 4, 1, 0);
        Assert.Throws<DataFormatException>(() => Png.ReadGray(new MemoryStream(good[..40]), "x"));
    }
}
