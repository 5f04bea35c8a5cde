#!/usr/bin/python3
"""train_bench_torch: PyTorch's side of bench/train_bench.sh.

Contract
--------
Times in PyTorch (CPU, float32) the workloads bench/train_bench.c times in
asicnn, on the same model and data, and prints one line per workload:

    torch WORKLOAD images=N seconds=S images_per_s=R [extra]

Model: the seed CNN of models/seed_cnn.model (conv 32 3x3 relu, maxpool 2,
conv 64 3x3 relu, maxpool 2, flatten, dense 64 relu, dropout 0.2, dense 10),
as an ordinary NCHW nn.Sequential with PyTorch's default initialisation;
speed does not depend on the weights' values.

Workloads:
  train       one epoch on the Fashion-MNIST train split (pixels / 255,
              batch 32, Adam lr 1e-3 with Keras' epsilon 1e-7, sparse
              cross-entropy), shuffle and batch gathering included
  infer_b256  inference (eval mode, inference_mode) over the test split
  infer_b1    inference one sample at a time over a fixed number of samples

torch.set_num_threads(--threads) (default 2); each workload has a short
untimed warm-up; loading the data is not timed. --images N trains on the
first N images only (a quick check).
"""

import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    """An IDX file (gzip or plain) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        buf = f.read()
    ndim = buf[3]
    dims = struct.unpack(">" + "I" * ndim, buf[4:4 + 4 * ndim])
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(data, prefix):
    """(x [n, 1, 28, 28] float32 in [0, 1], y [n] int64) of one split."""
    def find(kind):
        for name in ("%s-%s-ubyte.gz" % (prefix, kind), "%s-%s-ubyte" % (prefix, kind)):
            if os.path.exists(os.path.join(data, name)):
                return os.path.join(data, name)
        sys.exit("train_bench_torch: no %s-%s-ubyte[.gz] in %s" % (prefix, kind, data))
    x = read_idx(find("images-idx3")).astype(np.float32) / np.float32(255.0)
    y = read_idx(find("labels-idx1")).astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1).contiguous(), torch.from_numpy(y)


def seed_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1600, 64), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(64, 10))


def report(what, n, seconds, extra=""):
    print("torch %s images=%d seconds=%.3f images_per_s=%.1f%s"
          % (what, n, seconds, n / seconds, " " + extra if extra else ""), flush=True)


def train_epoch(model, opt, x, y, batch, gen):
    """One epoch over (x, y) in shuffled mini-batches; (mean loss, accuracy)."""
    model.train()
    n = x.shape[0]
    perm = torch.randperm(n, generator=gen)
    loss_sum, correct = 0.0, 0
    for at in range(0, n, batch):
        idx = perm[at:at + batch]
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        loss.backward()
        opt.step()
        loss_sum += loss.item() * xb.shape[0]
        correct += int((logits.argmax(1) == yb).sum())
    return loss_sum / n, correct / n


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(root, "data", "fashion-mnist"))
    ap.add_argument("--images", type=int, default=0, help="train on the first N images (0: all)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--infer-samples", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--infer-batch", type=int, default=256)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr, ytr = load_split(a.data, "train")
    xte, yte = load_split(a.data, "t10k")
    if 0 < a.images < xtr.shape[0]:
        xtr, ytr = xtr[:a.images].contiguous(), ytr[:a.images].contiguous()
    print("torch config version=%s threads=%d batch=%d infer_batch=%d train_images=%d"
          % (torch.__version__, torch.get_num_threads(), a.batch, a.infer_batch, xtr.shape[0]),
          flush=True)

    # training: warm up on a throwaway model, then time a fresh one
    gen = torch.Generator().manual_seed(a.seed)
    warm = seed_cnn()
    nw = min(xtr.shape[0], 8 * a.batch)
    train_epoch(warm, torch.optim.Adam(warm.parameters(), lr=1e-3, eps=1e-7),
                xtr[:nw], ytr[:nw], a.batch, gen)
    model = seed_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    t0 = time.perf_counter()
    loss, acc = train_epoch(model, opt, xtr, ytr, a.batch, gen)
    report("train", xtr.shape[0], time.perf_counter() - t0, "loss=%.4f acc=%.4f" % (loss, acc))

    model.eval()
    with torch.inference_mode():
        bs = a.infer_batch
        for _ in range(2):
            model(xte[:bs])
        correct = 0
        t0 = time.perf_counter()
        for at in range(0, xte.shape[0], bs):
            logits = model(xte[at:at + bs])
            correct += int((logits.argmax(1) == yte[at:at + bs]).sum())
        report("infer_b%d" % bs, xte.shape[0], time.perf_counter() - t0,
               "acc=%.4f" % (correct / xte.shape[0]))

        n = a.infer_samples
        for i in range(50):
            model(xte[i:i + 1])
        t0 = time.perf_counter()
        for i in range(n):
            j = i % xte.shape[0]
            model(xte[j:j + 1])
        report("infer_b1", n, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
