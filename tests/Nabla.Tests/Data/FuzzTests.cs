using Nabla.Data;
using Nabla.Data.Formats;
using Nabla.Randomness;

namespace Nabla.Tests.Data;

/// <summary>Random bytes and random mutations of real headers: every parser answers with a DataFormatException or a value, nothing else.</summary>
public class FuzzTests
{
    private static void OnlyDataErrors(Func<object> parse, string what)
    {
        try { parse(); }
        catch (DataFormatException) { }
        catch (Exception e) { Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}"); }
    }

    private static byte[] ValidIdx()
    {
        var ms = new MemoryStream();
        ms.Write([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]);
        ms.Write(new byte[60]);
        return ms.ToArray();
    }

    private static byte[] ValidNpy()
    {
        var ms = new MemoryStream();
        Npy.Write(ms, NpyArray.FromFloats(new float[12], 3, 4));
        return ms.ToArray();
    }

    [Fact]
    public void Random_bytes()
    {
        var rng = new Rng(1);
        for (int trial = 0; trial < 3000; trial++)
        {
            var bytes = new byte[rng.NextInt(64)];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)rng.NextInt(256);
            if (trial % 3 == 0 && bytes.Length > 2) { bytes[0] = 0; bytes[1] = 0; }
            OnlyDataErrors(() => Idx.Read(new MemoryStream(bytes), "random"), $"idx trial {trial}");
            OnlyDataErrors(() => Npy.Read(new MemoryStream(bytes), "random"), $"npy trial {trial}");
        }
    }

    [Fact]
    public void Mutations_of_real_headers()
    {
        var rng = new Rng(2);
        var seeds = new (string Kind, byte[] Bytes)[] { ("idx", ValidIdx()), ("idx", IdxTests.Gzip(ValidIdx())), ("npy", ValidNpy()) };
        for (int trial = 0; trial < 6000; trial++)
        {
            var (kind, original) = seeds[trial % seeds.Length];
            var bytes = (byte[])original.Clone();
            int edits = 1 + rng.NextInt(4);
            for (int e = 0; e < edits; e++)
            {
                int at = rng.NextInt(Math.Min(bytes.Length, kind == "npy" ? 80 : 24));
                bytes[at] = rng.NextInt(4) == 0 ? (byte)rng.NextInt(256) : (byte)(bytes[at] ^ (1 << rng.NextInt(8)));
            }
            if (rng.NextInt(5) == 0) bytes = bytes[..rng.NextInt(bytes.Length)];
            if (kind == "idx") OnlyDataErrors(() => Idx.Read(new MemoryStream(bytes), "mutant"), $"idx trial {trial}");
            else OnlyDataErrors(() => Npy.Read(new MemoryStream(bytes), "mutant"), $"npy trial {trial}");
        }
    }
}
