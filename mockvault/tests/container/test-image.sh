#!/usr/bin/env bash
# The container image (issue 12, docs/container.md), with podman: built from the Containerfile by
# scripts/image; started with published loopback ports and a named volume; healthy through its own
# HEALTHCHECK; the CA the same three ways (stdout, GET /_mock/ca.pem, the volume); the control API
# guarded by the token for the host, which the container sees as a peer that is not loopback; the
# JS SDK's unmodified code through the proxy port; the state after a restart; SIGTERM to the mock
# (PID 1) ends it within a second; non-root; no secret in its log. TAP; skipped (77) where podman
# cannot run containers.
#   test-image.sh REPO
set -uo pipefail
REPO=$(cd "$1" && pwd)
work=$(mktemp -d)
name="mvt-image-$$"
vol="mvt-image-$$"
. "$REPO/mockvault/tests/container/lib.sh"

cleanup() {
  pm rm -f -v -t 0 "$name" >/dev/null 2>&1
  pm volume rm -f "$vol" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

need_image

size=$(pm image inspect --format '{{.Size}}' "$MV_IMAGE")
[ "$size" -le $((60 * 1000 * 1000)) ]
result $? "the image is at most 60 MB ($((size / 1000)) kB)"
pm image inspect --format '{{.Config.User}} {{.Config.StopSignal}} {{json .Config.ExposedPorts}} {{json .Config.Volumes}}' \
  "$MV_IMAGE" >"$work/config"
grep -q '^10001:10001 SIGTERM .*8443/tcp.*8444/tcp.* .*"/data"' "$work/config"
result $? "non-root user, SIGTERM, ports 8443 and 8444, volume /data ($(cat "$work/config"))"
[ "$(pm image inspect --format '{{json .Config.Healthcheck.Test}}' "$MV_IMAGE")" = '["CMD","/usr/bin/mockvault","--health"]' ]
result $? "the health check is the mock's own --health (no other tool in the image)"

# Start: published on loopback ports podman picks, state in a named volume.
t0=$(now_ms)
pm run -d --name "$name" "${run_flags[@]}" -p 127.0.0.1::8443 -p 127.0.0.1::8444 \
  -v "$vol:/data" "$MV_IMAGE" >/dev/null 2>"$work/run.err"
port=$(host_port "$name" 8443)
pport=$(host_port "$name" 8444)
url="https://localhost:$port"
wait_healthy "$url/_mock/health"
rc=$?
started_ms=$(($(now_ms) - t0))
result $rc "healthy $started_ms ms after podman run (host ports $port and $pport; target < 1000 ms)"
[ "$rc" = 0 ] || { pm logs "$name"; finish; }
echo "# start-to-healthy: $started_ms ms"

pm healthcheck run "$name" >/dev/null 2>&1 &&
  [ "$(pm inspect --format '{{.State.Health.Status}}' "$name" 2>/dev/null || pm inspect --format '{{.State.Healthcheck.Status}}' "$name")" = healthy ]
result $? "podman healthcheck run: healthy"

# The CA three ways, all the same certificate.
pm logs "$name" >"$work/log.1" 2>&1
sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$work/log.1" >"$work/ca.stdout"
curl -sk "$url/_mock/ca.pem" -o "$work/ca.http"
voldir=$(pm volume inspect --format '{{.Mountpoint}}' "$vol")
[ -s "$work/ca.stdout" ] && cmp -s "$work/ca.stdout" "$work/ca.http" && cmp -s "$work/ca.http" "$voldir/ca.pem"
result $? "the CA on stdout, from GET /_mock/ca.pem and in the volume is the same certificate"
ca="$work/ca.http"
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" "$url/_mock/health")" = 200 ]
result $? "that CA verifies the mock's certificate for localhost"

