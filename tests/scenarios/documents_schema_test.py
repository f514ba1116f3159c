#!/usr/bin/python3
"""Every document the Annex 3/4 scenario suite routes validates against the committed
notification schema (docs/schemas/notification.schema.json), and the suite's documents show
what the framework asks: the 2(3) fields filled for reportable ones, a near miss for
not-reportable ones, and no ministry copy of a not-reportable revision except a downgrade.

usage: documents_schema_test.py KIZASHI SOURCE_DIR SHARED_DATA_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import glob
import re

import jsonschema
import yaml

kizashi, source_dir = sys.argv[1], sys.argv[2]
# As the C++ tests find it: $KIZASHI_SHARED_DATA when set, else the given default.
shared = os.environ.get("KIZASHI_SHARED_DATA") or sys.argv[3]
schema = json.load(open(os.path.join(source_dir, "docs/schemas/notification.schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "documents.jsonl")
    r = subprocess.run([kizashi, "rules", "test", os.path.join(source_dir, "deploy/rules"),
                        os.path.join(source_dir, "tests/scenarios/annex4"),
                        "--shared-data", shared, "--documents", out],
                       capture_output=True, text=True)
    if r.returncode == 4:
        print("SKIP: third-party data absent:", r.stdout)
        sys.exit(4)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        sys.exit(1)
    docs = [json.loads(line) for line in open(out)]
    m = re.search(r"(\d+) skipped", r.stdout)
    skipped = int(m.group(1)) if m else 0

failures = []
# The people's inputs of the scenarios follow docs/schemas/input.schema.json.
input_schema = json.load(open(os.path.join(source_dir, "docs/schemas/input.schema.json")))
jsonschema.Draft202012Validator.check_schema(input_schema)
input_validator = jsonschema.Draft202012Validator(input_schema)
inputs_checked = 0
for path in sorted(glob.glob(os.path.join(source_dir, "tests/scenarios/annex4/*.yaml"))):
    sc = yaml.safe_load(open(path))
    for rec in sc["records"]:
        text = rec if isinstance(rec, str) else rec.get("record")
        inp = sc.get("input") if isinstance(rec, str) else rec.get("input", sc.get("input"))
        if inp not in ("operator-reports", "control") or text is None:
            continue
        doc = json.loads(re.sub(r"\$\{incident:\d+\}", "0" * 32, text))
        inputs_checked += 1
        for e in input_validator.iter_errors(doc):
            failures.append(f"{os.path.basename(path)}: input {doc.get('id')}: {e.message}")
if inputs_checked < 10:
    failures.append(f"only {inputs_checked} scenario inputs found")
ministries = {"ministry.fsa", "ministry.mlit", "cabinet-secretariat"}
categories, reasons = set(), set()
for d in docs:
    for e in validator.iter_errors(d):
        failures.append(f"{d['incident_id']} r{d['revision']} {d['destination']}: {e.message}")
    v = d["verdict"]
    if v["reportable"]:
        categories.add(v["category"])
        # 2(3): the contact is mandatory (person, two means); the target system and overview.
        if not d["report"]["contact"].get("person") or len(d["report"]["contact"]["means"]) < 2:
            failures.append(f"{d['incident_id']}: reportable without the mandatory contact")
        if d["report"]["target_system"]["kind"] != "critical_system":
            failures.append(f"{d['incident_id']}: reportable on a non-critical target")
    else:
        reasons.add(v["not_reportable_reason"])
        if not v["near_miss"]:
            failures.append(f"{d['incident_id']} r{d['revision']}: not reportable without a near miss")
        if d["destination"] in ministries and not d["downgrade"]:
            failures.append(f"{d['incident_id']} r{d['revision']}: not-reportable revision to "
                            f"{d['destination']} that is not a downgrade")

# Coverage of the whole suite (only when no scenario was skipped for missing data).
want_categories = {"major_failure", "attack_detected", "attack_notice", "damage"}
want_reasons = {"preparatory_act", "information_theft", "non_critical_target", "withdrawn"}
filled = [d for d in docs if d["report"]["response"]["status"] and d["report"]["response"]["other_contacts"]]
if skipped:
    print(f"{skipped} scenario(s) skipped (third-party data absent): coverage not checked")
else:
    if categories != want_categories:
        failures.append(f"reportable categories seen {sorted(categories)}, want {sorted(want_categories)}")
    if not want_reasons <= reasons:
        failures.append(f"not-reportable reasons seen {sorted(reasons)}, want at least {sorted(want_reasons)}")
    # The damage revision with the response status fills 2(3)(c).
    if not filled:
        failures.append("no document fills the response status and other contacts")

print(f"{len(docs)} documents and {inputs_checked} inputs checked")
for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
