#!/usr/bin/env bash
# The Testcontainers recipe (testcontainers/recipe.mjs, docs/container.md) with Node's
# testcontainers library against podman's Docker-compatible API: `podman system service` on a
# private socket, with runc, cgroupfs and these machines' rlimits as its defaults, and the reaper
# (Ryuk) off, since its image cannot be pulled here. TAP; skipped (77) where podman cannot run
# containers or the npm packages are not installed.
#   test-testcontainers.sh REPO
set -uo pipefail
REPO=$(cd "$1" && pwd)
work=$(mktemp -d)
here="$REPO/mockvault/tests/container"
. "$here/lib.sh"
svc=

cleanup() {
  # The reaper is off: a container a failed run left behind is removed here.
  for c in $(pm ps -aq --filter label=org.testcontainers=true --filter "ancestor=$MV_IMAGE" 2>/dev/null); do
    pm rm -f -v -t 0 "$c" >/dev/null 2>&1
  done
  [ -n "$svc" ] && kill "$svc" 2>/dev/null && wait "$svc" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

command -v node >/dev/null || skip_all "node is not installed"
[ -d "$here/testcontainers/node_modules/testcontainers" ] ||
  skip_all "testcontainers is not installed (cd mockvault/tests/container/testcontainers && npm ci)"
[ -d "$REPO/mockvault/tests/sdk/js/node_modules/@azure/keyvault-secrets" ] ||
  skip_all "the JS SDK is not installed (cd mockvault/tests/sdk/js && npm ci)"
need_image

cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$mv_nofile:$mv_nofile", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
CONTAINERS_CONF="$work/containers.conf" podman system service --time=0 "unix://$work/podman.sock" \
  >"$work/service.log" 2>&1 &
svc=$!
for _ in $(seq 1 100); do [ -S "$work/podman.sock" ] && break; sleep 0.05; done
[ -S "$work/podman.sock" ] || { cat "$work/service.log"; echo "# podman system service did not start"; exit 1; }

# This machine has /.dockerenv, so Testcontainers would take itself to be inside a container and
# reach the ports through the bridge's gateway; the ports are published on the host's addresses.
cd "$here/testcontainers" &&
  DOCKER_HOST="unix://$work/podman.sock" TESTCONTAINERS_RYUK_DISABLED=true \
    TESTCONTAINERS_HOST_OVERRIDE=localhost \
    MOCKVAULT_TEST_IMAGE="$MV_IMAGE" timeout 300 node run.mjs
rc=$?
[ "$rc" = 0 ] || sed 's/^/# service: /' "$work/service.log" | tail -n 20
exit "$rc"
