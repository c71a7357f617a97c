using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>Bytes ÷ divisor: the SIMD path gives exactly the scalar division for every byte and every length.</summary>
public class PixelKernelTests
{
    [Theory]
    [InlineData(255f)]
    [InlineData(1f)]
    [InlineData(7f)]
    [InlineData(127.5f)]
    public void Every_byte_and_every_length_is_bit_identical_to_division(float divisor)
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        for (int length = 0; length <= 256; length++)
        {
            var source = all.AsSpan(256 - length);   // every alignment of the tail, every value
            var fast = new float[length];
            var naive = new float[length];
            PixelKernels.Scale(source, fast, divisor);
            PixelKernels.ScaleNaive(source, naive, divisor);
            for (int i = 0; i < length; i++) Assert.True(BitConverter.SingleToInt32Bits(fast[i]) == BitConverter.SingleToInt32Bits(naive[i]), $"byte {source[i]} / {divisor}");
        }
        Assert.True(PixelKernels.CorrectionIsExact(255f));
    }

    [Fact]
    public void Short_destination_is_refused() =>
        Assert.Throws<ArgumentException>(() => PixelKernels.Scale(new byte[10], new float[9], 255f));
}
