#!/usr/bin/env bash
# ScopeGate load tests: builds the gateway (release), starts a local backend and the gateway on
# 127.0.0.1, runs wrk scenarios against it and reports throughput, latency percentiles, status
# counts and the gateway's CPU, peak RSS and threads.
#
#   scripts/load/run.sh [SCENARIO ...] [options]
#
# Scenarios (default: all):
#   allowed           GET with one valid token (the verification cache answers after the first)
#   unique-tokens     GET with a pool of distinct valid tokens, round-robin; the gateway's
#                     verification cache is made smaller than the pool, so every request verifies
#   mixed             200, 401 (expired token) and 403 (scope missing) in the ratio 8:1:1, checked
#   large-bodies      POST of a 1 MiB body answered with 1 MiB
#   many-connections  idle keep-alive connections (10000) held open while a small wrk load runs
#   slow-backend      a backend answering after 100 ms (demo-backend --delay-ms), 256 connections
#   all               every scenario above
#
# Options:
#   --duration S          wrk seconds per scenario (10)
#   --connections N       wrk connections (64)
#   --threads N           wrk threads (1)
#   --event-loops N       gateway event loops (2)
#   --out DIR             output directory (/tmp/scopegate-load-<UTC time>-<PID>)
#   --warmup S            unmeasured wrk run before each scenario (1; 0 = none)
#   --pool N              tokens of unique-tokens (1000)
#   --idle-connections N  idle connections of many-connections (10000)
#   --slow-delay-ms N     backend delay of slow-backend (100)
#   --slow-connections N  wrk connections of slow-backend (256)
#   --peers               afterwards, run scripts/bench/peer-bench.sh if ${SHARED:-../shared}/bench exists
#   --help                this text
#
# Installs wrk, nginx, curl and python3 when missing (apt-get, sudo when not root). Everything
# listens on 127.0.0.1 only, every wait is bounded, and every process it starts is stopped by
# its PID when it exits. Exit status: 0 all checks passed, 1 a scenario's check failed,
# 2 usage or set-up error. Files: see "Load tests" in README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/load/lib.sh
. "$HERE/lib.sh"

ALL_SCENARIOS=(allowed unique-tokens mixed large-bodies many-connections slow-backend)
DURATION=10 CONNECTIONS=64 THREADS=1 EVENT_LOOPS=2 OUT="" WARMUP=1 POOL=1000
IDLE=10000 SLOW_DELAY_MS=100 SLOW_CONNECTIONS=256 PEERS=0
MANY_WRK_CONNECTIONS=16   # the small load running beside the idle connections
MIXED_PATTERN=(valid valid valid valid expired valid valid valid valid noscope)   # 8:1:1

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

scenarios=()
while [ $# -gt 0 ]; do
  case $1 in
    --duration | --connections | --threads | --event-loops | --warmup | --pool | --idle-connections | \
      --slow-delay-ms | --slow-connections)
      # No leading zeros (bash arithmetic would read 08 as octal) and at most 9 digits.
      if [ $# -lt 2 ] || ! [[ $2 =~ ^(0|[1-9][0-9]{0,8})$ ]]; then die "$1 needs a whole number, 0 to 999999999 without leading zeros (--help)"; fi
      case $1 in
        --duration) DURATION=$2 ;;
        --connections) CONNECTIONS=$2 ;;
        --threads) THREADS=$2 ;;
        --event-loops) EVENT_LOOPS=$2 ;;
        --warmup) WARMUP=$2 ;;
        --pool) POOL=$2 ;;
        --idle-connections) IDLE=$2 ;;
        --slow-delay-ms) SLOW_DELAY_MS=$2 ;;
        --slow-connections) SLOW_CONNECTIONS=$2 ;;
      esac
      shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT=$2; shift 2 ;;
    --peers) PEERS=1; shift ;;
    -h | --help) usage; exit 0 ;;
    all) scenarios+=("${ALL_SCENARIOS[@]}"); shift ;;
    -*) die "unknown option $1 (--help)" ;;
    *)
      [[ " ${ALL_SCENARIOS[*]} " == *" $1 "* ]] || die "unknown scenario $1 (one of: ${ALL_SCENARIOS[*]} all)"
      scenarios+=("$1"); shift ;;
  esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=("${ALL_SCENARIOS[@]}")