# The host is not a loopback peer for the container: /_mock asks it for the token.
token=$(sed -n 's/^mockvault: control token .*: \([0-9a-f]*\)$/\1/p' "$work/log.1")
[ "${#token}" = 64 ] && [ "$token" = "$(cat "$voldir/control-token")" ]
result $? "the control token is printed at start and kept in the volume"
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" "$url/_mock/requests")" = 403 ]
result $? "GET /_mock/requests without the token: 403"
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" -H "X-Mockvault-Control-Token: $token" "$url/_mock/requests")" = 200 ]
result $? "GET /_mock/requests with the token: 200"

# The JS SDK, unmodified production code, through the proxy port (client.mjs, mode proxy).
js="$REPO/mockvault/tests/sdk/js"
suffix=$(printf '%04x%04x' $RANDOM $RANDOM)
if command -v node >/dev/null && [ -d "$js/node_modules/@azure/keyvault-secrets" ]; then
  (cd "$js" && env -i PATH="$PATH" HOME="$HOME" NODE_EXTRA_CA_CERTS="$ca" \
    HTTPS_PROXY="http://127.0.0.1:$pport" MV_MODE=proxy MV_SUFFIX="$suffix" \
    AZURE_TENANT_ID="$MV_TENANT" AZURE_CLIENT_ID="$MV_ADMIN_ID" AZURE_CLIENT_SECRET="$MV_ADMIN_SECRET" \
    timeout 180 node client.mjs) >"$work/sdk.out" 2>&1
  rc=$?
  sed 's/^/# /' "$work/sdk.out"
  result $rc "the JS SDK's every-operation scenario through the proxy port, unmodified code"
else
  skip_test "the JS SDK is not installed (cd mockvault/tests/sdk/js && npm ci)"
fi

# A secret written now is there after a restart; so are the CA and the token.
bearer=$(admin_token "$url" "$ca")
value="restart-check-$suffix"
curl -sf -o /dev/null --cacert "$ca" -X PUT -H "Authorization: Bearer $bearer" -H 'Content-Type: application/json' \
  -d "{\"value\":\"$value\"}" "$url/secrets/container-restart?api-version=7.4"
result $? "PUT a secret before the restart"
pm restart -t 10 "$name" >/dev/null 2>"$work/restart.err"
port=$(host_port "$name" 8443)
url="https://localhost:$port"
wait_healthy "$url/_mock/health"
result $? "healthy again after podman restart"
got=$(curl -sf --cacert "$ca" -H "Authorization: Bearer $(admin_token "$url" "$ca")" \
  "$url/secrets/container-restart?api-version=7.4" | json_field value)
[ "$got" = "$value" ]
result $? "after the restart the secret is there (state in the volume), under the same CA"
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" -H "X-Mockvault-Control-Token: $token" "$url/_mock/requests")" = 200 ]
result $? "after the restart the same control token works"

# Non-root, and SIGTERM to the mock (PID 1 of the container) ends it cleanly within a second.
pid=$(pm inspect --format '{{.State.Pid}}' "$name")
[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 10001 ]
result $? "the mock runs as uid 10001"
t0=$(now_ms)
kill -TERM "$pid"
while [ -e "/proc/$pid" ] && [ $(($(now_ms) - t0)) -lt 5000 ]; do sleep 0.005; done
stop_ms=$(($(now_ms) - t0))
pm wait "$name" >"$work/exit" 2>/dev/null
[ "$stop_ms" -lt 1000 ] && [ "$(cat "$work/exit")" = 0 ]
result $? "SIGTERM: exited with status $(cat "$work/exit") in $stop_ms ms (target < 1000 ms)"
echo "# SIGTERM to exit: $stop_ms ms"

# No client secret or secret value in the container's log (the control token and the CA are
# printed there on purpose).
pm logs "$name" >"$work/log.all" 2>&1
! grep -q -e "$MV_ADMIN_SECRET" -e "$value" -e "sv-$suffix" -e "flow-client-secret" "$work/log.all" &&
  grep -q "SIGTERM received" "$work/log.all"
result $? "the container's log has no secret value or client secret"
finish
