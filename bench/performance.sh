#!/usr/bin/env bash
# Runs, once, every measurement behind docs/performance.md: the component benchmarks for the
# issue-9 targets (decode, match on the log pack and on ET Open, correlator with 1 M keys,
# match + correlate share) and bench/side_by_side.sh (with a Kafka broker: kizashi through
# Kafka, kcat, p99 at 50 % load for both guarantees). Outputs go to var/bench/perf/.
#
#   bench/performance.sh [--no-kafka] [--events N]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${KIZASHI_BUILD_DIR:-build}
kafka=--kafka
events=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --no-kafka) kafka=--no-kafka; shift ;;
    --events) events=$2; shift 2 ;;
    *) echo "performance.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=var/bench/perf
mkdir -p "$out"
ninja -C "$BUILD_DIR" -j2 decode_bench patterns_log_bench patterns_ids_bench correlate_bench \
  kizashi-bench kizashi-traffic kizashi-baseline kafka_bench >&2
run() {
  local name=$1; shift
  echo "performance: $name: $*" >&2
  echo "\$ $*" > "$out/$name.txt"
  "$@" >> "$out/$name.txt" 2>&1 || echo "(exit $?)" >> "$out/$name.txt"
}
run decode "$BUILD_DIR/bench/decode_bench" \
  --benchmark_filter='BM_EveDecode_Alerts|BM_EveSimdjsonBaseline_Alerts|BM_EveDecode_AllTypes|BM_SyslogDecode_Mix' \
  --benchmark_min_time=1
run match_log "$BUILD_DIR/bench/patterns_log_bench" \
  --benchmark_filter='BM_LogPack_(Kizashi|RawHsScan)/prefiltered' --benchmark_min_time=1
run match_ids "$BUILD_DIR/bench/patterns_ids_bench" \
  --benchmark_filter='BM_IDS_(Kizashi|RawHsScan)$' --benchmark_min_time=1
run correlate "$BUILD_DIR/bench/correlate/correlate_bench" \
  --benchmark_filter='BM_BaselineHashCount|BM_CorrelateInMemory/0|BM_PipelineMatchOnly/5|BM_PipelineWithCorrelation/5' \
  --benchmark_min_time=1
bench/side_by_side.sh --events "$events" $kafka 2> "$out/side_by_side.log"
cp var/bench/side-by-side.md var/bench/side-by-side.json "$out/"
# Throughput and latency versus offered load, in process, on the same corpus (sweep.png).
run replay_sweep "$BUILD_DIR/bench/replay/kizashi-bench" replay --traffic var/bench/side-by-side/corpus \
  --sweep 10,25,50,75,90 --seconds 3 --no-progress --out "$out/replay"
echo "performance: results in $out/" >&2
python3 bench/performance_table.py "$out" | tee "$out/targets.md"