# Each scenario once, in the order given.
mapfile -t scenarios < <(printf '%s\n' "${scenarios[@]}" | awk '!seen[$0]++')
at_least_one() { [ "$2" -ge 1 ] || die "$1 must be at least 1 (got $2)"; }
at_least_one --duration "$DURATION"
at_least_one --connections "$CONNECTIONS"
at_least_one --threads "$THREADS"
at_least_one --idle-connections "$IDLE"
at_least_one --slow-connections "$SLOW_CONNECTIONS"
at_least_one --slow-delay-ms "$SLOW_DELAY_MS"
(( DURATION <= 3600 )) || die "--duration must be at most 3600 seconds (got $DURATION)"
(( EVENT_LOOPS >= 1 && EVENT_LOOPS <= 256 )) || die "--event-loops must be 1...256"
[ "$POOL" -ge 2 ] || die "--pool must be at least 2"
wants() { [[ " ${scenarios[*]} " == *" $1 "* ]]; }

[ -n "$OUT" ] || OUT=/tmp/scopegate-load-$(date -u +%Y%m%dT%H%M%SZ)-$$
if [ -e "$OUT" ] && [ ! -d "$OUT" ]; then die "--out $OUT exists and is not a directory"; fi
mkdir -p "$OUT" 2>/dev/null || die "cannot create the output directory $OUT"
OUT=$(cd "$OUT" && pwd)
[ -z "$(ls -A "$OUT")" ] || die "$OUT is not empty"

trap stop_all EXIT
trap 'say "interrupted: stopping what this run started"; exit 130' INT
trap 'say "terminated: stopping what this run started"; exit 143' TERM

# --- 1. tools ---------------------------------------------------------------------------------
say "tools: wrk, nginx, curl, python3 (installed when missing)"
"$ROOT/scripts/ensure-deps.sh" wrk nginx python3 || die "installing the tools failed"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for tool in wrk curl python3 "$NGINX"; do command -v "$tool" >/dev/null || die "$tool not found"; done

# --- 2. build, config ---------------------------------------------------------------------------
say "building scopegate (release; the first build takes several minutes): $OUT/build.log"
if ! (cd "$ROOT" && swift build -c release --product scopegate) >"$OUT/build.log" 2>&1; then
  tail -n 30 "$OUT/build.log" >&2
  die "build failed"
fi
BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/scopegate"

# Open files: the idle connections need one each, in the gateway and in the holder.
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=$((IDLE + 4096))
ulimit -n "$hard" 2>/dev/null || true
soft=$(ulimit -n)
idle_note=""
if wants many-connections && [ "$soft" -lt $((IDLE + 512)) ]; then
  idle_note="open-file limit (ulimit -n) is $soft: $((soft - 512)) idle connections instead of $IDLE (raise the hard limit to hold more)"
  IDLE=$((soft - 512))
  say "warning: $idle_note"
  [ "$IDLE" -ge 1 ] || die "open-file limit $soft is too low for many-connections"
fi

GW_PORT=$(free_port)
NGINX_PORT=$(free_port)
SLOW_PORT=$(free_port)
while [ "$NGINX_PORT" = "$GW_PORT" ]; do NGINX_PORT=$(free_port); done
while [ "$SLOW_PORT" = "$GW_PORT" ] || [ "$SLOW_PORT" = "$NGINX_PORT" ]; do SLOW_PORT=$(free_port); done
GW="http://127.0.0.1:$GW_PORT"

max_upstream=$(( CONNECTIONS > SLOW_CONNECTIONS ? CONNECTIONS : SLOW_CONNECTIONS ))
max_upstream=$(( max_upstream < 256 ? 256 : max_upstream > 10000 ? 10000 : max_upstream ))
CACHE_UNIQUE=$(( POOL / 2 ))
# Idle connections must outlive the whole many-connections scenario.
KEEPALIVE_MS=$(( (WARMUP + DURATION + 180) * 1000 ))
KEEPALIVE_MS=$(( KEEPALIVE_MS < 300000 ? 300000 : KEEPALIVE_MS > 3600000 ? 3600000 : KEEPALIVE_MS ))

