#!/usr/bin/python3
"""Write tests/fixtures/quant/torch_ops.bin: int8 layers computed by PyTorch's
quantized operators, for tests/test_quant_torch.c.

Run by hand (never at test time) when the fixture layout changes:

    /usr/bin/python3 scripts/torch_quant_fixture.py [--out FILE] [--seed N]

Each case draws random int8 inputs, int8 weights (per-tensor symmetric, so
asicnn's per-channel arrays all hold the same scale), integer biases (given to
PyTorch as exact multiples of s_x * s_w, so both sides hold the same int32
bias) and scales, then runs torch.ops.quantized on the qnnpack engine.
PyTorch's activations are quint8: asicnn's int8 value q is quint8 q + 128
with zero point z + 128, the same real value, so the fixture stores int8.

Record layout (little-endian), after the header "ANQTORCH" u32 version (2)
u32 count:
    u32 op (0 conv2d, 1 linear, 2 maxpool, 3 avgpool, 4 add, 5 grouped conv2d),
    u32 relu
    i32 H, W, C, OC, K (kernel), S (stride), P (padding, both sides)
    i32 G                         (grouped conv2d: channel groups)
    f32 in_scale, i32 in_zp, f32 in2_scale, i32 in2_zp, f32 out_scale, i32 out_zp,
    f32 w_scale
    i32 bias[OC]                  (conv2d, linear)
    i8  x[H*W*C]                  NHWC
    i8  x2[H*W*C]                 (add)
    i8  w[OC*K*K*C/G]             OHWI (conv2d; I = C/G), [OC][C] (linear, H = W = 1)
    u32 OH, OW, OCout; i8 y[OH*OW*OCout]   PyTorch's output, NHWC
"""
import argparse
import struct

import numpy as np
import torch

torch.backends.quantized.engine = "qnnpack"


def q8(t):  # quint8 tensor (NCHW) -> int8 numpy NHWC
    a = t.int_repr().numpy().astype(np.int16) - 128
    if a.ndim == 4:
        a = a.transpose(0, 2, 3, 1)
    return a.astype(np.int8)


def qin(rng, shape, scale, zp):  # int8 NCHW values -> quint8 tensor
    x = rng.integers(-128, 128, size=shape).astype(np.int16)
    t = torch.from_numpy(((x - zp) * scale).astype(np.float32))
    return torch.quantize_per_tensor(t, scale, zp + 128, torch.quint8), x.astype(np.int8)


def qweights(rng, shape, s_x):
    """A weight scale, int8 weights of shape (OC first) and their qint8
    tensor, a float bias near random int32 values, and the int32 bias
    PyTorch will use: round(float32 bias / (s_x * s_w))."""
    s_w = float(rng.uniform(0.002, 0.02))
    w = rng.integers(-127, 128, size=shape).astype(np.int8)
    wq = torch.quantize_per_tensor(torch.from_numpy(w.astype(np.float32) * s_w), s_w, 0, torch.qint8)
    b_int = rng.integers(-3000, 3000, size=shape[0])
    bias = torch.from_numpy((b_int * (s_x * s_w)).astype(np.float32))
    b_int = np.round(bias.numpy().astype(np.float64) / (np.float32(s_x) * np.float32(s_w))).astype(np.int64)
    return s_w, w, wq, bias, b_int


