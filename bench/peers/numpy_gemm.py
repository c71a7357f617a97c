"""NumPy's float32 matrix product (OpenBLAS sgemm) at square sizes: the peer's matrix-multiply ceiling,
to read beside `nabla bench gemm`. Run as compare.sh runs the peers:
    OPENBLAS_CORETYPE=Cooperlake OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/peers/numpy_gemm.py
Prints GFLOP/s, the median of repeats of about 0.1 s each."""
import statistics
import time

import numpy as np

rng = np.random.default_rng(1)
for n in (256, 512, 1024, 2048):
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm up
    start = time.perf_counter()
    np.matmul(a, b, out=c)
    once = max(time.perf_counter() - start, 1e-6)
    reps = max(1, int(0.1 / once))
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        samples.append((time.perf_counter() - start) / reps)
    print(f"{n}x{n}x{n}: {2 * n**3 / statistics.median(samples) / 1e9:.1f} GFLOP/s")