# write_config FILE CACHE_ENTRIES: the load-test gateway config.
write_config() {
  cat >"$1" <<JSON
{
  "listen": {"host": "127.0.0.1", "port": $GW_PORT, "event_loops": $EVENT_LOOPS, "keep_alive_timeout_ms": $KEEPALIVE_MS},
  "admin": {"host": "127.0.0.1", "port": 0},
  "shutdown": {"drain_delay_ms": 0, "grace_ms": 5000},
  "api": {
    "audience": "https://api.load.scopegate.local",
    "issuers": [{"issuer": "https://issuer.demo.scopegate.local/",
                 "jwks": {"file": "$ROOT/demo/keys/jwks.json"}, "algorithms": ["RS256", "ES256"]}],
    "verification_cache": {"max_entries": $2, "ttl_seconds": 300}
  },
  "backends": {
    "nginx": {"url": "http://127.0.0.1:$NGINX_PORT"},
    "slow": {"url": "http://127.0.0.1:$SLOW_PORT"}
  },
  "routes": [
    {"prefix": "/load", "backend": "nginx", "methods": {"GET": ["read:load"]}},
    {"prefix": "/large", "backend": "nginx", "methods": {"POST": ["write:load"]}},
    {"prefix": "/slow", "backend": "slow", "methods": {"GET": ["read:load"]}}
  ],
  "limits": {"max_body_bytes": 2097152},
  "log": {"denials": {"file": "$OUT/denials.log"}, "stats_interval_seconds": 0},
  "upstream": {"threads": 1, "max_connections_per_backend": $max_upstream}
}
JSON
  "$BIN" check --config "$1" >"$1.check.txt" 2>&1 || { cat "$1.check.txt" >&2; die "scopegate check refused $1"; }
}
CONFIG="$OUT/gateway.json"
write_config "$CONFIG" 10000
CONFIG_UNIQUE="$OUT/gateway-unique-tokens.json"
wants unique-tokens && write_config "$CONFIG_UNIQUE" "$CACHE_UNIQUE"

# --- 3. tokens (scopegate mint-token, demo RS256 key) -------------------------------------------
TOKENS="$OUT/tokens"
mkdir -p "$TOKENS"
mint() {
  timeout 300 "$BIN" mint-token --config "$CONFIG" --key "$ROOT/demo/keys/rs256-private.pem" --kid demo-rs256 "$@"
}
mint --sub load-user --scope "read:load write:load" --ttl 86400 >"$TOKENS/valid.txt" || die "mint-token failed"
mint --sub load-user --scope "write:load" --ttl 86400 >"$TOKENS/noscope.txt" || die "mint-token failed"
mint --sub load-user --scope "read:load write:load" --ttl=-3600 >"$TOKENS/expired.txt" || die "mint-token failed"
for kind in "${MIXED_PATTERN[@]}"; do cat "$TOKENS/$kind.txt"; done >"$TOKENS/mixed.txt"
if wants unique-tokens; then
  say "minting $POOL distinct tokens"
  mint --sub load-user --scope "read:load" --ttl 86400 --count "$POOL" >"$TOKENS/pool.txt" || die "mint-token --count failed"
fi
VALID=$(cat "$TOKENS/valid.txt")

# --- run parameters -----------------------------------------------------------------------------
{
  echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo +dirty)"
  echo "nproc=$(nproc)"
  echo "clk_tck=$(getconf CLK_TCK)"
  echo "scenarios=${scenarios[*]}"
  echo "duration=$DURATION"
  echo "connections=$CONNECTIONS"
  echo "threads=$THREADS"
  echo "event_loops=$EVENT_LOOPS"
  echo "warmup=$WARMUP"
  echo "pool=$POOL"
  echo "idle_connections=$IDLE"
  echo "slow_delay_ms=$SLOW_DELAY_MS"
  echo "slow_connections=$SLOW_CONNECTIONS"
  echo "many_wrk_connections=$MANY_WRK_CONNECTIONS"
  echo "open_files_limit=$soft"
  echo "ports=gateway $GW_PORT, nginx $NGINX_PORT, slow backend $SLOW_PORT"
  echo "wrk=$(wrk -v 2>&1 | head -n 1 | awk '{print $2}')"
  echo "nginx=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
  echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/run.txt"

