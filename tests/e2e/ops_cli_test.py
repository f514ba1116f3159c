#!/usr/bin/python3
"""The operational surface of the real `kizashi` binary: the live /metrics scrape checked by
promtool, health endpoints, SIGHUP and file-watch reloads (success and failure), SIGTERM drain
with no loss across a restart, the second signal, `kizashi check` reporting every error at
once, overrides, and the command-line conventions.

Usage: ops_cli_test.py KIZASHI_BINARY SOURCE_DIR

Hermetic: every process gets its own temp dir and listens on port 0 (the bound address is
read from its `metrics.listening` log line). Waits are for conditions (a metric value, a log
line, an exit), each bounded by a generous deadline that only guards against hangs; nothing
asserts on durations.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import yaml

KIZASHI = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
PROMTOOL = shutil.which("promtool") or ("/usr/bin/promtool" if os.path.exists("/usr/bin/promtool") else None)
HANG_GUARD_S = 120


def scan_alert(src, seconds, op="bank-a"):
    """An EVE alert the demo pack's ids-ssh-scan entry matches, against bank-a's core banking
    system (10.1.0.0/16); `seconds` after 2024-03-01 00:00 JST."""
    day, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    ts = f"2024-03-{1 + day:02d}T{h:02d}:{m:02d}:{s:02d}.000000+0900"
    return json.dumps({
        "timestamp": ts, "event_type": "alert", "src_ip": src, "src_port": 50000,
        "dest_ip": "10.1.0.5", "dest_port": 22, "proto": "TCP", "operator": op,
        "alert": {"action": "allowed", "gid": 1, "signature_id": 2001219, "rev": 20,
                  "signature": "ET SCAN Potential SSH Scan", "category": "Attempted Information Leak",
                  "severity": 2}}, separators=(",", ":"))


def scan_waves(sources, per_source=5, gap=10):
    """`sources` attackers one after the other, each with `per_source` alerts 1 s apart: one
    incident each under the demo rule access-attempt-critical (5 events in 2 minutes)."""
    lines = []
    t = 0
    for k in range(sources):
        src = f"198.51.{100 + (k // 250) % 50}.{k % 250 + 1}"
        for i in range(per_source):
            lines.append(scan_alert(src, t + i))
        t += per_source + gap
    return lines


class Workspace:
    """A temp dir with a config, a copy of the demo pack and rules, and an input file."""

    def __init__(self, lines, batch=64, extra=None):
        self.dir = tempfile.mkdtemp(prefix="kizashi-ops-")
        os.makedirs(os.path.join(self.dir, "packs"))
        self.pack = os.path.join(self.dir, "packs", "demo.yaml")
        shutil.copy(os.path.join(SOURCE, "patterns/packs/demo.yaml"), self.pack)
        self.rules = os.path.join(self.dir, "rules.yaml")
        shutil.copy(os.path.join(SOURCE, "deploy/demo/rules.yaml"), self.rules)
        with open(os.path.join(self.dir, "eve.jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")
        config = {
            "inputs": [{"name": "sensors", "type": "file", "path": "eve.jsonl", "format": "eve",
                        "operator_from": "field", "operator_field": "operator"}],
            "registry": {"paths": [os.path.join(SOURCE, "deploy/registry/framework-2005.yaml"),
                                   os.path.join(SOURCE, "deploy/demo/registry")]},
            "patterns": {"packs": ["packs"], "insecure_allow_unsigned": True},
            "rules": ["rules.yaml"],
            "state": {"dir": "state"},
            "output_dir": "out",
            "engine": {"batch_max_records": batch},
            "metrics": {"address": "127.0.0.1:0"},
            "destinations": [
                {"name": n, "type": "file", "path": "notifications.jsonl"}
                for n in ["ministry.fsa", "ministry.mlit", "ministry.mic", "ministry.meti",
                          "cabinet-secretariat"]] + [
                {"name": "observations", "type": "file", "path": "observations.jsonl"},
                {"name": "dead-letter", "type": "file", "path": "dead-letter.jsonl"},
                {"name": "late", "type": "file", "path": "late.jsonl"}],
        }
        for key, value in (extra or {}).items():
            if isinstance(value, dict):
                config.setdefault(key, {}).update(value)
            else:
                config[key] = value
        self.config = os.path.join(self.dir, "kizashi.yaml")
        with open(self.config, "w") as f:
            yaml.safe_dump(config, f)

    def outputs(self):
        out = {}
        for name in ["notifications", "observations", "dead-letter", "late"]:
            path = os.path.join(self.dir, "out", name + ".jsonl")
            out[name] = []
            if os.path.exists(path):
                with open(path) as f:
                    out[name] = f.read().splitlines()
        return out

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Process:
    """`kizashi run` in the background with its stderr in a file."""

    def __init__(self, ws, *args, reset=True):
        self.log_path = os.path.join(ws.dir, f"kizashi-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "w")
        cmd = [KIZASHI, "run", "--config", ws.config] + (["--reset-state"] if reset else []) + list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log)
        listening = re.compile(r"event=metrics.listening address=127\.0\.0\.1:(\d+)")
        wait_for(lambda: listening.search(self.stderr()) or self.proc.poll() is not None,
                 "the metrics endpoint")
        m = listening.search(self.stderr())
        self.port = int(m.group(1)) if m else None

    def stderr(self):
        with open(self.log_path) as f:
            return f.read()

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def metrics(self):
        status, body = self.get("/metrics")
        assert status == 200, status
        return body

    def sample(self, name):
        return sample(self.metrics(), name)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self):
        rc = self.proc.wait(timeout=HANG_GUARD_S)
        self.log.close()
        return rc


def wait_for(fn, what="condition"):
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting for {what}")


def sample(text, name):
    """Value of one sample ('name{a="x"}', labels sorted as prometheus-cpp prints them)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split(" ")[1])
    return None


