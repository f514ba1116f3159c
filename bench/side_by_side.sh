#!/usr/bin/env bash
# Side by side, in one run, on the same corpus and machine (issue 9): the physical limit
# (single-core memory scan), the matching limit (raw hs_scan with the same pack), a peer (SEC
# with the equivalent threshold rule on the same syslog), kizashi in process, and — when a
# broker is available — kcat's raw consume rate and kizashi through Kafka (bench/kafka/
# kafka_bench, same topics in the same run). Prints a table of ratios and writes it, with the
# machine description and the commands, to var/bench/side-by-side.md.
#
#   bench/side_by_side.sh [--events N] [--seconds S] [--short] [--kafka | --no-kafka]
#                         [--brokers HOST:PORT] [--out FILE]
#
#   --events N   corpus size (kizashi-traffic, profile annex4; default 1,000,000 records)
#   --short      smoke mode for the test suite: 20,000 records, 0.5 s paced run, no Kafka
#   --kafka      start a single-node Kafka 3.9 (deploy/kafka/kafka.sh) for the Kafka rows;
#                default: only when --brokers is given (a broker costs ~1 GB and a core)
set -euo pipefail
orig_args="$*"
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${KIZASHI_BUILD_DIR:-build}
events=1000000
seconds=5
short=0
kafka=0
brokers=""
out=var/bench/side-by-side.md
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --short) short=1; events=20000; seconds=0.5; shift ;;
    --kafka) kafka=1; shift ;;
    --no-kafka) kafka=0; brokers=""; shift ;;
    --brokers) brokers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "side_by_side.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
work=${KIZASHI_BENCH_WORK:-var/bench/side-by-side}
[ "$short" = 1 ] && work="$work-short"
mkdir -p "$work" "$(dirname "$out")"

bin=$BUILD_DIR/bench
need=(kizashi-bench kizashi-traffic kizashi-baseline)
[ -n "$brokers" ] || [ "$kafka" = 1 ] && need+=(kafka_bench)
missing=0
for t in "${need[@]}"; do
  f=$(find "$BUILD_DIR/bench" -maxdepth 2 -type f -name "$t" | head -1)
  [ -x "$f" ] || missing=1
done
if [ "$missing" = 1 ]; then ninja -C "$BUILD_DIR" -j2 "${need[@]}" >&2; fi
TRAFFIC=$BUILD_DIR/bench/traffic/kizashi-traffic
BENCH=$BUILD_DIR/bench/replay/kizashi-bench
BASELINE=$BUILD_DIR/bench/replay/kizashi-baseline
KAFKA_BENCH=$BUILD_DIR/bench/kafka/kafka_bench

log() { echo "side_by_side: $*" >&2; }

# 1. The corpus (regenerated when the size changes; deterministic, seed 1).
corpus=$work/corpus
if [ ! -f "$corpus/.events" ] || [ "$(cat "$corpus/.events")" != "$events" ]; then
  log "generating $events records into $corpus"
  rm -rf "$corpus"
  "$TRAFFIC" --out "$corpus" --events "$events" --labels >&2
  echo "$events" > "$corpus/.events"
fi
eve=$corpus/eve.jsonl
syslogs=("$corpus"/syslog-*.log)
all=("$eve" "${syslogs[@]}")

# 2. Physical limit and matching limit.
log "memscan"
mem=$("$BASELINE" memscan "${all[@]}")
log "hsscan"
hs=$("$BASELINE" hsscan --pack "$corpus/pack.yaml" "${all[@]}")

# 3. kizashi in process: maximum + one open-loop point at 50 % (+ quality against the labels).
log "kizashi in process"
"$BENCH" replay --traffic "$corpus" --sweep 50 --seconds "$seconds" --out "$work/replay" --no-progress >&2

# 4. SEC vs kizashi on the same syslog with the equivalent threshold rule (rule `brute`: 5
#    SSH failures from one address within 2 min). SEC's windows run on arrival time, so the
#    whole file falls in one window; the comparison is of throughput, not of verdicts.
cat > "$work/brute.sec" <<'SEC'
type=SingleWithThreshold
ptype=RegExp
pattern=(?:Failed password for (?:invalid user )?\S+|Invalid user \S*) from (\S+)
desc=brute $1
action=write - brute $1
window=120
thresh=5
SEC
sec_lines=$(cat "${syslogs[@]}" | wc -l)
sec_bytes=$(cat "${syslogs[@]}" | wc -c)
sec_args=()
for f in "${syslogs[@]}"; do sec_args+=("--input=$f"); done
sec_s=""
if command -v sec >/dev/null; then
  log "sec"
  t0=$(date +%s.%N)
  sec --conf="$work/brute.sec" "${sec_args[@]}" --notail --fromstart --log=/dev/null --nointevents > "$work/sec-alerts.txt"
  t1=$(date +%s.%N)
  sec_s=$(python3 -c "print($t1 - $t0)")
