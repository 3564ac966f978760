#!/usr/bin/env bash
# test-clients.sh: CI check of `kvconform client` with every shipped adapter. Builds nothing.
#
#   conformance/test-clients.sh BUILD_DIR [ADAPTER...]
#
# kvclient, js-sdk, python-sdk and azure-cli must pass (their declared expected differences, in
# conformance/adapters/<name>.expected, count as passes); naive-curl, the negative control, must
# fail, and exactly the scenarios in NAIVE_MUST_FAIL below (read from its TAP file). Prints the
# wall time of each adapter's run (performance target: under 60 s for the SDK adapters).
#
# Needs: BUILD_DIR/conformance/kvconform, BUILD_DIR/conformance/kvclient-adapter,
# BUILD_DIR/mockvault/mockvault; node with mockvault/tests/sdk/js/node_modules (npm ci there);
# /usr/bin/python3 with Debian's python3-azure; az (azure-cli); curl and jq.
# KVCONFORM_REPORT_DIR=DIR keeps every adapter's TAP and JUnit files there (CI artifacts).
# An adapter whose client is not installed here is skipped, not run; the exit status is then 77
# (meson's "skipped") unless another adapter failed. meson runs one adapter per test
# (kvconform-client-<adapter>, suite conformance), so they run in parallel.
set -uo pipefail

NAIVE_MUST_FAIL="throttled-gives-up throttled-retry-after server-error-retried token-refresh token-reused
                 key-get-forbidden key-rotated
                 eventual-delete-recover purge-recreate short-pages
                 cert-poll-until-completed"

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR [ADAPTER...]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
adapters=("$@")
[ ${#adapters[@]} -gt 0 ] || adapters=(kvclient js-sdk python-sdk azure-cli naive-curl)

kvconform=$build/conformance/kvconform
mockvault=$build/mockvault/mockvault
for f in "$kvconform" "$mockvault" "$build/conformance/kvclient-adapter"; do
    if [ ! -x "$f" ]; then
        echo "test-clients: $f is missing: build first (ninja -C $build)" >&2
        exit 2
    fi
done
# missing ADAPTER: why the adapter's client cannot run here, or nothing when it can.
missing() {
    case $1 in
    js-sdk)
        command -v node >/dev/null || { echo "node is not installed"; return; }
        [ -d "$repo/mockvault/tests/sdk/js/node_modules/@azure/keyvault-secrets" ] &&
            [ -d "$repo/mockvault/tests/sdk/js/node_modules/@azure/keyvault-keys" ] &&
            [ -d "$repo/mockvault/tests/sdk/js/node_modules/@azure/keyvault-certificates" ] ||
            echo "the JS SDK is not installed (cd mockvault/tests/sdk/js && npm ci)" ;;
    python-sdk)
        /usr/bin/python3 -c \
            'import azure.identity, azure.keyvault.secrets, azure.keyvault.keys, azure.keyvault.certificates' \
            2>/dev/null ||
            echo "/usr/bin/python3 has no python3-azure" ;;
    azure-cli)
        command -v az >/dev/null || echo "az (azure-cli) is not installed" ;;
    naive-curl)
        command -v curl >/dev/null && command -v jq >/dev/null || echo "curl or jq is missing" ;;
    esac
}
export KVCONFORM_KVCLIENT_ADAPTER=$build/conformance/kvclient-adapter
export MOCKVAULT_BIN=$mockvault

out=${KVCONFORM_REPORT_DIR:-}
if [ -z "$out" ]; then
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
else
    mkdir -p "$out"
fi

rc=0
skipped=0
summary=()
for a in "${adapters[@]}"; do
    why=$(missing "$a")
    if [ -n "$why" ]; then
        echo "test-clients: SKIP $a: $why"
        summary+=("$(printf '%-11s %6s    %-60s %s' "$a" - "" "SKIPPED ($why)")")
        skipped=1
        continue
    fi
    printf '\n== kvconform client --adapter conformance/adapters/%s\n' "$a"
    t0=$EPOCHREALTIME
    "$kvconform" client --adapter "$repo/conformance/adapters/$a" --mockvault "$mockvault" \
        --tap "$out/$a.tap" --junit "$out/$a.xml"
    st=$?
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    counts=$(awk '/^ok /{ if (/# SKIP/) s++; else p++ } /^not ok /{ if (/# TODO/) x++; else f++ }
                  END { printf "%d passed, %d expected differences, %d failed, %d skipped",
                        p, x, f, s }' "$out/$a.tap" 2>/dev/null)
    verdict=OK
    if [ "$a" = naive-curl ]; then
        failing=$(sed -n 's/^not ok [0-9]* - [^/]*\/\([^ ]*\)$/\1/p' "$out/$a.tap" 2>/dev/null |
                  sort | tr '\n' ' ' | sed 's/ $//')
        want=$(printf '%s\n' $NAIVE_MUST_FAIL | sort | tr '\n' ' ' | sed 's/ $//')
        if [ "$st" -ne 1 ] || [ "$failing" != "$want" ]; then
            echo "test-clients: naive-curl must fail exactly: $want" >&2
            echo "test-clients: it failed: ${failing:-nothing} (exit $st)" >&2
            verdict=FAILED
            rc=1
        else
            verdict="OK (failed exactly the expected $(echo "$want" | wc -w) scenarios)"
        fi
    elif [ "$st" -ne 0 ]; then
        verdict="FAILED (exit $st)"
        rc=1
    fi
    summary+=("$(printf '%-11s %6s s  %-60s %s' "$a" "$secs" "$counts" "$verdict")")
done

printf '\n== kvconform client: wall time per adapter (target: under 60 s for the SDK adapters)\n'
printf '%s\n' "${summary[@]}"
[ -n "${KVCONFORM_REPORT_DIR:-}" ] && echo "TAP and JUnit files: $out"
[ "$rc" -eq 0 ] && [ "$skipped" -eq 1 ] && rc=77
exit $rc
