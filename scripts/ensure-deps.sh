#!/usr/bin/env bash
# Installs the system packages ScopeGate builds against, when missing (Debian/Ubuntu):
# libcurl4-openssl-dev (upstream engine), libssl-dev, pkg-config, curl (demo), plus any
# packages named as arguments (scripts/load/run.sh: wrk nginx python3).
#
#   scripts/ensure-deps.sh [PACKAGE ...]
#
# Package scripts are kept from starting system services (a policy-rc.d that says no, for
# the time of the install): nginx is only ever started by the scripts that need it.
set -euo pipefail

missing=()
for pkg in libcurl4-openssl-dev libssl-dev pkg-config curl "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "scopegate: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "scopegate: run as root or install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
