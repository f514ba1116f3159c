#!/usr/bin/python3
"""Command 1 end to end: runs the `kizashi` binary on the embedded default exactly as
deploy/demo.sh does (with the state and output files redirected to a temp dir), then checks
that it exits 0, prints both reportable and not-reportable notifications, and that every
document it wrote validates against the committed JSON Schemas in docs/schemas/."""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

kizashi, source_dir = sys.argv[1], sys.argv[2]


def schema(name):
    with open(os.path.join(source_dir, "docs/schemas", name)) as f:
        s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s)


notification = schema("notification.schema.json")
dead_letter = schema("dead_letter.schema.json")
late_event = schema("late_event.schema.json")

with tempfile.TemporaryDirectory() as tmp:
    run = subprocess.run(
        [kizashi, "run", "--config", os.path.join(source_dir, "deploy/demo/kizashi.yaml"),
         "--reset-state", "--set", f"state.dir={tmp}/state", "--set", f"output_dir={tmp}"],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"exit {run.returncode}: {run.stderr}"
    docs = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
    for d in docs:
        errors = sorted(notification.iter_errors(d), key=lambda e: e.path)
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    reportable = [d for d in docs if d["verdict"]["reportable"]]
    observations = [d for d in docs if not d["verdict"]["reportable"]]
    assert len(reportable) >= 1 and len(observations) >= 1, run.stdout
    assert all(d["destination"] == "observations" for d in observations)
    assert all(d["verdict"]["near_miss"] for d in observations)
    # The schema is not vacuous: a document with one contact means, or a reportable verdict
    # carrying a not-reportable reason, is rejected.
    bad = json.loads(json.dumps(reportable[0]))
    bad["report"]["contact"]["means"] = bad["report"]["contact"]["means"][:1]
    assert not notification.is_valid(bad)
    bad = json.loads(json.dumps(reportable[0]))
    bad["verdict"]["not_reportable_reason"] = "preparatory_act"
    assert not notification.is_valid(bad)
    with open(os.path.join(tmp, "dead-letter.jsonl")) as f:
        dls = [json.loads(l) for l in f if l.strip()]
    assert len(dls) == 3, dls
    for d in dls:
        dead_letter.validate(d)
    late_path = os.path.join(tmp, "late.jsonl")
    if os.path.exists(late_path):
        with open(late_path) as f:
            for l in f:
                late_event.validate(json.loads(l))
    assert "event=run.done" in run.stderr, run.stderr
print(f"ok: {len(docs)} notifications validated")
