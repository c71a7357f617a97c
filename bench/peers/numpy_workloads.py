#!/usr/bin/env python3
"""The issue-7 training workloads written in NumPy the way the coursework asks (forward and backward by
hand, matrices in float32, plain or momentum SGD), and W2 also in scikit-learn's MLPClassifier. Timed as
`nabla bench workloads` times them: training time only, reshuffled every epoch, median epoch. Prints one
JSON object per workload and peer.

    OPENBLAS_CORETYPE=Cooperlake OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/peers/numpy_workloads.py [--workload W2] [--epochs 3] [--sklearn]

The thread count is OpenBLAS's (OPENBLAS_NUM_THREADS; compare.sh sets it). OPENBLAS_CORETYPE matters:
Debian's OpenBLAS does not recognise this processor and otherwise falls back to a generic kernel."""
import argparse, json, os, statistics, time
import numpy as np

from workloads import WORKLOADS, images_per_second, load


class Net:
    """Linear layers W [out, in] and biases, each followed by its activation; softmax + cross-entropy at the end."""

    def __init__(self, spec, rng):
        self.W, self.b, self.act = [], [], []
        width = spec[0]
        for token in spec[1:]:
            if isinstance(token, str):
                self.act[-1] = token
                continue
            bound = np.sqrt(6 / (width + token))
            self.W.append(rng.uniform(-bound, bound, (token, width)).astype(np.float32))
            self.b.append(np.zeros(token, np.float32))
            self.act.append(None)
            width = token

    def forward(self, x):
        self.inputs, self.outputs = [], []
        for W, b, act in zip(self.W, self.b, self.act):
            self.inputs.append(x)
            z = x @ W.T + b                                 # z = W a + b, a row per sample
            if act == "relu":
                x = np.maximum(z, 0)
            elif act == "sigmoid":
                x = 1 / (1 + np.exp(-z))
            else:
                x = z
            self.outputs.append(x)
        return x

    def backward(self, logits, y):
        """Gradients of mean cross-entropy of softmax(logits): dZ = (p − onehot)/B, then back through each layer."""
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        dz = p / len(y)
        grads = []
        for i in reversed(range(len(self.W))):
            grads.append((dz.T @ self.inputs[i], dz.sum(0)))  # dW = dZᵀ A, db = Σ dZ
            if i == 0:
                break
            da = dz @ self.W[i]
            a = self.outputs[i - 1]
            dz = da * (a > 0) if self.act[i - 1] == "relu" else da * a * (1 - a)
        return grads[::-1]


def numpy_run(spec, batch, lr, momentum, l2, epochs, xtr, ytr, xte, yte):
    rng = np.random.default_rng(1)
    net = Net(spec, rng)
    velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in zip(net.W, net.b)]
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(xtr))
        for i in range(0, len(xtr), batch):
            idx = order[i:i + batch]
            grads = net.backward(net.forward(xtr[idx]), ytr[idx])
            for k, (dW, db) in enumerate(grads):
                if l2:
                    dW = dW + l2 * net.W[k]                     # (α/2)‖W‖² on weights only
                if momentum:
                    vW, vb = velocity[k]
                    vW *= momentum; vW += dW
                    vb *= momentum; vb += db
                    dW, db = vW, vb
                net.W[k] -= lr * dW
                net.b[k] -= lr * db
        times.append(time.perf_counter() - start)
    accuracy = float((net.forward(xte).argmax(1) == yte).mean())
    return statistics.median(times), accuracy, sum(W.size for W in net.W)


def sklearn_run(spec, batch, lr, epochs, xtr, ytr, xte, yte):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    hidden = tuple(t for t in spec[1:-1] if not isinstance(t, str))
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="relu", solver="sgd", batch_size=batch, learning_rate_init=lr,
                        momentum=0.0, nesterovs_momentum=False, alpha=0.0, max_iter=1, shuffle=True, random_state=1)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            start = time.perf_counter()
            clf.partial_fit(xtr, ytr, classes=np.arange(10)) if times else clf.fit(xtr, ytr)
            times.append(time.perf_counter() - start)
    return statistics.median(times), float(clf.score(xte, yte))


def inference(xte, batch, seconds=1.0):
    """W5: the W2 network (784-128-10 ReLU, softmax) over the 10,000 test images; images per second (median of repeats)."""
    net = Net([784, 128, "relu", 10], np.random.default_rng(1))
    def run():
        for i in range(0, len(xte), batch):
            z = net.forward(xte[i:i + batch])
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
    return images_per_second(run, len(xte), seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--sklearn", action="store_true", help="also time scikit-learn's MLPClassifier on W2")
    args = ap.parse_args()
    threads = int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0) or os.cpu_count()
    xtr, ytr = load("train")
    xte, yte = load("t10k")
    if args.workload in (None, "W5", "inference"):
        for batch in (1000, 1):
            print(json.dumps({"peer": f"numpy {np.__version__}", "workload": f"W5 inference batch {batch}", "threads": threads,
                              "images_per_s": inference(xte, batch)}), flush=True)
    for wid, name, spec, batch, lr, momentum, l2, epochs in WORKLOADS:
        if args.workload and args.workload not in (wid, name):
            continue
        epochs = args.epochs or epochs
        median, accuracy, weights = numpy_run(spec, batch, lr, momentum, l2, epochs, xtr, ytr, xte, yte)
        print(json.dumps({"peer": f"numpy {np.__version__}", "workload": f"{wid} {name}", "threads": threads, "epochs": epochs,
                          "s_per_epoch": median, "test_accuracy": accuracy, "gflops": 6 * len(xtr) * weights / median / 1e9}), flush=True)
        if args.sklearn and wid == "W2":
            import sklearn
            median, accuracy = sklearn_run(spec, batch, lr, epochs, xtr, ytr, xte, yte)
            print(json.dumps({"peer": f"scikit-learn {sklearn.__version__}", "workload": f"{wid} {name}", "threads": threads, "epochs": epochs,
                              "s_per_epoch": median, "test_accuracy": accuracy}), flush=True)


if __name__ == "__main__":
    main()
