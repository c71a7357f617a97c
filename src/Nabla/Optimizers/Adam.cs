using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba), as PyTorch's <c>torch.optim.Adam</c>:
/// <code>
/// g = ∇θ + λθ                          (optional L2-style weight decay λ, weights only)
/// m = β1·m + (1 − β1)·g                first moment
/// v = β2·v + (1 − β2)·g²               second moment
/// θ = θ − η·(m / (1 − β1ᵗ)) / (√v / √(1 − β2ᵗ) + ε)
/// </code>
/// <para>
/// The look-ahead variant evaluates the gradient at the point momentum is carrying θ to, θ + β1·d with
/// d the last step (Nesterov's idea applied to Adam). As PyTorch does for Nesterov SGD, the parameters
/// then hold that look-ahead point: with d' the new step, θ̃ ← θ̃ + (1 + β1)·d' − β1·d.
/// </para>
/// </summary>
public sealed class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Matrix<T>[] _m, _v;
    private readonly Matrix<T>[]? _lastStep;

    public Adam(IReadOnlyList<Parameter<T>> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, bool lookahead = false, double weightDecay = 0)
        : base(parameters, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β2 must be in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be positive.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be ≥ 0.");
        (Beta1, Beta2, Epsilon, Lookahead, WeightDecay) = (beta1, beta2, epsilon, lookahead, weightDecay);
        _m = Buffers(parameters);
        _v = Buffers(parameters);
        if (lookahead) _lastStep = Buffers(parameters);
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public bool Lookahead { get; }
    public double WeightDecay { get; }

    public override IEnumerable<(string Name, Matrix<T> Buffer)> State =>
        Parameters.SelectMany((p, i) => _lastStep is null
            ? new[] { ($"{p.Name}.m", _m[i]), ($"{p.Name}.v", _v[i]) }
            : new[] { ($"{p.Name}.m", _m[i]), ($"{p.Name}.v", _v[i]), ($"{p.Name}.step", _lastStep[i]) });

    protected override void Update()
    {
        T b1 = T.CreateChecked(Beta1), b2 = T.CreateChecked(Beta2), eps = T.CreateChecked(Epsilon), lambda = T.CreateChecked(WeightDecay);
        T stepSize = T.CreateChecked(LearningRate / (1 - Math.Pow(Beta1, Steps)));
        T sqrtBc2 = T.CreateChecked(Math.Sqrt(1 - Math.Pow(Beta2, Steps)));
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            Span<T> theta = p.Value.Span, m = _m[i].Span, v = _v[i].Span;
            Span<T> last = _lastStep is null ? default : _lastStep[i].Span;
            ReadOnlySpan<T> grad = p.Grad.Span;
            T decay = p.Decay ? lambda : T.Zero;
            // The scalar loop below in the processor's widest lanes first: the same operations in the same order, no
            // fused multiply-adds, and square root and division are correctly rounded in both: the same bits.
            var c = new Constants(b1, b2, stepSize, sqrtBc2, eps, decay);
            int j = Kernels.Lanes.For switch
            {
                Kernels.LaneWidth.Bits512 => Lanes<Vector512<T>, Kernels.Lanes512<T>>(theta, grad, m, v, last, c),
                Kernels.LaneWidth.Bits256 => Lanes<Vector256<T>, Kernels.Lanes256<T>>(theta, grad, m, v, last, c),
                Kernels.LaneWidth.Bits128 => Lanes<Vector128<T>, Kernels.Lanes128<T>>(theta, grad, m, v, last, c),
                _ => 0,
            };
            for (; j < theta.Length; j++)
            {
                T g = grad[j] + decay * theta[j];
                m[j] = b1 * m[j] + (T.One - b1) * g;
                v[j] = b2 * v[j] + (T.One - b2) * g * g;
                T d = -stepSize * m[j] / (T.Sqrt(v[j]) / sqrtBc2 + eps);
                if (_lastStep is null) theta[j] += d;
                else
                {
                    theta[j] += (T.One + b1) * d - b1 * last[j];
                    last[j] = d;
                }
            }
        }
    }

    private readonly record struct Constants(T B1, T B2, T StepSize, T SqrtBc2, T Eps, T Decay);

    // Update's step over whole vectors of one tensor (last: empty without look-ahead); returns where the scalar tail starts.
    private static int Lanes<TV, L>(Span<T> theta, ReadOnlySpan<T> grad, Span<T> m, Span<T> v, Span<T> last, Constants k)
        where TV : struct where L : struct, Kernels.ILanes<T, TV>
    {
        int W = L.Count, j = 0;
        TV b1 = L.Broadcast(k.B1), b2 = L.Broadcast(k.B2), c1 = L.Broadcast(T.One - k.B1), c2 = L.Broadcast(T.One - k.B2);
        TV minusStep = L.Broadcast(-k.StepSize), bc2 = L.Broadcast(k.SqrtBc2), eps = L.Broadcast(k.Eps);
        TV decay = L.Broadcast(k.Decay), ahead = L.Broadcast(T.One + k.B1);
        bool lookahead = !last.IsEmpty;
        ref T t0 = ref MemoryMarshal.GetReference(theta);
        ref T g0 = ref MemoryMarshal.GetReference(grad);
        ref T m0 = ref MemoryMarshal.GetReference(m);
        ref T v0 = ref MemoryMarshal.GetReference(v);
        ref T l0 = ref MemoryMarshal.GetReference(last);
        for (; j <= theta.Length - W; j += W)
        {
            var t = L.Load(ref t0, j);
            var g = L.Add(L.Load(ref g0, j), L.Multiply(decay, t));                              // g = ∇θ + λθ
            var mj = L.Add(L.Multiply(b1, L.Load(ref m0, j)), L.Multiply(c1, g));               // m = β1·m + (1 − β1)·g
            var vj = L.Add(L.Multiply(b2, L.Load(ref v0, j)), L.Multiply(L.Multiply(c2, g), g)); // v = β2·v + (1 − β2)·g·g
            L.Store(mj, ref m0, j);
            L.Store(vj, ref v0, j);
            var d = L.Divide(L.Multiply(minusStep, mj), L.Add(L.Divide(L.Sqrt(vj), bc2), eps)); // d = −η̂·m / (√v / √(1 − β2ᵗ) + ε)
            if (!lookahead) L.Store(L.Add(t, d), ref t0, j);                                     // θ += d
            else
            {
                L.Store(L.Add(t, L.Subtract(L.Multiply(ahead, d), L.Multiply(b1, L.Load(ref l0, j)))), ref t0, j); // θ̃ += (1 + β1)·d − β1·d_last
                L.Store(d, ref l0, j);
            }
        }
        return j;
    }
}
