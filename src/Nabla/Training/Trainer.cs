using System.Numerics;
using Nabla.Data;
using Nabla.Optimizers;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Training;

/// <summary>How long to train and what to watch.</summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs to run (ignored when <see cref="Updates"/> is set).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>A fixed number of weight updates, instead of epochs.</summary>
    public long? Updates { get; init; }

    /// <summary>Evaluate on the held-out set every this many updates (and at the end).</summary>
    public int EvalEvery { get; init; } = 1000;

    /// <summary>Stop when the held-out loss has not improved for this many evaluations, and keep the best weights.</summary>
    public int? Patience { get; init; }

    public Schedule Schedule { get; init; } = Schedule.Constant;

    /// <summary>Write a checkpoint every this many updates (0: only when the run ends).</summary>
    public long CheckpointEvery { get; init; }

    /// <summary>Record the classification error of every batch (targets are classes); off for regression.</summary>
    public bool RecordError { get; init; } = true;

    /// <summary>Stop (as if interrupted) after this many updates, leaving a checkpoint: for tests of resuming.</summary>
    public long? StopAfter { get; init; }
}

/// <summary>Where a run stands, reported to the caller after each update and evaluation.</summary>
public sealed record TrainingProgress(long Update, long TotalUpdates, int Epoch, double Loss, EvaluationPoint? LastEvaluation);

/// <summary>How a run ended.</summary>
public sealed record TrainingOutcome(string Stop, bool Diverged, long Updates, int Epochs, EvaluationPoint? LastEvaluation, EvaluationPoint? BestEvaluation);

