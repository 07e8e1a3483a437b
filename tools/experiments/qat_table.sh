#!/usr/bin/env bash
# Issue 5's table: QAT of the ResNet-style Fashion-MNIST model from examples/qat_resnet_w4a4.yaml,
# with variants set on the command line; each export is then scored on the 10,000 test images in
# lowbit's engine and in ONNX Runtime (lowbit test ... --json).
# Usage: tools/experiments/qat_table.sh [OUTDIR]   (LOWBIT=./lowbit; RUNS="name:--set k=v ..." lines to pick)
set -euo pipefail
LOWBIT=${LOWBIT:-./lowbit}
OUT=${1:-/tmp/lowbit-qat-table}
CFG=examples/qat_resnet_w4a4.yaml
mkdir -p "$OUT"
RUNS=${RUNS:-"w4a4-lsq-kd:
w4a4-fixed-kd:--set quantizer=fixed --set weight_quantizer=minmax
w4a4-pact-kd:--set quantizer=pact --set weight_quantizer=minmax
w4a4-lsq-ce:--set loss=ce
w8a8-lsq-kd:--set weight_bits=8 --set activation_bits=8"}
echo "| run | epochs x steps | s/epoch | top-1 lowbit | top-1 ORT |"
echo "|---|---|---|---|---|"
while IFS= read -r line; do
  [ -z "$line" ] && continue
  name=${line%%:*}; flags=${line#*:}
  # shellcheck disable=SC2086
  "$LOWBIT" train "$CFG" --set checkpoint_dir="$OUT/$name" $flags --json > "$OUT/$name.train.json" 2> "$OUT/$name.log"
  secs=$(grep -o '"seconds": [0-9.]*' "$OUT/$name.train.json" | awk '{s+=$2; n++} END {printf "%.0f", s/n}')
  steps=$(grep -o '"steps": [0-9]*' "$OUT/$name.train.json" | awk '{n++; s=$2} END {print n " x " s}')
  # shellcheck disable=SC2086
  "$LOWBIT" test "$CFG" "$OUT/$name/final_qdq.onnx" --set test_limit=0 $flags --json > "$OUT/$name.test.json" 2>>"$OUT/$name.log"
  j=$(sed -n 's/.*"java_top1": \([0-9.]*\).*/\1/p' "$OUT/$name.test.json")
  o=$(sed -n 's/.*"onnxruntime_top1": \([0-9.]*\).*/\1/p' "$OUT/$name.test.json")
  echo "| $name | $steps | $secs | $j | $o |"
done <<< "$RUNS"
