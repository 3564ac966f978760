# lib.sh: sourced by the container tests (docs/container.md). podman as these machines need it
# (runc, cgroupfs, low rlimits), TAP results, the image built from the repository, skips (77)
# where podman cannot run containers.
#   REPO: the repository (set before sourcing)

MV_IMAGE=${MOCKVAULT_TEST_IMAGE:-localhost/mockvault:latest}
MV_TENANT=11111111-1111-1111-1111-111111111111
MV_ADMIN_ID=aaaaaaaa-0000-0000-0000-000000000001
MV_ADMIN_SECRET=admin-client-secret

n=0
failed=0
result() { # result STATUS DESCRIPTION
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
skip_test() { # skip_test DESCRIPTION: a TAP skip of one check
  n=$((n + 1))
  echo "ok $n # SKIP $1"
}
skip_all() {
  echo "1..0 # SKIP $*"
  exit 77
}
finish() {
  echo "1..$n"
  exit "$failed"
}

pm() { podman --cgroup-manager cgroupfs "$@"; }
# The file limit may be at most the hard limit; runc refuses an nproc limit above 4096 here.
mv_nofile=$(ulimit -Hn)
{ [ "$mv_nofile" = unlimited ] || [ "$mv_nofile" -gt 65536 ]; } && mv_nofile=65536
run_flags=(--runtime runc --ulimit "nofile=$mv_nofile:$mv_nofile" --ulimit nproc=4096:4096)

# Skips unless podman can run a container here; then builds the image (podman's cache makes a
# build without changes take seconds). Prints how long the build took.
need_image() {
  local base t0=$SECONDS
  [ "$(id -u)" = 0 ] || skip_all "the container tests run podman as root"
  for tool in podman runc mmdebstrap curl python3; do
    command -v "$tool" >/dev/null || skip_all "$tool is not installed (scripts/setup)"
  done
  pm info >/dev/null 2>&1 || skip_all "podman does not work here: $(pm info 2>&1 | tail -n1)"
  base=$("$REPO/scripts/image" --base-only) || { echo "# could not make the base image"; exit 1; }
  pm run --rm "${run_flags[@]}" "$base" true >/dev/null 2>&1 ||
    skip_all "podman cannot run a container here: $(pm run --rm "${run_flags[@]}" "$base" true 2>&1 | tail -n1)"
  "$REPO/scripts/image" "$MV_IMAGE" >"$work/build.log" 2>&1 || {
    cat "$work/build.log"
    echo "# scripts/image failed"
    exit 1
  }
  echo "# $(tail -n1 "$work/build.log") (this run: $((SECONDS - t0)) s)"
}

# wait_healthy URL [SECONDS]: polls URL (TLS, not verified: only "does it answer") until 200.
wait_healthy() {
  local deadline=$((SECONDS + ${2:-15}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 "$1")" = 200 ] && return 0
    sleep 0.02
  done
  return 1
}

# host_port CONTAINER PORT: the loopback port podman published PORT on.
host_port() { pm port "$1" "$2/tcp" | head -n1 | sed 's/.*://'; }

now_ms() { date +%s%3N; }

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# admin_token URL CAFILE: a Key Vault token for the default fixture's admin application.
admin_token() {
  curl -sf --cacert "$2" "$1/$MV_TENANT/oauth2/v2.0/token" -d grant_type=client_credentials \
    -d client_id="$MV_ADMIN_ID" -d client_secret="$MV_ADMIN_SECRET" \
    --data-urlencode scope=https://vault.azure.net/.default | json_field access_token
}