# --- 4. backends ----------------------------------------------------------------------------------
NGINX_PID=""
start_nginx() {
  local dir="$OUT/nginx" user_line=""
  mkdir -p "$dir/tmp" "$dir/www/large"
  head -c 1048576 /dev/urandom >"$dir/www/large/1MiB.bin"
  : >"$dir/www/large/item"   # must exist: a POST to it is the 405 that error_page turns into the 1 MiB file
  # As root, nginx would run its worker as "nobody", which may not reach the out dir.
  [ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);"
  sed -e "s#@OUT@#$dir#g" -e "s#@PORT@#$NGINX_PORT#g" -e "s#@USER@#$user_line#" \
    "$HERE/nginx.conf.template" >"$dir/nginx.conf"
  local error_flag=()
  "$NGINX" -h 2>&1 | grep -q -- '-e filename' && error_flag=(-e "$dir/error.log")
  start_bg "$dir/stdout.log" "$NGINX" -c "$dir/nginx.conf" -p "$dir/" "${error_flag[@]}"
  NGINX_PID=$BG_PID
  wait_http "http://127.0.0.1:$NGINX_PORT/" 200 10 "$NGINX_PID" || { cat "$dir/error.log" "$dir/stdout.log" >&2 2>/dev/null; die "nginx did not start"; }
}
head -c 1048576 /dev/urandom >"$OUT/body-1MiB.bin"
needs_nginx=0
for s in "${scenarios[@]}"; do [ "$s" = slow-backend ] || needs_nginx=1; done
if [ "$needs_nginx" = 1 ]; then
  say "backend: nginx on 127.0.0.1:$NGINX_PORT (1 worker)"
  start_nginx
fi

# --- 5. scenarios ---------------------------------------------------------------------------------
DIR="" GW_PID="" BACKEND_PIDS=()

rec() { echo "$1=$2" >>"$DIR/measure.txt"; }
log_lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
fail() { rec fail "$*"; say "$SCENARIO: FAILED: $*"; }

start_gateway() {
  start_bg "$DIR/gateway.log" "$BIN" serve --config "$1" --event-loops "$EVENT_LOOPS"
  GW_PID=$BG_PID
  if ! wait_http "$GW/healthz" 200 20 "$GW_PID"; then
    tail -n 20 "$DIR/gateway.log" >&2
    fail "the gateway did not become ready on $GW/healthz within 20 s"
    return 1
  fi
}

stop_gateway() {
  [ -n "$GW_PID" ] || return 0
  rec hwm_kib "$(proc_status "$GW_PID" VmHWM)"
  stop_pid "$GW_PID" 10
  GW_PID=""
}

# expect CODE CURL_ARGS...: one request through the gateway must answer CODE.
expect() {
  local want=$1 got
  shift
  got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$@" || true)
  [ "$got" = "$want" ] || { fail "sanity check: curl $* answered ${got:-nothing}, expected $want"; return 1; }
}

children_cpu_seconds() {
  awk 'NR == 2 { total = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); total += a[1] * 60 + a[2] } printf "%.3f", total }' "$1"
}

# run_wrk OUTFILE SECONDS CONNECTIONS PATH TOKENS_FILE [METHOD [BODY_FILE]]
run_wrk() {
  local file=$1 seconds=$2 conns=$3 path=$4 tokens=$5 method=${6:-GET} body=${7:-} threads=$THREADS
  [ "$threads" -le "$conns" ] || threads=$conns
  LOAD_SCENARIO=$SCENARIO LOAD_TOKENS=$tokens LOAD_METHOD=$method LOAD_BODY=$body \
    LOAD_THREADS=$threads LOAD_CONNECTIONS=$conns \
    start_bg "$file" wrk -t "$threads" -c "$conns" -d "${seconds}s" --timeout 5s --latency \
    -s "$HERE/wrk/load.lua" "$GW$path"
  local pid=$BG_PID
  wait_pid "$pid" $((seconds + 60)) || { fail "wrk exited with status $? (see $file)"; return 1; }
}

