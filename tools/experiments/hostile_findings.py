#!/usr/bin/env python3
"""Issue 10's findings, each re-run: prints the command, its exit code and its first stderr line.

Usage: /usr/bin/python3 tools/experiments/hostile_findings.py [WORKDIR]   (needs python3-onnx and numpy;
run from the repository root; LOWBIT=./lowbit by default)."""
import os, subprocess, sys, shutil
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

LOWBIT = os.environ.get("LOWBIT", "./lowbit")
W = sys.argv[1] if len(sys.argv) > 1 else "/tmp/lowbit-findings"
shutil.rmtree(W, ignore_errors=True)
os.makedirs(W)
M = "lowbit-core/src/test/resources/models/resnet_fmnist.onnx"
IDX = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
LABELS = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"
base = onnx.load(M)
inp = base.graph.input[0].name


def save(name, m):
    p = os.path.join(W, name + ".onnx")
    with open(p, "wb") as f:
        f.write(m.SerializeToString())
    return p


def variant(name, edit):
    m = onnx.ModelProto()
    m.CopyFrom(base)
    edit(m)
    return save(name, m)


def run(title, *args, timeout=120):
    try:
        r = subprocess.run([LOWBIT, *args], capture_output=True, text=True, timeout=timeout)
        code, err = r.returncode, (r.stderr.strip().splitlines() or [""])[0]
    except subprocess.TimeoutExpired:
        code, err = "HANG", "(no answer in %d s)" % timeout
    print("| %s | `%s` | %s | %s |" % (title, " ".join(a.replace(W, "W") for a in args), code, err.replace(W, "W").replace("|", "\\|")))


def first_conv(m):
    return next(n for n in m.graph.node if n.op_type == "Conv")


print("| finding | command | exit | message |")
print("|---|---|---|---|")

# security: external data that leaves the model's folder, before anything is read
def escape(m):
    t = next(t for t in m.graph.initializer if len(t.dims) == 4)
    t.ClearField("raw_data")
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "../../../../etc/passwd"), ("offset", "0"), ("length", "4096")):
        e = t.external_data.add()
        e.key, e.value = k, v
run("external data escapes the folder", "inspect", variant("escape", escape))

def dims(d):
    def edit(m):
        t = next(t for t in m.graph.initializer if len(t.dims) == 4)
        del t.dims[:]
        t.dims.extend(d)
    return edit
run("initializer dims [1e6,1e6,3,3]", "run", variant("huge", dims([10**6, 10**6, 3, 3])), "--inputs", W, "--outputs", W + "/o1")
run("dims whose product overflows", "inspect", variant("overflow", dims([2**31 - 1, 2**31 - 1, 4, 4])))
run("negative dim", "inspect", variant("negative", dims([-8, 1, 3, 3])))

def cycle(m):
    c = first_conv(m)
    nxt = [n for n in m.graph.node if c.output[0] in n.input][0]
    c.input[0] = nxt.output[0]
cyc = variant("cycle", cycle)
run("cycle (run)", "run", cyc, "--inputs", W, "--outputs", W + "/o2")
run("cycle (quantize)", "quantize", cyc, "-o", W + "/q.onnx", "--calib", IDX, "--calib-size", "8")
run("cycle (inspect)", "inspect", cyc)
def selfloop(m):
    n = m.graph.node[2]
    n.input[0] = n.output[0]
run("self-loop (inspect)", "inspect", variant("selfloop", selfloop))
def dangling(m):
    m.graph.node[2].input[0] = "nobody_makes_this"
run("dangling input (inspect)", "inspect", variant("dangling", dangling))
def ghost(m):
    m.graph.output[0].name = "ghost"
run("output nobody produces (inspect)", "inspect", variant("ghost", ghost))
def twowriters(m):
    m.graph.node[2].output[0] = m.graph.node[0].output[0]
run("two nodes write one output (inspect)", "inspect", variant("twowriters", twowriters))
def opset99(m):
    m.opset_import[0].version = 99