def record(out, op, relu, dims, qp, bias, xs, w, y, groups=None):
    out.append(struct.pack("<2I7i", op, relu, *dims))
    if groups is not None:
        out.append(struct.pack("<i", groups))
    out.append(struct.pack("<fififif", *qp))
    if bias is not None:
        out.append(bias.astype("<i4").tobytes())
    for x in xs:
        out.append(x.astype(np.int8).tobytes())
    if w is not None:
        out.append(w.astype(np.int8).tobytes())
    out.append(struct.pack("<3I", *y.shape[1:]) if y.ndim == 4 else struct.pack("<3I", 1, 1, y.shape[1]))
    out.append(y.astype(np.int8).tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/quant/torch_ops.bin")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    out, count = [], 0
    for case in range(24):
        kind = case % 6
        H = int(rng.integers(5, 11)); W = int(rng.integers(5, 11))
        C = int(rng.integers(1, 9)); OC = int(rng.integers(1, 17))
        K = int(rng.choice([1, 3, 5])) if kind < 2 else int(rng.choice([2, 3]))
        S = int(rng.choice([1, 2])); P = int(rng.integers(0, K // 2 + 1))
        s_x = float(rng.uniform(0.005, 0.05)); z_x = int(rng.integers(-60, 60))
        s_y = float(rng.uniform(0.02, 0.2)); z_y = int(rng.integers(-40, 40))
        relu = int(kind == 1)
        if relu:
            z_y = -128
        x_q, x = qin(rng, (1, C, H, W), s_x, z_x)
        if kind in (0, 1):  # conv2d (+relu)
            s_w, w, wq, bias, b_int = qweights(rng, (OC, C, K, K), s_x)
            packed = torch.ops.quantized.conv2d_prepack(wq, bias, [S, S], [P, P], [1, 1], 1)
            f = torch.ops.quantized.conv2d_relu if relu else torch.ops.quantized.conv2d
            y = f(x_q, packed, s_y, z_y + 128)
            record(out, 0, relu, (H, W, C, OC, K, S, P), (s_x, z_x, 0.0, 0, s_y, z_y, s_w),
                   b_int, [x.transpose(0, 2, 3, 1)], w.transpose(0, 2, 3, 1), q8(y))
        elif kind == 2:  # linear + relu on a flat vector
            N = C * H * W
            s_w, w, wq, bias, b_int = qweights(rng, (OC, N), s_x)
            xv_q, xv = qin(rng, (1, N), s_x, z_x)
            packed = torch.ops.quantized.linear_prepack(wq, bias)
            y = torch.ops.quantized.linear(xv_q, packed, s_y, z_y + 128)
            record(out, 1, 0, (1, 1, N, OC, 1, 1, 0), (s_x, z_x, 0.0, 0, s_y, z_y, s_w),
                   b_int, [xv], w, q8(y))
        elif kind in (3, 4):  # maxpool / avgpool keep scale and zero point
            # PyTorch's quantized avg_pool2d counts padding cells (as zero points)
            # whatever count_include_pad says; asicnn, like Keras, divides by the
            # valid cells only, so avgpool cases use no padding
            P = min(P, K // 2) if kind == 3 else 0
            if kind == 3:
                y = torch.nn.functional.max_pool2d(x_q, K, S, P)
            else:
                y = torch.nn.functional.avg_pool2d(x_q, K, S, P, count_include_pad=False)
            record(out, 2 if kind == 3 else 3, 0, (H, W, C, C, K, S, P), (s_x, z_x, 0.0, 0, s_x, z_x, 0.0),
                   None, [x.transpose(0, 2, 3, 1)], None, q8(y))
        else:  # add
            s_b = float(rng.uniform(0.005, 0.05)); z_b = int(rng.integers(-60, 60))
            b_q, b = qin(rng, (1, C, H, W), s_b, z_b)
            y = torch.ops.quantized.add(x_q, b_q, s_y, z_y + 128)
            record(out, 4, 0, (H, W, C, C, 1, 1, 0), (s_x, z_x, s_b, z_b, s_y, z_y, 0.0),
                   None, [x.transpose(0, 2, 3, 1), b.transpose(0, 2, 3, 1)], None, q8(y))
        count += 1
    # grouped and depthwise conv2d (+relu), drawn after the cases above so
    # that those keep their values: {C/G, OC/G} of 1/1 (depthwise), 1/2
    # (multiplier 2), 2/3 and 4/2
    for case in range(8):
        cg, ocg = [(1, 1), (1, 2), (2, 3), (4, 2)][case % 4]
        G = int(rng.integers(2, 7))
        C, OC = G * cg, G * ocg
        H = int(rng.integers(5, 11)); W = int(rng.integers(5, 11))
        K = int(rng.choice([3, 5])); S = int(rng.choice([1, 2])); P = int(rng.integers(0, K // 2 + 1))
        s_x = float(rng.uniform(0.005, 0.05)); z_x = int(rng.integers(-60, 60))
        s_y = float(rng.uniform(0.02, 0.2)); z_y = int(rng.integers(-40, 40))
        relu = case // 4
        if relu:
            z_y = -128
        x_q, x = qin(rng, (1, C, H, W), s_x, z_x)
        s_w, w, wq, bias, b_int = qweights(rng, (OC, cg, K, K), s_x)
        packed = torch.ops.quantized.conv2d_prepack(wq, bias, [S, S], [P, P], [1, 1], G)
        f = torch.ops.quantized.conv2d_relu if relu else torch.ops.quantized.conv2d
        y = f(x_q, packed, s_y, z_y + 128)
        record(out, 5, relu, (H, W, C, OC, K, S, P), (s_x, z_x, 0.0, 0, s_y, z_y, s_w),
               b_int, [x.transpose(0, 2, 3, 1)], w.transpose(0, 2, 3, 1), q8(y), groups=G)
        count += 1
    with open(a.out, "wb") as f:
        f.write(b"ANQTORCH" + struct.pack("<2I", 2, count))
        for part in out:
            f.write(part)


if __name__ == "__main__":
    main()
