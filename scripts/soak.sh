#!/usr/bin/env bash
# ScopeGate soak test: a real `scopegate serve` (release build) under a mixed load for a bounded
# time, with its memory, descriptors, threads and the healthy route's p99 sampled throughout.
#
#   scripts/soak.sh [--minutes N] [--binary PATH] [--out DIR]
#
# The load, all on 127.0.0.1 (ports chosen free), for --minutes (default 30):
#   - wrk in consecutive windows of a few seconds, two at once: "probe" (GET of the healthy
#     route, valid token: its p99 is the bounded figure) and "mixed" (200, 401 expired, 403, 401
#     without token, a 256 KiB POST, a 1 MiB answer, the slow backend), both paced;
#   - scripts/soak/clients.py: a backend that resets (502), a port nothing listens on (502), a
#     backend that stalls past its header timeout (504), slow heads, slowloris (408), slow
#     bodies, a body that stops (408), a body trickled below the minimum rate (408), slow
#     readers of 4 MiB, clients that reset mid-answer or before it, pipelined requests;
#   - config reloads: SIGHUP every 10-30 s, cycling valid config B, valid config A, and an
#     invalid one that must be refused (the running config stays: checked by its realm).
# Backends: `scopegate demo-backend` (healthy, bulk, slow with --delay-ms 200) and
# scripts/soak/faulty_backend.py (reset, stall).
#
# Every window it samples the gateway's RSS, threads and open descriptors (sockets sorted by peer:
# scripts/soak/procstat.py), its metrics (statuses by route) and both wrk windows; every tenth of
# the run (and after the warm-up and at the end) a quiet point pauses the load, waits for every
# exchange to end, and samples the idle gateway. At the end: the gateway must be alive, and exit
# 0 on SIGTERM.
#
# Options:
#   --minutes N     run time (30; at least 1). Warm-up: 10 % of it, at least 30 s; windows of
#                   3-5 s; a reload every 10-30 s; a quiet point every 10 % of the run
#   --binary PATH   the scopegate executable to soak (default: `swift build -c release` of this
#                   checkout first, then its .build/release/scopegate)
#   --out DIR       report directory (/tmp/scopegate-soak-<UTC time>-<PID>)
#   --help          this text
#
# Report (DIR): summary.txt (PASS/FAIL per criterion with its figure), samples.csv, plot.svg
# (plot.png too when python3 has matplotlib), the logs, configs and raw wrk windows.
# Exit status: 0 PASS, 1 FAIL, 2 usage or set-up error. See "Soak test" in README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SOAK=$HERE/soak
# shellcheck source=scripts/load/lib.sh
. "$HERE/load/lib.sh"
say() { echo "soak: $*" >&2; }
die() { say "error: $*"; exit 2; }

