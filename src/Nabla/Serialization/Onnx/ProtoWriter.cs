using System.Buffers.Binary;
using System.Text;

namespace Nabla.Serialization.Onnx;

/// <summary>
/// The protocol-buffers wire format, just what ONNX needs: a field is a tag (number &lt;&lt; 3 | wire type)
/// followed by a varint (type 0), four little-endian bytes (type 5) or a varint length and that many
/// bytes (type 2: strings, bytes and nested messages).
/// </summary>
internal sealed class ProtoWriter
{
    private const int VarintType = 0, LengthDelimited = 2, Fixed32 = 5;
    private readonly MemoryStream _bytes = new();

    public byte[] ToArray() => _bytes.ToArray();

    public ProtoWriter Int(int field, long value)
    {
        Tag(field, VarintType);
        Varint(unchecked((ulong)value)); // negative int64 values take ten bytes, as protobuf says
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        Tag(field, Fixed32);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        _bytes.Write(b);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        Varint((ulong)value.Length);
        _bytes.Write(value);
        return this;
    }

    /// <summary>A nested message: written into its own buffer first, because its length comes before it.</summary>
    public ProtoWriter Message(int field, Action<ProtoWriter> body)
    {
        var inner = new ProtoWriter();
        body(inner);
        return Bytes(field, inner._bytes.GetBuffer().AsSpan(0, (int)inner._bytes.Length));
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.WriteByte((byte)value);
    }
}
