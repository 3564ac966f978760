#!/usr/bin/env bash
# run-ui.sh MOCKVAULT_BIN KVCLIENT_BIN: the browser console's test (console.test.mjs) as a meson
# test. Exits 77 (meson's "skipped") when Chromium, node or the test's node_modules (npm ci here)
# are missing; scripts/setup and scripts/test install all three, so CI skips nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
skip() {
  echo "SKIP: $*"
  exit 77
}
[ $# -eq 2 ] || { echo "usage: $0 MOCKVAULT_BIN KVCLIENT_BIN" >&2; exit 2; }
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
MOCKVAULT_BIN=$(abs "$1")
KVCLIENT_BIN=$(abs "$2")
# scripts/demo --attach finds kvclient in BUILD_DIR: the build directory holding both binaries.
BUILD_DIR=$(cd "$(dirname "$MOCKVAULT_BIN")/.." && pwd)
export MOCKVAULT_BIN KVCLIENT_BIN BUILD_DIR
command -v node >/dev/null || skip "node is not installed (scripts/setup)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || skip "chromium is not installed (scripts/setup)"
for m in puppeteer-core axe-core; do
  [ -d "$here/node_modules/$m" ] || skip "$m is missing (cd mockvault/tests/ui && npm ci)"
done
cd "$here"
exec node console.test.mjs
