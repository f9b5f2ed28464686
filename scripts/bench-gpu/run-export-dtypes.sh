#!/usr/bin/env bash
# On the GPU machine: the export tool's models (make_export_models.py) in headless Chromium with shader-f16
# (Dawn's vulkan_enable_f16_on_nvidia toggle), through run-browser.sh: fp32 / fp16 / q4f16 cross-encoders,
# fused against unfused, and the LLM rerankers in q4 / q4f16 / fp16 (and q4 on WASM), each variant's scores
# compared with fp32 on the same pairs. docs/benchmarks.md (GPU part) has the figures.
#
# Usage: bash scripts/bench-gpu/run-export-dtypes.sh PARTS_DIR OUT_DIR MODELS_DIR PHASE
#   PHASE  xenc: minilm-l6-xenc, minilm-l6-xenc-unfused, xlmr-base-xenc; llm: qwen2-lb, qwen3-reranker;
#          or a comma-separated list of those models.
#   The models must exist in MODELS_DIR (make_export_models.py --out MODELS_DIR); a model still being
#   written is waited for up to WAIT_SECONDS (default 300).
set -eo pipefail
cd "$(dirname "$0")/../.."
parts=${1:?usage: run-export-dtypes.sh PARTS_DIR OUT_DIR MODELS_DIR PHASE}
out=${2:?}
models_dir=${3:?}
case ${4:?} in
  xenc) models=minilm-l6-xenc,minilm-l6-xenc-unfused,xlmr-base-xenc ;;
  llm) models=qwen2-lb,qwen3-reranker ;;
  *) models=$4 ;;
esac

deadline=$((SECONDS + ${WAIT_SECONDS:-300}))
IFS=, read -r -a list <<<"$models"
for model in "${list[@]}"; do
  until [[ -f "$models_dir/$model/config.json" ]] || ((SECONDS > deadline)); do sleep 5; done
  [[ -f "$models_dir/$model/config.json" ]] || echo "$model: not in $models_dir after waiting"
done

xenc_grid="--rows 1,8,64 --lengths 128 --rerank-sets short,mixed --reference fp32"
: "${BROWSER_ARGS_minilm_l6_xenc:=--variants library@fp32,library@fp16,library@q4f16,library+dynamic@fp16 $xenc_grid --deadline-seconds 150}"
: "${BROWSER_ARGS_minilm_l6_xenc_unfused:=--variants library@fp32,library@fp16 $xenc_grid --deadline-seconds 70}"
: "${BROWSER_ARGS_xlmr_base_xenc:=--variants library@fp32,library@fp16,library+capture@fp16,library@q4f16 --rows 1,32 --lengths 128 --rerank-sets short,mixed --reference fp32 --deadline-seconds 170}"
llm_grid="--rows 16 --lengths 256,512 --rerank-sets short,mixed --reference fp32 --fidelity-pairs 16 --min-seconds 0.3"
: "${BROWSER_ARGS_qwen2_lb:=--variants library@q4,library@q4f16,library@fp16 $llm_grid --deadline-seconds 200}"
: "${BROWSER_ARGS_qwen3_reranker:=--variants library@q4,library@q4f16,library@fp16,wasm@q4 --load-only-variants wasm@q4 $llm_grid --deadline-seconds 230}"
# Node + Dawn beside Chromium: the fp32 graph (onnx/model.onnx) of the fused and unfused exports.
node_xenc="--variants library --rows 1,8,64 --lengths 128 --rerank-budgets 4096 --deadline-seconds 40"
: "${NODE_ARGS_minilm_l6_xenc:=$node_xenc}"
: "${NODE_ARGS_minilm_l6_xenc_unfused:=$node_xenc}"
export BROWSER_ARGS_minilm_l6_xenc BROWSER_ARGS_minilm_l6_xenc_unfused BROWSER_ARGS_xlmr_base_xenc BROWSER_ARGS_qwen2_lb \
  BROWSER_ARGS_qwen3_reranker NODE_ARGS_minilm_l6_xenc NODE_ARGS_minilm_l6_xenc_unfused
export NODE_ARGS_xlmr_base_xenc=${NODE_ARGS_xlmr_base_xenc:-skip} NODE_ARGS_qwen2_lb=${NODE_ARGS_qwen2_lb:-skip} \
  NODE_ARGS_qwen3_reranker=${NODE_ARGS_qwen3_reranker:-skip}
export CHROMIUM_EXTRA="--enable-dawn-features=vulkan_enable_f16_on_nvidia ${CHROMIUM_EXTRA:-}"
MODELS=$models MODELS_DIR=$models_dir bash scripts/bench-gpu/run-browser.sh "$parts" "$out"
