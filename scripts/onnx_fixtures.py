#!/usr/bin/python3
"""Write tests/fixtures/onnx/: small PyTorch 1.13 models exported to ONNX,
with inputs and PyTorch's outputs, for the ONNX importer's tests.

Contract
--------
Run by hand (never at test time) when a fixture model changes:

    /usr/bin/python3 scripts/onnx_fixtures.py [--out DIR] [--asicnn BUILD/asicnn]

For each model NAME it writes NAME.onnx and NAME.bin (little-endian):

    char magic[8]  "ANOXFIX1"
    u32  B, C, H, W   batch and per-sample input shape as ONNX sees it (NCHW;
                      a feature vector is C = F, H = W = 1)
    u32  N            outputs per sample
    f32  x[B*C*H*W]   input, NCHW
    f32  y[B*N]       PyTorch's logits (float32, eval mode)

Models (weights seeded, batchnorm statistics randomised so that folding is
exercised; every file stays well under 300 KB):

    seed_cnn    the seed CNN's layers on a 16x16 input (the 28x28 original's
                dense layer alone would be 400 KB), opset 13
    lenet5      LeNet-5: conv 5x5 with padding 2, average pooling, three
                dense layers, opset 9 (ReLU6 as Relu + Clip attributes, a
                zero Pad before each AveragePool)
    resnet      (exported with TrainingMode.PRESERVE in eval mode, so the
                BatchNormalization nodes stay) conv + batchnorm + relu, a residual block, a strided conv
                with padding 1 (neither valid nor Keras same), max pooling
                with padding, ReLU6, global average pooling, opset 17
    mobile      MobileNet-style: a strided stem with batchnorm and ReLU6, a
                depthwise 3x3 (+ batchnorm, ReLU6), a pointwise conv, a
                grouped 3x3 (4 groups) added to it and ReLU, a depthwise
                conv with multiplier 2 and stride 2, global average pooling,
                a dense layer; 3x16x16 input, opset 13
    mlp         dense layers with a final Softmax (dropped by asicnn), opset 11
    mlp_matmul  the mlp's weights written as MatMul + Add (the Keras /
                tf2onnx form of Dense), tensors as float_data instead of
                raw_data, opset 13, built with onnx.helper

qop_tiny.onnx is a hand-built int8 model in the QOperator form
(QLinearConv with per-channel scales, MaxPool and Flatten on int8 tensors,
QLinearMatMul), with no expected outputs: the C test checks its integers.

Error fixtures (err_*.onnx, rejected with a clear message): several
unsupported ops and attribute values at once (err_ops), an unknown operator
domain (err_domain), external tensor data (err_external), an ONNX local
function (err_function).

With --asicnn, each fixture is also imported and exported again by asicnn
and the exported files are checked with onnx.checker.check_model (the C
tests then re-import them and compare outputs bit for bit).

--train-fashion DATA_DIR OUT.onnx trains the seed CNN (28x28) on
Fashion-MNIST for --epochs epochs, prints its test accuracy and exports it:
the measurement behind docs/onnx.md's accuracy check.
"""
import argparse
import gzip
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
import torch
import torch.nn as nn


class SeedCNN(nn.Module):
    def __init__(self, side=16):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        s = ((side - 2) // 2 - 2) // 2
        self.fc1 = nn.Linear(64 * s * s, 64)
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.s2 = nn.AvgPool2d(2)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.s4 = nn.AvgPool2d(2)
        self.f5 = nn.Linear(16 * 2 * 2, 120)
        self.f6 = nn.Linear(120, 84)
        self.out = nn.Linear(84, 10)

    def forward(self, x):
        x = self.s2(torch.relu(self.c1(x)))
        x = self.s4(nn.functional.relu6(self.c3(x)))
        x = torch.flatten(x, 1)
        return self.out(torch.relu(self.f6(torch.relu(self.f5(x)))))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(8)
        self.a = nn.Conv2d(8, 8, 3, padding=1)
        self.bna = nn.BatchNorm2d(8)
        self.b = nn.Conv2d(8, 8, 3, padding=1)
        self.bnb = nn.BatchNorm2d(8)
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.bn0(self.stem(x)))
        y = torch.relu(self.bna(self.a(x)))
        y = self.bnb(self.b(y))
        x = torch.relu(x + y)
        x = nn.functional.relu6(self.down(x))
        x = self.pool(x)
        x = self.gap(x)
        return self.fc(torch.flatten(x, 1))


