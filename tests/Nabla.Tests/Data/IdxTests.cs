using System.IO.Compression;
using Nabla.Data;
using Nabla.Data.Formats;

namespace Nabla.Tests.Data;

public class IdxTests
{
    private static byte[] Header(byte type, params int[] dims)
    {
        var ms = new MemoryStream();
        ms.Write([0, 0, type, (byte)dims.Length]);
        foreach (int d in dims) ms.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        return ms.ToArray();
    }

    internal static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    [Fact]
    public void Round_trip_raw_and_gzip()
    {
        string dir = Directory.CreateTempSubdirectory("nabla-idx-").FullName;
        try
        {
            var data = Enumerable.Range(0, 2 * 3 * 5).Select(i => (byte)(i * 7)).ToArray();
            foreach (var name in new[] { "a-idx3-ubyte", "a-idx3-ubyte.gz" })
            {
                string path = Path.Combine(dir, name);
                Idx.Write(path, new IdxArray(IdxArray.UInt8, [2, 3, 5], data));
                var back = Idx.Read(path);
                Assert.Equal([2, 3, 5], back.Shape);
                Assert.Equal(data, back.Data);
            }
            var raw = File.ReadAllBytes(Path.Combine(dir, "a-idx3-ubyte"));
            Assert.Equal(new byte[] { 0, 0, 8, 3, 0, 0, 0, 2 }, raw[..8]); // magic 0x00000803, big-endian sizes
        }
        finally { Directory.Delete(dir, true); }
    }

    public static TheoryData<string, byte[], string> BadFiles() => new()
    {
        { "wrong magic", [1, 2, 8, 1, 0, 0, 0, 1, 5], "two zero bytes" },
        { "unknown type", [.. Header(0x07, 1), 5], "unknown IDX type code 0x07" },
        { "no dimensions", Header(0x08), "0 dimensions" },
        { "truncated header", [0, 0, 8, 3, 0, 0], "truncated" },
        { "truncated values", [.. Header(0x08, 2, 3), 1, 2, 3], "truncated" },
        { "extra values", [.. Header(0x08, 2), 1, 2, 3], "bytes after" },
        { "huge shape", Header(0x08, 60000, 60000, 60000), "needs over" },
        { "too short", [0], "too short" },
        { "gzip that lies", [.. Gzip([.. Header(0x08, 4), 1, 2, 3, 4])[..^6], 0, 0, 0, 0, 0, 0], "gzip" },
        { "gzip with a short body", Gzip([.. Header(0x08, 100), 1, 2]), "holds" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_files_are_refused_with_the_file_and_the_reason(string what, byte[] bytes, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(new MemoryStream(bytes), "bad.idx"));
        Assert.True(e.Message.Contains(problem), $"{what}: '{e.Message}' does not say '{problem}'");
        Assert.StartsWith("bad.idx: ", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_data_error()
    {
        var e = Assert.Throws<DataFormatException>(() => Idx.Read("/nonexistent/train-images-idx3-ubyte"));
        Assert.Contains("no such file", e.Message);
    }
}