fi
python3 - "$corpus/kizashi.yaml" "$corpus/kizashi-syslog.yaml" <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
c["inputs"] = [i for i in c["inputs"] if i.get("format") == "syslog"]
c["rules"] = ["rules-syslog.yaml"]
yaml.safe_dump(c, open(sys.argv[2], "w"), sort_keys=False)
r = yaml.safe_load(open(sys.argv[1].replace("kizashi.yaml", "rules.yaml")))
r["rules"] = [x for x in r["rules"] if x["id"] == "brute"]
yaml.safe_dump(r, open(sys.argv[2].replace("kizashi-syslog.yaml", "rules-syslog.yaml"), "w"), sort_keys=False)
PY
log "kizashi on the syslog only (rule brute)"
"$BENCH" replay --config "$corpus/kizashi-syslog.yaml" --sweep "" --out "$work/replay-syslog" --no-progress --no-plot >&2

# 5. Kafka: kcat raw consume rate and kizashi through the broker (kafka_bench, same run).
kafka_out=""
started=""
if [ -z "$brokers" ] && [ "$kafka" = 1 ]; then
  if command -v java >/dev/null; then
    log "starting a single-node Kafka in $work/kafka"
    deploy/kafka/kafka.sh destroy --dir "$work/kafka" >/dev/null 2>&1 || true
    brokers=$(KIZASHI_KAFKA_HEAP=${KIZASHI_KAFKA_HEAP:-1g} deploy/kafka/kafka.sh start --dir "$work/kafka")
    started=1
    trap 'deploy/kafka/kafka.sh destroy --dir "$work/kafka" >/dev/null 2>&1 || true' EXIT
  else
    log "no java: Kafka rows skipped"
  fi
fi
if [ -n "$brokers" ]; then
  log "kafka_bench against $brokers"
  kafka_events=$events
  [ "$kafka_events" -gt 1000000 ] && kafka_events=1000000
  kafka_out=$("$KAFKA_BENCH" --bootstrap "$brokers" --events "$kafka_events" 2>&1 | tee /dev/stderr | tail -4 || true)
fi

# 6. The table.
python3 - "$work" "$out" "$events" "$seconds" "$short" "$sec_s" "$sec_lines" "$sec_bytes" "$brokers" "$orig_args" <<PY
import json, os, subprocess, sys
work, out, events, seconds, short, sec_s, sec_lines, sec_bytes, brokers, args = sys.argv[1:11]
def parse(line):
    f = line.split()
    return dict(records=int(f[1]), rps=float(f[2]), mbps=float(f[3]), extra=" ".join(f[4:]))
mem = parse("""$mem""".strip())
hs = parse("""$hs""".strip())
rep = json.load(open(os.path.join(work, "replay", "result.json")))
syl = json.load(open(os.path.join(work, "replay-syslog", "result.json")))
kafka = """$kafka_out"""
m = rep["machine"]
mx = rep["max"]
paced = rep["paced"][0] if rep["paced"] else None
rows = []
kz = mx["records_per_s"]
def row(name, what, rps, mbps, note="", ref=None, ref_name="kizashi in process"):
    rows.append((name, what, rps, mbps, note, ref if ref is not None else kz, ref_name))
row("memory scan (1 core)", "memchr over the corpus in memory", mem["rps"], mem["mbps"], "physical limit")
row("raw hs_scan (1 core)", "Hyperscan block scan of whole records, same pack", hs["rps"], hs["mbps"], hs["extra"])
q = mx.get("quality", {})
note = "p99 at 50 %%: %.1f ms (open loop)" % paced["latency_ms"]["p99"] if paced else ""
row("kizashi in process (1 worker)", "decode+enrich+match+correlate+classify+route+sink+commit", mx["records_per_s"], mx["mb_per_s"], note)
sm = syl["max"]
if sec_s:
    s = float(sec_s)
    row("SEC 2.9 (syslog only)", "sec --notail --fromstart, SingleWithThreshold = rule brute", int(sec_lines) / s, int(sec_bytes) / 1e6 / s,
        "process incl. start-up; ratio vs kizashi syslog-only", ref=sm["records_per_s"], ref_name="kizashi syslog-only")
