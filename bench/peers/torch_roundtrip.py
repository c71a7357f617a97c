#!/usr/bin/python3
"""Move a model between Nabla and PyTorch through model.safetensors.

A Nabla model file holds tensors layers.{i}.weight [out, in] and layers.{i}.bias [out] (the state dict of an
nn.Sequential stored under `layers`) and, in __metadata__, the network spec (e.g. 784,128,relu,10,softmax),
the loss, the class names and the input normalisation. This script needs only PyTorch and NumPy (Debian's
python3-torch); the safetensors format is read and written here by hand.

Nabla -> PyTorch, checked against Nabla's own outputs:
    nabla predict --model run/model.safetensors --npy images.npy --out outputs.npy
    /usr/bin/python3 bench/peers/torch_roundtrip.py check run/model.safetensors --inputs images.npy --expect outputs.npy

PyTorch -> Nabla (train from scratch, or keep training a Nabla model), then evaluate in Nabla:
    /usr/bin/python3 bench/peers/torch_roundtrip.py train torch.safetensors --data /usr/share/datasets/fashion-mnist
    /usr/bin/python3 bench/peers/torch_roundtrip.py train tuned.safetensors --init run/model.safetensors --data DIR
    nabla eval --model torch.safetensors --data fashion-mnist

In your own code: `net, meta = load(path)` gives an nn.Module whose forward takes normalised inputs
(see `normalise`), and `save(path, net, meta)` writes a file Nabla reads.
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DTYPES = {"F32": torch.float32, "F64": torch.float64}
NAMES = {torch.float32: "F32", torch.float64: "F64"}


# ---------------------------------------------------------------- safetensors, by hand

def read_safetensors(path):
    """(tensors, metadata) of a safetensors file: 8-byte little-endian header length, JSON header, raw data."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = blob[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, meta


def write_safetensors(path, tensors, meta):
    """Writes tensors (name -> float32/float64 tensor) in name order, header padded to 8 bytes; atomically."""
    header, chunks, offset = {"__metadata__": meta}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    os.replace(tmp, path)


# ---------------------------------------------------------------- the network spec as nn.Sequential

class Step(nn.Module):
    def forward(self, x):
        return (x > 0).to(x.dtype)


class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


class NablaNet(nn.Module):
    """The network a Nabla spec describes; state_dict keys layers.{i}.weight / layers.{i}.bias as in the file."""

    def __init__(self, spec, bias=True):
        super().__init__()
        tokens = [t.strip() for t in spec.split(",")]
        width, modules = int(tokens[0]), []
        for token in tokens[1:]:
            if token[0].isdigit():
                modules.append(nn.Linear(width, int(token), bias=bias))
                width = int(token)
                continue
            name, _, value = token.partition("=")
            name = name.lower().replace("-", "_")
            if name == "relu": modules.append(nn.ReLU())
            elif name in ("leaky_relu", "leakyrelu"): modules.append(nn.LeakyReLU(float(value or 0.01)))
            elif name == "sigmoid": modules.append(nn.Sigmoid())
            elif name == "tanh": modules.append(nn.Tanh())
            elif name == "softmax": modules.append(nn.Softmax(dim=1))
            elif name == "softplus": modules.append(nn.Softplus(beta=float(value or 1.0)))
            elif name == "gelu": modules.append(nn.GELU())
            elif name == "step": modules.append(Step())
            elif name == "scale": modules.append(Scale(float(value)))
            else: raise ValueError(f"unknown token '{token}' in spec {spec}")
        self.layers = nn.Sequential(*modules)

    def forward(self, x):
        return self.layers(x)

    def scores(self, x):
        """The output before a final softmax or sigmoid: what cross-entropy / BCE-with-logits take."""
        last = self.layers[-1]
        return self.layers[:-1](x) if isinstance(last, (nn.Softmax, nn.Sigmoid)) else self.layers(x)


def load(path):
    """A Nabla model file as (NablaNet, metadata), in the file's precision."""
    tensors, meta = read_safetensors(path)
    if "net" not in meta:
        sys.exit(f"{path}: no 'net' in __metadata__: not a Nabla model file")
    dtype = torch.float64 if meta.get("precision") == "float64" else torch.float32
    net = NablaNet(meta["net"], meta.get("bias", "true") != "false").to(dtype)
    net.load_state_dict({k: v.to(dtype) for k, v in tensors.items()}, strict=True)
    return net, meta


def save(path, net, meta):
    write_safetensors(path, net.state_dict(), {k: str(v) for k, v in meta.items()})


