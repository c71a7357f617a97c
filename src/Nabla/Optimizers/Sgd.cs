using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Optimizers;

/// <summary>
/// Stochastic gradient descent, as PyTorch's <c>torch.optim.SGD</c> (dampening 0):
/// <code>
/// g = ∇θ + λθ                    (weight decay λ, on weights only)
/// v = μv + g                     (momentum μ; v starts at 0)
/// θ = θ − η(g + μv)  if Nesterov, else θ − ηv
/// </code>
/// With μ = 0 this is plain gradient descent, θ = θ − η∇θ: one sample, a minibatch or the full batch per
/// step depending on what the loader feeds.
/// </summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Matrix<T>[]? _velocity;
    private readonly Parameter<T>.HeldState?[] _held; // where a velocity is held alike its parameter (Parameter.HoldAlike)

    public Sgd(IReadOnlyList<Parameter<T>> parameters, double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0)
        : base(parameters, learningRate)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be ≥ 0.");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov needs a momentum above 0.", nameof(nesterov));
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
        if (momentum > 0) _velocity = Buffers(parameters);
        _held = new Parameter<T>.HeldState?[parameters.Count];
    }

    public double Momentum { get; }
    public bool Nesterov { get; }
    public double WeightDecay { get; }

    public override IEnumerable<(string Name, Matrix<T> Buffer)> State =>
        _velocity is null ? [] : Parameters.Select((p, i) => ($"{p.Name}.velocity", _velocity[i]));

    protected override void Update()
    {
        T eta = T.CreateChecked(LearningRate), mu = T.CreateChecked(Momentum), lambda = T.CreateChecked(WeightDecay);
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            T decay = p.Decay ? lambda : T.Zero;
            if (_velocity is null && decay == T.Zero)
            {
                if (!p.TryGetOuterProduct(out var u, out var a))
                {
                    if (p.TryGetHeld(out var valuesT, out var gradientT))
                        StepPlain(valuesT, gradientT, p.GradientParts, eta); // θᵀ = θᵀ − η∇θᵀ, both held lane-major or in panels
                    else if (p.GradientParts > 1 && Kernels.WorkerPool.MaxThreads > 1)
                    {
                        var values = p.Value.Data.AsMemory(0, p.Value.Length); // here, on this thread: weights held elsewhere come back before any slicing
                        StepPlain(values, p.Grad.Data.AsMemory(0, p.Value.Length), p.GradientParts, eta);
                    }
                    else
                    {
                        Span<T> values = p.Value.Span;
                        Kernels.InCache.MultiplyAdd(p.Grad.Span, -eta, values, values); // θ = θ − η∇θ
                    }
                }
                else if (p.HoldsTransposed)
                    p.StepTransposedLater(u, a, -eta); // the same on θᵀ, rows of a_j ≠ 0 only, in the next forward's pass
                else StepOuter(p.Value, u, a, -eta); // θ = θ − η u aᵀ, the matrix never written
                continue;
            }
            var v = _velocity?[i];
            // Every element's operations are its own, so the step runs on the buffers in whatever layout they are held in:
            // θᵀ, ∇θᵀ and vᵀ held alike (lane-major or in panels), or θ, ∇θ and v.
            Memory<T> theta, grad, velocity;
            if (p.TryGetHeld(out theta, out grad)) velocity = v is null ? default : p.HoldAlike(v, _held[i] ??= new());
            else
            {
                int n = p.Count;
                (theta, grad, velocity) = (p.Value.Data.AsMemory(0, n), p.Grad.Data.AsMemory(0, n), v is null ? default : v.Data.AsMemory(0, n));
            }
            if (theta.Length >= ParallelMinimum && Kernels.WorkerPool.MaxThreads > 1)
            {
                // A large tensor's step in slices, one per core: memory-bound.
                _slices.Set(this, theta, grad, velocity, eta, mu, decay, plain: false);
                Kernels.WorkerPool.Run(_slices, Math.Min(Kernels.WorkerPool.MaxThreads, theta.Length / (ParallelMinimum / 2)));
            }
            else MomentumStep(theta.Span, grad.Span, velocity.Span, eta, mu, decay);
        }
    }

    // θ = θ − η∇θ on whole buffers (W, or Wᵀ lane-major with its gradient): in the slices the gradient was written in,
    // one per core, so each core steps the rows of θ whose gradient it wrote (a gradient written by one thread is stepped
    // by that thread alone).
    private void StepPlain(Memory<T> values, Memory<T> gradient, int parts, T eta)
    {
        if (parts > 1 && Kernels.WorkerPool.MaxThreads > 1)
        {
            _slices.Set(this, values, gradient, default, eta, T.Zero, T.Zero, plain: true);
            Kernels.WorkerPool.Run(_slices, Math.Min(Kernels.WorkerPool.MaxThreads, parts));
        }
        else Kernels.InCache.MultiplyAdd(gradient.Span, -eta, values.Span, values.Span);
    }

    /// <summary>Tensors with at least this many values take their momentum step on several threads.</summary>
    private const int ParallelMinimum = 1 << 17;

    private readonly Slices _slices = new();

    // g = ∇θ + λθ; v = μv + g; θ −= η(g + μv) (Nesterov) or ηv, over one slice (v empty: no momentum).
    private void MomentumStep(Span<T> theta, ReadOnlySpan<T> grad, Span<T> v, T eta, T mu, T decay)
    {
        bool momentum = !v.IsEmpty;
        // The scalar loop below in the processor's widest lanes first: the same operations in the same order, no fused
        // multiply-adds, so every value is bit-identical to it.
        int j = Kernels.Lanes.For switch
        {
            Kernels.LaneWidth.Bits512 => MomentumLanes<Vector512<T>, Kernels.Lanes512<T>>(theta, grad, v, eta, mu, decay, Nesterov),
            Kernels.LaneWidth.Bits256 => MomentumLanes<Vector256<T>, Kernels.Lanes256<T>>(theta, grad, v, eta, mu, decay, Nesterov),
            Kernels.LaneWidth.Bits128 => MomentumLanes<Vector128<T>, Kernels.Lanes128<T>>(theta, grad, v, eta, mu, decay, Nesterov),
            _ => 0,
        };
        for (; j < theta.Length; j++)
        {
            T g = grad[j] + decay * theta[j];
            if (momentum)
            {
                v[j] = mu * v[j] + g;
                g = Nesterov ? g + mu * v[j] : v[j];
            }
            theta[j] -= eta * g;
        }
    }

    // MomentumStep over whole vectors (v empty: no momentum); returns where the scalar tail starts.
    private static int MomentumLanes<TV, L>(Span<T> theta, ReadOnlySpan<T> grad, Span<T> v, T eta, T mu, T decay, bool nesterov)
        where TV : struct where L : struct, Kernels.ILanes<T, TV>
    {
        int W = L.Count, j = 0;
        bool momentum = !v.IsEmpty;
        TV etaW = L.Broadcast(eta), muW = L.Broadcast(mu), decayW = L.Broadcast(decay);
        ref T t0 = ref MemoryMarshal.GetReference(theta);
        ref T g0 = ref MemoryMarshal.GetReference(grad);
        ref T v0 = ref MemoryMarshal.GetReference(v);
        for (; j <= theta.Length - W; j += W)
        {
            var t = L.Load(ref t0, j);
            var g = L.Add(L.Load(ref g0, j), L.Multiply(decayW, t));         // g = ∇θ + λθ
            if (momentum)
            {
                var vj = L.Add(L.Multiply(muW, L.Load(ref v0, j)), g);       // v = μv + g
                L.Store(vj, ref v0, j);
                g = nesterov ? L.Add(g, L.Multiply(muW, vj)) : vj;           // g + μv (Nesterov) or v
            }
            L.Store(L.Subtract(t, L.Multiply(etaW, g)), ref t0, j);          // θ −= η·g
        }
        return j;
    }

    // One tensor's step (momentum, or plain θ + ∇θ(−η)) cut into slices of whole vectors, slice `part` on thread `part`.
    private sealed class Slices : Kernels.IParallelWork
    {
        private Sgd<T> _sgd = null!;
        private Memory<T> _theta, _grad, _v; // _v empty: no momentum
        private T _eta, _mu, _decay;
        private bool _plain;

        public void Set(Sgd<T> sgd, Memory<T> theta, Memory<T> grad, Memory<T> v, T eta, T mu, T decay, bool plain) =>
            (_sgd, _theta, _grad, _v, _eta, _mu, _decay, _plain) = (sgd, theta, grad, v, eta, mu, decay, plain);

        public void Run(int part, int parts)
        {
            int n = _theta.Length, lanes = Vector512<T>.Count;
            int size = (n / parts + lanes - 1) / lanes * lanes;
            int start = Math.Min(n, part * size), end = part == parts - 1 ? n : Math.Min(n, start + size);
            var theta = _theta.Span[start..end];
            if (_plain) Kernels.InCache.MultiplyAdd(_grad.Span[start..end], -_eta, theta, theta);
            else _sgd.MomentumStep(theta, _grad.Span[start..end], _v.IsEmpty ? default : _v.Span[start..end], _eta, _mu, _decay);
        }
    }

    /// <summary>
    /// θ[r, :] = θ[r, :] + (u_r a)(−η) for every row r: plain SGD's step when the gradient is the outer product
    /// u aᵀ (one sample's dW), with the same two roundings per element as writing g = u_r a out and then
    /// θ + g(−η). Four rows at a time share each load of a (the loop is bound by loads and stores).
    /// </summary>
    private static unsafe void StepOuter(Matrix<T> theta, ReadOnlySpan<T> u, ReadOnlySpan<T> a, T minusEta)
    {
        int n = a.Length, r = 0;
        fixed (T* t0 = theta.Data, a0 = a)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                int W = Vector512<T>.Count, nv = n - n % W;
                var eta512 = Vector512.Create(minusEta);
                for (; r + 4 <= u.Length; r += 4)
                {
                    T* t = t0 + (long)r * n;
                    var u0 = Vector512.Create(u[r]); var u1 = Vector512.Create(u[r + 1]);
                    var u2 = Vector512.Create(u[r + 2]); var u3 = Vector512.Create(u[r + 3]);
                    for (int j = 0; j < nv; j += W)
                    {
                        var aj = Vector512.Load(a0 + j);
                        ((aj * u0) * eta512 + Vector512.Load(t + j)).Store(t + j);
                        ((aj * u1) * eta512 + Vector512.Load(t + n + j)).Store(t + n + j);
                        ((aj * u2) * eta512 + Vector512.Load(t + 2 * n + j)).Store(t + 2 * n + j);
                        ((aj * u3) * eta512 + Vector512.Load(t + 3 * n + j)).Store(t + 3 * n + j);
                    }
                    for (int q = 0; q < 4; q++)
                        for (int j = nv; j < n; j++) t[q * n + j] = a0[j] * u[r + q] * minusEta + t[q * n + j];
                }
            }
            for (; r < u.Length; r++)
            {
                T* t = t0 + (long)r * n;
                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    var ur = Vector512.Create(u[r]);
                    var eta512 = Vector512.Create(minusEta);
                    for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count)
                        ((Vector512.Load(a0 + j) * ur) * eta512 + Vector512.Load(t + j)).Store(t + j);
                }
                else if (Vector256.IsHardwareAccelerated)
                {
                    // Processors without AVX-512: every row here, eight lanes at a time (the scalar loop made W1's step 30× slower).
                    var ur = Vector256.Create(u[r]);
                    var eta256 = Vector256.Create(minusEta);
                    for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
                        ((Vector256.Load(a0 + j) * ur) * eta256 + Vector256.Load(t + j)).Store(t + j);
                }
                else if (Vector128.IsHardwareAccelerated)
                {
                    // Only 128-bit vectors (x86 without AVX2, ARM64): four lanes (scalar, W1 spent 78% of its time here).
                    var ur = Vector128.Create(u[r]);
                    var eta128 = Vector128.Create(minusEta);
                    for (; j <= n - Vector128<T>.Count; j += Vector128<T>.Count)
                        ((Vector128.Load(a0 + j) * ur) * eta128 + Vector128.Load(t + j)).Store(t + j);
                }
                for (; j < n; j++) t[j] = a0[j] * u[r] * minusEta + t[j];
            }
        }
    }
}
