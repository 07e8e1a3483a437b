#!/usr/bin/env bash
# Issue 3's table: W8A8 per-channel PTQ of the Fashion-MNIST test models with every calibration
# method, for the onnxruntime and tensorrt backend profiles; top-1 on the 10,000 test images in
# lowbit's engine and in ONNX Runtime. Usage: tools/experiments/ptq_table.sh [OUTDIR] (LOWBIT=./lowbit by default)
set -euo pipefail
LOWBIT=${LOWBIT:-./lowbit}
OUT=${1:-/tmp/lowbit-ptq-table}
MODELS=${MODELS:-"resnet_fmnist mbv2_fmnist"}
METHODS=${METHODS:-"minmax ema percentile:99.9 percentile:99.99 percentile:99.999 entropy mse best"}
BACKENDS=${BACKENDS:-"onnxruntime tensorrt"}
CALIB=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
TEST=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
mkdir -p "$OUT"
top1() { "$LOWBIT" eval "$1" --data "$TEST" --engine "$2" --json 2>/dev/null | sed -n 's/.*"top1": \([0-9.]*\).*/\1/p'; }
echo "| model | backend | method | quantize s | top-1 lowbit | top-1 ORT | drop (ORT) |"
echo "|---|---|---|---|---|---|---|"
for m in $MODELS; do
  f=lowbit-core/src/test/resources/models/$m.onnx
  fj=$(top1 "$f" java); fo=$(top1 "$f" onnxruntime)
  echo "| $m | fp32 | - | - | $fj | $fo | - |"
  for b in $BACKENDS; do
    for meth in $METHODS; do
      q="$OUT/$m.$b.${meth//:/_}.onnx"
      secs=$("$LOWBIT" quantize "$f" -o "$q" --calib "$CALIB" --calib-size 512 --method "$meth" --backend "$b" --json 2>/dev/null \
             | sed -n 's/.*"millis": \([0-9]*\).*/\1/p')
      qj=$(top1 "$q" java); qo=$(top1 "$q" onnxruntime)
      drop=$(awk -v a="$fo" -v b="$qo" 'BEGIN{printf "%.2f", a-b}')
      echo "| $m | $b | $meth | $(awk -v s="$secs" 'BEGIN{printf "%.1f", s/1000}') | $qj | $qo | $drop |"
    done
  done
done