MINUTES=30 BIN="" OUT=""
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --minutes)
      if [ $# -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]{0,3}$ ]]; then die "--minutes needs a whole number, 1 to 9999 (--help)"; fi
      MINUTES=$2; shift 2 ;;
    --binary) [ $# -ge 2 ] || die "--binary needs a path"; BIN=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument $1 (--help)" ;;
  esac
done

# --- timeline (seconds), scaled to the run --------------------------------------------------------
TOTAL=$((MINUTES * 60))
WARMUP=$((TOTAL / 10 > 30 ? TOTAL / 10 : 30))
WINDOW=$((TOTAL / 40 < 3 ? 3 : TOTAL / 40 > 5 ? 5 : TOTAL / 40))
RELOAD_EVERY=$((TOTAL / 20 < 10 ? 10 : TOTAL / 20 > 30 ? 30 : TOTAL / 20))
QUIET_EVERY=$((TOTAL / 10 > 30 ? TOTAL / 10 : 30))
SLOW_DELAY_MS=200
PROBE_CONNECTIONS=4 PROBE_DELAY_MS=5
MIXED_CONNECTIONS=8 MIXED_DELAY_MS=10
CLIENT_WORKERS=$(cd "$SOAK" && python3 -B -c 'import clients; print(clients.WORKERS)') || die "python3 cannot load $SOAK/clients.py"
# The most requests the load has in flight at once (wrk connections, client workers, the reload
# check): the gateway's idle pool to the healthy backends never needs more connections.
POOL_BOUND=$((PROBE_CONNECTIONS + MIXED_CONNECTIONS + CLIENT_WORKERS + 1))

# --- tools, output directory, binary ---------------------------------------------------------------
for tool in wrk curl python3; do command -v "$tool" >/dev/null || die "$tool not found (scripts/ensure-deps.sh wrk python3)"; done

[ -n "$OUT" ] || OUT=/tmp/scopegate-soak-$(date -u +%Y%m%dT%H%M%SZ)-$$
if [ -e "$OUT" ] && [ ! -d "$OUT" ]; then die "--out $OUT exists and is not a directory"; fi
mkdir -p "$OUT" 2>/dev/null || die "cannot create the output directory $OUT"
OUT=$(cd "$OUT" && pwd)
[ -z "$(ls -A "$OUT")" ] || die "$OUT is not empty"
mkdir -p "$OUT/windows" "$OUT/metrics" "$OUT/configs" "$OUT/tokens"

# Without --binary: the release build of this checkout, brought up to date (as the load tests do).
if [ -z "$BIN" ]; then
  say "building scopegate (release; the first build takes several minutes): $OUT/build.log"
  if ! (cd "$ROOT" && swift build -c release --product scopegate) >"$OUT/build.log" 2>&1; then
    tail -n 30 "$OUT/build.log" >&2
    die "build failed"
  fi
  BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/scopegate"
fi
[ -x "$BIN" ] || die "$BIN is not an executable"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

trap stop_all EXIT
trap 'say "error: line $LINENO: $BASH_COMMAND failed"' ERR
trap 'say "interrupted: stopping what this run started"; exit 130' INT
trap 'say "terminated: stopping what this run started"; exit 143' TERM

# --- ports and configs ----------------------------------------------------------------------------
declare -A PORT
used=" "
for name in gateway admin healthy bulk slow reset stall refused; do
  p=$(free_port)
  while [[ $used == *" $p "* ]]; do p=$(free_port); done
  PORT[$name]=$p
  used+="$p "
done
GW="http://127.0.0.1:${PORT[gateway]}"
ADMIN="http://127.0.0.1:${PORT[admin]}"
CONFIG=$OUT/gateway.json

# write_config FILE REALM SLOW_TIMEOUT_MS EXTRA_HEALTHY_METHODS BROKEN: the soak config. Configs A
# and B differ in the realm (how the soak tells which one runs), the slow backend's timeout and
# one method; BROKEN=1 routes /stall to a backend that does not exist (refused by a reload).
write_config() {
  local file=$1 realm=$2 slow_timeout=$3 extra=$4 broken=$5 stall_backend=stall
  [ "$broken" = 1 ] && stall_backend=missing
  cat >"$file" <<JSON
{
  "listen": {"host": "127.0.0.1", "port": ${PORT[gateway]}, "event_loops": 2,
             "keep_alive_timeout_ms": 10000, "request_head_timeout_ms": 2000, "body_idle_timeout_ms": 2000,
             "body_min_rate_grace_ms": 2000},
  "admin": {"host": "127.0.0.1", "port": ${PORT[admin]}},
  "shutdown": {"drain_delay_ms": 0, "grace_ms": 5000},
  "api": {
    "audience": "https://api.soak.scopegate.local",
    "realm": "$realm",
    "issuers": [{"issuer": "https://issuer.demo.scopegate.local/",
                 "jwks": {"file": "$ROOT/demo/keys/jwks.json"}, "algorithms": ["RS256"]}]
  },
  "backends": {
    "healthy": {"url": "http://127.0.0.1:${PORT[healthy]}"},
    "bulk": {"url": "http://127.0.0.1:${PORT[bulk]}"},
    "slow": {"url": "http://127.0.0.1:${PORT[slow]}", "timeout_ms": $slow_timeout},
    "reset": {"url": "http://127.0.0.1:${PORT[reset]}"},
    "refused": {"url": "http://127.0.0.1:${PORT[refused]}", "connect_timeout_ms": 1000},
    "stall": {"url": "http://127.0.0.1:${PORT[stall]}", "response_header_timeout_ms": 1000, "timeout_ms": 3000}
  },
  "routes": [
    {"prefix": "/healthy", "backend": "healthy", "methods": {"GET": ["read:soak"], "POST": ["write:soak"]$extra}},
    {"prefix": "/bulk", "backend": "bulk", "methods": {"GET": ["read:soak"], "POST": ["write:soak"]}},
    {"prefix": "/slow", "backend": "slow", "methods": {"GET": ["read:soak"]}},
    {"prefix": "/reset", "backend": "reset", "methods": {"GET": ["read:soak"]}},
    {"prefix": "/refused", "backend": "refused", "methods": {"GET": ["read:soak"]}},
    {"prefix": "/stall", "backend": "$stall_backend", "methods": {"GET": ["read:soak"]}}
  ],
  "log": {"denials": {"file": "$OUT/denials.log"}, "access": "off", "stats_interval_seconds": 60},
  "upstream": {"threads": 1, "max_connections_per_backend": 64}
}
JSON
}
write_config "$OUT/configs/a.json" soak-a 10000 "" 0
write_config "$OUT/configs/b.json" soak-b 12000 ', "PUT": ["write:soak"]' 0
write_config "$OUT/configs/invalid.json" soak-invalid 10000 "" 1
"$BIN" check --config "$OUT/configs/a.json" >"$OUT/configs/a.check.txt" 2>&1 || { cat "$OUT/configs/a.check.txt" >&2; die "scopegate check refused config A"; }
"$BIN" check --config "$OUT/configs/b.json" >"$OUT/configs/b.check.txt" 2>&1 || { cat "$OUT/configs/b.check.txt" >&2; die "scopegate check refused config B"; }
if "$BIN" check --config "$OUT/configs/invalid.json" >"$OUT/configs/invalid.check.txt" 2>&1; then die "scopegate check accepted the invalid config"; fi
cp "$OUT/configs/a.json" "$CONFIG"

# --- tokens ------------------------------------------------------------------------------------
mint() { timeout 120 "$BIN" mint-token --config "$CONFIG" --key "$ROOT/demo/keys/rs256-private.pem" --kid demo-rs256 --sub soak-user "$@"; }
mint --scope "read:soak write:soak" --ttl 86400 >"$OUT/tokens/valid.txt" || die "mint-token failed"
mint --scope "write:soak" --ttl 86400 >"$OUT/tokens/noscope.txt" || die "mint-token failed"
mint --scope "read:soak write:soak" --ttl=-3600 >"$OUT/tokens/expired.txt" || die "mint-token failed"
VALID=$(cat "$OUT/tokens/valid.txt")

{
  echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo +dirty)"
  echo "binary=$BIN"
  echo "binary_mtime=$(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc=$(nproc)"
  echo "clk_tck=$(getconf CLK_TCK)"
  echo "minutes=$MINUTES"
  echo "total_s=$TOTAL"
  echo "warmup_s=$WARMUP"
  echo "window_s=$WINDOW"
  echo "reload_every_s=$RELOAD_EVERY"
  echo "quiet_every_s=$QUIET_EVERY"
  echo "slow_delay_ms=$SLOW_DELAY_MS"
  echo "probe=$PROBE_CONNECTIONS connections, ${PROBE_DELAY_MS} ms between requests"
  echo "mixed=$MIXED_CONNECTIONS connections, ${MIXED_DELAY_MS} ms between requests"
  echo "client_workers=$CLIENT_WORKERS"
  echo "pool_bound=$POOL_BOUND"
  for name in "${!PORT[@]}"; do echo "port_$name=${PORT[$name]}"; done
  echo "wrk=$(wrk -v 2>&1 | head -n 1 | awk '{print $2}')"
  echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/run.txt"

# --- backends and gateway --------------------------------------------------------------------------
start_bg "$OUT/backend-healthy.log" "$BIN" demo-backend --name healthy --port "${PORT[healthy]}"
start_bg "$OUT/backend-bulk.log" "$BIN" demo-backend --name bulk --port "${PORT[bulk]}"
start_bg "$OUT/backend-slow.log" "$BIN" demo-backend --name slow --port "${PORT[slow]}" --delay-ms "$SLOW_DELAY_MS"
start_bg "$OUT/backend-reset.log" python3 "$SOAK/faulty_backend.py" --mode reset --port "${PORT[reset]}"
RESET_PID=$BG_PID
start_bg "$OUT/backend-stall.log" python3 "$SOAK/faulty_backend.py" --mode stall --port "${PORT[stall]}"
STALL_PID=$BG_PID
for name in healthy bulk slow; do
  wait_http "http://127.0.0.1:${PORT[$name]}/" 200 20 || die "demo-backend $name did not start (see $OUT/backend-$name.log)"
done
for name in reset stall; do
  wait_file_line "$OUT/backend-$name.log" listening 20 || die "faulty backend $name did not start (see $OUT/backend-$name.log)"
done

start_bg "$OUT/gateway.log" "$BIN" serve --config "$CONFIG"
GW_PID=$BG_PID
wait_http "$GW/healthz" 200 30 "$GW_PID" || { tail -n 20 "$OUT/gateway.log" >&2; die "the gateway did not become ready on $GW/healthz"; }
echo "gateway_pid=$GW_PID" >>"$OUT/run.txt"

# expect CODE CURL_ARGS...: one request through the gateway must answer CODE (set-up checks).
expect() {
  local want=$1 got
  shift
  got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true)
  [ "$got" = "$want" ] || die "set-up check: curl $* answered ${got:-nothing}, expected $want"
}
expect 200 -H "Authorization: Bearer $VALID" "$GW/healthy/item"
expect 401 -H "Authorization: Bearer $(cat "$OUT/tokens/expired.txt")" "$GW/healthy/item"
expect 403 -H "Authorization: Bearer $(cat "$OUT/tokens/noscope.txt")" "$GW/healthy/item"
expect 200 -H "Authorization: Bearer $VALID" "$GW/slow/item"
expect 502 -H "Authorization: Bearer $VALID" "$GW/reset/item"
expect 502 -H "Authorization: Bearer $VALID" "$GW/refused/item"
expect 504 -H "Authorization: Bearer $VALID" "$GW/stall/item"

