using System.Diagnostics;
using System.Runtime.Intrinsics.X86;

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
    private static readonly SemaphoreSlim Finished = new(0); // released by the last worker when the caller sleeps
    private static int _waiting;                               // 1 while the caller has given up polling and may be blocked on Finished

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
            for (int i = 0; i < parts - 1; i++) _workers[i].Wake();
            Exception? own = null;
            try { work.Run(0, parts); }
            catch (Exception e) { own = e; }
            WaitForWorkers();
            _work = null;
            var error = own ?? _error;
            if (error is not null) throw new AggregateException("A parallel part failed.", error);
        }
    }

    // Waits until the workers' parts are done: polls for SpinBeforeSleep, then sleeps until the last one wakes it. Polling
    // sees the last part end within ~0.1 µs; the event waited on before took ~0.8 µs a job (bench/NOTES.md step 41).
    private static void WaitForWorkers()
    {
        if (!PollUntil(new PartsDone())) Sleep(ref _waiting, Finished, new PartsDone());
    }

    // Sleeps on the gate until the condition holds, with a flag that says so to whoever makes it hold (WakeSleeper). The
    // flag is raised before the last look at the condition, so a wake-up between that look and the wait is not lost; a
    // release left by an earlier round (a worker of the job before, held up between its last part and its look at the
    // flag) only sends it round again.
    private static void Sleep<TCondition>(ref int flag, SemaphoreSlim gate, TCondition condition) where TCondition : struct, ICondition
    {
        while (true)
        {
            Volatile.Write(ref flag, 1);
            Interlocked.MemoryBarrier();
            if (condition.Holds())
            {
                // It came true while going to sleep: take back the flag, or, if the waker already did, its release.
                if (Interlocked.Exchange(ref flag, 0) == 0) gate.Wait();
                return;
            }
            gate.Wait();
            if (condition.Holds()) return;
        }
    }

    // After making a sleeper's condition hold: releases its gate if it sleeps (or is about to).
    private static void WakeSleeper(ref int flag, SemaphoreSlim gate)
    {
        if (Interlocked.Exchange(ref flag, 0) == 1) gate.Release();
    }

    private interface ICondition { bool Holds(); }

    private readonly struct PartsDone : ICondition
    {
        public bool Holds() => Volatile.Read(ref _remaining) == 0;
    }

    // Polls the condition with one processor pause between looks (Thread.SpinWait(20) took 0.52 µs here: too coarse for a
    // hand-over that should take about a cache line's trip between cores), the clock read every 64 looks; true once the
    // condition holds, false after SpinBeforeSleep.
    private static bool PollUntil<TCondition>(TCondition condition) where TCondition : struct, ICondition
    {
        long deadline = 0;
        for (int i = 1; !condition.Holds(); i++)
        {
            if (X86Base.IsSupported) X86Base.Pause();
            else Thread.SpinWait(1);
            if ((i & 63) != 0) continue;
            long now = Stopwatch.GetTimestamp();
            if (deadline == 0) deadline = now + (long)(SpinBeforeSleep.TotalSeconds * Stopwatch.Frequency);
            else if (now > deadline) return false;
        }
        return true;
    }

    // The last worker to finish wakes the caller if it sleeps.
    private static void PartDone()
    {
        if (Interlocked.Decrement(ref _remaining) == 0) WakeSleeper(ref _waiting, Finished);
    }

    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return;
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
            WakeSleeper(ref _sleeping, _start);
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
                PartDone();
            }
        }

        private readonly struct Posted(Worker worker, int seen) : ICondition
        {
            public bool Holds() => Volatile.Read(ref worker._posted) != seen;
        }

        // Waits until a job past the `seen` first ones is posted: polls for SpinBeforeSleep, then sleeps until woken.
        private void WaitForJob(int seen)
        {
            if (!PollUntil(new Posted(this, seen))) Sleep(ref _sleeping, _start, new Posted(this, seen));
        }
    }
}
