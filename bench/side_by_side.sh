#!/usr/bin/env bash
# Side by side, in one run, on the same corpus and machine (issue 9): the physical limit
# (single-core memory scan), the matching limit (raw hs_scan with the same pack), a peer (SEC
# with the equivalent threshold rule on the same syslog), kizashi in process, and — when a
# broker is available — kcat's raw consume rate and kizashi through Kafka: `kizashi-bench
# replay --brokers` produces the same corpus files into Kafka (keyed by operator, as `kizashi
# produce`), kcat reads those topics, the production KafkaRunner processes them with both
# guarantees, and its notifications are checked against the in-process run's. Every row names
# its corpus and record count. Prints a table of ratios and writes it, with the machine
# description and the commands, to var/bench/side-by-side.md (and side-by-side.json).
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
if [ -n "$brokers" ] || [ "$kafka" = 1 ]; then need+=(kafka_bench); fi
missing=0
for t in "${need[@]}"; do
  f=$(find "$BUILD_DIR/bench" -maxdepth 2 -type f -name "$t" | head -1)
  [ -x "$f" ] || missing=1
done
if [ "$missing" = 1 ]; then ninja -C "$BUILD_DIR" -j2 "${need[@]}" >&2; fi
TRAFFIC=$BUILD_DIR/bench/traffic/kizashi-traffic
BENCH=$BUILD_DIR/bench/replay/kizashi-bench
BASELINE=$BUILD_DIR/bench/replay/kizashi-baseline

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

# 5. Kafka, on the same corpus: kizashi-bench replay --brokers produces the corpus files into
#    the broker, measures kcat's raw consume rate of those topics and kizashi through Kafka
#    (both guarantees; latency at 50 % of the Kafka maximum), and compares the notifications
#    with its own in-process run of the same files (exit 4 if they differ).
kafka_rc=""
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
  log "kizashi-bench replay --brokers $brokers (the same corpus through Kafka)"
  rm -f "$work/replay-kafka/result.json"
  kafka_rc=0
  "$BENCH" replay --traffic "$corpus" --sweep "" --seconds "$seconds" --brokers "$brokers" \
    --out "$work/replay-kafka" --no-progress --no-plot >&2 || kafka_rc=$?
fi

# 6. The table.
python3 - "$work" "$out" "$events" "$seconds" "$short" "$sec_s" "$sec_lines" "$sec_bytes" "$brokers" "$orig_args" "$kafka_rc" "$corpus" <<PY
import json, os, subprocess, sys
work, out, events, seconds, short, sec_s, sec_lines, sec_bytes, brokers, args, kafka_rc, corpus_dir = sys.argv[1:13]
def parse(line):
    f = line.split()
    return dict(records=int(f[1]), rps=float(f[2]), mbps=float(f[3]), extra=" ".join(f[4:]))
mem = parse("""$mem""".strip())
hs = parse("""$hs""".strip())
rep = json.load(open(os.path.join(work, "replay", "result.json")))
syl = json.load(open(os.path.join(work, "replay-syslog", "result.json")))
kres_path = os.path.join(work, "replay-kafka", "result.json")
kres = json.load(open(kres_path)) if brokers and os.path.exists(kres_path) else None
kafka = kres.get("kafka") if kres else None
m = rep["machine"]
mx = rep["max"]
paced = rep["paced"][0] if rep["paced"] else None
rows = []
kz = mx["records_per_s"]
# The corpus of each row: C = the whole corpus (every file), S = its syslog files only.
C = "C: all %s records" % format(rep["corpus"]["records"], ",")
S = "S: syslog, %s lines" % format(int(sec_lines), ",")
def row(name, what, corpus, records, rps, mbps, note="", ref=None, ref_name="kizashi in process"):
    rows.append(dict(name=name, what=what, corpus=corpus, records=records, records_per_s=rps, mb_per_s=mbps,
                     note=note, ref=ref if ref is not None else kz, ref_name=ref_name))
