#!/usr/bin/env bash
# Packs what the browser GPU bench needs on a machine without Node.js, a browser or network (the GPU
# machine) into parts small enough for one device call each: .carry/gpu-bundle/part-aa, -ab, ... (PART_BYTES,
# default 28,000,000). In them: the Node + Dawn bench of `npm run bench:gpu` (scripts/bench-gpu/package.sh's
# archive: Node.js, Dawn, the bundled bench), the browser bench (build-browser.mjs: the driver with
# playwright-core, the page, dist/standalone), Debian's chromium-headless-shell with its libraries and the
# Vulkan / glvnd loader .debs (../shared/tools/gpu-chromium/make-bundle.sh; CHS_BUNDLE=DIR reuses its output).
# run-browser.sh joins and unpacks them there (tar --ignore-zeros: parts may also be cut from several tar
# streams, e.g. the browser first and the Node archive as a last part of its own, so that early parts can
# travel while the rest is still being packed). Usage: bash scripts/bench-gpu/package-browser.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
part_bytes=${PART_BYTES:-28000000}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

chs=${CHS_BUNDLE:-}
if [[ -z "$chs" ]]; then
  chs="$stage/chs"
  bash "${GPU_CHROMIUM_TOOLS:-../shared/tools/gpu-chromium}/make-bundle.sh" "$chs" >/dev/null
fi
mkdir -p "$stage/bundle/gl"
cat "$chs"/chs.tar.xz.part-* > "$stage/bundle/chs.tar.xz"
cp "$chs"/gl/*.deb "$stage/bundle/gl/"

npm run --silent build:standalone >/dev/null
bash scripts/bench-gpu/package.sh >/dev/null
cp .carry/pkg/bench-gpu.tar.xz "$stage/bundle/"
node scripts/bench-gpu/build-browser.mjs "$stage/browser" >/dev/null
tar -C "$stage" -cf - browser | xz -T0 -9 > "$stage/bundle/browser-bench.tar.xz"

rm -rf .carry/gpu-bundle
mkdir -p .carry/gpu-bundle
tar -C "$stage/bundle" -cf - . | split -b "$part_bytes" - .carry/gpu-bundle/part-
ls -l "$stage/bundle" .carry/gpu-bundle
