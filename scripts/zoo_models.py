#!/usr/bin/python3
"""Write the model zoo's ONNX files and a synthetic 224x224x3 image set.

Contract
--------
Run at benchmark time (bench/zoo.sh, `make bench-zoo`), never at test
time, with Debian's python3-torch 1.13 and python3-torchvision 0.14:

    /usr/bin/python3 scripts/zoo_models.py [--out DIR] [--models a,b,...]
                                           [--images N] [--seed S]

Into DIR (default zoo/, git-ignored; nothing here is ever committed:
ResNet-50 alone is ~100 MB) it writes

    NAME.onnx     torchvision's NAME (resnet18, resnet50, mobilenet_v2) built
                  with weights=None (random initialisation, nothing is
                  downloaded) after torch.manual_seed(S), in eval mode,
                  exported with opset 13 for a 1x3x224x224 input; an
                  existing file is kept (delete it to rebuild)
    images/       an IDX directory of synthetic 224x224x3 u8 images:
                  train-{images-idx3,labels-idx1}-ubyte.gz (N images, for
                  calibration) and t10k-* (2 images, to run), labels 0;
                  existing files are kept unless --new-images

The images are smooth random colour fields (a coarse random grid bilinearly
upsampled, plus a little pixel noise), seeded: no real photographs. They
are fine for cycle counts and bit-exactness (every integer the chip computes
is compared with the reference engine) but say nothing about accuracy.
"""
import argparse
import gzip
import os
import struct
import sys

MODELS = ("resnet18", "resnet50", "mobilenet_v2")


def write_idx(path, arr):
    """Write a u8 numpy array as an IDX file (gzip when path ends in .gz)."""
    header = struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + b"".join(
        struct.pack(">I", d) for d in arr.shape)
    tmp = path + ".tmp"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(tmp, "wb") as f:
        f.write(header + arr.astype("uint8").tobytes())
    os.replace(tmp, path)


def synthetic_images(n, seed):
    """n smooth random 224x224x3 u8 images (NHWC), deterministic in seed."""
    import numpy as np
    import torch
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 8, 8, generator=g)
    img = torch.nn.functional.interpolate(coarse, size=(224, 224), mode="bilinear",
                                          align_corners=False)
    img = img + 0.08 * torch.randn(n, 3, 224, 224, generator=g)
    img = (img.clamp(0, 1) * 255).round().to(torch.uint8)
    return np.ascontiguousarray(img.permute(0, 2, 3, 1).numpy())


def export(name, path, seed):
    """torchvision's model `name` with random weights to ONNX at `path`."""
    import torch
    import torchvision
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None).eval()
    x = torch.zeros(1, 3, 224, 224)
    tmp = path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, x, tmp, opset_version=13, input_names=["input"],
                          output_names=["logits"], do_constant_folding=True)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="zoo")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--images", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--new-images", action="store_true",
                    help="rewrite the images even when they exist (after --images or --seed)")
    a = ap.parse_args()
    names = [m for m in a.models.split(",") if m]
    for m in names:
        if m not in MODELS:
            sys.exit("zoo_models.py: unknown model '%s' (%s)" % (m, ", ".join(MODELS)))
    os.makedirs(os.path.join(a.out, "images"), exist_ok=True)
    for m in names:
        path = os.path.join(a.out, m + ".onnx")
        if not os.path.exists(path):
            export(m, path, a.seed)
        print("zoo_models.py: %s" % path)
    import numpy as np
    d = os.path.join(a.out, "images")
    for split, n, seed in (("train", a.images, a.seed), ("t10k", 2, a.seed + 1)):
        images = os.path.join(d, split + "-images-idx3-ubyte.gz")
        labels = os.path.join(d, split + "-labels-idx1-ubyte.gz")
        if os.path.exists(images) and os.path.exists(labels) and not a.new_images:
            continue  # the same seed writes the same images; kept, so are the .q8 files
        write_idx(images, synthetic_images(n, seed))
        write_idx(labels, np.zeros(n, dtype="uint8"))
    print("zoo_models.py: %s (%d + 2 synthetic 224x224x3 images)" % (d, a.images))


if __name__ == "__main__":
    main()
