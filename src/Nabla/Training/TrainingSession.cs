using System.Numerics;
using Nabla.Data;
using Nabla.Init;
using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Randomness;
using Nabla.Serialization;

namespace Nabla.Training;

/// <summary>The datasets of a run after the coursework's preparation.</summary>
/// <param name="Train">What the optimizer sees.</param>
/// <param name="Validation">Carved from the training files (stratified, seeded); null without --validation.</param>
/// <param name="Test">Evaluated once at the end (and every N updates when there is no validation split, as the coursework plots it).</param>
public sealed record PreparedData(DataSplit Source, Dataset Train, Dataset? Validation, Dataset Test, Normalization Normalization)
{
    /// <summary>What the trainer evaluates every N updates: the validation split when there is one, else the test set.</summary>
    public Dataset HeldOut => Validation ?? Test;

    public string HeldOutName => Validation is null ? "test" : "validation";

    /// <summary>
    /// Applies the settings to a dataset, each step from its own generator derived from the seed:
    /// the even/odd relabelling, a custom test size (T test samples from train ∪ test, the rest for
    /// training), the stratified subsample of both parts, the validation split, and the normalisation
    /// (statistics from the training part only).
    /// </summary>
    public static PreparedData Prepare(RunSettings s, DataSplit source)
    {
        Dataset train = source.Train, test = source.Test;
        if (s.Task == "even-odd")
        {
            train = Preparation.RelabelEvenOdd(train);
            test = Preparation.RelabelEvenOdd(test);
        }
        if (s.TestCount is { } t && t != test.Count)
        {
            var pool = train.Concat(test, $"{source.Title} (all)");
            if (t >= pool.Count) throw new ArgumentException($"--test-count {t} leaves no training samples of {pool.Count}");
            (train, test) = Preparation.StratifiedSplit(pool, t, Rng.Fork(s.Seed, "test-split"), $"{source.Title} train", $"{source.Title} test");
        }
        if (s.Subsample < 1)
        {
            train = Preparation.StratifiedSubsample(train, s.Subsample, Rng.Fork(s.Seed, "subsample-train"));
            test = Preparation.StratifiedSubsample(test, s.Subsample, Rng.Fork(s.Seed, "subsample-test"));
        }
        Dataset? validation = null;
        if (s.Validation > 0) (train, validation) = Preparation.ValidationSplit(train, s.Validation, Rng.Fork(s.Seed, "validation"));
        var normalization = s.Standardize ? Normalization.Standardize(train) : Normalization.For(train);
        return new PreparedData(source, train, validation, test, normalization);
    }
}

/// <summary>
/// A training run assembled from its settings: data, network, objective, optimizer, loader and trainer,
/// every random choice drawn from a generator forked from the one seed.
/// </summary>
public sealed class TrainingSession<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public TrainingSession(RunSettings settings, PreparedData data)
    {
        settings.Validate();
        Settings = settings;
        Data = data;
        var spec = NetSpec.Parse(settings.Net);
        if (spec.InputWidth != data.Train.Features)
            throw new ArgumentException($"the network takes {spec.InputWidth} inputs but {data.Source.Title} samples have {data.Train.Features} features; start the spec with {data.Train.Features}");
        int classes = data.Train.Classes;
        if (spec.OutputWidth != classes && !(spec.OutputWidth == 1 && classes == 2))
            throw new ArgumentException($"the network has {spec.OutputWidth} outputs but the task has {classes} classes; end the spec with {(classes == 2 ? "1 (binary) or 2" : classes.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        Network = Network<T>.Create(spec, Rng.Fork(settings.Seed, "init"), Initializers.Parse(settings.Initializer), settings.Bias);
        if (settings.InitFrom is { } file)
        {
            var (info, tensors) = ModelFile.Read(file);
            if (info.Net != spec.Text || info.Bias != settings.Bias)
                throw new ArgumentException($"--init {file} holds the network {info.Net}{(info.Bias ? "" : " (no bias)")}, not {spec.Text}");
            ModelFile.LoadParameters(Network, tensors, file);
        }
        Objective = Objective<T>.Create(Network, settings.Loss, settings.L2);
        var parameters = Network.Parameters;
        Optimizer = settings.Optimizer switch
        {
            "adam" => new Adam<T>(parameters, settings.LearningRate, settings.Beta1, settings.Beta2, lookahead: settings.Lookahead),
            "coordinate" => new CoordinateSgd<T>(parameters, settings.LearningRate, Rng.Fork(settings.Seed, "coordinate")),
            _ => new Sgd<T>(parameters, settings.LearningRate, settings.Momentum, settings.Nesterov),
        };
        Loader = new BatchLoader<T>(data.Train, settings.Batch, data.Normalization, spec.OutputWidth,
            settings.Shuffle ? Rng.Fork(settings.Seed, "shuffle") : null, settings.DropLast);
        Trainer = new Trainer<T>(Objective, Optimizer, Loader, data.HeldOut, data.Normalization, new TrainingOptions
        {
            Epochs = settings.Epochs,
            Updates = settings.Updates,
            EvalEvery = settings.EvalEvery,
            Patience = settings.Patience,
            Schedule = Schedule.Parse(settings.Schedule),
            CheckpointEvery = settings.CheckpointEvery,
        });
    }

    public RunSettings Settings { get; }
    public PreparedData Data { get; }
    public Network<T> Network { get; }
    public Objective<T> Objective { get; }
    public Optimizer<T> Optimizer { get; }
    public BatchLoader<T> Loader { get; }
    public Trainer<T> Trainer { get; private set; }

    /// <summary>Replaces the trainer (e.g. to attach a checkpoint writer or a stop point) keeping everything else.</summary>
    public void Configure(Func<TrainingOptions, TrainingOptions> options, Action<Dictionary<string, TensorData>, Dictionary<string, string>>? checkpoint)
    {
        Trainer = new Trainer<T>(Objective, Optimizer, Loader, Data.HeldOut, Data.Normalization, options(Trainer.Options)) { Checkpoint = checkpoint };
    }

    public EvaluationResult Evaluate(Dataset data) => Evaluator.Evaluate(Objective, data, Data.Normalization);

    public ModelInfo ModelInfo(IReadOnlyDictionary<string, string> extra) =>
        new(Network.Spec.Text, Settings.Bias, Settings.Loss, Data.Train.ClassNames, Data.Normalization, extra);
}
