#!/usr/bin/env bash
# libFuzzer targets for every parser of untrusted bytes (the Fuzz/ package; issue 13).
#
#   scripts/fuzz.sh list                      the targets
#   scripts/fuzz.sh build                     build them all (release, -sanitize=fuzzer; 5-10 min the first time)
#   scripts/fuzz.sh run TARGET [--seconds N] [-- LIBFUZZER_FLAGS...]
#                                             fuzz one target for N seconds (600), then print its
#                                             executions and coverage
#   scripts/fuzz.sh smoke [--seconds N]       build, then every target for N seconds (15) from its seeds;
#                                             what CI runs after the tests
#   scripts/fuzz.sh replay TARGET FILE...     run the target once on each file (a crash's input)
#
# Seeds and dictionaries are in Fuzz/corpus/TARGET and Fuzz/dict/TARGET.dict (in git); what a
# run finds goes to Fuzz/.work/TARGET (not in git; merge good finds into the seeds with
# `-merge=1`). A crash leaves Fuzz/.work/crash-* and fails the run: turn its input into a
# regression test, then fix the parser.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FUZZ="$ROOT/Fuzz"
TARGETS=(request-target request-head bearer token jwks cache-control response-head config openapi)

die() { echo "fuzz: $*" >&2; exit 2; }
# request-head -> FuzzRequestHead
executable() {
  local name="" part
  IFS=- read -ra parts <<<"$1"
  for part in "${parts[@]}"; do name+="$(tr '[:lower:]' '[:upper:]' <<<"${part:0:1}")${part:1}"; done
  case "$name" in Jwks) name=JWKS ;; Openapi) name=OpenAPI ;; esac
  echo "$FUZZ/.build/release/Fuzz$name"
}
known() { local t; for t in "${TARGETS[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

build() {
  scripts/ensure-deps.sh
  echo "fuzz: building ${#TARGETS[@]} targets (swift build -c release --sanitize fuzzer --package-path Fuzz)" >&2
  swift build -c release --sanitize fuzzer --package-path "$FUZZ" >&2
}

# run TARGET SECONDS [flags...]: prints "TARGET: N executions in S s (R/s), cov C, ft F, corpus K"
run() {
  local target=$1 seconds=$2; shift 2
  local binary work log dict=()
  binary=$(executable "$target")
  [ -x "$binary" ] || die "$binary is missing: run scripts/fuzz.sh build"
  work="$FUZZ/.work/$target"
  mkdir -p "$work"
  log="$FUZZ/.work/$target.log"
  [ -f "$FUZZ/dict/$target.dict" ] && dict=(-dict="$FUZZ/dict/$target.dict")
  # Swift's crash handler would keep libFuzzer from writing the crash file (../shared/notes/STACK.md).
  local status=0
  SWIFT_BACKTRACE=enable=no "$binary" "$work" "$FUZZ/corpus/$target" "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$FUZZ/.work/$target-" "$@" >"$log" 2>&1 || status=$?
  local runs cov ft corpus
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(grep -o 'corp: [0-9]*/[0-9A-Za-z]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status) after ${runs:-?} executions; log $log" >&2
    grep -E "^(==[0-9]+==|Fatal error|.*fuzz invariant broken|SUMMARY|artifact_prefix|Test unit written)" "$log" | head -20 >&2 || true
    return 1
  fi
  echo "$target: ${runs:-0} executions in ${seconds} s ($(( ${runs:-0} / seconds ))/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corpus:-?}"
}

command=${1:-}; [ $# -gt 0 ] && shift
case "$command" in
  list) printf '%s\n' "${TARGETS[@]}" ;;
  build) build ;;
  run)
    [ $# -ge 1 ] || die "run needs a target (scripts/fuzz.sh list)"
    target=$1; shift; known "$target" || die "unknown target $target (scripts/fuzz.sh list)"
    seconds=600
    if [ "${1:-}" = "--seconds" ]; then [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--seconds needs a whole number"; seconds=$2; shift 2; fi
    [ "${1:-}" = "--" ] && shift
    [ -x "$(executable "$target")" ] || build
    run "$target" "$seconds" "$@"
    ;;
  smoke)
    seconds=15
    if [ "${1:-}" = "--seconds" ]; then [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--seconds needs a whole number"; seconds=$2; shift 2; fi
    build
    failed=0
    for target in "${TARGETS[@]}"; do run "$target" "$seconds" || failed=1; done
    exit $failed
    ;;
  replay)
    [ $# -ge 2 ] || die "replay needs a target and files"
    target=$1; shift; known "$target" || die "unknown target $target"
    [ -x "$(executable "$target")" ] || build
    SWIFT_BACKTRACE=enable=no "$(executable "$target")" "$@"
    ;;
  *) sed -n '2,17p' "$0"; [ -z "$command" ] || [ "$command" = --help ] || [ "$command" = -h ] || exit 2 ;;
esac