row("memory scan (1 core)", "memchr over the corpus in memory", C, mem["records"], mem["rps"], mem["mbps"], "physical limit")
row("raw hs_scan (1 core)", "Hyperscan block scan of whole records, same pack", C, hs["records"], hs["rps"], hs["mbps"], hs["extra"])
q = mx.get("quality", {})
note = "p99 at 50 %%: %.1f ms (open loop)" % paced["latency_ms"]["p99"] if paced else ""
row("kizashi in process (1 worker)", "decode+enrich+match+correlate+classify+route+sink+commit", C, mx["records"], mx["records_per_s"], mx["mb_per_s"], note)
sm = syl["max"]
if sec_s:
    s = float(sec_s)
    row("SEC 2.9 (syslog only)", "sec --notail --fromstart, SingleWithThreshold = rule brute", S, int(sec_lines), int(sec_lines) / s, int(sec_bytes) / 1e6 / s,
        "process incl. start-up; ratio vs kizashi syslog-only", ref=sm["records_per_s"], ref_name="kizashi syslog-only")
row("kizashi in process (syslog only)", "same syslog, rule brute only", S, sm["records"], sm["records_per_s"], sm["mb_per_s"], "")
kafka_rows = 0
if kafka:
    for r in kafka["runs"]:
        g = r["guarantee"]
        kafka_rows += 1
        kcat = r["kcat_records_per_s"]
        row("kcat raw consume (%s run)" % g, "kcat -C of the corpus's input topics (one per file, keyed by operator)", C, r["kcat_records"], kcat, 0, "Kafka limit")
        l = r["latency_ms"]
        same = ("notifications = in process (%d documents)" % r["documents"]) if r["same_documents_as_in_process"] else \
            ("NOTIFICATIONS DIFFER from in process: %d only in process, %d only via Kafka (late events: %d in process, %d via Kafka)" %
             (len(r["only_in_process"]), len(r["only_via_kafka"]), kafka.get("in_process_late", 0), r.get("late", 0)))
        row("kizashi through Kafka (%s)" % g, "KafkaRunner on those topics, same broker, 2 cores shared with it", C, r["records"], r["records_per_s"], r["mb_per_s"],
            "%.2f x kcat; p50 %.1f / p99 %.1f / p99.9 %.1f ms at %s rec/s (50 %%, open loop, %d samples); %s" %
            (r["ratio_to_kcat"], l["p50"], l["p99"], l["p99_9"], format(int(l["offered_records_per_s"]), ","), l["samples"], same))
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
lines.append("Corpus of each row: **C** = the whole corpus above (%s); **S** = its syslog files only. Every row%s reads these same files." % (corpus_dir, ", the Kafka rows included," if kafka else ""))
lines.append("")
lines.append("| measurement | what | corpus | records | records/s | MB/s | kizashi / this | note |")
lines.append("|---|---|---|---:|---:|---:|---:|---|")
for r in rows:
    rps = r["records_per_s"]
    ratio = r["ref"] / rps if rps > 0 else 0
    lines.append("| %s | %s | %s | %s | %s | %s | %.3f | %s |" % (r["name"], r["what"], r["corpus"], format(int(r["records"]), ","), format(int(rps), ","),
                 ("%.1f" % r["mb_per_s"]) if r["mb_per_s"] else "-", ratio, r["note"]))
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
if not brokers:
    lines.append("Kafka rows: not measured in this run (no broker: pass --kafka or --brokers HOST:PORT).")
    lines.append("")
elif kafka_rows == 0:
    lines.append("Kafka rows: kizashi-bench replay --brokers produced no result (exit status %s; its log is in side_by_side's stderr)." % kafka_rc)
    lines.append("")
else:
    lines.append("Kafka rows: \`%s\` (%s); notifications through Kafka %s those of its in-process run of the same files (%d documents)." %
                 (kafka["command"], kafka["corpus"], "equal" if kafka["same_documents_as_in_process"] else "DIFFER FROM", kafka["in_process_documents"]))
    lines.append("")
lines.append("Reproduce: \`bench/side_by_side.sh %s\` (RelWithDebInfo build in build/; corpus and per-tool results in %s)." % (args, work))
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
json.dump(dict(machine=m, corpus=dict(dir=corpus_dir, records=rep["corpus"]["records"], bytes=rep["corpus"]["bytes"], inputs=rep["corpus"]["inputs"],
                                      C="the whole corpus", S="its syslog files only (%s lines)" % sec_lines),
               rows=rows, quality=q, kafka=kafka, command="bench/side_by_side.sh " + args),
          open(os.path.splitext(out)[0] + ".json", "w"), indent=1)
print(text)
PY
echo "side_by_side: wrote $out" >&2
