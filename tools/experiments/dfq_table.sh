#!/bin/bash
# Reproduces the CLE / bias-correction table: 512 training images to calibrate, the 10,000 test
# images to evaluate, lowbit's engine and ONNX Runtime. Usage: tools/experiments/dfq_table.sh [OUTDIR]
set -u
cd "$(dirname "$0")/../.."
M=lowbit-core/src/test/resources/models; D=/usr/share/datasets/fashion-mnist
OUT=${1:-/tmp/dfq}; mkdir -p "$OUT"
CAL="--calib $D/train-images-idx3-ubyte.gz --calib-size 512"
TEST="--data $D/t10k-images-idx3-ubyte.gz"
for model in mbv2 resnet; do
  F=$M/${model}_fmnist.onnx
  echo "== $model fp32"
  ./lowbit eval $F $TEST 2>&1 | grep "top-1"
  ./lowbit eval $F $TEST --engine onnxruntime 2>&1 | grep "top-1"
  while read -r name flags; do
    Q=$OUT/${model}_$name.onnx
    echo "== $model $name: quantize $flags"
    ./lowbit quantize $F -o $Q $CAL $flags 2>&1 | grep -E "^(cle|bias-correction|size)"
    ./lowbit eval $Q $TEST 2>&1 | grep "top-1"
    ./lowbit eval $Q $TEST --engine onnxruntime 2>&1 | grep "top-1"
    ./lowbit compare $F $Q $TEST --limit 1000 2>&1 | grep "^logits"
  done <<LIST
w8a8pt --per-tensor
w8a8pt_cle --per-tensor --cle
w8a8pt_cle_bc --per-tensor --cle --bias-correction
w8a8pt_bc --per-tensor --bias-correction
w8a8pt_cle_bca --per-tensor --cle --bias-correction analytic
w4a8pt --per-tensor --weights 4
w4a8pt_cle --per-tensor --weights 4 --cle
w4a8pt_cle_bc --per-tensor --weights 4 --cle --bias-correction
w4a8pc --weights 4
w4a8pc_bc --weights 4 --bias-correction
w4a8pc_bca --weights 4 --bias-correction analytic
LIST
done
