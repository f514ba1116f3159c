#!/usr/bin/env bash
# Command 1 of the README: installs what is missing, builds, and runs kizashi on the embedded
# default — a replay of the bundled recorded traffic (deploy/demo/traffic) through the whole
# pipeline, no broker needed. Notifications are printed to stdout as JSON lines; dead letters
# and late events go to var/demo/. Extra arguments are passed to `kizashi run`.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
./deploy/build.sh kizashi >&2
exec build/engine/app/kizashi run --config deploy/demo/kizashi.yaml --reset-state "$@"
