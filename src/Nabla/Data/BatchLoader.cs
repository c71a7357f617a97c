using System.Numerics;
using Nabla.Randomness;
using Nabla.Tensors;

namespace Nabla.Data;

/// <summary>
/// Feeds a dataset in batches of any size, from 1 (one sample per update) to the whole set (full-batch
/// gradient descent). The order is reshuffled at every epoch from the generator (or fixed when none is
/// given); the last, smaller batch is kept unless <c>dropLast</c>. Samples are converted from their
/// stored bytes into one reused batch buffer: no allocation per batch.
/// <code>
/// X // [B, d]   normalised inputs
/// Y // [B, k]   one-hot targets (k = classes), or [B, 1] holding the label for a one-output network
/// </code>
/// </summary>
public sealed class BatchLoader<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dataset _data;
    private readonly Normalization _normalization;
    private readonly Rng? _shuffle;
    private readonly int[] _order;
    private readonly Matrix<T> _x, _y;
    private int _position;
    private const int AheadBytes = 256 << 10;

    public BatchLoader(Dataset data, int batchSize, Normalization normalization, int targetWidth, Rng? shuffle, bool dropLast = false)
    {
        if (data.Count == 0) throw new ArgumentException($"{data.Name} has no samples.", nameof(data));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
        if (targetWidth != 1 && targetWidth < data.Classes)
            throw new ArgumentException($"The network has {targetWidth} outputs but {data.Name} has {data.Classes} classes.");
        if (targetWidth == 1 && data.Classes > 2)
            throw new ArgumentException($"A one-output network needs two classes, and {data.Name} has {data.Classes}.");
        _data = data;
        BatchSize = Math.Min(batchSize, data.Count);
        _normalization = normalization;
        _shuffle = shuffle;
        DropLast = dropLast;
        _order = Enumerable.Range(0, data.Count).ToArray();
        _x = new Matrix<T>(BatchSize, data.Features);
        _y = new Matrix<T>(BatchSize, targetWidth);
        _position = data.Count; // the first Next starts an epoch
    }

    public int BatchSize { get; }

    /// <summary>The generator that reshuffles each epoch (null: fixed order), for checkpoints.</summary>
    public Rng? Shuffle => _shuffle;
    public bool DropLast { get; }
    public Dataset Data => _data;

    /// <summary>Completed epochs so far (incremented when an epoch starts).</summary>
    public int Epoch { get; private set; }

    public int BatchesPerEpoch => DropLast ? _data.Count / BatchSize : (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>The current batch's inputs [B, d] (a reused buffer).</summary>
    public Matrix<T> X => _x;

    /// <summary>The current batch's targets (a reused buffer).</summary>
    public Matrix<T> Y => _y;

    /// <summary>Whether the next <see cref="Next"/> starts a new epoch.</summary>
    public bool AtEpochEnd => _position >= (DropLast ? _data.Count / BatchSize * BatchSize : _data.Count);

    /// <summary>Fills <see cref="X"/> and <see cref="Y"/> with the next batch, starting a new (reshuffled) epoch when one ends.</summary>
    public void Next()
    {
        if (AtEpochEnd)
        {
            _position = 0;
            Epoch++;
            _shuffle?.Shuffle(_order.AsSpan());
        }
        int n = Math.Min(BatchSize, _data.Count - _position);
        _x.Resize(n);
        _y.Resize(n);
        _y.Clear();
        var labels = _data.Labels;
        int end = _data.Count;
        // Shuffled rows: the next batch's (beyond the first four, asked for below while they are this batch's last four) are
        // asked for into the second-level cache, one with each row filled here, so they arrive while the step computes on
        // this batch — up to 256 KB of them, so as not to push the step's own data out. Asked for all at once after the fill,
        // they cost more: W3's load phase 0.0096 s/epoch without asking, 0.0062–0.0064 all at once, 0.0058–0.0059 spread
        // (bench/NOTES.md steps 33 and 36). Rows in order need no asking (the hardware follows them); nor do those across an
        // epoch's end, which reshuffles the order.
        int ahead = _shuffle is null ? 0 : Math.Min(_position + n + Math.Min(BatchSize, AheadBytes / Math.Max(1, _data.RowBytes)), end) - (_position + n + 4);
        for (int r = 0; r < n; r++)
        {
            // Rows come in shuffled order, beyond the hardware prefetcher's guess: ask for the one four ahead.
            if (_position + r + 4 < end) _data.Prefetch(_order[_position + r + 4]);
            if (r < ahead) _data.Prefetch(_order[_position + n + 4 + r], secondLevel: true);
            int i = _order[_position + r];
            _normalization.Apply(_data, i, _x.Row(r));
            if (_y.Cols == 1) _y[r, 0] = T.CreateTruncating(labels[i]);
            else _y[r, labels[i]] = T.One;
        }
        _position += n;
    }

    /// <summary>The shuffle state and position, for checkpoints.</summary>
    public (int Epoch, int Position, int[] Order) State => (Epoch, _position, (int[])_order.Clone());

    public void Restore(int epoch, int position, int[] order)
    {
        if (order.Length != _order.Length) throw new ArgumentException("The saved order is for another dataset.");
        order.CopyTo(_order, 0);
        Epoch = epoch;
        _position = position;
    }
}