class Mobile(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.pw = nn.Conv2d(8, 16, 1)
        self.gc = nn.Conv2d(16, 16, 3, padding=1, groups=4)
        self.dw2 = nn.Conv2d(16, 32, 3, stride=2, padding=1, groups=16)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = nn.functional.relu6(self.bn0(self.stem(x)))
        x = nn.functional.relu6(self.bn1(self.dw(x)))
        x = self.pw(x)
        x = torch.relu(x + self.gc(x))
        x = self.gap(self.dw2(x))
        return self.fc(torch.flatten(x, 1))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(20, 32)
        self.l2 = nn.Linear(32, 16)
        self.l3 = nn.Linear(16, 3)

    def forward(self, x):
        return self.l3(torch.relu(self.l2(torch.relu(self.l1(x)))))


class WithSoftmax(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return torch.softmax(self.m(x), dim=1)


def randomise_bn(model, g):
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            c = mod.num_features
            mod.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
            mod.running_var.copy_(torch.rand(c, generator=g) * 0.5 + 0.75)
            mod.weight.data.copy_(torch.rand(c, generator=g) * 0.5 + 0.75)
            mod.bias.data.copy_(torch.randn(c, generator=g) * 0.1)


def write_bin(path, x, y):
    x = np.ascontiguousarray(x, dtype="<f4")
    y = np.ascontiguousarray(y, dtype="<f4")
    shape = list(x.shape) + [1] * (4 - x.ndim)
    with open(path, "wb") as f:
        f.write(b"ANOXFIX1")
        f.write(struct.pack("<5I", *shape, y.shape[1]))
        f.write(x.tobytes())
        f.write(y.tobytes())


def export(model, x, path, opset, keep_bn=False):
    mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
                      training=mode)
    onnx.checker.check_model(onnx.load(path))


def mlp_matmul(mlp, path):
    """The MLP as MatMul + Add nodes with float_data tensors (tf2onnx style)."""
    inits, nodes, prev = [], [], "input"
    layers = [mlp.l1, mlp.l2, mlp.l3]
    for i, lin in enumerate(layers):
        w = lin.weight.detach().numpy().T.astype(np.float32)  # [in][out]
        b = lin.bias.detach().numpy().astype(np.float32)
        inits.append(helper.make_tensor(f"dense{i}/kernel", TensorProto.FLOAT, w.shape,
                                        w.flatten().tolist()))
        inits.append(helper.make_tensor(f"dense{i}/bias", TensorProto.FLOAT, b.shape, b.tolist()))
        nodes.append(helper.make_node("MatMul", [prev, f"dense{i}/kernel"], [f"mm{i}"],
                                      name=f"dense{i}/MatMul"))
        out = f"add{i}"
        nodes.append(helper.make_node("Add", [f"mm{i}", f"dense{i}/bias"], [out],
                                      name=f"dense{i}/BiasAdd"))
        if i < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [out], [f"relu{i}"], name=f"dense{i}/Relu"))
            out = f"relu{i}"
        prev = out
    nodes.append(helper.make_node("Softmax", [prev], ["output"], name="softmax"))
    g = helper.make_graph(nodes, "mlp_matmul",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 20])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 3])],
                          inits)
    m = helper.make_model(g, producer_name="onnx_fixtures.py",
                          opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    onnx.save(m, path)


def error_fixtures(out):
    """Small models asicnn must reject, each with a clear message."""
    f = TensorProto.FLOAT
    x4 = helper.make_tensor_value_info("x", f, ["N", 2, 8, 8])
    w = numpy_helper.from_array(np.ones((4, 1, 3, 3), np.float32), "w")
    w1 = numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w1")
    opset = [helper.make_opsetid("", 13)]
    # several problems at once: unknown ops, a group that does not divide
    # the channels, ceil_mode=1
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="grouped", group=3),
        helper.make_node("Sigmoid", ["c"], ["s"], name="gate"),
        helper.make_node("MaxPool", ["x"], ["p"], name="pool", kernel_shape=[2, 2], ceil_mode=1),
        helper.make_node("Tanh", ["p"], ["t"], name="squash"),
        helper.make_node("Flatten", ["t"], ["y"], name="flat"),
    ]
    g = helper.make_graph(nodes, "bad_ops", [x4], [helper.make_tensor_value_info("y", f, None)],
                          [w])
    onnx.save(helper.make_model(g, opset_imports=opset), os.path.join(out, "err_ops.onnx"))
    # a node in an unknown domain
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], name="c"),
             helper.make_node("FancyOp", ["c"], ["y"], name="fancy", domain="com.example")]
    g = helper.make_graph(nodes, "domain", [x4], [helper.make_tensor_value_info("y", f, None)], [w1])
    m = helper.make_model(g, opset_imports=opset + [helper.make_opsetid("com.example", 1)])
    onnx.save(m, os.path.join(out, "err_domain.onnx"))
    # external data
    g = helper.make_graph([helper.make_node("Conv", ["x", "w1"], ["y"], name="c")], "external",
                          [x4], [helper.make_tensor_value_info("y", f, None)], [w1])
    m = helper.make_model(g, opset_imports=opset)
    t = m.graph.initializer[0]
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", "weights.bin"
    onnx.save(m, os.path.join(out, "err_external.onnx"))
    # an ONNX (local) function
    fn = helper.make_function("local", "MyRelu", ["a"], ["b"], [helper.make_node("Relu", ["a"], ["b"])],
                              opset)
    g = helper.make_graph([helper.make_node("MyRelu", ["x"], ["y"], name="r", domain="local")],
                          "functions", [x4], [helper.make_tensor_value_info("y", f, None)])
    m = helper.make_model(g, opset_imports=opset + [helper.make_opsetid("local", 1)],
                          functions=[fn])
    onnx.save(m, os.path.join(out, "err_function.onnx"))