row("kizashi in process (syslog only)", "same syslog, rule brute only", sm["records_per_s"], sm["mb_per_s"], "")
kafka_rows = 0
for line in kafka.splitlines():
    f = line.split()
    if f and f[0] in ("at_least_once", "exactly_once"):
        kafka_rows += 1
        kcat = float(f[1])
        row("kcat raw consume (%s run)" % f[0], "kcat -C of the input topics (kafka_bench sensors corpus)", kcat, 0, "Kafka limit")
        row("kizashi through Kafka (%s)" % f[0], "KafkaRunner on the same topics, same broker, 2 cores shared with it", float(f[2]), float(f[4]),
            "%.2f x kcat; p50 %s ms, p99 %s ms at %s ev/s (50 %%)" % (float(f[2]) / kcat if kcat else 0, f[6], f[7], f[5]))
lines = []
lines.append("# kizashi side by side")
lines.append("")
lines.append("Machine: %s, %d logical CPUs, %s RAM; load average at start %s. The machine is a shared"
             " 2-core VM with other jobs running: absolute numbers are provisional, ratios are steadier." %
             (m["cpu"], m["logical_cpus"], m["memory"], m["load_average_at_start"]))
lines.append("")
lines.append("Corpus: kizashi-traffic --profile annex4, %s records (%s in %.1f MB: EVE + syslog of 8 operators, labelled Annex 4 scenarios); pack %s (%s entries); %d rules." %
             (rep["corpus"]["records"], ", ".join("%s %d" % (i["name"], i["records"]) for i in rep["corpus"]["inputs"][:2]) + (", ..." if len(rep["corpus"]["inputs"]) > 2 else ""),
              rep["corpus"]["bytes"] / 1e6, rep["packs"][0]["id"] if rep["packs"] else "-", rep["packs"][0]["entries"] if rep["packs"] else 0, rep["rules"]["count"]))
lines.append("")
lines.append("| measurement | what | records/s | MB/s | kizashi / this | note |")
lines.append("|---|---|---:|---:|---:|---|")
for name, what, rps, mbps, note, ref, ref_name in rows:
    ratio = ref / rps if rps > 0 else 0
    lines.append("| %s | %s | %s | %s | %.3f | %s |" % (name, what, format(int(rps), ","), ("%.1f" % mbps) if mbps else "-", ratio, note))
lines.append("")
lines.append("*kizashi / this*: kizashi in process (whole corpus) over the row's rate; for SEC, kizashi on the same syslog with the same rule.")
lines.append("")
if q:
    lines.append("Detection quality on the same run: recall %.1f %% (%d/%d reportable instances), precision %.1f %% (%d reportable incidents), not-reportable instances reported: %d of %d." %
                 (100 * q["recall"], q["detected"], q["reportable_instances"], 100 * q["precision"], q["reportable_incidents"], q["not_reportable_reported"], q["not_reportable_instances"]))
    lines.append("")
lines.append("Per stage (kizashi in process, ns/record): " + ", ".join("%s %.0f" % (k, v) for k, v in mx["stage_ns_per_record"].items()) +
             "; candidates/event %.3f, matches/event %.3f, peak RSS %.0f MiB." % (mx["candidates_per_event"], mx["matches_per_event"], mx["peak_rss_bytes"] / 1048576))
lines.append("")
if not kafka.strip():
    lines.append("Kafka rows: not measured in this run (no broker: pass --kafka or --brokers HOST:PORT).")
    lines.append("")
elif kafka_rows == 0:
    lines.append("Kafka rows: kafka_bench produced no result; its output ends with:")
    lines.append("")
    lines.append("    " + "\n    ".join(kafka.strip().splitlines()[-4:]))
    lines.append("")
lines.append("Reproduce: \`bench/side_by_side.sh %s\` (RelWithDebInfo build in build/; corpus and per-tool results in %s)." % (args, work))
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
PY
echo "side_by_side: wrote $out" >&2