# measure CONNECTIONS PATH TOKENS_FILE [METHOD [BODY_FILE]]: warm-up, then the measured wrk run
# with /proc readings of the gateway and the backend around it.
measure() {
  rec threads_before "$(proc_status "$GW_PID" Threads)"
  grep -q '^rss_before_kib=' "$DIR/measure.txt" || rec rss_before_kib "$(proc_status "$GW_PID" VmRSS)"
  if [ "$WARMUP" -gt 0 ]; then run_wrk "$DIR/warmup.txt" "$WARMUP" "$@" || return 1; fi
  rec threads_after_warmup "$(proc_status "$GW_PID" Threads)"
  rec loadavg_before "$(cut -d' ' -f1-3 /proc/loadavg)"
  local backend_pids=("${BACKEND_PIDS[@]}") sampler machine pid
  for pid in "${BACKEND_PIDS[@]}"; do
    mapfile -t -O "${#backend_pids[@]}" backend_pids < <(proc_children "$pid" | tr ' ' '\n' | grep .)
  done
  sample_proc "$GW_PID" "$DIR/samples.tsv" $((DURATION + 70)) &
  sampler=$!
  STARTED_PIDS+=("$sampler")
  read -r -a machine < <(machine_ticks)
  rec m_busy0 "${machine[0]}"
  rec m_total0 "${machine[1]}"
  rec gw_ticks0 "$(proc_cpu_ticks "$GW_PID")"
  rec be_ticks0 "$(proc_cpu_ticks "${backend_pids[@]}")"
  times >"$DIR/times0.txt"
  rec t0 "$(now)"
  local ok=0
  run_wrk "$DIR/wrk.txt" "$DURATION" "$@" || ok=1
  rec t1 "$(now)"
  times >"$DIR/times1.txt"
  rec gw_ticks1 "$(proc_cpu_ticks "$GW_PID")"
  rec be_ticks1 "$(proc_cpu_ticks "${backend_pids[@]}")"
  read -r -a machine < <(machine_ticks)
  rec m_busy1 "${machine[0]}"
  rec m_total1 "${machine[1]}"
  rec wrk_cpu_s "$(awk -v a="$(children_cpu_seconds "$DIR/times0.txt")" -v b="$(children_cpu_seconds "$DIR/times1.txt")" 'BEGIN { printf "%.3f", b - a }')"
  stop_pid "$sampler" 2
  return "$ok"
}

scenario_allowed() {
  BACKEND_PIDS=("$NGINX_PID")
  start_gateway "$CONFIG" || return 1
  expect 200 -H "Authorization: Bearer $VALID" "$GW/load/item" || return 1
  measure "$CONNECTIONS" /load/item "$TOKENS/valid.txt"
}

scenario_unique_tokens() {
  BACKEND_PIDS=("$NGINX_PID")
  rec pool_size "$(grep -c . "$TOKENS/pool.txt")"
  rec pool_distinct "$(sort -u "$TOKENS/pool.txt" | grep -c .)"
  rec cache_entries "$CACHE_UNIQUE"
  start_gateway "$CONFIG_UNIQUE" || return 1
  expect 200 -H "Authorization: Bearer $(tail -n 1 "$TOKENS/pool.txt")" "$GW/load/item" || return 1
  measure "$CONNECTIONS" /load/item "$TOKENS/pool.txt"
}

scenario_mixed() {
  BACKEND_PIDS=("$NGINX_PID")
  start_gateway "$CONFIG" || return 1
  expect 200 -H "Authorization: Bearer $VALID" "$GW/load/item" || return 1
  expect 401 -H "Authorization: Bearer $(cat "$TOKENS/expired.txt")" "$GW/load/item" || return 1
  expect 403 -H "Authorization: Bearer $(cat "$TOKENS/noscope.txt")" "$GW/load/item" || return 1
  measure "$CONNECTIONS" /load/item "$TOKENS/mixed.txt"
}

scenario_large_bodies() {
  BACKEND_PIDS=("$NGINX_PID")
  start_gateway "$CONFIG" || return 1
  local size
  size=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 20 -H "Authorization: Bearer $VALID" \
    --data-binary "@$OUT/body-1MiB.bin" -H 'Content-Type: application/octet-stream' "$GW/large/item" || true)
  [ "$size" = "200 1048576" ] || { fail "sanity check: POST 1 MiB to /large/item answered '$size', expected '200 1048576'"; return 1; }
  measure "$CONNECTIONS" /large/item "$TOKENS/valid.txt" POST "$OUT/body-1MiB.bin"
}