def qop_fixture(out):
    """qop_tiny.onnx: the QOperator form (QLinearConv with per-channel
    scales, MaxPool and Flatten on int8 tensors, QLinearMatMul)."""
    r = np.random.RandomState(1)
    a = lambda v, t, n: numpy_helper.from_array(np.array(v, t), n)
    inits = [a(1 / 255., np.float32, "s0"), a(-128, np.int8, "z0"),
             a(r.randint(-127, 128, (3, 1, 3, 3)), np.int8, "w"),
             a([0.01, 0.02, 0.03], np.float32, "ws"), a([0, 0, 0], np.int8, "wz"),
             a(r.randint(-50, 50, 3), np.int32, "b"),
             a(0.05, np.float32, "s1"), a(-100, np.int8, "z1"),
             a(r.randint(-127, 128, (12, 2)), np.int8, "d"), a(0.02, np.float32, "ds"),
             a(0, np.int8, "dz"), a(0.1, np.float32, "s2"), a(3, np.int8, "z2")]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s0", "z0"], ["q0"], name="quant"),
        helper.make_node("QLinearConv", ["q0", "s0", "z0", "w", "ws", "wz", "s1", "z1", "b"], ["c"],
                         name="qconv", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("MaxPool", ["c"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        helper.make_node("QLinearMatMul", ["f", "s1", "z1", "d", "ds", "dz", "s2", "z2"], ["m"],
                         name="qdense"),
        helper.make_node("DequantizeLinear", ["m", "s2", "z2"], ["y"], name="dequant")]
    g = helper.make_graph(nodes, "qop_tiny",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, "qop_tiny.onnx"))


def fixtures(out):
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(20240)
    torch.manual_seed(1)
    specs = [
        ("seed_cnn", SeedCNN(16), (4, 1, 16, 16), 13, False),
        ("lenet5", LeNet5(), (4, 1, 16, 16), 9, False),
        ("resnet", ResNet(), (4, 1, 16, 16), 17, False),
        ("mlp", MLP(), (4, 20), 11, True),
        ("mobile", Mobile(), (4, 3, 16, 16), 13, False),
    ]
    made = []
    for name, model, shape, opset, softmax in specs:
        randomise_bn(model, g)
        model.eval()
        x = torch.rand(shape, generator=g)
        with torch.no_grad():
            y = model(x).numpy()
        path = os.path.join(out, name + ".onnx")
        # resnet keeps its BatchNormalization nodes (eval mode, but not fused)
        export(WithSoftmax(model) if softmax else model, x, path, opset,
               keep_bn=name == "resnet")
        write_bin(os.path.join(out, name + ".bin"), x.numpy(), y)
        made.append(name)
        if name == "mlp":
            mlp_matmul(model, os.path.join(out, "mlp_matmul.onnx"))
            write_bin(os.path.join(out, "mlp_matmul.bin"), x.numpy(), y)
            made.append("mlp_matmul")
    for name in made:
        size = os.path.getsize(os.path.join(out, name + ".onnx"))
        print(f"{name}.onnx: {size} bytes")
        assert size < 300_000
    return made


def check_exports(asicnn, out, names):
    """Import and re-export every fixture with asicnn; check the exports."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            ckpt = os.path.join(tmp, name + ".ckpt")
            back = os.path.join(tmp, name + ".onnx")
            subprocess.run([asicnn, "import", os.path.join(out, name + ".onnx"), "-o", ckpt],
                           check=True, stdout=subprocess.DEVNULL)
            subprocess.run([asicnn, "export", ckpt, "-o", back], check=True,
                           stdout=subprocess.DEVNULL)
            m = onnx.load(back)
            onnx.checker.check_model(m, full_check=True)
            print(f"{name}: asicnn export passes onnx.checker (opset "
                  f"{m.opset_import[0].version}, {len(m.graph.node)} nodes)")


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    nd = data[3]
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def train_fashion(data, out, epochs):
    torch.manual_seed(0)
    torch.set_num_threads(2)
    xs = torch.tensor(load_idx(os.path.join(data, "train-images-idx3-ubyte.gz")),
                      dtype=torch.float32).unsqueeze(1) / 255.0
    ys = torch.tensor(load_idx(os.path.join(data, "train-labels-idx1-ubyte.gz")),
                      dtype=torch.int64)
    xt = torch.tensor(load_idx(os.path.join(data, "t10k-images-idx3-ubyte.gz")),
                      dtype=torch.float32).unsqueeze(1) / 255.0
    yt = torch.tensor(load_idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz")),
                      dtype=torch.int64)
    model = SeedCNN(28)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xs))
        for i in range(0, len(xs), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
        print(f"epoch {ep + 1}: loss {loss.item():.4f}", flush=True)
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(xt[i:i + 1000]).argmax(1) for i in range(0, len(xt), 1000)])
    correct = int((pred == yt).sum())
    print(f"pytorch test accuracy: {correct}/{len(yt)} = {100.0 * correct / len(yt):.2f}%")
    export(model, xt[:1], out, 13)
    print(f"wrote {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests",
                                                  "fixtures", "onnx"))
    ap.add_argument("--asicnn", help="asicnn binary: also check its exports")
    ap.add_argument("--train-fashion", nargs=2, metavar=("DATA_DIR", "OUT_ONNX"))
    ap.add_argument("--epochs", type=int, default=2)
    a = ap.parse_args()
    if a.train_fashion:
        train_fashion(a.train_fashion[0], a.train_fashion[1], a.epochs)
        return
    names = fixtures(a.out)
    error_fixtures(a.out)
    qop_fixture(a.out)
    if a.asicnn:
        check_exports(a.asicnn, a.out, names)


if __name__ == "__main__":
    sys.exit(main())
