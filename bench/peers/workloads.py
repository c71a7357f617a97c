"""What the peer scripts share: issue 7's workloads and FashionMNIST as NumPy arrays (pixels ÷ 255, float32)."""
import gzip
import statistics
import time

import numpy as np

# (id, name, spec, batch, learning rate, momentum, L2 α, default epochs): as `nabla bench workloads` runs them
WORKLOADS = [
    ("W1", "per-sample", [784, 32, "sigmoid", 32, "sigmoid", 10], 1, 0.05, 0.0, 0.0, 3),
    ("W2", "mlp-128", [784, 128, "relu", 10], 64, 0.1, 0.0, 0.0, 3),
    ("W3", "softmax-regression", [784, 10], 100, 0.1, 0.0, 1e-4, 3),
    ("W4", "mlp-large", [784, 1024, "relu", 1024, "relu", 10], 256, 0.01, 0.9, 0.0, 2),
]


def load(prefix, root="/usr/share/datasets/fashion-mnist"):
    """(x [n, 784] float32 in [0, 1], y [n] int64) of train or t10k."""
    x = np.frombuffer(gzip.open(f"{root}/{prefix}-images-idx3-ubyte.gz").read()[16:], dtype=np.uint8).reshape(-1, 784)
    y = np.frombuffer(gzip.open(f"{root}/{prefix}-labels-idx1-ubyte.gz").read()[8:], dtype=np.uint8)
    return x.astype(np.float32) / np.float32(255), y.astype(np.int64)


def images_per_second(run, count, seconds=1.0):
    """W5's measure: `run` passes `count` images through the network; repeated for `seconds` (at least 3 times), median."""
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return count / statistics.median(times)