scenario_many_connections() {
  BACKEND_PIDS=("$NGINX_PID")
  rec idle_target "$IDLE"
  [ -z "$idle_note" ] || rec idle_limited "$idle_note"
  start_gateway "$CONFIG" || return 1
  expect 200 -H "Authorization: Bearer $VALID" "$GW/load/item" || return 1
  rec rss_before_kib "$(proc_status "$GW_PID" VmRSS)"
  rec threads_before_idle "$(proc_status "$GW_PID" Threads)"
  local hold=$((WARMUP + DURATION + 60)) holder
  say "$SCENARIO: opening $IDLE idle keep-alive connections"
  start_bg "$DIR/holder.jsonl" python3 "$HERE/hold_connections.py" --port "$GW_PORT" --count "$IDLE" \
    --path /load/idle --token-file "$TOKENS/valid.txt" --hold "$hold" --open-timeout 120
  holder=$BG_PID
  if ! wait_file_line "$DIR/holder.jsonl" '"event": "open"' 130 "$holder"; then
    fail "the connection holder did not report its connections open (see $DIR/holder.jsonl)"
    return 1
  fi
  sleep 1
  rec rss_idle_kib "$(proc_status "$GW_PID" VmRSS)"
  rec threads_idle "$(proc_status "$GW_PID" Threads)"
  local conns=$(( CONNECTIONS < MANY_WRK_CONNECTIONS ? CONNECTIONS : MANY_WRK_CONNECTIONS )) ok=0
  measure "$conns" /load/item "$TOKENS/valid.txt" || ok=1
  rec rss_after_kib "$(proc_status "$GW_PID" VmRSS)"
  # SIGTERM: the holder checks which connections are still open, reuses a sample, reports, exits.
  kill -TERM "$holder" 2>/dev/null || true
  wait_pid "$holder" 60 || fail "the connection holder did not finish cleanly (status $?)"
  return "$ok"
}

scenario_slow_backend() {
  start_bg "$DIR/slow-backend.log" "$BIN" demo-backend --name slow --port "$SLOW_PORT" --delay-ms "$SLOW_DELAY_MS"
  local slow_pid=$BG_PID ok=0
  BACKEND_PIDS=("$slow_pid")
  rec delay_ms "$SLOW_DELAY_MS"
  if ! wait_http "http://127.0.0.1:$SLOW_PORT/" 200 20 "$slow_pid"; then
    fail "demo-backend --delay-ms did not start (see $DIR/slow-backend.log)"
    stop_pid "$slow_pid" 5
    return 1
  fi
  if start_gateway "$CONFIG" && expect 200 -H "Authorization: Bearer $VALID" "$GW/slow/item"; then
    measure "$SLOW_CONNECTIONS" /slow/item "$TOKENS/valid.txt" || ok=1
  else
    ok=1
  fi
  stop_gateway
  stop_pid "$slow_pid" 5
  return "$ok"
}

for SCENARIO in "${scenarios[@]}"; do
  DIR="$OUT/$SCENARIO"
  mkdir -p "$DIR"
  : >"$DIR/measure.txt"
  say "$SCENARIO: running (${WARMUP} s warm-up, ${DURATION} s measured)"
  denials_before=$(log_lines "$OUT/denials.log")
  case $SCENARIO in
    allowed) scenario_allowed || true ;;
    unique-tokens) scenario_unique_tokens || true ;;
    mixed) scenario_mixed || true ;;
    large-bodies) scenario_large_bodies || true ;;
    many-connections) scenario_many_connections || true ;;
    slow-backend) scenario_slow_backend || true ;;
  esac
  stop_gateway
  rec denial_log_lines $(( $(log_lines "$OUT/denials.log") - denials_before ))
  grep -h '^LOADSTAT' "$DIR/wrk.txt" 2>/dev/null | cut -c1-200 >&2 || true
done
stop_all

# --- 6. report ----------------------------------------------------------------------------------
status=0
echo
python3 "$HERE/report.py" "$OUT" || status=1
echo
echo "files: $OUT/{report.txt,results.json,results.csv,latency.html}; wrk's raw output: $OUT/<scenario>/wrk.txt"

if [ "$PEERS" = 1 ]; then
  shared=${SHARED:-$ROOT/../shared}
  if [ -x "$shared/bench/run.sh" ]; then
    say "peers: scripts/bench/peer-bench.sh ($shared/bench/run.sh)"
    SHARED=$shared "$ROOT/scripts/bench/peer-bench.sh" --out "$OUT/peers" || status=1
  else
    say "peers: skipped ($shared/bench/run.sh not found; set SHARED=DIR; the peer bench is not part of the product)"
  fi
fi
exit "$status"
