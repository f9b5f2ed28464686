#!/usr/bin/env bash
# The GPU benchmark (`npm run bench:gpu`): builds the random-weight models (Python: torch, transformers, onnx,
# onnxruntime), runs the library's engine on WebGPU through Dawn in Node, one process per model, checks the
# scores against onnxruntime on the CPU and writes bench/gpu/results.md.
#
# Usage: bash scripts/bench-gpu/run.sh [OUT_DIR [MODELS [bench-gpu options...]]]
#   OUT_DIR  default bench/gpu/raw
#   MODELS   comma-separated, from minilm-l6 and xlmr-base (default both). NAME@RUN runs a model again in
#            another process, tagged NAME-RUN, with the options in BENCH_ARGS_NAME_RUN (- as _).
#   Per-run options: BENCH_ARGS_minilm_l6, BENCH_ARGS_xlmr_base (defaults below: the plan of the README's run).
#
# Node.js: the `node` on PATH with this checkout's node_modules (npm ci), or, on a machine with no Node.js
# and no network, the archive .carry/pkg/bench-gpu.tar.xz made by scripts/bench-gpu/package.sh.
# Vulkan: Dawn needs the Vulkan loader and the NVIDIA ICD. If .gl/*.deb exist (Debian's libvulkan1 libglvnd0
# libegl1 libgl1 libglx0 libopengl0 libgles2, from apt-get download) they are unpacked into / first.
set -eo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/gpu/raw}
models=${2:-minilm-l6,xlmr-base}
shift 2 || shift $# || true
mkdir -p "$out"
work=${BENCH_GPU_WORK:-/tmp/bench-gpu}
mkdir -p "$work"

: "${BENCH_ARGS_minilm_l6:=--variants library,library+dynamic --rows 1,8,32,64 --lengths 32,128,256,512 --profile-shapes 1x128,64x128,8x512 --rerank-budgets 4096,8192,16384 --deadline-seconds 250}"
: "${BENCH_ARGS_xlmr_base:=--variants library+capture,library+dynamic --rows 1,32 --lengths 128 --max-length 128 --first-result-max-length 128 --fidelity-length 128 --profile-shapes 1x128,32x128 --rerank-sets none --deadline-seconds 140}"
export BENCH_ARGS_minilm_l6 BENCH_ARGS_xlmr_base
[[ $# -gt 0 ]] || set -- --min-seconds 0.4 --max-tokens-per-batch 32768

if compgen -G ".gl/*.deb" >/dev/null; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
  /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
  if [[ -f "$icd" ]]; then export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; break; fi
done
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[[ -f "$egl" ]] && export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"
echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-none}"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit --format=csv || true

if command -v node >/dev/null && [[ -d node_modules/webgpu ]]; then
  node=node
  node scripts/bench-gpu/build.mjs "$work/bench" >/dev/null
else
  tar -xJf .carry/pkg/bench-gpu.tar.xz -C "$work"
  node="$work/node"
fi
"$node" --version

IFS=, read -r -a runs <<<"$models"
list=()
for run in "${runs[@]}"; do
  name=${run%%@*}
  [[ " ${list[*]} " == *" $name "* ]] || list+=("$name")
done
# All models first: building one while another is measured takes CPU from the measured process.
python3 scripts/bench-gpu/make_models.py --out "$work/models" --models "$(IFS=,; echo "${list[*]}")" ${FUSED:+--fused}

status=0
for run in "${runs[@]}"; do
  model=${run%%@*}
  tag=${run/@/-}
  extra_var="BENCH_ARGS_${tag//-/_}"
  # shellcheck disable=SC2086
  "$node" --max-old-space-size=16384 "$work/bench/bench-gpu.mjs" --models-dir "$work/models" --model "$model" \
    --wasm "$work/bench/ort-wasm-simd-threaded.asyncify.wasm" --out "$out" --tag "$tag" "$@" ${!extra_var} || status=$?
done
python3 scripts/bench-gpu/check_fidelity.py --models-dir "$work/models" --raw "$out" || status=$?
python3 scripts/bench-gpu/report.py --raw "$out" --out "$(dirname "$out")/results.md" || true
exit $status
