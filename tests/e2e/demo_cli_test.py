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
    # A reportable notification with every 2(3) field the demo can fill: the SSH incident's
    # second revision, after bank-a's response status (deploy/demo/traffic/operator-reports.jsonl).
    full = [d for d in reportable if d["kind"] == "notification" and d["change"] == "response_status"]
    assert len(full) == 1, [(d["incident_id"], d["revision"], d["change"]) for d in reportable]
    r = full[0]["report"]
    assert r["target_system"]["hardware"] and r["target_system"]["software"][0]["patch_status"], r
    assert r["overview"]["cause"]["matched_patterns"] and r["overview"]["cause"]["intrusion_path"], r
    assert r["overview"]["impact"], r
    assert r["response"]["status"] == "contained" and len(r["response"]["countermeasures"]) == 2, r
    assert r["response"]["other_contacts"] == ["JPCERT/CC: reported 10:25 JST"], r
    assert len(r["contact"]["means"]) >= 2, r
    assert full[0]["handling"]["inputs"][0]["by"] == "山田 花子 (SOC lead)", full[0]["handling"]
    # Annex 3 note 3: bank-a's operator-error failure goes to FSA only, never escalated.
    failure = [d for d in docs if d["verdict"]["category"] == "major_failure"]
    assert [d["destination"] for d in failure] == ["ministry.fsa"], failure
    assert not failure[0]["verdict"]["escalate_to_cabinet_secretariat"]
    # rail-b's threat notice (予告), without any telemetry: attack_notice to MLIT and escalated.
    notice = [d for d in docs if d["verdict"]["category"] == "attack_notice"]
    assert sorted(d["destination"] for d in notice) == ["cabinet-secretariat", "ministry.mlit"], notice
    assert notice[0]["evidence"]["event_count"] == 0
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