def normalise(x, meta, dtype=torch.float32):
    """Raw inputs (e.g. pixels 0..255) as the network takes them: x / divisor, then standardised if the model was."""
    x = torch.from_numpy(np.array(x)).to(dtype) / float(meta.get("input_divisor", "1"))
    if "input_mean" in meta:
        mean = torch.tensor([float(np.float32(v)) for v in meta["input_mean"].split(",")], dtype=dtype)
        inverse_std = torch.tensor([float(np.float32(v)) for v in meta["input_inverse_std"].split(",")], dtype=dtype)
        x = (x - mean) * inverse_std
    return x


# ---------------------------------------------------------------- data

def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        blob = f.read()
    ndim = blob[3]
    dims = struct.unpack(f">{ndim}I", blob[4:4 + 4 * ndim])
    return np.frombuffer(blob, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def read_split(folder, part):
    prefix = "train" if part == "train" else "t10k"
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"))
    return images.reshape(len(images), -1), labels.astype(np.int64)


# ---------------------------------------------------------------- commands

def check(args):
    net, meta = load(args.model)
    x = np.load(args.inputs)
    x = x.reshape(len(x), -1) if x.ndim > 1 else x.reshape(1, -1)
    expected = np.load(args.expect)
    with torch.no_grad():
        actual = net(normalise(x, meta, next(net.parameters()).dtype)).numpy()
    diff = float(np.max(np.abs(actual - expected))) if expected.size else 0.0
    agree = float(np.mean(actual.argmax(1) == expected.argmax(1))) if actual.shape[1] > 1 else float(np.mean((actual > .5) == (expected > .5)))
    ok = actual.shape == expected.shape and diff <= args.tolerance
    print(json.dumps({"model": args.model, "net": meta["net"], "samples": len(x), "max_abs_diff": diff,
                      "same_class": agree, "tolerance": args.tolerance, "agrees": ok}))
    return 0 if ok else 1


def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    if args.init:
        net, meta = load(args.init)
        net = net.float()
        # its Nabla run's settings (subsampling, task, split) no longer describe how it was trained
        meta = {k: v for k, v in meta.items() if k != "settings"}
        meta["precision"] = "float32"
    else:
        net = NablaNet(args.net)
        meta = {"format": "nabla-1", "net": args.net, "bias": "true", "loss": "cross-entropy", "precision": "float32",
                "classes": json.dumps(FASHION_CLASSES), "input_divisor": "255"}
    meta = dict(meta, trained_by=f"pytorch {torch.__version__} (bench/peers/torch_roundtrip.py)", seed=str(args.seed))
    x_train, y_train = read_split(args.data, "train")
    x_test, y_test = read_split(args.data, "test")
    X, Y = normalise(x_train, meta), torch.from_numpy(y_train)
    binary = meta["net"].replace(" ", "").endswith(",1,sigmoid")
    loss_fn = nn.BCEWithLogitsLoss() if binary else nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum)
    for epoch in range(args.epochs):
        order = torch.randperm(len(X))
        for start in range(0, len(X), args.batch):
            idx = order[start:start + args.batch]
            opt.zero_grad()
            scores = net.scores(X[idx])
            loss = loss_fn(scores[:, 0], Y[idx].float()) if binary else loss_fn(scores, Y[idx])
            loss.backward()
            opt.step()
    with torch.no_grad():
        out = net(normalise(x_test, meta))
        predicted = (out[:, 0] > 0.5).long() if binary else out.argmax(1)
        accuracy = float((predicted.numpy() == y_test).mean())
    save(args.out, net, meta)
    print(json.dumps({"out": args.out, "net": meta["net"], "epochs": args.epochs, "test_accuracy": accuracy,
                      "torch": torch.__version__}))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="load a Nabla model in PyTorch and compare its outputs with Nabla's")
    c.add_argument("model")
    c.add_argument("--inputs", required=True, help=".npy of raw inputs [n, d] (as given to nabla predict --npy)")
    c.add_argument("--expect", required=True, help=".npy of Nabla's outputs [n, k] (nabla predict --out)")
    c.add_argument("--tolerance", type=float, default=1e-5)
    t = sub.add_parser("train", help="train in PyTorch (from scratch or from a Nabla model) and save for Nabla")
    t.add_argument("out")
    t.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="folder with the four IDX .gz files")
    t.add_argument("--net", default="784,128,relu,10,softmax")
    t.add_argument("--init", help="a Nabla model.safetensors to keep training")
    t.add_argument("--epochs", type=int, default=2)
    t.add_argument("--batch", type=int, default=64)
    t.add_argument("--lr", type=float, default=0.1)
    t.add_argument("--momentum", type=float, default=0.0)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    return check(args) if args.command == "check" else train(args)


if __name__ == "__main__":
    sys.exit(main())
