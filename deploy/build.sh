#!/usr/bin/env bash
# Configures (once) and builds kizashi in build/ (RelWithDebInfo, Ninja, ccache outside the
# clone). Extra arguments are ninja targets (default: everything).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${KIZASHI_BUILD_DIR:-build}
JOBS=${KIZASHI_JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${KIZASHI_CMAKE_ARGS:-} >/dev/null
fi
ninja -C "$BUILD_DIR" -j"$JOBS" "$@"
