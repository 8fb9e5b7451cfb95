#!/usr/bin/env bash
# The ScopeGate demo: builds the gateway, starts two demo backends (appointments on
# 127.0.0.1:9101, calendar on 127.0.0.1:9102) and the gateway on the shipped gateway.json
# (127.0.0.1:8080, admin listener 127.0.0.1:9901), then shows an allowed call, a 401, a 403,
# readiness and metrics.
#
#   scripts/demo.sh            # run the demo and keep it running until Ctrl-C
#   scripts/demo.sh --once     # show the calls, then stop everything
#
# Installs the libcurl and OpenSSL dev packages first if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

once=0
[ "${1:-}" = "--once" ] && once=1

scripts/ensure-deps.sh
echo "== building scopegate (debug; the first build takes a few minutes)"
swift build --product scopegate
BIN="$(swift build --show-bin-path)/scopegate"

pids=()
cleanup() {
  # The gateway drains on the first SIGTERM (shutdown.drain_delay_ms); the second ends it at once.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BIN" demo-backend --name appointments --port 9101 & pids+=($!)
"$BIN" demo-backend --name calendar --port 9102 & pids+=($!)
"$BIN" serve --config gateway.json & pids+=($!)

# Wait (at most 10 s) until the gateway answers.
for _ in $(seq 1 100); do
  curl -s -o /dev/null http://127.0.0.1:8080/healthz && break
  sleep 0.1
done

READ=$("$BIN" mint-token --config gateway.json --sub alice --scope "read:appointments read:calendar")

# show "COMMAND AS DISPLAYED" curl-args...: prints the command (token elided), runs it, indents the answer.
show() {
  echo
  echo "\$ $1"
  shift
  curl -s -i --max-time 5 "$@" | sed 's/^/  /'
  echo
}

G=http://127.0.0.1:8080
echo
echo "== 1. allowed: GET /appointments/42 with scope read:appointments (the backend echoes what it received)"
show "curl -i '$G/appointments/42?view=full' -H \"Authorization: Bearer \$TOKEN\"" \
  "$G/appointments/42?view=full" -H "Authorization: Bearer $READ"
echo "== 2. 401: no token"
show "curl -i $G/appointments/42" "$G/appointments/42"
echo "== 3. 403: POST /appointments needs write:appointments, the token has only read scopes"
show "curl -i -X POST $G/appointments -H \"Authorization: Bearer \$TOKEN\" -d '{\"when\":\"tomorrow\"}'" \
  -X POST "$G/appointments" -H "Authorization: Bearer $READ" -H 'Content-Type: application/json' -d '{"when":"tomorrow"}'
echo "== 4. the admin listener (not on the public port): readiness and a few metrics"
show "curl -i http://127.0.0.1:9901/readyz" http://127.0.0.1:9901/readyz
curl -s http://127.0.0.1:9901/metrics | grep -E '^scopegate_(requests|denials)_total' | sed 's/^/  /'
echo
echo "(the gateway's log lines, one JSON object per denial and per forwarded request, are on stderr above)"

if [ "$once" = 1 ]; then exit 0; fi
cat <<MSG

== The demo is running: gateway http://127.0.0.1:8080, backends :9101 and :9102. Try:
   TOKEN=\$($BIN mint-token --config $PWD/gateway.json --scope "read:appointments write:appointments")
   curl -i -X POST http://127.0.0.1:8080/appointments -H "Authorization: Bearer \$TOKEN" -d '{}'
   $BIN explain --config $PWD/gateway.json --token "\$TOKEN" DELETE /appointments/42
Press Ctrl-C to stop.
MSG
wait
