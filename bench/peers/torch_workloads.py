#!/usr/bin/env python3
"""The issue-7 training workloads in PyTorch (Debian's python3-torch), timed the way `nabla bench workloads`
times them: FashionMNIST's 60,000 training images as float32 in memory, reshuffled every epoch, plain SGD,
training time only, median epoch. Prints one JSON object per workload.

    OPENBLAS_CORETYPE=Cooperlake /usr/bin/python3 bench/peers/torch_workloads.py --threads 1 [--workload W2] [--epochs 3]

OPENBLAS_CORETYPE matters: Debian's OpenBLAS does not recognise this processor and otherwise falls back
to a generic kernel several times slower, which would flatter Nabla."""
import argparse, json, statistics, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from workloads import WORKLOADS, images_per_second, load as load_numpy


def load(prefix):
    x, y = load_numpy(prefix)
    return torch.from_numpy(x), torch.from_numpy(y)


def build(spec):
    layers, width = [], spec[0]
    for token in spec[1:]:
        if token == "relu":
            layers.append(nn.ReLU())
        elif token == "sigmoid":
            layers.append(nn.Sigmoid())
        else:
            layers.append(nn.Linear(width, token))
            width = token
    return nn.Sequential(*layers)


def inference(xte, batch, seconds=1.0):
    """W5: the W2 network (784-128-10 ReLU, softmax) over the 10,000 test images; images per second (median of repeats)."""
    net = build([784, 128, "relu", 10])
    def run():
        with torch.no_grad():
            for i in range(0, len(xte), batch):
                torch.softmax(net(xte[i:i + batch]), 1)
    return images_per_second(run, len(xte), seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workload")
    ap.add_argument("--epochs", type=int)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    xtr, ytr = load("train")
    xte, yte = load("t10k")
    if args.workload in (None, "W5", "inference"):
        for batch in (1000, 1):
            print(json.dumps({"peer": f"pytorch {torch.__version__}", "workload": f"W5 inference batch {batch}", "threads": args.threads,
                              "images_per_s": inference(xte, batch)}), flush=True)
    for wid, name, spec, batch, lr, momentum, l2, epochs in WORKLOADS:
        if args.workload and args.workload not in (wid, name):
            continue
        epochs = args.epochs or epochs
        net = build(spec)
        weights = [m.weight for m in net if isinstance(m, nn.Linear)]
        biases = [m.bias for m in net if isinstance(m, nn.Linear)]
        opt = torch.optim.SGD([{"params": weights, "weight_decay": l2}, {"params": biases}], lr=lr, momentum=momentum)
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            order = torch.randperm(len(xtr))
            for i in range(0, len(xtr), batch):
                idx = order[i:i + batch]
                opt.zero_grad()
                F.cross_entropy(net(xtr[idx]), ytr[idx]).backward()
                opt.step()
            times.append(time.perf_counter() - start)
        with torch.no_grad():
            accuracy = (net(xte).argmax(1) == yte).float().mean().item()
        median = statistics.median(times)
        n_weights = sum(w.numel() for w in weights)
        print(json.dumps({"peer": f"pytorch {torch.__version__}", "workload": f"{wid} {name}", "threads": args.threads, "epochs": epochs,
                          "s_per_epoch": median, "test_accuracy": accuracy, "gflops": 6 * len(xtr) * n_weights / median / 1e9}), flush=True)


if __name__ == "__main__":
    main()
