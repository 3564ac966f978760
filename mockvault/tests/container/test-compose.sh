#!/usr/bin/env bash
# compose.yaml with podman-compose (docs/container.md): the mock and the application container
# start on a network of their own; the app reaches https://mockvault:8443 trusting the CA from the
# mock's state volume, gets a token, reads a secret and uses the control API with the token; the
# host reaches the published port. The app's image is the Debian base with this machine's node
# mounted in (compose.test.yaml): no registry image can be pulled here. TAP; skipped (77) where
# podman cannot run containers or podman-compose is missing.
#   test-compose.sh REPO
set -uo pipefail
REPO=$(cd "$1" && pwd)
work=$(mktemp -d)
project="mvtc$$"
. "$REPO/mockvault/tests/container/lib.sh"

command -v podman-compose >/dev/null || skip_all "podman-compose is not installed (scripts/setup)"
command -v node >/dev/null || skip_all "node is not installed"
node_bin=$(readlink -f "$(command -v node)")
compose=(podman-compose --podman-args "--cgroup-manager cgroupfs" --podman-run-args "${run_flags[*]}"
  -p "$project" -f compose.yaml -f mockvault/tests/container/compose.test.yaml)
cleanup() {
  (cd "$REPO" && "${compose[@]}" down -v >/dev/null 2>&1)
  pm volume rm -f "${project}_mockvault-data" >/dev/null 2>&1
  pm network rm -f "${project}_default" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

need_image
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export HOST_PORT HOST_PROXY_PORT
HOST_PORT=$(free_port)
HOST_PROXY_PORT=$(free_port)
export APP_IMAGE MOCKVAULT_IMAGE=$MV_IMAGE NODE_BIN=$node_bin
APP_IMAGE=$("$REPO/scripts/image" --base-only)
"$node_bin" --version >/dev/null && ldd "$node_bin" | grep -qv "not found"
pm run --rm "${run_flags[@]}" -v "$node_bin:/usr/local/bin/node:ro" "$APP_IMAGE" node --version \
  >/dev/null 2>&1 || skip_all "this machine's node ($node_bin) does not run in the Debian 12 base"

t0=$SECONDS
(cd "$REPO" && "${compose[@]}" up -d) >"$work/up.log" 2>&1
result $? "podman-compose up -d (compose.yaml with the test's app image)"
app="${project}_app_1"
mock="${project}_mockvault_1"
code=$(timeout 60 podman wait "$app" 2>/dev/null)
pm logs "$app" >"$work/app.log" 2>&1
sed 's/^/# app: /' "$work/app.log"
[ "$code" = 0 ] && grep -q "app: done" "$work/app.log"
result $? "the app container reached https://mockvault:8443 trusting the CA from the shared volume (exit ${code:-none}, $((SECONDS - t0)) s)"
grep -q "trusted through the CA file" "$work/app.log" && grep -q "read secret graph-app-secret" "$work/app.log"
result $? "the app verified the certificate for the name mockvault and read a secret from the default vault"
grep -q "403 without the control token and 200 with it" "$work/app.log"
result $? "the app, a peer that is not loopback, used the control API with the token only"
[ "$(curl -sk -o /dev/null -w '%{http_code}' "https://localhost:$HOST_PORT/_mock/health")" = 200 ]
result $? "the host reaches the mock on the published port $HOST_PORT"
pm logs "$mock" >"$work/mock.log" 2>&1
! grep -q -e flow-client-secret -e "control token for" "$work/mock.log"
result $? "the mock's log has no client secret, and no token line (the token was set in compose.yaml)"
[ "$failed" = 0 ] || { sed 's/^/# up: /' "$work/up.log"; sed 's/^/# mock: /' "$work/mock.log"; }
finish