# --- sampling -------------------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
SAMPLES=$OUT/samples.tsv
printf 't_s\tkind\twindow\tgw_cpu_pct\tmachine_busy_pct\tloadavg1\tproc\n' >"$SAMPLES"
BACKEND_PORTS=""
for name in healthy bulk slow reset stall refused; do BACKEND_PORTS+="${BACKEND_PORTS:+,}$name=${PORT[$name]}"; done
T0=$(now)
elapsed() { awk -v t0="$T0" -v t="$(now)" 'BEGIN { printf "%.1f", t - t0 }'; }
elapsed_int() { awk -v t0="$T0" -v t="$(now)" 'BEGIN { printf "%d", t - t0 }'; }

CPU_PREV=$(proc_cpu_ticks "$GW_PID")
read -r -a MACHINE_PREV < <(machine_ticks)
TIME_PREV=$(now)

# sample KIND WINDOW: one row: the gateway's CPU and the machine's since the last row, and
# scripts/soak/procstat.py's reading (RSS, threads, descriptors by kind, sockets by peer) as JSON.
sample() {
  local kind=$1 window=$2 cpu t machine cpu_pct busy_pct proc
  proc=$(python3 "$SOAK/procstat.py" "$GW_PID" --client-ports "${PORT[gateway]},${PORT[admin]}" \
    --backends "$BACKEND_PORTS" --faulty reset,refused,stall 2>/dev/null || echo '{"gone": true}')
  cpu=$(proc_cpu_ticks "$GW_PID")
  t=$(now)
  read -r -a machine < <(machine_ticks)
  cpu_pct=$(awk -v a="$CPU_PREV" -v b="$cpu" -v t0="$TIME_PREV" -v t1="$t" -v hz="$CLK_TCK" \
    'BEGIN { d = t1 - t0; printf "%.1f", (d > 0 ? 100 * (b - a) / hz / d : 0) }')
  busy_pct=$(awk -v b0="${MACHINE_PREV[0]}" -v n0="${MACHINE_PREV[1]}" -v b1="${machine[0]}" -v n1="${machine[1]}" \
    'BEGIN { d = n1 - n0; printf "%.1f", (d > 0 ? 100 * (b1 - b0) / d : 0) }')
  CPU_PREV=$cpu TIME_PREV=$t MACHINE_PREV=("${machine[@]}")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(elapsed)" "$kind" "$window" "$cpu_pct" "$busy_pct" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$proc" >>"$SAMPLES"
  LAST_PROC=$proc LAST_CPU=$cpu_pct LAST_BUSY=$busy_pct
}

