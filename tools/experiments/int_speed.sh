#!/usr/bin/env bash
# The integer-runtime speed table of the README: fp32, int8 (W8A8, onnxruntime profile) and W7A7
# EasyQuant (generic profile) versions of the Fashion-MNIST fixtures (batch 32) and of ResNet-18
# at 224x224 (batch 8; tools/fixtures/export_resnet18.py, random weights, calibration on random
# images), each model measured in its own `lowbit bench --engine both` process (models measured one
# after another in one JVM slow the later ones down: the JIT's profiles of shared kernels mix).
# Each Fashion-MNIST model is launched LAUNCHES times (default 3), ResNet-18 LAUNCHES_RESNET18 (1):
# a JVM launch can land in a slower steady state, so the table takes the median launch.
# Usage: tools/experiments/int_speed.sh [OUTDIR]   (about 10 minutes)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LB="$HERE/lowbit"
OUT="${1:-/tmp/lowbit-int-speed}"
mkdir -p "$OUT"
M="$HERE/lowbit-core/src/test/resources/models"
CAL="$HERE/lowbit-core/src/test/resources/fmnist/calib512-images-idx3-ubyte.gz"
for m in resnet_fmnist mbv2_fmnist; do
  cp "$M/$m.onnx" "$OUT/$m.fp32.onnx"
  [ -f "$OUT/$m.int8.onnx" ] || "$LB" quantize "$M/$m.onnx" -o "$OUT/$m.int8.onnx" --calib "$CAL" >/dev/null 2>&1
  [ -f "$OUT/$m.w7a7.onnx" ] || "$LB" quantize "$M/$m.onnx" -o "$OUT/$m.w7a7.onnx" --calib "$CAL" \
    --weights 7 --activations 7 --backend generic --easyquant >/dev/null 2>&1
done
if [ ! -f "$OUT/resnet18.fp32.onnx" ]; then
  /usr/bin/python3 "$HERE/tools/fixtures/export_resnet18.py" "$OUT/resnet18.fp32.onnx"
  /usr/bin/python3 -c "import numpy as np; np.save('$OUT/calib224.npy', np.random.default_rng(1).standard_normal((32, 3, 224, 224)).astype('float32'))"
fi
[ -f "$OUT/resnet18.int8.onnx" ] || "$LB" quantize "$OUT/resnet18.fp32.onnx" -o "$OUT/resnet18.int8.onnx" --calib "$OUT/calib224.npy" >/dev/null 2>&1
[ -f "$OUT/resnet18.w7a7.onnx" ] || "$LB" quantize "$OUT/resnet18.fp32.onnx" -o "$OUT/resnet18.w7a7.onnx" \
  --calib "$OUT/calib224.npy" --weights 7 --activations 7 --backend generic >/dev/null 2>&1
run() { # model batch iters launches: the median over launches of each launch's median
  for _ in $(seq "$4"); do
    "$LB" bench "$OUT/$1.onnx" --engine both --batch "$2" --iters "$3" 2>/dev/null
  done | awk -v m="$1" '
    $1 == "java" {j[nj++] = $2} $1 == "onnxruntime" {o[no++] = $2}
    function med(a, n,   i, k, t) {
      for (i = 0; i < n; i++) for (k = i + 1; k < n; k++) if (a[k] < a[i]) {t = a[i]; a[i] = a[k]; a[k] = t}
      return a[int(n / 2)]
    }
    END {printf "%-22s java %9.3f ms   onnxruntime %9.3f ms   (%d launches)\n", m, med(j, nj), med(o, no), nj}'
}
for m in resnet_fmnist mbv2_fmnist; do
  for v in fp32 int8 w7a7; do run "$m.$v" 32 30 "${LAUNCHES:-3}"; done
done
for v in fp32 int8 w7a7; do run "resnet18.$v" 8 5 "${LAUNCHES_RESNET18:-1}"; done
