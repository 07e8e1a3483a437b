#!/usr/bin/env bash
# The PTQ baselines issue 5's QAT must beat: W4A4 per-channel (generic backend) PTQ of the ResNet-style
# Fashion-MNIST model with each calibration method and with the PTQ algorithms (bias correction,
# AdaRound), 512 calibration images; top-1 on the 10,000 test images in lowbit's engine and in ONNX Runtime.
# Usage: tools/experiments/ptq_w4a4.sh [OUTDIR]   (LOWBIT=./lowbit by default; BITS=4 for W4A4, 8 for W8A8;
#        EXTRA="--first-last-bits 8" adds flags to every run)
set -euo pipefail
LOWBIT=${LOWBIT:-./lowbit}
OUT=${1:-/tmp/lowbit-ptq-w4a4}
BITS=${BITS:-4}
MODEL=lowbit-core/src/test/resources/models/resnet_fmnist.onnx
CALIB=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
TEST=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
mkdir -p "$OUT"
top1() { "$LOWBIT" eval "$1" --data "$TEST" --engine "$2" --json 2>/dev/null | sed -n 's/.*"top1": \([0-9.]*\).*/\1/p'; }
echo "| W${BITS}A${BITS} PTQ | top-1 lowbit | top-1 ORT |"
echo "|---|---|---|"
run() { # NAME FLAGS...
  local name=$1; shift
  local q="$OUT/$name.onnx"
  "$LOWBIT" quantize "$MODEL" -o "$q" --calib "$CALIB" --calib-size 512 --backend generic \
    --weights "$BITS" --activations "$BITS" ${EXTRA:-} "$@" >/dev/null 2>&1
  echo "| $name | $(top1 "$q" java) | $(top1 "$q" onnxruntime) |"
}
for meth in ${METHODS:-minmax percentile:99.99 entropy mse best}; do run "${meth//:/_}" --method "$meth"; done
run mse+weight-mse --method mse --weight-method mse
run mse+bias-correction --method mse --bias-correction
run mse+adaround --method mse --adaround
run best+adaround+bias-correction --method best --adaround --bias-correction
