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
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                // The scalar loop below in sixteen (or eight) lanes: the same operations in the same order, no
                // fused multiply-adds, and square root and division are correctly rounded in both: the same bits.
                int W = Vector512<T>.Count;
                var vb1 = Vector512.Create(b1); var vb2 = Vector512.Create(b2);
                var c1 = Vector512.Create(T.One - b1); var c2 = Vector512.Create(T.One - b2);
                var minusStep = Vector512.Create(-stepSize); var bc2 = Vector512.Create(sqrtBc2);
                var veps = Vector512.Create(eps); var vdecay = Vector512.Create(decay); var ahead = Vector512.Create(T.One + b1);
                ref T t0 = ref MemoryMarshal.GetReference(theta);
                ref T g0 = ref MemoryMarshal.GetReference(grad);
                ref T m0 = ref MemoryMarshal.GetReference(m);
                ref T v0 = ref MemoryMarshal.GetReference(v);
                ref T l0 = ref MemoryMarshal.GetReference(last);
                for (; j <= theta.Length - W; j += W)
                {
                    var t = Vector512.LoadUnsafe(ref t0, (nuint)j);
                    var g = Vector512.LoadUnsafe(ref g0, (nuint)j) + vdecay * t;
                    var mj = vb1 * Vector512.LoadUnsafe(ref m0, (nuint)j) + c1 * g;
                    var vj = vb2 * Vector512.LoadUnsafe(ref v0, (nuint)j) + c2 * g * g;
                    mj.StoreUnsafe(ref m0, (nuint)j);
                    vj.StoreUnsafe(ref v0, (nuint)j);
                    var d = minusStep * mj / (Vector512.Sqrt(vj) / bc2 + veps);
                    if (_lastStep is null) (t + d).StoreUnsafe(ref t0, (nuint)j);
                    else
                    {
                        (t + (ahead * d - vb1 * Vector512.LoadUnsafe(ref l0, (nuint)j))).StoreUnsafe(ref t0, (nuint)j);
                        d.StoreUnsafe(ref l0, (nuint)j);
                    }
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                // The same in eight (or four) lanes, for processors without AVX-512.
                int W = Vector256<T>.Count;
                var vb1 = Vector256.Create(b1); var vb2 = Vector256.Create(b2);
                var c1 = Vector256.Create(T.One - b1); var c2 = Vector256.Create(T.One - b2);
                var minusStep = Vector256.Create(-stepSize); var bc2 = Vector256.Create(sqrtBc2);
                var veps = Vector256.Create(eps); var vdecay = Vector256.Create(decay); var ahead = Vector256.Create(T.One + b1);
                ref T t0 = ref MemoryMarshal.GetReference(theta);
                ref T g0 = ref MemoryMarshal.GetReference(grad);
                ref T m0 = ref MemoryMarshal.GetReference(m);
                ref T v0 = ref MemoryMarshal.GetReference(v);
                ref T l0 = ref MemoryMarshal.GetReference(last);
                for (; j <= theta.Length - W; j += W)
                {
                    var t = Vector256.LoadUnsafe(ref t0, (nuint)j);
                    var g = Vector256.LoadUnsafe(ref g0, (nuint)j) + vdecay * t;
                    var mj = vb1 * Vector256.LoadUnsafe(ref m0, (nuint)j) + c1 * g;
                    var vj = vb2 * Vector256.LoadUnsafe(ref v0, (nuint)j) + c2 * g * g;
                    mj.StoreUnsafe(ref m0, (nuint)j);
                    vj.StoreUnsafe(ref v0, (nuint)j);
                    var d = minusStep * mj / (Vector256.Sqrt(vj) / bc2 + veps);
                    if (_lastStep is null) (t + d).StoreUnsafe(ref t0, (nuint)j);
                    else
                    {
                        (t + (ahead * d - vb1 * Vector256.LoadUnsafe(ref l0, (nuint)j))).StoreUnsafe(ref t0, (nuint)j);
                        d.StoreUnsafe(ref l0, (nuint)j);
                    }
                }
            }
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
}
