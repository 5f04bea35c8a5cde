#!/usr/bin/python3
"""Write tests/fixtures/seed_cnn_torch.bin: a PyTorch reference for the seed CNN.

Contract
--------
Run by hand (never at test time) when the seed CNN, asicnn's initialisation
or the fixture layout changes:

    /usr/bin/python3 scripts/torch_seed_fixture.py [--data DIR] [--seed N] [--out FILE]

It builds models/seed_cnn.model in PyTorch, in float64:

    conv 32 3x3 relu, maxpool 2, conv 64 3x3 relu, maxpool 2, flatten,
    dense 64 relu, dropout, dense 10

with weights EXACTLY equal to asicnn's an_model_init_params(m, seed): the
PCG32 stream of src/core/rng.c (an_rng_seed(&r, seed, 0x5eed), uniform =
(u32 >> 8) * 2^-24) drives the Glorot-uniform loop of src/nn/graph.c, in
float32 arithmetic, in asicnn's parameter order (per layer: kernel, then the
zero bias). asicnn layouts are kept: conv kernels HWIO [KH][KW][C][OC], dense
kernels [IN][OUT], NHWC activations, Keras HWC flatten order. The PyTorch
modules are NCHW, so the kernels are permuted on the way in, the gradients
on the way out, and activations are permuted to NHWC before flattening.

Dropout is the identity here (eval mode): a fixture must be deterministic.
The C test (tests/test_nn_torch.c) matches this by building the model from
the seed CNN spec with the dropout rate set to 0.

Input: the first B = 4 Fashion-MNIST test images (t10k, divided by 255 and
rounded to float32, the exact values stored in the file) and their labels.
Outputs: logits, the mean sparse softmax cross-entropy, and the gradient of
the loss with respect to every parameter.

File layout (little-endian throughout)
--------------------------------------
  char    magic[8]        "ANTORCH1"
  u32     version         1
  u64     seed            the an_model_init_params seed
  u32     B, H, W, C      batch and per-sample input shape (4, 28, 28, 1)
  u32     N               classes (10)
  u32     n_tensors       parameter tensors that follow (8)
  f32     x[B*H*W*C]      input batch, NHWC
  i32     labels[B]
  f64     logits[B*N]
  f64     loss            mean over the batch
  n_tensors records, in asicnn's parameter order:
    char  name[16]        "conv2d_1.w", "conv2d_1.b", ... (NUL padded)
    u32   numel           elements of the tensor (asicnn layout)
    u32   step            gradient subsample step: 1 = every element
    u32   n_wsamples      weight samples that follow (8)
    u32   widx[n_wsamples] element indices of the samples
    f32   w[n_wsamples]   initial weights at those indices
    f64   w_l2            L2 norm of the whole initial tensor
    f64   g_l2            L2 norm of the whole gradient
    f64   g[ceil(numel/step)]  gradient at elements 0, step, 2*step, ...
  char    end[4]          "END!"

Gradients are complete (step 1) for the small tensors (biases, the conv2d_1
and dense_2 kernels) and subsampled with a prime step for the big ones
(conv2d_2 kernel: 37, dense_1 kernel: 101), which the L2 norm then covers.
"""

import argparse
import gzip
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MAGIC = b"ANTORCH1"
VERSION = 1
B = 4
N_WSAMPLES = 8
# Gradient subsample step for the big kernels; every other tensor is complete.
STEPS = {"conv2d_2.w": 37, "dense_1.w": 101}

MASK64 = (1 << 64) - 1


class Pcg32:
    """PCG32 exactly as src/core/rng.c (pcg32_random_r with its seeding)."""

    def __init__(self, seed, stream):
        self.state = 0
        self.inc = ((stream << 1) | 1) & MASK64
        self.u32()
        self.state = (self.state + seed) & MASK64
        self.u32()

    def u32(self):
        old = self.state
        self.state = (old * 6364136223846793005 + self.inc) & MASK64
        xorshifted = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << ((-rot) & 31))) & 0xFFFFFFFF

    def uniform(self):
        """an_rng_uniform: (u32 >> 8) * 2^-24 as a float32 (exact)."""
        return np.float32((self.u32() >> 8) * (1.0 / 16777216.0))


# The seed CNN's trainable layers in graph order: name, kind, kernel shape in
# asicnn layout, fan_in / fan_out as Glorot sees them.
LAYERS = [
    ("conv2d_1", "conv", (3, 3, 1, 32)),
    ("conv2d_2", "conv", (3, 3, 32, 64)),
    ("dense_1", "dense", (1600, 64)),
    ("dense_2", "dense", (64, 10)),
]


