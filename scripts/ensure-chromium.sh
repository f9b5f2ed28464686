#!/usr/bin/env bash
# The e2e tests drive Debian's Chromium (Playwright cannot download its own browser without internet).
# Installs it when missing and we are root; otherwise says what to do.
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium_path" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium not found at $chromium_path. Install it (Debian/Ubuntu: sudo apt-get install chromium)" >&2
echo "or point CHROMIUM_PATH at a Chromium/Chrome binary." >&2
exit 1
