#!/usr/bin/env bash
# run-sdk.sh: one official-client run against a mock it starts itself, as a meson test.
#
#   run-sdk.sh MOCKVAULT_BIN js [MODE...]     the JS SDK (run.mjs; modes as run.mjs takes them)
#   run-sdk.sh MOCKVAULT_BIN js FILE.mjs      the JS SDK, a runner of its own (js/FILE.mjs)
#   run-sdk.sh MOCKVAULT_BIN python FILE.py   a Python SDK suite (Debian's /usr/bin/python3)
#   run-sdk.sh MOCKVAULT_BIN azcli [FILE.sh]  the Azure CLI (azcli/FILE.sh, default test_az.sh)
#
# Exits 77 (meson's "skipped") when the client is not installed here: node or the JS SDK's
# node_modules (npm ci in sdk/js), /usr/bin/python3 without python3-azure, or az. scripts/test
# installs all of them first, so CI skips nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

skip() {
  echo "SKIP: $*"
  exit 77
}

[ $# -ge 2 ] || { echo "usage: $0 MOCKVAULT_BIN js|python|azcli [ARG...]" >&2; exit 2; }
# meson passes the binary relative to the build directory; the runners change directory.
MOCKVAULT_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export MOCKVAULT_BIN
kind=$2
shift 2
case $kind in
js)
  command -v node >/dev/null || skip "node is not installed (scripts/setup)"
  for m in keyvault-secrets keyvault-keys identity; do
    [ -d "$here/js/node_modules/@azure/$m" ] ||
      skip "the JS SDK is not installed (cd mockvault/tests/sdk/js && npm ci)"
  done
  # certs.mjs also needs @azure/keyvault-certificates (added later to package.json).
  if [ "${1:-}" = certs.mjs ] && [ ! -d "$here/js/node_modules/@azure/keyvault-certificates" ]; then
    skip "@azure/keyvault-certificates is not installed (cd mockvault/tests/sdk/js && npm ci)"
  fi
  cd "$here/js"
  # A runner of its own (cae.mjs) when named, else run.mjs with its modes.
  case ${1:-} in *.mjs) exec node "$@" ;; esac
  exec node run.mjs "$@"
  ;;
python)
  [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is missing (scripts/setup)"
  /usr/bin/python3 -c 'import azure.identity, azure.keyvault.secrets, azure.keyvault.keys' 2>/dev/null ||
    skip "/usr/bin/python3 has no azure-identity / azure-keyvault-secrets / -keys (python3-azure)"
  if [ "$1" = test_certs.py ]; then
    /usr/bin/python3 -c 'import azure.keyvault.certificates, cryptography' 2>/dev/null ||
      skip "/usr/bin/python3 has no azure-keyvault-certificates / cryptography (python3-azure)"
  fi
  exec /usr/bin/python3 "$here/python/$1" -v
  ;;
azcli)
  command -v az >/dev/null || skip "az is not installed (azure-cli, scripts/setup)"
  exec "$here/azcli/${1:-test_az.sh}"
  ;;
*)
  echo "$0: unknown client $kind" >&2
  exit 2
  ;;
esac
