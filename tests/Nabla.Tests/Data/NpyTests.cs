using Nabla.Data;
using Nabla.Data.Formats;

namespace Nabla.Tests.Data;

public class NpyTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "npy", name);

    [Theory]
    [InlineData("uint8", NpyType.UInt8, 0)]
    [InlineData("int8", NpyType.Int8, 5)]
    [InlineData("uint16", NpyType.UInt16, 0)]
    [InlineData("int16", NpyType.Int16, 5)]
    [InlineData("int32", NpyType.Int32, 5)]
    [InlineData("int64", NpyType.Int64, 5)]
    [InlineData("float32", NpyType.Float32, 5)]
    [InlineData("float64", NpyType.Float64, 5)]
    public void Reads_what_numpy_wrote(string dtype, NpyType type, int offset)
    {
        var a = Npy.Read(Fixture($"{dtype}.npy"));
        Assert.Equal(type, a.Type);
        Assert.Equal([2, 3, 4], a.Shape);
        for (int i = 0; i < 24; i++) Assert.Equal(i - offset, a[i]);
    }

    [Theory]
    [InlineData("v1.npy")]
    [InlineData("v2.npy")]
    [InlineData("v3.npy")]
    public void Reads_format_versions_1_2_and_3(string file)
    {
        var a = Npy.Read(Fixture(file));
        Assert.Equal([2, 3, 4], a.Shape);
        Assert.Equal(23 / 8.0, a[23]);
    }

    [Theory]
    [InlineData("fortran.npy", "Fortran")]
    [InlineData("big_endian.npy", "big-endian")]
    [InlineData("object.npy", "object")]
    public void Refuses_what_it_cannot_read_safely(string file, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => Npy.Read(Fixture(file)));
        Assert.Contains(problem, e.Message);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void Round_trip_is_bit_identical()
    {
        string dir = Directory.CreateTempSubdirectory("nabla-npy-").FullName;
        try
        {
            var rng = new Randomness.Rng(4);
            var floats = Enumerable.Range(0, 60).Select(_ => (float)rng.NextNormal()).ToArray();
            floats[0] = float.NaN;
            floats[1] = -0f;
            floats[2] = float.Epsilon;
            foreach (var a in new[] { NpyArray.FromFloats(floats, 3, 4, 5), NpyArray.FromBytes([1, 2, 255, 0], 4), NpyArray.FromInt64([long.MinValue, 7, long.MaxValue], 3, 1) })
            {
                string path = Path.Combine(dir, "a.npy");
                Npy.Write(path, a);
                var b = Npy.Read(path);
                Assert.Equal(a.Type, b.Type);
                Assert.Equal(a.Shape, b.Shape);
                Assert.Equal(a.Data, b.Data);
                Assert.Equal(0, (new FileInfo(path).Length - a.Data.Length) % 64); // data aligned as NumPy does
            }
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static byte[] File(string header, int dataBytes, byte major = 1)
    {
        var h = System.Text.Encoding.Latin1.GetBytes(header);
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0]);
        if (major == 1) ms.Write(BitConverter.GetBytes((ushort)h.Length));
        else ms.Write(BitConverter.GetBytes((uint)h.Length));
        ms.Write(h);
        ms.Write(new byte[dataBytes]);
        return ms.ToArray();
    }

    [Theory]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16, "unsupported .npy dtype")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 2), }", 0, "out of range")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3000000, 3000000, 3000000), }", 0, "overflows")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 8, "truncated")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8, "bytes after")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': __import__('os'), }", 0, "unexpected")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", 4, "unexpected '0'")]
    [InlineData("{'descr': '<f4', 'shape': (1,), }", 4, "fortran_order")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': True}", 4, "unexpected key")]
    [InlineData("{'descr': '<f4' 'fortran_order': False}", 4, "expected ',' or '}'")]
    [InlineData("['<f4']", 4, "expected '{'")]
    public void Bad_headers_are_refused_with_a_reason(string header, int dataBytes, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => Npy.Read(new MemoryStream(File(header, dataBytes)), "x.npy"));
        Assert.Contains(problem, e.Message);
        Assert.StartsWith("x.npy: ", e.Message);
    }

    [Fact]
    public void Header_over_the_limit_and_unknown_versions_are_refused()
    {
        string big = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" + new string(' ', 20_000);
        Assert.Contains("limit", Assert.Throws<DataFormatException>(() => Npy.Read(new MemoryStream(File(big, 4, 2)), "x")).Message);
        Assert.Contains("version", Assert.Throws<DataFormatException>(() => Npy.Read(new MemoryStream(File("{}", 0, 9)), "x")).Message);
        Assert.Contains("magic", Assert.Throws<DataFormatException>(() => Npy.Read(new MemoryStream(new byte[20]), "x")).Message);
    }
}
