#!/usr/bin/env bash
# Measures the gateway's memory growth while streaming large bodies both ways.
#
# Starts a release build of `scopegate serve` and a `scopegate demo-backend` on 127.0.0.1
# (free ports), then through the gateway, with curl:
#   1. uploads 1 GiB chunked (the backend's digest=1 mode counts it, keeps none of it),
#   2. downloads 1 GiB (the backend's bytes=N mode),
#   3. downloads 256 MiB with curl reading at 64 MB/s (a slow client: the transfer pauses),
# and prints the gateway's resident memory at baseline and its peak (VmHWM, /proc/PID/status)
# after each step. Target: peak growth under 64 MiB. Loopback only; every step is bounded
# by `timeout`; the processes started here are stopped by PID on exit.
#
#   scripts/measure-memory.sh            # builds release first (incremental)
#   SIZE_MIB=256 scripts/measure-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=$(( ${SIZE_MIB:-1024} * 1024 * 1024 ))
echo "== building scopegate (release)"
timeout 900 swift build -c release --product scopegate
BIN=.build/release/scopegate

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
BACKEND_PORT=$(free_port)
GATEWAY_PORT=$(free_port)

cat > "$work/gateway.json" <<JSON
{
  "listen": {"host": "127.0.0.1", "port": $GATEWAY_PORT},
  "api": {"issuer": "https://issuer.demo.scopegate.local/", "audience": "https://api.example.com",
          "jwks": {"file": "$PWD/demo/keys/jwks.json"}, "algorithms": ["RS256", "ES256"]},
  "backends": {"bulk": {"url": "http://127.0.0.1:$BACKEND_PORT", "timeout_ms": 0}},
  "routes": [{"prefix": "/bulk", "backend": "bulk", "methods": {"GET": "public", "POST": "public"}}],
  "limits": {"max_body_bytes": $(( SIZE * 2 ))}
}
JSON

"$BIN" demo-backend --name bulk --port "$BACKEND_PORT" 2>/dev/null & pids+=($!)
"$BIN" serve --config "$work/gateway.json" 2>/dev/null & GATEWAY_PID=$!; pids+=($GATEWAY_PID)

for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/healthz" && break
  sleep 0.1
done
# Warm up (connection pools, first allocations), then take the baseline.
curl -s -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/bulk/warm?bytes=1048576"
head -c 1048576 /dev/zero | curl -s -o /dev/null -T - -X POST -H 'Expect:' "http://127.0.0.1:$GATEWAY_PORT/bulk/warm?digest=1"

kib() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$GATEWAY_PID/status"; }
BASE=$(kib VmRSS)
report() {
  local hwm; hwm=$(kib VmHWM)
  printf '%-44s VmHWM %7d KiB   growth over baseline %6d KiB (%d MiB)\n' "$1" "$hwm" $(( hwm - BASE )) $(( (hwm - BASE) / 1024 ))
}
printf '%-44s VmRSS %7d KiB\n' "baseline (after warm-up)" "$BASE"

start=$(date +%s.%N)
answer=$(head -c "$SIZE" /dev/zero | timeout 300 curl -sS -T - -X POST -H 'Expect:' \
  "http://127.0.0.1:$GATEWAY_PORT/bulk/upload?digest=1")
echo "upload answer: $answer ($(echo "$(date +%s.%N) - $start" | bc) s)"
report "after $(( SIZE >> 20 )) MiB chunked upload"

start=$(date +%s.%N)
got=$(timeout 300 curl -sS -o /dev/null -w '%{size_download}' "http://127.0.0.1:$GATEWAY_PORT/bulk/download?bytes=$SIZE")
echo "download: $got bytes of $SIZE ($(echo "$(date +%s.%N) - $start" | bc) s)"
report "after $(( SIZE >> 20 )) MiB download"

got=$(timeout 300 curl -sS -o /dev/null --limit-rate 64M -w '%{size_download}' \
  "http://127.0.0.1:$GATEWAY_PORT/bulk/slow?bytes=$(( 256 << 20 ))")
echo "slow-client download: $got bytes of $(( 256 << 20 ))"
report "after 256 MiB download at 64 MB/s"

growth=$(( $(kib VmHWM) - BASE ))
if [ "$growth" -lt $(( 64 * 1024 )) ]; then
  echo "PASS: peak growth $(( growth / 1024 )) MiB < 64 MiB"
else
  echo "FAIL: peak growth $(( growth / 1024 )) MiB >= 64 MiB"
  exit 1
fi
