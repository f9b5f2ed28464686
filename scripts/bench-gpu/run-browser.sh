#!/usr/bin/env bash
# `npm run bench:gpu:browser`, on the GPU machine: the same models measured in one run through Node + Dawn
# (bench-gpu.ts, as `npm run bench:gpu`) and through headless Chromium on the NVIDIA adapter (browser/drive.ts:
# the standalone build, its worker, WebGPU in the page), then bench/gpu/results.md for both.
#
# Usage: bash scripts/bench-gpu/run-browser.sh PARTS_DIR [OUT_DIR]
#   PARTS_DIR  the parts of package-browser.sh (.carry/gpu-bundle/part-*), copied there call by call
#   OUT_DIR    default bench/gpu/raw
#   MODELS     default minilm-l6,minilm-l6-sdpa,xlmr-base; per model NODE_ARGS_<m> and BROWSER_ARGS_<m> (- as _)
#   CHROMIUM_EXTRA  flags appended to the browser's (e.g. --enable-dawn-features=vulkan_enable_f16_on_nvidia)
#   MODELS_DIR  models made beforehand (make_export_models.py: the export tool's dtypes and LLM presets); then
#               make_models.py is not run. NODE_ARGS_<m>=skip leaves out a model's Node + Dawn run.
#   SEARCH=1    also the search scenario (browser/search-drive.ts): createSearch over 10,000 man-page passages
#               with minilm-l6-embedding and minilm-l6 on WebGPU (made here if MODELS_DIR lacks them), 30 questions,
#               bench-browser-search.json; SEARCH_ARGS adds its flags (--passages, --questions, --dtype ...).
#               MODELS=none runs the search scenario alone.
set -eo pipefail
cd "$(dirname "$0")/../.."
parts=${1:?usage: run-browser.sh PARTS_DIR [OUT_DIR]}
out=${2:-bench/gpu/raw}
models=${MODELS:-minilm-l6,minilm-l6-sdpa,xlmr-base}
work=${BENCH_GPU_WORK:-/tmp/bench-gpu}
mkdir -p "$out" "$work/bundle"

if [[ ! -x "$work/chr/pkg/chromium-headless-shell" ]]; then
  cat "$parts"/part-* | tar -x --ignore-zeros -C "$work/bundle"
  mkdir -p "$work/chr" && xz -dc "$work/bundle/chs.tar.xz" | tar -x -C "$work/chr"
  tar -xJf "$work/bundle/bench-gpu.tar.xz" -C "$work"
  tar -xJf "$work/bundle/browser-bench.tar.xz" -C "$work"
fi
for f in "$work"/bundle/gl/*.deb; do dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit --format=csv || true
node="$work/node"
"$node" --version

: "${NODE_ARGS_minilm_l6:=--variants library,library+dynamic --rows 1,8,64 --lengths 32,128,512 --rerank-budgets 4096 --deadline-seconds 70}"
: "${NODE_ARGS_minilm_l6_sdpa:=--variants library+dynamic --rows 1,64 --lengths 128 --rerank-budgets 4096 --deadline-seconds 40}"
: "${NODE_ARGS_xlmr_base:=--variants library+capture,library+dynamic --rows 1,32 --lengths 128 --max-length 128 --first-result-max-length 128 --fidelity-length 128 --rerank-sets none --deadline-seconds 60}"
: "${BROWSER_ARGS_minilm_l6:=--variants library,library+dynamic --rows 1,8,64 --lengths 32,128,512 --deadline-seconds 100}"
: "${BROWSER_ARGS_minilm_l6_sdpa:=--variants library --rows 1,64 --lengths 128 --deadline-seconds 40}"
: "${BROWSER_ARGS_xlmr_base:=--variants library,library+capture --rows 1,32 --lengths 128 --rerank-sets short --deadline-seconds 60}"

list=()
[[ "$models" == none ]] || IFS=, read -r -a list <<<"$models"
models_dir=${MODELS_DIR:-$work/models}
[[ -n "${MODELS_DIR:-}" || "$models" == none ]] || python3 scripts/bench-gpu/make_models.py --out "$models_dir" --models "$models"
chromium_flags="--ignore-gpu-blocklist --disable-gpu-sandbox --disable-dev-shm-usage --enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan --use-angle=vulkan --disable-vulkan-surface ${CHROMIUM_EXTRA:-}"
status=0
for model in "${list[@]}"; do
  var=${model//-/_}
  node_args="NODE_ARGS_$var"
  browser_args="BROWSER_ARGS_$var"
  # shellcheck disable=SC2086
  [[ "${!node_args:-}" == skip ]] || "$node" --max-old-space-size=16384 "$work/bench/bench-gpu.mjs" --models-dir "$models_dir" --model "$model" \
    --wasm "$work/bench/ort-wasm-simd-threaded.asyncify.wasm" --out "$out" --tag "node-$model" --min-seconds 0.4 \
    --max-tokens-per-batch 32768 ${!node_args} || status=$?
  # shellcheck disable=SC2086
  LD_LIBRARY_PATH="$work/chr/pkg/lib:$work/chr/pkg" "$node" "$work/browser/drive.mjs" --chromium "$work/chr/pkg/chromium-headless-shell" \
    --chromium-flags="$chromium_flags" --standalone "$work/browser/standalone" --page "$work/browser/page" \
    --models-dir "$models_dir" --model "$model" --out "$out" --tag "browser-$model" ${!browser_args} || status=$?
done
if [[ "${SEARCH:-}" == 1 ]]; then
  for m in minilm-l6-embedding minilm-l6; do
    [[ -f "$models_dir/$m/onnx/model.onnx" ]] || python3 scripts/bench-gpu/make_models.py --out "$models_dir" --models "$m"
  done
  # shellcheck disable=SC2086
  LD_LIBRARY_PATH="$work/chr/pkg/lib:$work/chr/pkg" "$node" "$work/browser/search-drive.mjs" --chromium "$work/chr/pkg/chromium-headless-shell" \
    --chromium-flags="$chromium_flags" --standalone "$work/browser/standalone" --page "$work/browser/page" \
    --models-dir "$models_dir" --out "$out" ${SEARCH_ARGS:-} || status=$?
fi
python3 scripts/bench-gpu/check_fidelity.py --models-dir "$models_dir" --raw "$out" || status=$?
python3 scripts/bench-gpu/report.py --raw "$out" --out "$(dirname "$out")/results.md" || true
exit $status
