#!/usr/bin/env python3
"""Prints the issue-9 target table (markdown) from the outputs of bench/performance.sh.

    bench/performance_table.py [var/bench/perf]

Reads decode.txt, match_log.txt, match_ids.txt, correlate.txt (Google Benchmark console
output), side-by-side.json (the Kafka rows; else side_by_side.log, kafka_bench's table) and
side-by-side/replay/result.json.
"""
import json
import os
import re
import sys

d = sys.argv[1] if len(sys.argv) > 1 else "var/bench/perf"


def rate(text, name, key="items_per_second"):
    """The `key` counter of benchmark `name` (first match), in units/s."""
    for line in text.splitlines():
        f = line.split()
        if f and f[0] == name:
            m = re.search(key + r"=([0-9.]+)([kMG]?)/s", line)
            if m:
                return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]
    return None


def read(name):
    p = os.path.join(d, name)
    return open(p).read() if os.path.exists(p) else ""


dec, ml, mi, co = read("decode.txt"), read("match_log.txt"), read("match_ids.txt"), read("correlate.txt")
sbs = read("side_by_side.log")
kafka = {}
# The Kafka rows of side_by_side.sh (kizashi-bench replay --brokers: the same corpus through
# Kafka), from side-by-side.json; else kafka_bench's console table in its log.
sbs_json = read("side-by-side.json")
if sbs_json and json.loads(sbs_json).get("kafka"):
    for r in json.loads(sbs_json)["kafka"]["runs"]:
        kafka[r["guarantee"]] = dict(kcat=r["kcat_records_per_s"], kz=r["records_per_s"], ratio=r["ratio_to_kcat"],
                                     paced=r["latency_ms"]["offered_records_per_s"], p50=r["latency_ms"]["p50"],
                                     p99=r["latency_ms"]["p99"])
for line in sbs.splitlines() if not kafka else []:
    f = line.split()
    if len(f) in (10, 11) and f[0] in ("at_least_once", "exactly_once"):
        kafka[f[0]] = dict(kcat=float(f[1]), kz=float(f[2]), ratio=float(f[3]), paced=float(f[5]),
                           p50=float(f[6]), p99=float(f[7]))

rows = []


def row(target, measured, goal, higher_is_better, unit, fmt, cmd):
    if measured is None:
        rows.append((target, "not measured", "—", cmd))
        return
    if higher_is_better:
        verdict = "**met** (%.0f %% of target)" % (100 * measured / goal) if measured >= goal else \
            "not met: %.0f %% of target" % (100 * measured / goal)
    else:
        verdict = "**met** (%.0f %% of the bound)" % (100 * measured / goal) if measured <= goal else \
            "not met: %.1f x the bound" % (measured / goal)
    rows.append((target, (fmt % measured) + unit, verdict, cmd))


M = 1e6
row("decode ≥ 2 M EVE/s/core (EVE alerts, suricata-eve-surevego)", (rate(dec, "BM_EveDecode_Alerts") or 0) / M or None,
    2.0, True, " M/s", "%.2f", "decode_bench (BM_EveDecode_Alerts)")
row("match ≥ 2 M events/s/core, log pack (fail2ban import)", (rate(ml, "BM_LogPack_Kizashi/prefiltered") or 0) / M or None,
    2.0, True, " M/s", "%.2f", "patterns_log_bench (BM_LogPack_Kizashi/prefiltered)")
row("match ≥ 250 k EVE events/s/core, ET Open imported", (rate(mi, "BM_IDS_Kizashi") or 0) / 1e3 or None,
    250, True, " k/s", "%.0f", "patterns_ids_bench (BM_IDS_Kizashi)")
row("correlator ≥ 2 M matched events/s/core, 1 M keys", (rate(co, "BM_CorrelateInMemory/0") or 0) / M or None,
    2.0, True, " M/s", "%.2f", "correlate_bench (BM_CorrelateInMemory/0)")
mo, wc = rate(co, "BM_PipelineMatchOnly/5"), rate(co, "BM_PipelineWithCorrelation/5")
row("match + correlate ≥ 80 % of match-only", 100 * wc / mo if mo and wc else None, 80, True, " %", "%.0f",
    "correlate_bench (BM_PipelineWithCorrelation/5 ÷ BM_PipelineMatchOnly/5)")
a, e = kafka.get("at_least_once"), kafka.get("exactly_once")
row("through Kafka ≥ 250 k events/s on 2 cores (at_least_once)", a["kz"] / 1e3 if a else None, 250, True, " k/s", "%.0f",
    "side_by_side.sh --kafka (kizashi-bench replay --brokers)")
row("through Kafka ≥ 0.5 × kcat raw consume (at_least_once)", a["ratio"] if a else None, 0.5, True, " ×", "%.2f",
    "side_by_side.sh --kafka (kizashi-bench replay --brokers)")
row("through Kafka ≥ 250 k events/s on 2 cores (exactly_once)", e["kz"] / 1e3 if e else None, 250, True, " k/s", "%.0f",
    "side_by_side.sh --kafka (kizashi-bench replay --brokers)")
row("p99 at 50 % load ≤ 10 ms, at_least_once", a["p99"] if a else None, 10, False, " ms", "%.1f",
    "side_by_side.sh --kafka (kizashi-bench replay --brokers)")
row("p99 at 50 % load ≤ 200 ms, exactly_once", e["p99"] if e else None, 200, False, " ms", "%.1f",
    "side_by_side.sh --kafka (kizashi-bench replay --brokers)")

print("| target | measured | vs target | measured by |")
print("|---|---:|---|---|")
for r in rows:
    print("| %s | %s | %s | %s |" % r)
