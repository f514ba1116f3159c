#!/bin/sh
# ctest smoke of `kizashi-bench replay --brokers` against the integration tests' single-node
# broker (fixture kafka_single, tests/integration/CMakeLists.txt): the same files replayed in
# process and through Kafka (both guarantees) must raise the same notifications — the same
# (destination, notification id, revision) set. kizashi-bench exits 4 when they differ; this
# script also checks result.json says so for both guarantees and that there was something to
# compare. No timing assertions.
#
#   kafka_smoke.sh SOURCE_DIR KIZASHI_BENCH KIZASHI_TRAFFIC WORK_DIR     (KIZASHI_KAFKA_DIR set)
set -eu
root=$1
bench=$2
traffic=$3
work=$4
dir=${KIZASHI_KAFKA_DIR:?KIZASHI_KAFKA_DIR: the fixture cluster directory}
if [ -f "$dir/unavailable" ]; then
  echo "kafka_smoke: skipped: $(cat "$dir/unavailable")"
  exit 0
fi
bootstrap=$("$root/deploy/kafka/kafka.sh" bootstrap --dir "$dir")
rm -rf "$work"
mkdir -p "$work"

check() {  # result.json: both guarantees, same documents; $2: "=N" exactly N of them, or "N" at least N
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
k = r["kafka"]
runs = {x["guarantee"]: x for x in k["runs"]}
assert set(runs) == {"at_least_once", "exactly_once"}, runs.keys()
assert k["same_documents_as_in_process"] is True, k
want = sys.argv[2]
n = k["in_process_documents"]
assert (n == int(want[1:])) if want.startswith("=") else (n >= int(want)), (n, want)
for g, x in runs.items():
    assert x["same_documents_as_in_process"] and x["outputs_read_to_end"], (g, x)
    assert x["documents"] == k["in_process_documents"], (g, x["documents"])
    assert x["records"] == k["records"] and x["kcat_records"] == k["records"], (g, x)
    assert x["late"] == k["in_process_late"] and x["dead_letters"] == k["in_process_dead_letters"], (g, x)
print("kafka_smoke: %s: %d documents, the same in process and through Kafka (both guarantees)"
      % (sys.argv[1], k["in_process_documents"]))
PY
}

# 1. The demo configuration (deploy/demo): 11 documents — FSA 3, MLIT 2, Cabinet Secretariat 4,
#    observations 2 (tests/integration/kafka_e2e_test.cc derives the ministry counts by hand) —
#    and 3 dead letters (truncated, unknown operator, bad timestamp).
"$bench" replay --smoke --no-progress --no-plot --brokers "$bootstrap" --out "$work/demo"
check "$work/demo/result.json" =11
python3 -c 'import json,sys; k=json.load(open(sys.argv[1]))["kafka"]; assert k["in_process_dead_letters"] == 3, k' \
  "$work/demo/result.json"

# 2. A generated corpus (EVE + 8 operators' syslog, labelled attacks), its first 3,000 records
#    (--smoke): the replayed prefix of each file is what goes through Kafka.
"$traffic" --out "$work/gen" --events 5000 --attack-fraction 0.2 --labels >/dev/null
"$bench" replay --traffic "$work/gen" --smoke --no-progress --no-plot --brokers "$bootstrap" \
  --out "$work/gen-out"
check "$work/gen-out/result.json" 1
