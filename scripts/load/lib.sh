# shellcheck shell=bash
# Helpers of scripts/load/run.sh (sourced): messages, processes started by PID and stopped by
# PID, bounded waits, and /proc readings of a process. Linux only.

say() { echo "load: $*" >&2; }
die() { say "error: $*"; exit 2; }

# --- processes: every background process is recorded here and stopped by its PID ---------

STARTED_PIDS=()

# start_bg LOG COMMAND...: runs COMMAND in the background, output to LOG; sets BG_PID.
start_bg() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  BG_PID=$!
  STARTED_PIDS+=("$BG_PID")
}

# forget_pid PID: PID has been waited for; stop_all must not signal it (the number may be reused).
forget_pid() {
  local pid=$1 kept=() p
  for p in "${STARTED_PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  STARTED_PIDS=("${kept[@]}")
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL if it has not exited after SECONDS (default 10).
stop_pid() {
  local pid=$1 limit=${2:-10} i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; forget_pid "$pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "process $pid did not stop in ${limit} s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
}

# stop_all: stops every recorded process still running, newest first (the EXIT trap).
stop_all() {
  local i
  local pids=("${STARTED_PIDS[@]}")
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    stop_pid "${pids[i]}" 5
  done
  STARTED_PIDS=()
}

# wait_pid PID SECONDS: waits for PID to exit; returns its status, or 124 (and stops it) on timeout.
wait_pid() {
  local pid=$1 limit=$2 i
  for ((i = 0; i < limit * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      local status=0
      wait "$pid" || status=$?
      forget_pid "$pid"
      return "$status"
    fi
    sleep 0.1
  done
  say "process $pid still running after ${limit} s: stopping it"
  stop_pid "$pid" 5
  return 124
}

# --- bounded waits --------------------------------------------------------------------------

# wait_http URL CODE SECONDS [PID]: polls URL until it answers CODE; fails after SECONDS or
# as soon as PID (the server) has exited.
wait_http() {
  local url=$1 code=$2 limit=$3 pid=${4:-} i got
  for ((i = 0; i < limit * 10; i++)); do
    got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null || true)
    [ "$got" = "$code" ] && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# wait_file_line FILE PATTERN SECONDS [PID]: waits until FILE has a line matching PATTERN (grep -E).
wait_file_line() {
  local file=$1 pattern=$2 limit=$3 pid=${4:-} i
  for ((i = 0; i < limit * 10; i++)); do
    grep -qE "$pattern" "$file" 2>/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      grep -qE "$pattern" "$file" 2>/dev/null && return 0
      return 1
    fi
    sleep 0.1
  done
  return 1
}

# free_port: a TCP port on 127.0.0.1 that nobody listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# --- /proc readings -----------------------------------------------------------------------

# proc_cpu_ticks PID...: utime + stime of the processes, in clock ticks (exited ones count 0).
proc_cpu_ticks() {
  local total=0 pid line rest
  for pid in "$@"; do
    line=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    rest=${line##*) }   # the fields after "(comm) ": state is field 3, utime 14, stime 15
    # shellcheck disable=SC2086
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

# proc_status PID FIELD: a number from /proc/PID/status (VmRSS and VmHWM in KiB, Threads); 0 if gone.
proc_status() {
  local value
  value=$(awk -v field="$2:" '$1 == field { print $2; exit }' "/proc/$1/status" 2>/dev/null || true)
  echo "${value:-0}"
}

# proc_children PID: PIDs of the direct children of PID (for nginx: its worker).
proc_children() {
  cat "/proc/$1/task/$1/children" 2>/dev/null || true
}

# machine_ticks: "busy total" clock ticks of all CPUs since boot (/proc/stat).
machine_ticks() {
  awk '$1 == "cpu" { total = 0; for (i = 2; i <= NF; i++) total += $i; print total - $5 - $6, total; exit }' /proc/stat
}

# now: wall-clock seconds with nanoseconds.
now() { date +%s.%N; }

# sample_proc PID FILE SECONDS: every 0.2 s appends "unix_time threads vmrss_kib" for PID to FILE,
# until PID exits or SECONDS have passed. Run in the background; stop it with stop_pid.
sample_proc() {
  local pid=$1 file=$2 limit=$3 i
  for ((i = 0; i < limit * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    printf '%s %s %s\n' "$(now)" "$(proc_status "$pid" Threads)" "$(proc_status "$pid" VmRSS)" >>"$file"
    sleep 0.2
  done
}