run("opset 99 (run)", "run", variant("opset99", opset99), "--inputs", W, "--outputs", W + "/o3")
def bigdim(m):
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 10**12
run("declared input dim 1e12", "inspect", variant("bigdim", bigdim))
def int64conv(m):
    t = next(t for t in m.graph.initializer if t.name == first_conv(m).input[1])
    a = numpy_helper.to_array(t).astype(np.int64)
    t.CopyFrom(numpy_helper.from_array(a, t.name))
run("Conv weight stored as int64", "inspect", variant("int64conv", int64conv))

# data
np.save(W + "/inf.npy", np.full((8, 1, 28, 28), np.inf, np.float32))
np.save(W + "/nan.npy", np.full((8, 1, 28, 28), np.nan, np.float32))
run("all-Inf calibration, --method best", "quantize", M, "-o", W + "/q.onnx", "--calib", W + "/inf.npy", "--method", "best")
run("all-NaN calibration", "quantize", M, "-o", W + "/q.onnx", "--calib", W + "/nan.npy")
run("--pixel-scale NaN", "quantize", M, "-o", W + "/q.onnx", "--calib", IDX, "--pixel-scale", "NaN")
np.save(W + "/x.npy", np.zeros((4, 1, 28, 28), np.float32))
np.save(W + "/y255.npy", np.full((4,), 255, np.int64))
run("labels 255 for 10 classes", "eval", M, "--data", W + "/x.npy", "--labels", W + "/y255.npy")
x2 = W + "/in2"
os.makedirs(x2)
np.save(x2 + "/" + inp + ".npy", np.zeros((2, 1, 28, 28), np.float32))
run("batch 2 against a declared 1e12", "run", variant("bigdim2", bigdim), "--inputs", x2, "--outputs", W + "/o4")

# flags and configs
run("--mixed-precision --size-budget -1 (hung)", "quantize", M, "-o", W + "/q.onnx", "--calib", IDX, "--mixed-precision", "--size-budget", "-1")
run("--per-channel --per-tensor", "quantize", M, "-o", W + "/q.onnx", "--calib", IDX, "--per-channel", "--per-tensor")
run("--exclude no_such_node", "quantize", M, "-o", W + "/q.onnx", "--calib", IDX, "--exclude", "no_such_node")
open(W + "/empty.yaml", "w").close()
run("empty --config", "quantize", "--config", W + "/empty.yaml")
with open(W + "/maybe.yaml", "w") as f:
    f.write("per-channel: maybe\n")
run("YAML per-channel: maybe", "quantize", M, "-o", W + "/q.onnx", "--calib", IDX, "--config", W + "/maybe.yaml")
os.makedirs(W + "/outdir")
run("-o DIR", "quantize", M, "-o", W + "/outdir", "--calib", IDX)
run("checkpoint_dir=/etc/passwd", "train", "examples/qat_resnet_w4a4.yaml", "--set", "checkpoint_dir=/etc/passwd")
run("lr=NaN", "train", "examples/qat_resnet_w4a4.yaml", "--set", "lr=NaN")
run("--size 0x0", "quantize", M, "-o", W + "/q.onnx", "--calib", IDX, "--size", "0x0")

# errors after loading name the model and the data
g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
                       helper.make_node("Reshape", ["c", "shape"], ["y"], name="bad_reshape")], "g",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                      [numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w"),
                       numpy_helper.from_array(np.array([5, -1], np.int64), "shape")])
bad = save("bad_reshape", helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]))
run("a graph error after loading (quantize)", "quantize", bad, "-o", W + "/q.onnx", "--calib", IDX, "--calib-size", "8")
def batch3(m):
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 3
run("a shape mismatch names the data", "quantize", variant("batch3", batch3), "-o", W + "/q.onnx", "--calib", IDX, "--calib-size", "8")
print()
print("outputs left behind by failed runs:", sorted(f for f in os.listdir(W) if f.startswith(("q.onnx", "o1", "o2", "o3", "o4"))))
