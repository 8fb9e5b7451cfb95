#!/usr/bin/env bash
# Interleaved A/B of what the metrics and the access log cost, as CPU per request and req/s:
# the same release build twice, `off` ("admin": null, log.access off, 127.0.0.1:8081) and `obs`
# (admin listener on 127.0.0.1:9901, an access line per request to a file, 127.0.0.1:8080),
# against the peer bench's nginx backend (127.0.0.1:9001), with its token. Each round runs wrk
# (1 s warm-up, then SECONDS s, -t1 -c64) at off, then at obs, and reads the gateway's
# utime+stime from /proc before and after.
#
#   scripts/bench/observability-cpu-ab.sh [ROUNDS] [SECONDS]     # default 6 rounds of 6 s
#
# Needs ../shared/bench (setup.sh run once: wrk, nginx). Loopback only; every process it
# starts is stopped by its PID on exit. Benchmark on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-6}
SECONDS_PER_RUN=${2:-6}
SHARED=${SHARED:-$(pwd)/../shared}
[ -x "$SHARED/bench/run.sh" ] || { echo "observability-cpu-ab: $SHARED/bench not found" >&2; exit 2; }
swift build -c release --product scopegate >/dev/null
BIN="$(swift build -c release --show-bin-path)/scopegate"
DIR=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

mkdir -p "$DIR/backend/tmp"
sed -e "s#@RUN@#$DIR/backend#g" -e "s#@BENCH@#$SHARED/bench#g" -e "s#@WORKERS@#1#g" -e "s#@PORT@#9001#g" \
    -e "s#@BACKEND_PORT@#9001#g" -e "s#@JWKS_PORT@#9002#g" "$SHARED/bench/conf/backend.nginx.conf" > "$DIR/backend/nginx.conf"
nginx -c "$DIR/backend/nginx.conf" -p "$DIR/backend" -g 'daemon off;' > "$DIR/backend.log" 2>&1 & pids+=($!)
TOKEN=$(cd "$SHARED/bench" && python3 mint.py)

config() {  # config PORT ADMIN ACCESS
  cat <<JSON
{"listen": {"host": "127.0.0.1", "port": $1}, "admin": $2, "shutdown": {"drain_delay_ms": 0},
 "api": {"issuer": "https://issuer.bench.local/", "audience": "https://api.bench.local",
         "jwks": {"file": "$SHARED/bench/keys/jwks.json"}, "algorithms": ["RS256"]},
 "backends": {"bench": {"url": "http://127.0.0.1:9001"}},
 "routes": [{"prefix": "/bench", "backend": "bench", "methods": {"GET": ["read:bench"]}}],
 "log": {"denials": {"file": "$DIR/denials.log"}, "access": $3, "stats_interval_seconds": 0}}
JSON
}
config 8081 null '"off"' > "$DIR/off.json"
config 8080 '{"host": "127.0.0.1", "port": 9901}' "{\"file\": \"$DIR/access.log\"}" > "$DIR/obs.json"
"$BIN" serve --config "$DIR/off.json" --event-loops 2 2> "$DIR/off.log" & pids+=($!); OFF=$!
"$BIN" serve --config "$DIR/obs.json" --event-loops 2 2> "$DIR/obs.log" & pids+=($!); OBS=$!
for port in 8081 8080; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
done

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "round target req/s us_per_request"
for r in $(seq 1 "$ROUNDS"); do
  for t in off obs; do
    if [ $t = off ]; then pid=$OFF; port=8081; else pid=$OBS; port=8080; fi
    wrk -t1 -c64 -d1s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/bench/item" > /dev/null 2>&1
    c0=$(cpu "$pid")
    out=$(wrk -t1 -c64 -d"${SECONDS_PER_RUN}s" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/bench/item" 2>&1)
    c1=$(cpu "$pid")
    requests=$(echo "$out" | awk '/requests in/{print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    echo "$r $t $rps $(python3 -c "print(round(($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / $requests, 1))")"
  done
done
