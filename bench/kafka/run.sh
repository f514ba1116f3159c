#!/usr/bin/env bash
# Runs the Kafka benchmark (bench/kafka/kafka_bench.cc) against a fresh single-node broker
# started with deploy/kafka (in var/kafka-bench), then stops it.
#
#   bench/kafka/run.sh [--events N] [--seconds S]      (default 1 M events, 10 s latency run)
#   bench/kafka/run.sh --config FILE [--json OUT]       the file inputs of a kizashi configuration
#                                                       instead (kizashi-bench replay --brokers)
#   KIZASHI_BENCH_BOOTSTRAP=host:port bench/kafka/run.sh    use an existing broker instead
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${KIZASHI_BUILD_DIR:-build}
bin=$BUILD_DIR/bench/kafka/kafka_bench
[ -x "$bin" ] || ./deploy/build.sh kafka_bench kizashi
if [ -n "${KIZASHI_BENCH_BOOTSTRAP:-}" ]; then
  exec "$bin" --bootstrap "$KIZASHI_BENCH_BOOTSTRAP" "$@"
fi
dir=var/kafka-bench
trap 'deploy/kafka/kafka.sh destroy --dir "$dir" >/dev/null 2>&1 || true' EXIT
deploy/kafka/kafka.sh destroy --dir "$dir" >/dev/null 2>&1 || true
bootstrap=$(KIZASHI_KAFKA_HEAP=${KIZASHI_KAFKA_HEAP:-1g} deploy/kafka/kafka.sh start --dir "$dir")
"$bin" --bootstrap "$bootstrap" "$@"