def glorot_params(seed):
    """an_model_init_params for the seed CNN: {name: float32 array} in order.

    Glorot uniform U(-lim, lim), lim = (float)sqrt(6 / (fan_in + fan_out)),
    each weight (2 * uniform - 1) * lim in float32; biases zero. The RNG is
    one stream consumed kernel after kernel in graph order."""
    r = Pcg32(seed, 0x5EED)
    out = {}
    for name, kind, shape in LAYERS:
        if kind == "conv":
            kh, kw, c, oc = shape
            rf = float(kh * kw)
            fan_in, fan_out = rf * c, rf * oc
        else:
            fan_in, fan_out = float(shape[0]), float(shape[1])
        lim = np.float32(math.sqrt(6.0 / (fan_in + fan_out)))
        n = int(np.prod(shape))
        w = np.empty(n, dtype=np.float32)
        two, one = np.float32(2.0), np.float32(1.0)
        for k in range(n):
            w[k] = (two * r.uniform() - one) * lim
        out[name + ".w"] = w.reshape(shape)
        out[name + ".b"] = np.zeros(shape[-1], dtype=np.float32)
    return out


class SeedCnn(nn.Module):
    """The seed CNN in PyTorch (NCHW inside, HWC flatten order like Keras)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.dense1 = nn.Linear(1600, 64)
        self.drop = nn.Dropout(0.2)
        self.dense2 = nn.Linear(64, 10)

    def forward(self, x_nhwc):
        x = x_nhwc.permute(0, 3, 1, 2)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # NHWC, then HWC flatten
        x = self.drop(F.relu(self.dense1(x)))
        return self.dense2(x)

    # (module, asicnn name) pairs, asicnn parameter order.
    def layers(self):
        return [(self.conv1, "conv2d_1"), (self.conv2, "conv2d_2"),
                (self.dense1, "dense_1"), (self.dense2, "dense_2")]


def hwio_to_oihw(w):
    return w.permute(3, 2, 0, 1)


def oihw_to_hwio(w):
    return w.permute(2, 3, 1, 0)


def load_params(model, params):
    """Copy asicnn-layout parameters into the PyTorch modules (float64)."""
    with torch.no_grad():
        for mod, name in model.layers():
            w = torch.from_numpy(params[name + ".w"].astype(np.float64))
            mod.weight.copy_(hwio_to_oihw(w) if isinstance(mod, nn.Conv2d) else w.t())
            mod.bias.copy_(torch.from_numpy(params[name + ".b"].astype(np.float64)))


def grads_asicnn_layout(model):
    """Parameter gradients as {name: float64 numpy array} in asicnn layouts."""
    out = {}
    for mod, name in model.layers():
        g = mod.weight.grad
        g = oihw_to_hwio(g) if isinstance(mod, nn.Conv2d) else g.t()
        out[name + ".w"] = g.contiguous().numpy()
        out[name + ".b"] = mod.bias.grad.numpy()
    return out


def read_idx(path):
    """An IDX file (gzip) as a numpy array."""
    with gzip.open(path, "rb") as f:
        buf = f.read()
    ndim = buf[3]
    dims = struct.unpack(">" + "I" * ndim, buf[4:4 + 4 * ndim])
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(root, "data", "fashion-mnist"),
                    help="directory with the Fashion-MNIST IDX files (scripts/prepare-data.sh)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=os.path.join(root, "tests", "fixtures", "seed_cnn_torch.bin"))
    args = ap.parse_args()

    images = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
    x32 = (images[:B].astype(np.float32) / np.float32(255.0)).reshape(B, 28, 28, 1)
    y = labels[:B].astype(np.int32)

    params = glorot_params(args.seed)
    torch.manual_seed(0)
    model = SeedCnn().double()
    load_params(model, params)
    model.eval()  # dropout off: the fixture is deterministic

    x = torch.from_numpy(x32.astype(np.float64))
    logits = model(x)
    loss = F.cross_entropy(logits, torch.from_numpy(y.astype(np.int64)))
    model.zero_grad()
    loss.backward()
    grads = grads_asicnn_layout(model)

    blob = bytearray()
    blob += MAGIC
    blob += struct.pack("<IQ", VERSION, args.seed)
    blob += struct.pack("<6I", B, 28, 28, 1, 10, len(params))
    blob += x32.astype("<f4").tobytes()
    blob += y.astype("<i4").tobytes()
    blob += logits.detach().numpy().astype("<f8").tobytes()
    blob += struct.pack("<d", loss.item())
    for name, w in params.items():
        w = w.reshape(-1)
        g = grads[name].reshape(-1)
        assert g.size == w.size, name
        step = STEPS.get(name, 1)
        widx = [(j * (w.size - 1)) // (N_WSAMPLES - 1) for j in range(N_WSAMPLES)]
        blob += name.encode().ljust(16, b"\0")
        blob += struct.pack("<3I", w.size, step, N_WSAMPLES)
        blob += np.array(widx, dtype="<u4").tobytes()
        blob += w[widx].astype("<f4").tobytes()
        blob += struct.pack("<2d", float(np.linalg.norm(w.astype(np.float64))),
                            float(np.linalg.norm(g)))
        blob += g[::step].astype("<f8").tobytes()
    blob += b"END!"

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, args.out)
    print("wrote %s: %d bytes, seed %d, labels %s, loss %.6f"
          % (args.out, len(blob), args.seed, y.tolist(), loss.item()), file=sys.stderr)


if __name__ == "__main__":
    main()
