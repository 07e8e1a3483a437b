#!/usr/bin/env bash
# Speed across fresh JVM launches (issue 13): LAUNCHES launches of `bench --engine java` per model on an
# idle machine (max/median of the launch medians), then BUSY_LAUNCHES launches of `bench --engine both`
# idle and with one core kept busy by `yes`, giving lowbit's and ONNX Runtime's slowdown in the same runs.
# Usage: tools/experiments/launch_spread.sh [MODEL.onnx ...]   (env: LAUNCHES=20 BUSY_LAUNCHES=5 BATCH=32)
set -euo pipefail
cd "$(dirname "$0")/../.."
LAUNCHES=${LAUNCHES:-20}; BUSY_LAUNCHES=${BUSY_LAUNCHES:-5}; BATCH=${BATCH:-32}
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(lowbit-core/src/test/resources/models/resnet_fmnist.onnx lowbit-core/src/test/resources/models/mbv2_fmnist.onnx lowbit-core/src/test/resources/models/tiny_transformer.onnx)
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { python3 -c "import json,sys; r={x['engine']:x['medianMs'] for x in json.load(sys.stdin)['results']}; print(r['$1'])"; }
for m in "${MODELS[@]}"; do
  runs=()
  for i in $(seq "$LAUNCHES"); do
    runs+=("$(./lowbit bench "$m" --batch "$BATCH" --engine java --iters 10 --json 2>/dev/null | field java)")
  done
  med=$(printf '%s\n' "${runs[@]}" | median); max=$(printf '%s\n' "${runs[@]}" | sort -g | tail -1)
  echo "$(basename "$m") idle java launch medians (ms): ${runs[*]}"
  echo "$(basename "$m") idle: median $med max $max max/median $(python3 -c "print(round($max/$med,3))")"
done
for m in "${MODELS[@]}"; do
  for load in idle busy; do
    j=(); o=()
    for i in $(seq "$BUSY_LAUNCHES"); do
      [ "$load" = busy ] && { yes > /dev/null & Y=$!; }
      out=$(./lowbit bench "$m" --batch "$BATCH" --engine both --iters 20 --json 2>/dev/null)
      [ "$load" = busy ] && kill "$Y"
      j+=("$(echo "$out" | field java)"); o+=("$(echo "$out" | field onnxruntime)")
    done
    declare "J_$load=$(printf '%s\n' "${j[@]}" | median)" "O_$load=$(printf '%s\n' "${o[@]}" | median)"
    echo "$(basename "$m") $load: java ${j[*]} | onnxruntime ${o[*]}"
  done
  python3 -c "
j=$J_busy/$J_idle; o=$O_busy/$O_idle
print('$(basename "$m") one core busy: java ${J_idle} -> ${J_busy} ms (x%.2f), onnxruntime ${O_idle} -> ${O_busy} ms (x%.2f), java slowdown / ORT slowdown %.2f' % (j, o, j/o))"
done
