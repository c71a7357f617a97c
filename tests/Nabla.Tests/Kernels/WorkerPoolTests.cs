using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>The pool's hand-over between spinning, sleeping and waking workers: every part of every job runs once.</summary>
public class WorkerPoolTests
{
    private sealed class Counting : IParallelWork
    {
        public readonly int[] Runs = new int[8];
        public int SlowParts; // 1: the workers' parts take ~50 µs, 2: a millisecond or more — the caller waits past its polling

        public void Run(int part, int parts)
        {
            if (part > 0 && SlowParts == 1) Thread.SpinWait(1500);
            if (part > 0 && SlowParts == 2) Thread.Sleep(1);
            Interlocked.Increment(ref Runs[part]);
        }
    }

    [Theory]
    [InlineData(0)]     // workers sleep at once: every job wakes them
    [InlineData(2)]     // they fall asleep around the time the next job arrives
    [InlineData(300)]   // they are still spinning when it does
    public void Every_part_of_every_job_runs_exactly_once(int spinMicroseconds)
    {
        var saved = WorkerPool.SpinBeforeSleep;
        try
        {
            WorkerPool.SpinBeforeSleep = TimeSpan.FromMicroseconds(spinMicroseconds);
            var work = new Counting();
            var expected = new int[8];
            var rng = new Randomness.Rng(5);
            for (int job = 0; job < 3000; job++)
            {
                int parts = 1 + rng.NextInt(4);                    // 1..4: some workers idle while others run
                work.SlowParts = job % 7 == 3 ? 1 : job % 50 == 17 ? 2 : 0;
                WorkerPool.Run(work, parts);
                for (int p = 0; p < parts; p++) expected[p]++;
                Assert.Equal(expected, work.Runs);                 // all parts done when Run returns, none twice
                if (job % 100 == 0) Thread.Sleep(1);               // long gaps too: workers asleep
            }
        }
        finally { WorkerPool.SpinBeforeSleep = saved; }
    }

    [Fact]
    public void A_failing_part_is_reported_and_the_pool_keeps_working()
    {
        var e = Assert.Throws<AggregateException>(() => WorkerPool.Run(new Failing(), 3));
        Assert.Contains("part 2", e.InnerException!.Message);
        var work = new Counting();
        WorkerPool.Run(work, 3);
        Assert.Equal([1, 1, 1, 0, 0, 0, 0, 0], work.Runs);
    }

    private sealed class Failing : IParallelWork
    {
        public void Run(int part, int parts)
        {
            if (part == 2) throw new InvalidOperationException("part 2 failed");
        }
    }
}
