#!/usr/bin/env bash
# Reproduces the EasyQuant / sensitivity / partial quantization / mixed precision numbers of the
# h/easyquant report on the Fashion-MNIST fixture models. Usage: tools/experiments/easyquant_table.sh [OUTDIR]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LB="$HERE/lowbit"
OUT="${1:-/tmp/lowbit-easyquant}"
mkdir -p "$OUT"
D=/usr/share/datasets/fashion-mnist
CAL=$D/train-images-idx3-ubyte.gz
TEST=$D/t10k-images-idx3-ubyte.gz
M="$HERE/lowbit-core/src/test/resources/models"
for m in resnet mbv2; do
  F=$M/${m}_fmnist.onnx
  "$LB" quantize "$F" -o "$OUT/${m}_w8a8.onnx" --calib $CAL
  for b in 7 5; do
    # The onnxruntime profile rejects 7- and 5-bit activations; generic writes them as uint8 + Clip, which ORT runs.
    "$LB" quantize "$F" -o "$OUT/${m}_w${b}a${b}.onnx" --calib $CAL --weights $b --activations $b --backend generic
    "$LB" quantize "$F" -o "$OUT/${m}_w${b}a${b}_eq.onnx" --calib $CAL --weights $b --activations $b --backend generic --easyquant
  done
  for v in "" _w8a8 _w7a7 _w7a7_eq _w5a5 _w5a5_eq; do
    f="$OUT/${m}${v}.onnx"; [ -z "$v" ] && f=$F
    for e in java onnxruntime; do "$LB" eval "$f" --data $TEST --engine $e --batch 100; done
  done
done
"$LB" sensitivity $M/mbv2_fmnist.onnx --calib $CAL --data $TEST --limit 1000 --weights 4 --activations 4 --backend generic
"$LB" quantize $M/resnet_fmnist.onnx -o "$OUT/resnet_w4a4.onnx" --calib $CAL --weights 4 --activations 4 --backend generic
"$LB" quantize $M/resnet_fmnist.onnx -o "$OUT/resnet_w4a4_partial.onnx" --calib $CAL --weights 4 --activations 4 --backend generic \
  --max-drop 1 --data $TEST --eval-limit 1000
"$LB" quantize $M/resnet_fmnist.onnx -o "$OUT/resnet_mixed.onnx" --calib $CAL --mixed-precision --size-budget 0.6 --data $TEST --eval-limit 1000
for v in w4a4 w4a4_partial mixed; do "$LB" eval "$OUT/resnet_$v.onnx" --data $TEST --batch 100; done
