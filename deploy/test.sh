#!/usr/bin/env bash
# Command 2 of the README (and what .ci/run calls): installs what is missing, builds
# everything, starts what the tests need, and runs every test suite; exits non-zero on any
# failure.
#
#   deploy/test.sh            the default run (~short fuzzing, fewer kills; CI budget)
#   deploy/test.sh --long     the long versions (long fuzz campaigns, full fault tests)
#   deploy/test.sh -R regex   only the ctest tests matching regex (no fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
LONG=0
CTEST_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --long) LONG=1; shift ;;
    -R) CTEST_ARGS+=(-R "$2"); shift 2 ;;
    *) echo "test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
export KIZASHI_LONG=$LONG
start=$(date +%s)

./deploy/install-deps.sh
./deploy/build.sh

status=0
ctest --test-dir build --output-on-failure -j2 --timeout 1800 "${CTEST_ARGS[@]}" || status=1

if [ ${#CTEST_ARGS[@]} -eq 0 ] && [ -x tests/fuzz/run.sh ]; then
  secs=30
  [ "$LONG" = 1 ] && secs=${KIZASHI_FUZZ_SECONDS:-600}
  tests/fuzz/run.sh "$secs" || status=1
fi

echo "test.sh: finished in $(( $(date +%s) - start ))s, status $status" >&2
exit $status