/// <summary>
/// Trains a network: the PyTorch rhythm (zero-grad, forward, loss, backward, step) over the loader's
/// batches, evaluating on the held-out set every N updates, recording the history, adjusting the
/// learning rate by the schedule, stopping early on a held-out loss that no longer improves, catching
/// divergence (a NaN or infinite loss stops the run and restores the last parameters that evaluated
/// finite), and writing checkpoints from which <see cref="Resume"/> continues bit for bit.
/// Nothing here prints or reads the clock: progress goes to a callback.
/// </summary>
public sealed class Trainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Objective<T> _objective;
    private readonly Optimizer<T> _optimizer;
    private readonly BatchLoader<T> _loader;
    private readonly BatchLoader<T>? _heldOut;
    private readonly double _baseRate;
    private Matrix<T>[]? _lastGood, _best;
    private double _bestLoss = double.PositiveInfinity;
    private int _evaluationsSinceBest;

    public Trainer(Objective<T> objective, Optimizer<T> optimizer, BatchLoader<T> loader, Dataset? heldOut, Normalization normalization, TrainingOptions options)
    {
        if (options.Updates is < 1) throw new ArgumentOutOfRangeException(nameof(options), "Updates must be at least 1.");
        if (options.Updates is null && options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), "Epochs must be at least 1.");
        if (options.EvalEvery < 1) throw new ArgumentOutOfRangeException(nameof(options), "Evaluation interval must be at least 1.");
        if (options.Patience is < 1) throw new ArgumentOutOfRangeException(nameof(options), "Patience must be at least 1.");
        _objective = objective;
        _optimizer = optimizer;
        _loader = loader;
        _heldOut = heldOut is null ? null : new BatchLoader<T>(heldOut, 1000, normalization, objective.Network.OutputWidth, shuffle: null);
        Options = options;
        _baseRate = optimizer.LearningRate;
        TotalUpdates = options.Updates ?? (long)options.Epochs * loader.BatchesPerEpoch;
        History = new History((int)Math.Min(TotalUpdates, 20_000_000));
    }

    public TrainingOptions Options { get; }
    public History History { get; }
    public long Update { get; private set; }
    public long TotalUpdates { get; }

    /// <summary>Called with the path-less checkpoint tensors whenever one is due; the caller writes them.</summary>
    public Action<Dictionary<string, TensorData>, Dictionary<string, string>>? Checkpoint { get; init; }

    public TrainingOutcome Run(Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        EvaluationPoint? last = History.Evaluations.LastOrDefault();
        if (Update == 0 && _heldOut is not null) last = Evaluate(0, 0);
        _lastGood ??= Snapshot();
        var parameters = _objective.Network.Parameters;
        bool classification = Options.RecordError;
        string stop = "completed";
        bool diverged = false;
        while (Update < TotalUpdates)
        {
            if (cancel.IsCancellationRequested) { stop = "cancelled"; break; }
            if (Options.StopAfter is { } s && Update >= s) { stop = "stopped for resume"; break; }
            _loader.Next();
            int epoch = _loader.Epoch;
            _optimizer.LearningRate = _baseRate * Options.Schedule.Factor(Update, TotalUpdates, epoch - 1);
            _optimizer.ZeroGrad();
            double loss = double.CreateTruncating(_objective.Forward(_loader.X, _loader.Y));
            if (!double.IsFinite(loss))
            {
                diverged = true;
                stop = $"diverged: the loss became {loss} at update {Update + 1} (epoch {epoch}); try a smaller learning rate than {_baseRate:G3}. " +
                    $"The parameters are those of the last finite evaluation (update {History.Evaluations.LastOrDefault()?.Update ?? 0}).";
                Restore(_lastGood!);
                break;
            }
            double error = classification ? _objective.ErrorRate(_loader.Y) : double.NaN;
            _objective.Backward();
            _optimizer.Step();
            Update++;
            History.Add(epoch, double.CreateTruncating(_objective.LastLoss), error);
            bool end = Update == TotalUpdates;
            if (_heldOut is not null && (Update % Options.EvalEvery == 0 || end))
            {
                last = Evaluate(Update, epoch);
                if (!double.IsFinite(last.Loss))
                {
                    diverged = true;
                    stop = $"diverged: the held-out loss became {last.Loss} at update {Update}; try a smaller learning rate than {_baseRate:G3}.";
                    Restore(_lastGood!);
                    break;
                }
                _lastGood = Snapshot(_lastGood);
                if (last.Loss < _bestLoss)
                {
                    _bestLoss = last.Loss;
                    _evaluationsSinceBest = 0;
                    if (Options.Patience is not null) _best = Snapshot(_best);
                }
                else if (Options.Patience is { } patience && ++_evaluationsSinceBest >= patience)
                {
                    stop = $"early stop: the held-out loss has not improved for {patience} evaluations; the best weights (loss {_bestLoss:G4}) are kept";
                    Restore(_best!);
                    break;
                }
            }
            if (Checkpoint is not null && Options.CheckpointEvery > 0 && Update % Options.CheckpointEvery == 0 && !end)
                Checkpoint(CheckpointTensors(), CheckpointMetadata());
            progress?.Invoke(new TrainingProgress(Update, TotalUpdates, epoch, loss, last));
        }
        Checkpoint?.Invoke(CheckpointTensors(), CheckpointMetadata());
        var best = History.Evaluations.Count == 0 ? null : History.Evaluations.MinBy(e => e.Loss);
        return new TrainingOutcome(stop, diverged, Update, _loader.Epoch, History.Evaluations.LastOrDefault(), best);
    }

    private EvaluationPoint Evaluate(long update, int epoch)
    {
        var r = Evaluator.Evaluate(_objective, _heldOut!);
        var point = new EvaluationPoint(update, epoch, r.Loss, r.Error);
        History.AddEvaluation(point);
        return point;
    }

    private Matrix<T>[] Snapshot(Matrix<T>[]? into = null)
    {
        var parameters = _objective.Network.Parameters;
        into ??= parameters.Select(p => new Matrix<T>(p.Value.Rows, p.Value.Cols)).ToArray();
        for (int i = 0; i < parameters.Count; i++) into[i].CopyFrom(parameters[i].Value);
        return into;
    }

    private void Restore(Matrix<T>[] snapshot)
    {
        var parameters = _objective.Network.Parameters;
        for (int i = 0; i < parameters.Count; i++) parameters[i].Value.CopyFrom(snapshot[i]);
    }

    // ---- checkpoints: everything a resumed run needs to continue exactly --------------------------------

    private Dictionary<string, TensorData> CheckpointTensors()
    {
        var t = ModelFile.Tensors(_objective.Network);
        foreach (var (name, buffer) in _optimizer.State) t[$"optimizer.{name}"] = ModelFile.Encode(buffer, [buffer.Rows, buffer.Cols]);
        var parameters = _objective.Network.Parameters;
        void Put(string prefix, Matrix<T>[]? snapshot)
        {
            if (snapshot is null) return;
            for (int i = 0; i < snapshot.Length; i++) t[$"{prefix}.{parameters[i].Name}"] = ModelFile.Encode(snapshot[i], [snapshot[i].Rows, snapshot[i].Cols]);
        }
        Put("last_good", _lastGood);
        Put("best", _best);
        var (loaderEpoch, position, order) = _loader.State;
        t["loader.order"] = TensorData.FromInt64(order.Select(i => (long)i).ToArray(), order.Length);
        t["loader.state"] = TensorData.FromInt64([loaderEpoch, position], 2);
        if (_loader.Shuffle is { } shuffle) t["rng.shuffle"] = TensorData.FromInt64(shuffle.State.Select(u => (long)u).ToArray(), 4);
        if (_optimizer.Rng is { } rng) t["rng.optimizer"] = TensorData.FromInt64(rng.State.Select(u => (long)u).ToArray(), 4);
        t["history.train"] = TensorData.FromDoubles(History.TrainLoss.Select(v => (double)v).Concat(History.TrainError.Select(v => (double)v)).ToArray(), 2, History.Updates);
        t["history.epoch"] = TensorData.FromInt64(History.Epoch.Select(e => (long)e).ToArray(), History.Updates);
        t["history.evaluations"] = TensorData.FromDoubles(History.Evaluations.SelectMany(e => new[] { e.Update, e.Epoch, e.Loss, e.Error }).ToArray(), History.Evaluations.Count, 4);
        t["trainer.state"] = TensorData.FromDoubles([Update, _optimizer.Steps, _bestLoss, _evaluationsSinceBest], 4);
        return t;
    }

    private Dictionary<string, string> CheckpointMetadata() => new()
    {
        ["format"] = "nabla-checkpoint-1",
        ["net"] = _objective.Network.Spec.Text,
        ["update"] = Update.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["total_updates"] = TotalUpdates.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Restores a checkpoint written by this trainer's run into a trainer built with the same settings.</summary>
    public void Resume(IReadOnlyDictionary<string, TensorData> t, string file)
    {
        ModelFile.LoadParameters(_objective.Network, t, file);
        TensorData Need(string name) => t.TryGetValue(name, out var v) ? v : throw new DataFormatException(file, $"checkpoint has no '{name}'");
        foreach (var (name, buffer) in _optimizer.State) Copy(Need($"optimizer.{name}"), buffer);
        var parameters = _objective.Network.Parameters;
        Matrix<T>[]? Load(string prefix)
        {
            if (!t.ContainsKey($"{prefix}.{parameters[0].Name}")) return null;
            var snapshot = Snapshot();
            for (int i = 0; i < snapshot.Length; i++) Copy(Need($"{prefix}.{parameters[i].Name}"), snapshot[i]);
            return snapshot;
        }
        _lastGood = Load("last_good");
        _best = Load("best");
        var state = Need("loader.state").ToInt64();
        _loader.Restore((int)state[0], (int)state[1], Need("loader.order").ToInt64().Select(v => (int)v).ToArray());
        if (_loader.Shuffle is { } shuffle) shuffle.State = Need("rng.shuffle").ToInt64().Select(v => (ulong)v).ToArray();
        if (_optimizer.Rng is { } rng) rng.State = Need("rng.optimizer").ToInt64().Select(v => (ulong)v).ToArray();
        var train = Need("history.train").ToDoubles();
        var epochs = Need("history.epoch").ToInt64();
        var evaluations = Need("history.evaluations").ToDoubles();
        History.Clear();
        for (int i = 0; i < epochs.Length; i++) History.Add((int)epochs[i], train[i], train[epochs.Length + i]);
        for (int i = 0; i + 3 < evaluations.Length; i += 4)
            History.AddEvaluation(new EvaluationPoint((long)evaluations[i], (int)evaluations[i + 1], evaluations[i + 2], evaluations[i + 3]));
        var trainer = Need("trainer.state").ToDoubles();
        Update = (long)trainer[0];
        _optimizer.RestoreSteps((long)trainer[1]);
        _bestLoss = trainer[2];
        _evaluationsSinceBest = (int)trainer[3];
    }

    private static void Copy(TensorData source, Matrix<T> target)
    {
        var values = source.ToDoubles();
        if (values.Length != target.Length) throw new InvalidDataException($"checkpoint tensor has {values.Length} values, expected {target.Length}");
        var span = target.Span;
        for (int i = 0; i < span.Length; i++) span[i] = T.CreateTruncating(values[i]);
    }
}