# field NAME: a number from the last procstat reading.
field() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" <<<"$LAST_PROC"; }

# scrape FILE: the gateway's metrics that the report reads.
scrape() {
  curl -s --max-time 5 "$ADMIN/metrics" 2>/dev/null |
    grep -E '^scopegate_(requests_total|upstream_failures_total|denials_total|config_reloads_total|config_generation|client_connections|requests_in_flight)' >"$1" || true
}

# --- clients (slow, faulty, abusive) ---------------------------------------------------------------
CLIENT_STATE=$OUT/clients.state
start_bg "$OUT/clients.log" python3 "$SOAK/clients.py" --port "${PORT[gateway]}" --tokens "$OUT/tokens" \
  --out "$OUT/clients.jsonl" --state "$CLIENT_STATE" --seconds $((TOTAL + 120))
CLIENTS_PID=$BG_PID

# quiet_point LABEL: pauses the clients (wrk is between windows), waits until no exchange is under
# way and the gateway holds no request, then samples the idle gateway and resumes.
QUIET=0
quiet_point() {
  local label=$1 i state inflight=""
  QUIET=$((QUIET + 1))
  kill -USR1 "$CLIENTS_PID" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    state=$(cat "$CLIENT_STATE" 2>/dev/null || true)
    [ "$state" = "paused=1 busy=0" ] && break
    sleep 0.1
  done
  [ "$state" = "paused=1 busy=0" ] || say "quiet point $label: clients still busy after 30 s ($state)"
  for ((i = 0; i < 100; i++)); do
    inflight=$(curl -s --max-time 2 "$ADMIN/metrics" 2>/dev/null | awk '$1 == "scopegate_requests_in_flight" { print $2 }' || true)
    [ "$inflight" = "0" ] || [ "$inflight" = "0.0" ] && break
    sleep 0.1
  done
  sleep 1
  sample "quiet" "$label"
  scrape "$OUT/metrics/quiet-$label.txt"
  kill -USR2 "$CLIENTS_PID" 2>/dev/null || true
  say "$(elapsed_int) s quiet point $label: RSS $(field rss_kib) KiB, $(field fds) descriptors ($(field non_socket) not sockets, $(field upstream) to backends, $(field client) from clients), $(field threads) threads"
}

