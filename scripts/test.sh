#!/usr/bin/env bash
# Runs the whole test suite (unit and end-to-end over real sockets and processes).
# Installs the libcurl/OpenSSL dev packages first if they are missing. The build checks that
# every target imports only the targets and products it declares (the layers of Package.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
exec swift test --explicit-target-dependency-import-check error "$@"
