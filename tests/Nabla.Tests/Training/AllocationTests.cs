using Nabla.Layers;
using Nabla.Optimizers;
using Nabla.Tests.Support;
using Nabla.Training;

namespace Nabla.Tests.Training;

/// <summary>Once the buffers for a batch size exist, a training step allocates nothing.</summary>
public class AllocationTests
{
    [Theory]
    [InlineData("784,128,relu,10,softmax", "cross-entropy", "sgd", 64)]
    [InlineData("784,32,sigmoid,32,sigmoid,10,softmax", "cross-entropy", "sgd", 1)]
    [InlineData("784,256,gelu,64,leaky_relu=0.01,10,softmax", "cross-entropy", "adam", 100)]
    [InlineData("784,64,relu,1,sigmoid", "bce", "momentum", 32)]
    [InlineData("10,32,relu,scale=5,1", "huber", "adam", 16)]
    public void A_training_step_allocates_nothing(string spec, string loss, string optimizerName, int batch)
    {
        var net = Network<float>.Create(spec, 1);
        var objective = Objective<float>.Create(net, loss, l2: 1e-4);
        Optimizer<float> optimizer = optimizerName switch
        {
            "adam" => new Adam<float>(net.Parameters, 1e-3),
            "momentum" => new Sgd<float>(net.Parameters, 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4),
            _ => new Sgd<float>(net.Parameters, 0.01),
        };
        var X = Compare.Random<float>(batch, net.InputWidth, 2);
        var Y = Nets.Targets(loss, batch, net.OutputWidth, 3).Convert<float>();
        void Step()
        {
            optimizer.ZeroGrad();
            objective.Forward(X, Y);
            objective.Backward();
            optimizer.Step();
        }
        for (int i = 0; i < 40; i++) Step(); // buffers for this batch size come into being here
        // Steady state: the runtime's tiered JIT may still patch call sites in the first rounds (a few bytes,
        // once); a step that allocates would show in every round, so the quietest of five rounds must be zero.
        long quietest = long.MaxValue;
        for (int round = 0; round < 5 && quietest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) Step();
            quietest = Math.Min(quietest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, quietest);
    }

    /// <summary>Momentum SGD on sparse inputs at a batch above 64: both hidden layers held in panels (the velocity too), no allocation.</summary>
    [Fact]
    public void A_momentum_step_in_panels_allocates_nothing()
    {
        if (!Nabla.Kernels.SparseBatch.Available) return;
        var net = Network<float>.Create("784,256,relu,256,relu,10,softmax", 1);
        net.Parameters[1].Value.Span.Fill(-0.3f); // hidden units on for about a quarter of the samples, as images give
        var objective = Objective<float>.Create(net, "cross-entropy");
        var optimizer = new Sgd<float>(net.Parameters, 0.01, momentum: 0.9);
        var X = Compare.Random<float>(100, 784, 2);
        var keep = new Nabla.Randomness.Rng(5);
        foreach (ref float x in X.Span) if (keep.NextDouble() < 0.6) x = 0; // pixels: mostly zeros
        var Y = Nets.Targets("cross-entropy", 100, 10, 3).Convert<float>();
        void Step()
        {
            optimizer.ZeroGrad();
            objective.Forward(X, Y);
            objective.Backward();
            optimizer.Step();
        }
        for (int i = 0; i < 10; i++) Step();
        Assert.True(net.Parameters[0].HoldsPanels && net.Parameters[2].HoldsPanels, "the panel path was not taken");
        long quietest = long.MaxValue;
        for (int round = 0; round < 5 && quietest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) Step();
            quietest = Math.Min(quietest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, quietest);
    }

    [Fact]
    public void A_smaller_last_batch_reuses_the_buffers()
    {
        var net = Network<float>.Create("20,16,relu,4,softmax", 1);
        var objective = Objective<float>.Create(net, "cross-entropy");
        var big = Compare.Random<float>(32, 20, 1);
        var small = Compare.Random<float>(7, 20, 2);
        var Ybig = Nets.Targets("cross-entropy", 32, 4, 3).Convert<float>();
        var Ysmall = Nets.Targets("cross-entropy", 7, 4, 4).Convert<float>();
        objective.Forward(big, Ybig);
        objective.Backward();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            objective.Forward(small, Ysmall);
            objective.Backward();
            objective.Forward(big, Ybig);
            objective.Backward();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
