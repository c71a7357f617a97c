using System.Globalization;
using System.Runtime.CompilerServices;
using Nabla.Data;

namespace Nabla.Tests.Data;

public class HugePagesTests
{
    /// <summary>A dataset-sized array: exact length, usable, and on Linux its interior advised for 2 MB pages (VmFlags "hg" in /proc/self/smaps).</summary>
    [Fact]
    public unsafe void A_large_pixel_array_is_advised_for_huge_pages()
    {
        var small = HugePages.Uninitialized(1000);
        Assert.Equal(1000, small.Length);
        const int length = 47_040_000; // FashionMNIST's training pixels
        var pixels = HugePages.Uninitialized(length);
        Assert.Equal(length, pixels.Length);
        pixels.AsSpan().Fill(7);
        Assert.Equal(7, pixels[^1]);
        if (!OperatingSystem.IsLinux()) return;
        ulong middle = (ulong)Unsafe.AsPointer(ref pixels[length / 2]);
        string? flags = null;
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-'))
            {
                var range = line[..line.IndexOf(' ')].Split('-');
                inside = ulong.Parse(range[0], NumberStyles.HexNumber) <= middle && middle < ulong.Parse(range[1], NumberStyles.HexNumber);
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal)) flags = line;
        }
        Assert.NotNull(flags);
        Assert.Contains(" hg", flags);
    }
}
