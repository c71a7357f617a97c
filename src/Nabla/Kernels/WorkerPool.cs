namespace Nabla.Kernels;

/// <summary>A piece of work split into <c>parts</c> independent parts; part <c>p</c> runs on one thread.</summary>
public interface IParallelWork
{
    void Run(int part, int parts);
}

/// <summary>
/// A persistent pool of worker threads for the large matrix products. Unlike <c>Parallel.For</c>, running
/// a job allocates nothing, so a training step stays allocation-free. The calling thread runs part 0.
/// Jobs are serialised: one runs at a time.
/// </summary>
public static class WorkerPool
{
    private static readonly object Gate = new();
    private static Worker[] _workers = [];
    private static IParallelWork? _work;
    private static int _parts;
    private static int _remaining;
    private static Exception? _error;
    private static readonly ManualResetEventSlim Done = new(false);

    /// <summary>
    /// How long an idle worker keeps polling for the next job before it sleeps. Training issues products a few
    /// microseconds to a few hundred apart; waking a sleeping thread costs about as much as a small product.
    /// </summary>
    public static TimeSpan SpinBeforeSleep { get; set; } = TimeSpan.FromMicroseconds(300);
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>The most threads a product may use (default: the processor count). Results do not depend on it.</summary>
    public static int MaxThreads
    {
        get => _maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxThreads = value;
        }
    }

    /// <summary>
    /// Part <paramref name="part"/>'s units of n shared out over <paramref name="parts"/>: ⌈n / parts⌉ each, the last
    /// the rest, in order — one rule, so that work split by units of the same size (rows in pieces of 16) falls to the
    /// same core from one operation to the next.
    /// </summary>
    public static (int First, int End) Share(int n, int part, int parts)
    {
        int share = (n + parts - 1) / parts, first = Math.Min(n, part * share);
        return (first, Math.Min(n, first + share));
    }

    /// <summary>Runs parts 0..parts-1 of <paramref name="work"/>, part 0 on the calling thread, and waits for all.</summary>
    public static void Run(IParallelWork work, int parts)
    {
        if (parts <= 1)
        {
            work.Run(0, 1);
            return;
        }
        lock (Gate)
        {
            EnsureWorkers(parts - 1);
            _work = work;
            _parts = parts;
            _error = null;
            Volatile.Write(ref _remaining, parts - 1);
            Done.Reset();
            for (int i = 0; i < parts - 1; i++) _workers[i].Wake();
            Exception? own = null;
            try { work.Run(0, parts); }
            catch (Exception e) { own = e; }
            Done.Wait();
            _work = null;
            var error = own ?? _error;
            if (error is not null) throw new AggregateException("A parallel part failed.", error);
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return;
        _ = Done.WaitHandle; // create the kernel event now, not lazily inside a later (allocation-free) step
        var grown = new Worker[count];
        Array.Copy(_workers, grown, _workers.Length);
        for (int i = _workers.Length; i < count; i++) grown[i] = new Worker(i + 1);
        _workers = grown;
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _start = new(0);
        private readonly int _part;
        private int _posted;   // jobs handed to this worker so far
        private int _sleeping; // 1 while the worker has given up spinning and may be blocked on _start

        public Worker(int part)
        {
            _part = part;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"nabla-worker-{part}" };
            thread.Start();
        }

        /// <summary>Hands the published job to this worker: a spinning worker sees the count change, a sleeping one is woken.</summary>
        public void Wake()
        {
            Interlocked.Increment(ref _posted);
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _start.Release();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                WaitForJob(seen);
                seen++;
                try { _work!.Run(_part, _parts); }
                catch (Exception e) { _error = e; }
                if (Interlocked.Decrement(ref _remaining) == 0) Done.Set();
            }
        }

        // Spins until a job past the `seen` first ones is posted, for at most SpinBeforeSleep; then sleeps until woken.
        private void WaitForJob(int seen)
        {
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(SpinBeforeSleep.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
            while (Volatile.Read(ref _posted) == seen)
            {
                if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                {
                    Volatile.Write(ref _sleeping, 1);
                    Interlocked.MemoryBarrier();
                    if (Volatile.Read(ref _posted) != seen)
                    {
                        // A job arrived while going to sleep: take back the flag, or, if Wake already did, its release.
                        if (Interlocked.Exchange(ref _sleeping, 0) == 0) _start.Wait();
                        return;
                    }
                    _start.Wait();
                    return;
                }
                Thread.SpinWait(20);
            }
        }
    }
}