# --- reloads --------------------------------------------------------------------------------------
RELOADS=$OUT/reloads.tsv
printf 't_s\tn\tconfig\texpected\tresult\trealm\tok\n' >"$RELOADS"
RELOAD_N=0 RELOAD_PENDING="" CURRENT_REALM=soak-a
reload_lines() { grep -c '"event":"reload"' "$OUT/denials.log" 2>/dev/null || true; }

# start_reload: puts the next config in place (atomically) and sends SIGHUP: B, A, invalid, ...
start_reload() {
  local kinds=(b a invalid) kind
  kind=${kinds[$((RELOAD_N % 3))]}
  RELOAD_N=$((RELOAD_N + 1))
  RELOAD_LINES_BEFORE=$(reload_lines)
  cp "$OUT/configs/$kind.json" "$CONFIG.tmp"
  mv "$CONFIG.tmp" "$CONFIG"
  kill -HUP "$GW_PID"
  RELOAD_PENDING=$kind
  RELOAD_T=$(elapsed)
}

# check_reload: the reload's log line (applied or refused as expected) and the realm now served.
check_reload() {
  [ -n "$RELOAD_PENDING" ] || return 0
  local kind=$RELOAD_PENDING expected result="none" realm i line ok=1
  RELOAD_PENDING=""
  case $kind in
    a) expected=applied CURRENT_REALM=soak-a ;;
    b) expected=applied CURRENT_REALM=soak-b ;;
    invalid) expected=refused ;;
  esac
  for ((i = 0; i < 100; i++)); do
    [ "$(reload_lines)" -gt "$RELOAD_LINES_BEFORE" ] && break
    sleep 0.1
  done
  line=$(grep '"event":"reload"' "$OUT/denials.log" 2>/dev/null | sed -n "$((RELOAD_LINES_BEFORE + 1))p" || true)
  [[ $line == *'"result":"applied"'* ]] && result=applied
  [[ $line == *'"result":"refused"'* ]] && result=refused
  realm=$(curl -s -o /dev/null -D - --max-time 5 "$GW/healthy/reload-check" 2>/dev/null |
    tr -d '\r' | sed -n 's/^[Ww][Ww][Ww]-[Aa]uthenticate: Bearer realm="\([^"]*\)".*/\1/p' | head -n 1 || true)
  [ "$result" = "$expected" ] && [ "$realm" = "$CURRENT_REALM" ] || ok=0
  [ "$ok" = 1 ] || say "reload $RELOAD_N ($kind): expected $expected with realm $CURRENT_REALM, got ${result} with realm ${realm:-none}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$RELOAD_T" "$RELOAD_N" "$kind" "$expected" "$result" "${realm:-none}" "$ok" >>"$RELOADS"
}

