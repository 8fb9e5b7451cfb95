#!/usr/bin/env bash
# Runs the peer benchmark in ../shared/bench (bare nginx proxy, HAProxy verifying the same
# RS256 JWT) with ScopeGate added to the same alternating rounds (--extra), and prints its
# table. Needs ../shared (not part of the product) and its setup.sh done once.
#
#   scripts/bench/peer-bench.sh                  # workers 2, one valid token
#   scripts/bench/peer-bench.sh --token-pool 1000  # 1000 distinct tokens, every one verified
#   scripts/bench/peer-bench.sh --observability-ab # two gateways of the same build in the same
#                                                  # rounds: gw (metrics and access log off: admin
#                                                  # null, log.access off) on 8081 and gw-obs
#                                                  # (admin on 9901, an access line per request to
#                                                  # a file) on 8080; OBS_FIRST=1 runs gw-obs
#                                                  # first in each round
#
# With --token-pool N the gateway's verification cache holds N/2 entries, so that, like
# HAProxy, it verifies the signature of (nearly) every request instead of answering from the
# cache after the first pass over the pool.
#
# Extra arguments go to run.sh. Loopback only; run.sh stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SHARED=${SHARED:-$ROOT/../shared}
[ -x "$SHARED/bench/run.sh" ] || { echo "peer-bench: $SHARED/bench/run.sh not found" >&2; exit 2; }

swift build -c release --product scopegate >/dev/null
BIN="$(swift build -c release --show-bin-path)/scopegate"

CACHE_ENTRIES=10000
AB=0
args=()
for arg in "$@"; do
  if [ "$arg" = "--observability-ab" ]; then AB=1; else args+=("$arg"); fi
done
for i in "${!args[@]}"; do
  if [ "${args[$i]}" = "--token-pool" ] && [ -n "${args[$((i + 1))]:-}" ]; then CACHE_ENTRIES=$(( args[i + 1] / 2 )); fi
done

CONFIG_DIR=$(mktemp -d)
CONFIG=$CONFIG_DIR/gateway.bench.json
# write_config FILE PORT ADMIN ACCESS: the bench gateway's config.
write_config() {
  cat > "$1" <<JSON
{
  "listen": {"host": "127.0.0.1", "port": $2},
  "admin": $3,
  "shutdown": {"drain_delay_ms": 0, "grace_ms": 5000},
  "api": {"issuer": "https://issuer.bench.local/", "audience": "https://api.bench.local",
          "jwks": {"file": "$SHARED/bench/keys/jwks.json"}, "algorithms": ["RS256"],
          "verification_cache": {"max_entries": $CACHE_ENTRIES}},
  "backends": {"bench": {"url": "http://127.0.0.1:9001"}},
  "routes": [{"prefix": "/bench", "backend": "bench", "methods": {"GET": ["read:bench"]}}],
  "log": {"denials": {"file": "$CONFIG_DIR/denials.log"}, "access": $4, "stats_interval_seconds": 0}
}
JSON
  "$BIN" check --config "$1" >/dev/null
}

if [ "$AB" = 1 ]; then
  write_config "$CONFIG" 8081 null '"off"'
  OBS=$CONFIG_DIR/gateway.bench-obs.json
  write_config "$OBS" 8080 '{"host": "127.0.0.1", "port": 9901}' "{\"file\": \"$CONFIG_DIR/access.log\"}"
  # Which of the two runs first in each round alternates with the run (OBS_FIRST=1 puts gw-obs
  # first), so that a position effect of the rounds can be told from the cost being measured.
  off=(--extra gw=http://127.0.0.1:8081/bench/item
       --extra-start "gw=$BIN serve --config $CONFIG --event-loops @WORKERS@")
  on=(--extra gw-obs=http://127.0.0.1:8080/bench/item
      --extra-start "gw-obs=$BIN serve --config $OBS --event-loops @WORKERS@")
  if [ "${OBS_FIRST:-0}" = 1 ]; then order=("${on[@]}" "${off[@]}"); else order=("${off[@]}" "${on[@]}"); fi
  exec "$SHARED/bench/run.sh" --peers "haproxy-jwt" --workers "2" "${order[@]}" "${args[@]}"
fi

write_config "$CONFIG" 8080 null '"off"'
exec "$SHARED/bench/run.sh" --peers "direct nginx-proxy haproxy-jwt" --workers "2" \
  --extra gw=http://127.0.0.1:8080/bench/item \
  --extra-start "gw=$BIN serve --config $CONFIG --event-loops @WORKERS@" "${args[@]}"