class OpsCliTest(unittest.TestCase):
    def setUp(self):
        self.workspaces = []

    def tearDown(self):
        for ws in self.workspaces:
            ws.cleanup()

    def ws(self, *args, **kwargs):
        w = Workspace(*args, **kwargs)
        self.workspaces.append(w)
        return w

    def test_live_scrape_passes_promtool_and_deploy_files_use_exported_metrics(self):
        ws = self.ws(scan_waves(30) + ["this is not json"], extra={"lifecycle": {"linger": True}})
        p = Process(ws)
        self.assertIsNotNone(p.port, p.stderr())
        wait_for(lambda: "event=run.lingering" in p.stderr(), "the replay to finish")
        self.assertEqual(p.get("/healthz"), (200, "ok\n"))
        status, body = p.get("/readyz")
        self.assertEqual(status, 200, body)
        self.assertTrue(body.startswith("ready\n"), body)
        scrape = p.metrics()
        self.assertEqual(sample(scrape, 'kizashi_records_consumed_total{input="sensors"}'), 151)
        self.assertEqual(sample(scrape, 'kizashi_dead_letters_total{reason="malformed"}'), 1)
        # 30 incidents: a ministry notification and an escalation each.
        self.assertEqual(sample(scrape, 'kizashi_outputs_total{destination="ministry.fsa",kind="notification"}'), 30)
        self.assertEqual(sample(scrape, "kizashi_ready"), 1)
        if PROMTOOL:
            check = subprocess.run([PROMTOOL, "check", "metrics"], input=scrape, text=True,
                                   capture_output=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr + scrape)
        else:
            print("note: promtool not installed; exposition format not checked")

        # Every metric the alerting rules and the dashboard use is one kizashi exports.
        exported = set()
        for line in scrape.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ")
                exported.add(name)
                if kind == "histogram":
                    exported |= {name + "_bucket", name + "_sum", name + "_count"}
        # Families that only a Kafka runner feeds (file mode has no consumer): their names
        # must still be declared by the probe.
        with open(os.path.join(SOURCE, "engine/runtime/consumer_probe.cc")) as f:
            consumer_src = f.read()
        kafka_only = {"kizashi_consumer_lag_records"}
        for name in kafka_only:
            self.assertIn(f'"{name}"', consumer_src)
        used = set()
        with open(os.path.join(SOURCE, "deploy/prometheus/kizashi-alerts.yml")) as f:
            for group in yaml.safe_load(f)["groups"]:
                for rule in group["rules"]:
                    used |= set(re.findall(r"\b(?:kizashi|process)_[a-z_]+", rule["expr"]))
        with open(os.path.join(SOURCE, "deploy/grafana/kizashi-dashboard.json")) as f:
            dashboard = json.load(f)
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                used |= set(re.findall(r"\b(?:kizashi|process)_[a-z_]+", target["expr"]))
        self.assertTrue(used)
        missing = sorted(used - exported - kafka_only)
        self.assertEqual(missing, [], "used by deploy/ but not exported")
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(), 0, p.stderr())
        self.assertIn("event=service.stopped exit=0", p.stderr())

    def test_sighup_reload_success_then_failure_keeps_serving(self):
        ws = self.ws(scan_waves(3), extra={"lifecycle": {"linger": True}})
        p = Process(ws)
        wait_for(lambda: "event=run.lingering" in p.stderr(), "the replay to finish")
        self.assertEqual(p.sample('kizashi_pattern_pack_info{pack="kizashi-demo",version="2024.03.1"}'), 1)

        with open(ws.pack) as f:
            text = f.read()
        with open(ws.pack, "w") as f:
            f.write(text.replace('version: "2024.03.1"', 'version: "2024.03.2"'))
        p.signal(signal.SIGHUP)
        wait_for(lambda: p.sample('kizashi_snapshot_reloads_total{result="success"}') == 1, "reload")
        m = p.metrics()
        self.assertEqual(sample(m, "kizashi_snapshot_generation"), 2)
        self.assertEqual(sample(m, 'kizashi_pattern_pack_info{pack="kizashi-demo",version="2024.03.2"}'), 1)
        self.assertIsNone(sample(m, 'kizashi_pattern_pack_info{pack="kizashi-demo",version="2024.03.1"}'))
        self.assertEqual(sample(m, "kizashi_snapshot_last_reload_successful"), 1)

        # A broken pack: the reload fails, is logged with file:line, counted, changes nothing.
        with open(ws.pack, "w") as f:
            f.write(text.replace("regex: '/wp-login", "regex: '(unclosed/wp-login"))
        p.signal(signal.SIGHUP)
        wait_for(lambda: p.sample('kizashi_snapshot_reloads_total{result="failure"}') == 1, "failed reload")
        m = p.metrics()
        self.assertEqual(sample(m, "kizashi_snapshot_generation"), 2)
        self.assertEqual(sample(m, 'kizashi_pattern_pack_info{pack="kizashi-demo",version="2024.03.2"}'), 1)
        self.assertEqual(sample(m, "kizashi_snapshot_last_reload_successful"), 0)
        log = p.stderr()
        self.assertRegex(log, r"event=reload\.error file=" + re.escape(ws.pack) + r" line=[1-9]\d*")
        self.assertIn("event=reload.failed trigger=sighup errors=1 generation=2", log)
        self.assertEqual(p.get("/readyz")[0], 200)  # still serving
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(), 0, p.stderr())

    def test_file_watch_reloads_when_a_pack_changes(self):
        ws = self.ws(scan_waves(2), extra={"lifecycle": {"linger": True, "watch": True,
                                                         "watch_interval": "100ms"}})
        p = Process(ws)
        wait_for(lambda: "event=run.lingering" in p.stderr(), "the replay to finish")
        with open(ws.pack) as f:
            text = f.read()
        with open(ws.pack, "w") as f:
            f.write(text.replace('version: "2024.03.1"', 'version: "2024.04.0"'))
        wait_for(lambda: p.sample('kizashi_pattern_pack_info{pack="kizashi-demo",version="2024.04.0"}') == 1,
                 "the watch to reload the pack")
        self.assertIn("event=reload.done trigger=watch", p.stderr())
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(), 0, p.stderr())

    def test_registry_watch_reloads_when_the_registry_changes(self):
        # registry.watch_interval (the registry's own setting) without lifecycle.watch.
        ws = self.ws(scan_waves(2), extra={"lifecycle": {"linger": True}})
        operators = os.path.join(ws.dir, "operators.yaml")
        shutil.copy(os.path.join(SOURCE, "deploy/demo/registry/operators.yaml"), operators)
        with open(ws.config) as f:
            config = yaml.safe_load(f)
        config["registry"] = {"paths": [os.path.join(SOURCE, "deploy/registry/framework-2005.yaml"),
                                        operators], "watch_interval": "100ms"}
        with open(ws.config, "w") as f:
            yaml.safe_dump(config, f)
        p = Process(ws)
        wait_for(lambda: "event=run.lingering" in p.stderr(), "the replay to finish")
        before = [l for l in p.metrics().splitlines() if l.startswith("kizashi_registry_info{")]
        self.assertEqual(len(before), 1, before)
        with open(operators, "a") as f:
            f.write("\n# edited\n")
        wait_for(lambda: p.sample('kizashi_snapshot_reloads_total{result="success"}') == 1,
                 "the registry watch to reload")
        self.assertIn("event=reload.done trigger=registry-watch", p.stderr())
        after = [l for l in p.metrics().splitlines() if l.startswith("kizashi_registry_info{")]
        self.assertNotEqual(before, after)  # the registry version is a hash of its files
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(), 0, p.stderr())

    def test_sigterm_drains_and_a_restart_loses_nothing(self):
        lines = scan_waves(12000)  # 60000 records, 12000 incidents
        ref = self.ws(lines, batch=256)
        run = subprocess.run([KIZASHI, "run", "--config", ref.config, "--reset-state"],
                             capture_output=True, text=True, timeout=600)
        self.assertEqual(run.returncode, 0, run.stderr)
        reference = ref.outputs()
        # 12000 incidents opened: a ministry notification and an escalation each (later
        # revisions close them as the watermark passes their quiet period).
        opened = [d for d in map(json.loads, reference["notifications"]) if d["change"] == "opened"]
        self.assertEqual(len(opened), 24000)
        total = len(reference["notifications"])

        ws = self.ws(lines, batch=256)
        p = Process(ws)
        wait_for(lambda: (p.proc.poll() is not None) or (p.sample("kizashi_batches_total") or 0) >= 1,
                 "the first batch")
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(), 0, p.stderr())
        first = p.stderr()
        interrupted = "event=run.stopped" in first
        if interrupted:
            self.assertIn("event=run.drained", first)
            partial = ws.outputs()["notifications"]
            self.assertLess(len(partial), total)
            # Whole incidents only: every revision's ministry copy and escalation were written
            # in the same committed batch.
            self.assertEqual(len(partial) % 2, 0)
        else:
            print("note: the replay finished before SIGTERM arrived; drain not exercised mid-run")
        p2 = Process(ws, reset=False)
        self.assertEqual(p2.wait(), 0, p2.stderr())
        if interrupted:
            self.assertIn("event=replay.resume", p2.stderr())
        # The same documents in the same order as the uninterrupted run: nothing lost, nothing
        # twice.
        self.assertEqual(ws.outputs(), reference)

    def test_second_signal_exits_at_once(self):
        ws = self.ws(scan_waves(12000), batch=4096)
        p = Process(ws)
        wait_for(lambda: (p.proc.poll() is not None) or (p.sample("kizashi_batches_total") or 0) >= 1,
                 "the first batch")
        # Stopped, the process holds both signals pending; on SIGCONT its signal thread takes
        # SIGINT (lower number) first and SIGTERM right after, while the batch in flight is
        # still being finished.
        p.signal(signal.SIGSTOP)
        p.signal(signal.SIGINT)
        p.signal(signal.SIGTERM)
        p.signal(signal.SIGCONT)
        rc = p.wait()
        if rc == 0:
            self.skipTest("the replay ended before the signals were handled")
        self.assertEqual(rc, 128 + signal.SIGTERM, p.stderr())
        self.assertIn("second signal, exiting now", p.stderr())

    def test_check_reports_every_error_at_once(self):
        d = tempfile.mkdtemp(prefix="kizashi-check-")
        try:
            files = {
                "kizashi.yaml": (
                    "inputs:\n"
                    "  - {name: sensors, type: file, path: eve.jsonl, format: eve, operator_from: field, operator_field: operator}\n"
                    f"registry: {{paths: [{SOURCE}/deploy/registry/framework-2005.yaml, operators.yaml]}}\n"
                    "patterns: {packs: [pack.yaml], insecure_allow_unsigned: true}\n"
                    "rules: [rules.yaml]\n"
                    "engine: {batch_max_records: 0}\n"          # line 6: out of bounds
                    "no_such_key: true\n"                         # line 7: unknown key
                    "destinations:\n"
                    "  - {name: dead-letter, type: discard}\n"
                    "  - {name: late, type: discard}\n"),
                "operators.yaml": (
                    "operators:\n"
                    "  - id: bank-x\n"                            # line 2: unknown sector
                    "    name: Bank X\n"
                    "    sector: no-such-sector\n"
                    "    contact: {person: P, means: [{type: phone, value: '+81-3-5555-0100'},\n"
                    "                                 {type: email, value: soc@bank-x.example}]}\n"),
                "pack.yaml": (
                    "pack: {id: broken, version: '1', issuer: test}\n"
                    "entries:\n"
                    "  - id: bad-regex\n"                         # line 3: Hyperscan rejects it
                    "    kind: attack_pattern\n"
                    "    title: Bad\n"
                    "    regex: '(unclosed'\n"
                    "    fields: [message]\n"
                    "    attack_type: unauthorized_access\n"
                    "    severity: medium\n"),
                "rules.yaml": (
                    "rules:\n"
                    "  - id: r1\n"
                    "    title: R1\n"
                    "    match:\n"
                    "      attack_types: [no_such_type]\n"        # line 5
                    "      target: critical_system\n"
                    "    condition: {type: single}\n"),
            }
            for name, text in files.items():
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            run = subprocess.run([KIZASHI, "check", "--config", os.path.join(d, "kizashi.yaml")],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(run.returncode, 3, run.stderr)
            err = run.stderr
            cfg = re.escape(os.path.join(d, "kizashi.yaml"))
            self.assertRegex(err, cfg + r":6: error: \[engine.batch_max_records\]")
            self.assertRegex(err, cfg + r":7: error: \[no_such_key\] unknown configuration key")
            self.assertRegex(err, re.escape(os.path.join(d, "operators.yaml")) + r":2: error: \[bank-x\]")
            self.assertRegex(err, re.escape(os.path.join(d, "pack.yaml")) + r":3: error: \[bad-regex\]")
            self.assertRegex(err, re.escape(os.path.join(d, "rules.yaml")) + r":\d+: error: \[r1\]")
            self.assertIn("kizashi check: 5 error(s)", err)
            # The same configuration does not start: `run` prints the errors and exits 3.
            run = subprocess.run([KIZASHI, "run", "--config", os.path.join(d, "kizashi.yaml")],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(run.returncode, 3)
            self.assertIn("no_such_key", run.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_environment_and_command_line_overrides(self):
        ws = self.ws(scan_waves(1))
        env = dict(os.environ, KIZASHI_ENGINE__BATCH_MAX_RECORDS="0")
        run = subprocess.run([KIZASHI, "check", "--config", ws.config], env=env,
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 3)
        self.assertIn("KIZASHI_ENGINE__BATCH_MAX_RECORDS: error: [engine.batch_max_records] value 0 outside", run.stderr)
        run = subprocess.run([KIZASHI, "check", "--config", ws.config, "--set", "metrics.address=nonsense"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 3)
        self.assertIn("[metrics.address]", run.stderr)
        # Overrides feed `run`: batches of 2 records over 5 records make 3 batches.
        env = dict(os.environ, KIZASHI_ENGINE__BATCH_MAX_RECORDS="3")
        p = subprocess.Popen([KIZASHI, "run", "--config", ws.config, "--reset-state",
                              "--set", "engine.batch_max_records=2", "--set", "lifecycle.linger=true"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            lines = []
            for line in p.stderr:
                lines.append(line)
                if "event=run.lingering" in line:
                    break
            port = int(re.search(r"address=127\.0\.0\.1:(\d+)", "".join(lines)).group(1))
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
                self.assertEqual(sample(r.read().decode(), "kizashi_batches_total"), 3)
        finally:
            p.send_signal(signal.SIGTERM)
            p.communicate(timeout=HANG_GUARD_S)
        self.assertEqual(p.returncode, 0)

    def test_command_line_conventions(self):
        v = subprocess.run([KIZASHI, "--version"], capture_output=True, text=True)
        self.assertEqual(v.returncode, 0)
        for dep in ["hyperscan", "librdkafka", "rocksdb", "openssl"]:
            self.assertIn(dep, v.stdout)
        for cmd in ["run", "check"]:
            h = subprocess.run([KIZASHI, cmd, "--help"], capture_output=True, text=True)
            self.assertEqual(h.returncode, 0)
            self.assertIn("--config", h.stdout)
        bad = subprocess.run([KIZASHI, "run", "--no-such-option"], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)
        self.assertEqual(bad.stdout, "")
        self.assertIn("no-such-option", bad.stderr)
        self.assertEqual(subprocess.run([KIZASHI, "frobnicate"], capture_output=True).returncode, 2)
        # The endpoint cannot bind: a runtime failure (1), said on stderr.
        ws = self.ws(scan_waves(1))
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        taken = s.getsockname()[1]
        try:
            run = subprocess.run([KIZASHI, "run", "--config", ws.config, "--set",
                                  f"metrics.address=127.0.0.1:{taken}"],
                                 capture_output=True, text=True, timeout=120)
        finally:
            s.close()
        self.assertEqual(run.returncode, 1)
        self.assertIn("metrics endpoint", run.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