# --- the run --------------------------------------------------------------------------------------
run_window() {
  local n=$1 mode=$2 connections=$3 delay=$4
  SOAK_MODE=$mode SOAK_TOKENS=$OUT/tokens SOAK_DELAY_MS=$delay \
    start_bg "$OUT/windows/$n-$mode.txt" wrk -t 1 -c "$connections" -d "${WINDOW}s" --timeout 10s \
    -s "$SOAK/soak.lua" "$GW/"
}

say "gateway pid $GW_PID on $GW (admin $ADMIN); ${MINUTES} min: warm-up ${WARMUP} s, windows ${WINDOW} s, reload every ${RELOAD_EVERY} s, quiet point every ${QUIET_EVERY} s"
say "report directory: $OUT"
T0=$(now)
CPU_PREV=$(proc_cpu_ticks "$GW_PID") TIME_PREV=$(now)
read -r -a MACHINE_PREV < <(machine_ticks)
next_reload=$RELOAD_EVERY next_quiet=$WARMUP window=0 alive=1
while :; do
  t=$(elapsed_int)
  [ "$t" -lt "$TOTAL" ] || break
  if ! kill -0 "$GW_PID" 2>/dev/null; then alive=0; say "the gateway exited at $t s"; break; fi
  if [ "$t" -ge "$next_quiet" ]; then
    quiet_point "$t"
    while [ "$next_quiet" -le "$t" ]; do next_quiet=$((next_quiet + QUIET_EVERY)); done
    continue
  fi
  window=$((window + 1))
  n=$(printf '%05d' "$window")
  run_window "$n" probe "$PROBE_CONNECTIONS" "$PROBE_DELAY_MS"
  probe_pid=$BG_PID
  run_window "$n" mixed "$MIXED_CONNECTIONS" "$MIXED_DELAY_MS"
  mixed_pid=$BG_PID
  if [ "$t" -ge "$next_reload" ]; then
    start_reload
    next_reload=$((next_reload + RELOAD_EVERY))
  fi
  sleep "$(awk -v w="$WINDOW" 'BEGIN { print w / 2 }')"
  sample load "$n"
  wait_pid "$probe_pid" $((WINDOW + 30)) || say "window $n: probe wrk exited with status $?"
  wait_pid "$mixed_pid" $((WINDOW + 30)) || say "window $n: mixed wrk exited with status $?"
  scrape "$OUT/metrics/$n.txt"
  check_reload
  p99=$(sed -n 's/^SOAKSTAT .*"p99": \([0-9]*\).*/\1/p' "$OUT/windows/$n-probe.txt" 2>/dev/null || true)
  say "$(elapsed_int) s window $n: RSS $(field rss_kib) KiB, $(field fds) fds, $(field threads) threads, gateway CPU $LAST_CPU %, machine $LAST_BUSY %, probe p99 $(awk -v u="${p99:-0}" 'BEGIN { printf "%.2f", u / 1000 }') ms"
done

# --- the end: a last quiet point, the clients' summary, the gateway's drain ---------------------------
if [ "$alive" = 1 ] && kill -0 "$GW_PID" 2>/dev/null; then
  quiet_point end
  echo "alive_at_end=1" >>"$OUT/run.txt"
else
  echo "alive_at_end=0" >>"$OUT/run.txt"
fi
kill -TERM "$CLIENTS_PID" 2>/dev/null || true
wait_pid "$CLIENTS_PID" 60 || say "clients.py exited with status $?"
scrape "$OUT/metrics/final.txt"
curl -s --max-time 5 "$ADMIN/metrics" >"$OUT/metrics-final-full.txt" 2>/dev/null || true
gw_status=none
if kill -0 "$GW_PID" 2>/dev/null; then
  kill -TERM "$GW_PID"
  gw_status=0
  wait_pid "$GW_PID" 30 || gw_status=$?
else
  wait "$GW_PID" 2>/dev/null || gw_status=$?
  forget_pid "$GW_PID"
fi
echo "gateway_exit_status=$gw_status" >>"$OUT/run.txt"
for pid in "$RESET_PID" "$STALL_PID"; do stop_pid "$pid" 5; done
stop_all
echo "ended=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$OUT/run.txt"

status=0
python3 "$SOAK/report.py" "$OUT" || status=$?
echo
echo "report: $OUT/summary.txt, $OUT/samples.csv, $OUT/plot.svg"
exit "$status"
