namespace Nabla.Training;

/// <summary>The coursework's models as ready-made settings; any option given on the command line overrides them.</summary>
public static class Presets
{
    public static readonly IReadOnlyDictionary<string, (string Description, RunSettings Settings)> All =
        new Dictionary<string, (string, RunSettings)>
        {
            ["hw-relu"] = ("784 → 128 ReLU → 10 softmax, cross-entropy, SGD minibatch 64 (η = 0.2, cosine schedule, 40 epochs), 50% of each class, evaluation every 1000 updates",
                new RunSettings { Preset = "hw-relu", Net = "784,128,relu,10,softmax", Loss = "cross-entropy", Optimizer = "sgd", LearningRate = 0.2, Batch = 64, Epochs = 40, Subsample = 0.5, Schedule = "cosine" }),
            ["hw-sigmoid"] = ("784 → 32 sigmoid → 32 sigmoid → 10 softmax, weights N(0, 1/max(n_in, n_out)), biases 0, one sample per update, 3 epochs",
                new RunSettings { Preset = "hw-sigmoid", Net = "784,32,sigmoid,32,sigmoid,10,softmax", Initializer = "normal", Loss = "cross-entropy", Optimizer = "sgd", LearningRate = 0.05, Batch = 1, Epochs = 3, EvalEvery = 10_000 }),
            ["nn2"] = ("784 → 64 ReLU → 1 sigmoid without biases, binary cross-entropy, Adam, even/odd digits of MNIST",
                new RunSettings { Preset = "nn2", Data = "mnist", Net = "784,64,relu,1,sigmoid", Bias = false, Loss = "bce", Optimizer = "adam", LearningRate = 1e-3, Batch = 64, Epochs = 5, Task = "even-odd", EvalEvery = 500 }),
            ["softmax-regression"] = ("784 → 10 softmax, cross-entropy + (α/2)‖W‖² on weights only, SGD (tune α and η with nabla tune)",
                new RunSettings { Preset = "softmax-regression", Net = "784,10,softmax", Loss = "cross-entropy", Optimizer = "sgd", LearningRate = 0.1, Batch = 100, Epochs = 20, L2 = 1e-4 }),
            ["best"] = ("the most accurate network here in about two minutes on two cores: 784 → 512 ReLU → 256 ReLU → 10, Nesterov SGD, cosine schedule",
                new RunSettings { Preset = "best", Net = "784,512,relu,256,relu,10,softmax", Loss = "cross-entropy", Optimizer = "sgd", LearningRate = 0.05, Momentum = 0.9, Nesterov = true, Batch = 128, Epochs = 30, Schedule = "cosine", L2 = 5e-5 }),
        };

    public static RunSettings Get(string name) =>
        All.TryGetValue(name, out var p) ? p.Settings
            : throw new ArgumentException($"unknown preset '{name}'; expected one of {string.Join(", ", All.Keys)}");
}
