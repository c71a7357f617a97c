namespace Nabla.Data;

/// <summary>
/// Labelled samples held compactly: n rows of d features, as bytes (8-bit pixels: 60,000 images take
/// 47 MB, not 188 MB as float32) or as floats (arrays that came as floats), with an integer label
/// 0..k−1 per row. Conversion to the network's precision happens per batch, in the loader.
/// </summary>
public sealed class Dataset
{
    private readonly byte[]? _bytes;
    private readonly float[]? _floats;
    private readonly int[] _labels;

    private Dataset(string name, int[] sampleShape, byte[]? bytes, float[]? floats, int[] labels, int classes, IReadOnlyList<string>? classNames)
    {
        Name = name;
        SampleShape = sampleShape;
        Features = sampleShape.Aggregate(1, (a, d) => checked(a * d));
        _bytes = bytes;
        _floats = floats;
        _labels = labels;
        Classes = classes;
        long stored = bytes?.LongLength ?? floats!.LongLength;
        if (stored != (long)labels.Length * Features)
            throw new ArgumentException($"{name}: {stored} values for {labels.Length} samples of {Features} features.");
        foreach (int label in labels)
            if ((uint)label >= (uint)classes) throw new ArgumentException($"{name}: label {label} is outside the classes 0..{classes - 1}.");
        ClassNames = classNames is { Count: > 0 } ? classNames : Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (ClassNames.Count != classes) throw new ArgumentException($"{name}: {ClassNames.Count} class names for {classes} classes.");
    }

    public static Dataset FromBytes(string name, int[] sampleShape, byte[] pixels, int[] labels, int classes, IReadOnlyList<string>? classNames = null) =>
        new(name, sampleShape, pixels, null, labels, classes, classNames);

    public static Dataset FromFloats(string name, int[] sampleShape, float[] values, int[] labels, int classes, IReadOnlyList<string>? classNames = null) =>
        new(name, sampleShape, null, values, labels, classes, classNames);

    /// <summary>What the data is, e.g. "FashionMNIST train".</summary>
    public string Name { get; }

    /// <summary>The shape of one sample, e.g. [28, 28]; the network sees it flattened to <see cref="Features"/>.</summary>
    public int[] SampleShape { get; }

    public int Features { get; }

    public int Count => _labels.Length;

    public int Classes { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>True when samples are stored as 8-bit values (scaled by 1/255 when loaded).</summary>
    public bool IsBytes => _bytes is not null;

    public ReadOnlySpan<int> Labels => _labels;

    public ReadOnlySpan<byte> ByteRow(int i) => _bytes.AsSpan(i * Features, Features);

    /// <summary>Bytes per sample as stored (one per feature for 8-bit samples, four for float32).</summary>
    public int RowBytes => _bytes is not null ? Features : Features * sizeof(float);

    /// <summary>
    /// Asks the processor to start fetching sample <paramref name="i"/> into cache: the first level, or with
    /// <paramref name="secondLevel"/> the second only, for a row wanted later (a hint; no effect where unsupported).
    /// </summary>
    public unsafe void Prefetch(int i, bool secondLevel = false)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || Features == 0) return;
        if (_bytes is not null)
        {
            fixed (byte* row = &_bytes[i * Features])
                Prefetch(row, Features, secondLevel);
        }
        else if (_floats is not null)
        {
            fixed (float* row = &_floats[i * Features])
                Prefetch((byte*)row, Features * sizeof(float), secondLevel);
        }
    }

    private static unsafe void Prefetch(byte* row, int bytes, bool secondLevel)
    {
        for (int offset = 0; offset < bytes; offset += 64)
            if (secondLevel) System.Runtime.Intrinsics.X86.Sse.Prefetch1(row + offset);
            else System.Runtime.Intrinsics.X86.Sse.Prefetch0(row + offset);
    }

    public ReadOnlySpan<float> FloatRow(int i) => _floats.AsSpan(i * Features, Features);

    /// <summary>The samples at <paramref name="indices"/>, in that order, as a new dataset.</summary>
    public Dataset Select(ReadOnlySpan<int> indices, string? name = null)
    {
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++) labels[i] = _labels[indices[i]];
        if (_bytes is not null)
        {
            var bytes = HugePages.Uninitialized((long)indices.Length * Features);
            for (int i = 0; i < indices.Length; i++) ByteRow(indices[i]).CopyTo(bytes.AsSpan(i * Features));
            return new Dataset(name ?? Name, SampleShape, bytes, null, labels, Classes, ClassNames);
        }
        var floats = new float[(long)indices.Length * Features];
        for (int i = 0; i < indices.Length; i++) FloatRow(indices[i]).CopyTo(floats.AsSpan(i * Features));
        return new Dataset(name ?? Name, SampleShape, null, floats, labels, Classes, ClassNames);
    }

    /// <summary>The same samples with other labels (e.g. even/odd).</summary>
    public Dataset Relabel(int[] labels, int classes, IReadOnlyList<string> classNames, string? name = null)
    {
        if (labels.Length != Count) throw new ArgumentException("One label per sample.", nameof(labels));
        return new Dataset(name ?? Name, SampleShape, _bytes, _floats, labels, classes, classNames);
    }

    /// <summary>Both datasets' samples, this one's first (same sample shape and storage).</summary>
    public Dataset Concat(Dataset other, string? name = null)
    {
        if (other.Features != Features || other.IsBytes != IsBytes || other.Classes != Classes)
            throw new ArgumentException($"{Name} and {other.Name} have different shapes, storage or classes.");
        int[] labels = [.. _labels, .. other._labels];
        return IsBytes
            ? new Dataset(name ?? Name, SampleShape, [.. _bytes!, .. other._bytes!], null, labels, Classes, ClassNames)
            : new Dataset(name ?? Name, SampleShape, null, [.. _floats!, .. other._floats!], labels, Classes, ClassNames);
    }

    public int[] ClassCounts()
    {
        var counts = new int[Classes];
        foreach (int label in _labels) counts[label]++;
        return counts;
    }

    /// <summary>The smallest and largest stored value (before any scaling).</summary>
    public (double Min, double Max) ValueRange()
    {
        if (Count == 0) return (0, 0);
        if (_bytes is not null) return (_bytes.Min(), _bytes.Max());
        return (_floats!.Min(), _floats!.Max());
    }

    /// <summary>FNV-1a over the stored values and labels: a fingerprint to check that data loaded as expected.</summary>
    public ulong Checksum()
    {
        ulong h = 14695981039346656037UL;
        ReadOnlySpan<byte> values = _bytes is not null ? _bytes : System.Runtime.InteropServices.MemoryMarshal.AsBytes(_floats.AsSpan());
        foreach (byte b in values) h = (h ^ b) * 1099511628211UL;
        foreach (int label in _labels) h = (h ^ (uint)label) * 1099511628211UL;
        return h;
    }

    public override string ToString() => $"{Name}: {Count} × [{string.Join("×", SampleShape)}], {Classes} classes";
}
