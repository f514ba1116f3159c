#!/usr/bin/python3
"""Checks the deployment files in deploy/ with whatever can run here:

- systemd: `systemd-analyze verify` on the unit, and `systemd-analyze security --offline`
  exposure at most 2.0 (skipped with the reason when systemd-analyze is missing);
- Kubernetes: `kubectl kustomize` builds the manifests; their structure (StatefulSet with a
  state volume, ConfigMaps for config/registry/packs/rules, Services, PDB, probes on /readyz
  and /healthz, a hardened security context, Strimzi KafkaTopics for every configured topic)
  is cross-checked against the configuration they carry, which `kizashi check` validates;
- Prometheus: `promtool check config`, `promtool check rules`, `promtool test rules`;
- Grafana: the dashboard JSON and the panels the operations guide promises.

Usage: deploy_test.py KIZASHI_BINARY SOURCE_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

KIZASHI = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
DEPLOY = os.path.join(SOURCE, "deploy")


def tool(name):
    path = shutil.which(name)
    if path is None and os.path.exists("/usr/bin/" + name):
        path = "/usr/bin/" + name
    return path


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)


class SystemdTest(unittest.TestCase):
    def setUp(self):
        self.analyze = tool("systemd-analyze")
        if self.analyze is None:
            self.skipTest("systemd-analyze is not installed")
        self.dir = tempfile.mkdtemp(prefix="kizashi-systemd-")
        # verify checks that ExecStart's binary exists: point it at the one just built.
        with open(os.path.join(DEPLOY, "systemd/kizashi.service")) as f:
            self.unit_text = f.read()
        self.unit = os.path.join(self.dir, "kizashi.service")
        with open(self.unit, "w") as f:
            f.write(self.unit_text.replace("/usr/bin/kizashi", KIZASHI))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_verify(self):
        r = run([self.analyze, "verify", self.unit])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("Unknown", r.stderr)

    def test_hardening(self):
        unit = self.unit_text
        for line in ["User=kizashi", "StateDirectory=kizashi", "ProtectSystem=strict",
                     "NoNewPrivileges=yes", "CapabilityBoundingSet=\n", "PrivateTmp=yes",
                     "Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "RestartPreventExitStatus=3",
                     "ExecStart=/usr/bin/kizashi run --config /etc/kizashi/kizashi.yaml"]:
            self.assertIn(line, unit)
        # The stop timeout leaves room for kizashi's own drain bound.
        with open(os.path.join(DEPLOY, "systemd/kizashi.yaml")) as f:
            drain = yaml.safe_load(f)["lifecycle"]["drain_timeout"]
        stop = re.search(r"^TimeoutStopSec=(\d+)s$", unit, re.M)
        self.assertIsNotNone(stop)
        self.assertGreater(int(stop.group(1)), int(drain.rstrip("s")))
        r = run([self.analyze, "security", "--offline=true", "--threshold=20", self.unit])
        if "--offline" in r.stderr and "unrecognized" in r.stderr:
            self.skipTest("this systemd-analyze has no --offline security scoring")
        self.assertEqual(r.returncode, 0, "exposure above 2.0:\n" + r.stdout[-3000:] + r.stderr)

    def test_sysusers_declares_the_user(self):
        with open(os.path.join(DEPLOY, "systemd/kizashi.sysusers")) as f:
            lines = [l for l in f if l.strip() and not l.startswith("#")]
        self.assertEqual(lines[0].split()[:2], ["u", "kizashi"])

    def test_example_configuration_is_valid(self):
        check_config(self, os.path.join(DEPLOY, "systemd/kizashi.yaml"))


def check_config(test, config_path, registry=None, packs=None, rules=None, keys=None):
    """`kizashi check` a deployment configuration, its /etc paths replaced by the repository's
    registry, packs and rules (or the given directories)."""
    sets = ["--set", "registry.paths=" + (registry or ",".join([
                os.path.join(SOURCE, "deploy/registry/framework-2005.yaml"),
                os.path.join(SOURCE, "deploy/demo/registry")])),
            "--set", "patterns.packs=" + (packs or os.path.join(SOURCE, "patterns/packs")),
            "--set", "patterns.trusted_keys=" + (keys or os.path.join(SOURCE, "deploy/demo/keys/demo-issuer.pub")),
            "--set", "rules=" + (rules or os.path.join(SOURCE, "deploy/demo/rules.yaml"))]
    # --offline: the example brokers do not exist here (the Kafka integration tests check
    # topics against a real broker).
    r = run([KIZASHI, "check", "--offline", "--config", config_path] + sets)
    test.assertEqual(r.returncode, 0, r.stderr)


class KubernetesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        kdir = os.path.join(DEPLOY, "kubernetes")
        kubectl = tool("kubectl")
        if kubectl is not None:
            r = run([kubectl, "kustomize", kdir])
            if r.returncode != 0:
                raise AssertionError("kubectl kustomize failed:\n" + r.stderr)
            cls.docs = [d for d in yaml.safe_load_all(r.stdout) if d]
            cls.kustomized = True
        else:  # build by hand from the resources list
            with open(os.path.join(kdir, "kustomization.yaml")) as f:
                k = yaml.safe_load(f)
            cls.docs = []
            for res in k["resources"]:
                with open(os.path.join(kdir, res)) as f:
                    cls.docs += [d for d in yaml.safe_load_all(f) if d]
            cls.kustomized = False
        cls.by_kind = {}
        for d in cls.docs:
            cls.by_kind.setdefault(d["kind"], []).append(d)
        cls.configmaps = {d["metadata"]["name"]: d for d in cls.by_kind.get("ConfigMap", [])}
        cls.config = yaml.safe_load(cls.configmaps["kizashi-config"]["data"]["kizashi.yaml"])

    def one(self, kind):
        items = self.by_kind.get(kind, [])
        self.assertEqual(len(items), 1, kind)
        return items[0]

    def test_every_document_is_well_formed(self):
        for d in self.docs:
            self.assertIn("apiVersion", d)
            self.assertIn("kind", d)
            self.assertTrue(re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", d["metadata"]["name"]), d["metadata"]["name"])
            if self.kustomized and d["kind"] != "Namespace":
                self.assertEqual(d["metadata"].get("namespace"), "kizashi", d["metadata"]["name"])
        for kind in ["Namespace", "StatefulSet", "Service", "PodDisruptionBudget", "ConfigMap", "KafkaTopic"]:
            self.assertIn(kind, self.by_kind)

    def test_configmaps_are_generated_from_the_repository(self):
        r = run([sys.executable, os.path.join(DEPLOY, "kubernetes/make-configmaps.py"), "--check"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(set(self.configmaps), {"kizashi-config", "kizashi-registry", "kizashi-packs",
                                                "kizashi-trusted-keys", "kizashi-rules"})

    def test_statefulset(self):
        sts = self.one("StatefulSet")
        spec = sts["spec"]
        pod = spec["template"]["spec"]
        labels = spec["template"]["metadata"]["labels"]
        self.assertEqual(spec["selector"]["matchLabels"].items() - labels.items(), set())
        (c,) = pod["containers"]
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}

        # State on the pod's own persistent volume, where the configuration puts RocksDB.
        (claim,) = spec["volumeClaimTemplates"]
        self.assertEqual(claim["spec"]["accessModes"], ["ReadWriteOnce"])
        state_mount = next(p for p, n in mounts.items() if n == claim["metadata"]["name"])
        self.assertTrue(self.config["state"]["dir"].startswith(state_mount + "/"))

        # Configuration, registry, packs and rules from the ConfigMaps, as the config names them.
        args = c["args"]
        config_file = args[args.index("--config") + 1]
        cm_of = lambda path: volumes[mounts[path]]["configMap"]["name"]
        self.assertEqual(cm_of(os.path.dirname(config_file)), "kizashi-config")
        self.assertIn(os.path.basename(config_file), self.configmaps["kizashi-config"]["data"])
        for key, cm in [("registry", "kizashi-registry"), ("patterns.packs", "kizashi-packs"),
                        ("patterns.trusted_keys", "kizashi-trusted-keys"), ("rules", "kizashi-rules")]:
            if key == "registry":
                (path,) = self.config["registry"]["paths"]
            elif key.startswith("patterns."):
                (path,) = self.config["patterns"][key.split(".")[1]]
            else:
                (path,) = self.config[key]
            self.assertEqual(cm_of(path), cm, key)
            self.assertTrue(next(m for m in c["volumeMounts"] if m["mountPath"] == path).get("readOnly"))

        # Probes on the metrics port that the configuration listens on.
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        self.assertEqual(ports["metrics"], int(self.config["metrics"]["address"].rsplit(":", 1)[1]))
        self.assertEqual(c["readinessProbe"]["httpGet"], {"path": "/readyz", "port": "metrics"})
        self.assertEqual(c["livenessProbe"]["httpGet"], {"path": "/healthz", "port": "metrics"})

        # Graceful stop: the grace period covers kizashi's drain bound.
        drain = int(self.config["lifecycle"]["drain_timeout"].rstrip("s"))
        self.assertGreater(pod["terminationGracePeriodSeconds"], drain)

        # Hardened.
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        self.assertEqual(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault")
        sc = c["securityContext"]
        self.assertFalse(sc["allowPrivilegeEscalation"])
        self.assertTrue(sc["readOnlyRootFilesystem"])
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        self.assertFalse(pod["automountServiceAccountToken"])

    def test_services_and_pdb_select_the_pods(self):
        labels = self.one("StatefulSet")["spec"]["template"]["metadata"]["labels"]
        services = {s["metadata"]["name"]: s for s in self.by_kind["Service"]}
        self.assertEqual(services[self.one("StatefulSet")["spec"]["serviceName"]]["spec"]["clusterIP"], "None")
        for s in services.values():
            self.assertEqual(s["spec"]["selector"].items() - labels.items(), set())
            self.assertIn("metrics", [p.get("targetPort") for p in s["spec"]["ports"]])
        pdb = self.one("PodDisruptionBudget")
        self.assertEqual(pdb["apiVersion"], "policy/v1")
        self.assertEqual(pdb["spec"]["selector"]["matchLabels"].items() - labels.items(), set())
        self.assertIn("maxUnavailable", pdb["spec"])
        with open(os.path.join(DEPLOY, "kubernetes/servicemonitor.yaml")) as f:
            sm = yaml.safe_load(f)
        metrics_svc = next(s for s in services.values()
                           if sm["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items())
        self.assertEqual(sm["spec"]["endpoints"][0]["port"], metrics_svc["spec"]["ports"][0]["name"])

    def test_every_configured_topic_has_a_kafkatopic(self):
        topics = {t["spec"]["topicName"]: t for t in self.by_kind["KafkaTopic"]}
        for t in topics.values():
            self.assertEqual(t["apiVersion"], "kafka.strimzi.io/v1beta2")
            self.assertIn("strimzi.io/cluster", t["metadata"]["labels"])
            self.assertGreaterEqual(t["spec"]["replicas"], 3)
        configured = [i["topic"] for i in self.config["inputs"] if i["type"] == "kafka"]
        configured += [d["topic"] for d in self.config["destinations"] if d["type"] == "kafka"]
        self.assertTrue(configured)
        for name in configured:
            self.assertIn(name, topics)
        # Input partitions are the ceiling for replicas sharing the work.
        replicas = self.one("StatefulSet")["spec"]["replicas"]
        for i in self.config["inputs"]:
            self.assertGreaterEqual(topics[i["topic"]]["spec"]["partitions"], replicas)

    def test_configuration_in_the_configmaps_is_valid(self):
        # Lay the ConfigMaps out as the pod sees them, then `kizashi check` the result.
        d = tempfile.mkdtemp(prefix="kizashi-k8s-")
        try:
            paths = {}
            for name in ["kizashi-registry", "kizashi-packs", "kizashi-trusted-keys", "kizashi-rules",
                         "kizashi-config"]:
                sub = os.path.join(d, name)
                os.makedirs(sub)
                for key, text in self.configmaps[name]["data"].items():
                    with open(os.path.join(sub, key), "w") as f:
                        f.write(text)
                paths[name] = sub
            check_config(self, os.path.join(paths["kizashi-config"], "kizashi.yaml"),
                         registry=paths["kizashi-registry"], packs=paths["kizashi-packs"],
                         rules=paths["kizashi-rules"], keys=paths["kizashi-trusted-keys"])
        finally:
            shutil.rmtree(d, ignore_errors=True)


class PrometheusTest(unittest.TestCase):
    def setUp(self):
        self.promtool = tool("promtool")
        if self.promtool is None:
            self.skipTest("promtool is not installed (Debian package `prometheus`)")
        self.dir = os.path.join(DEPLOY, "prometheus")

    def test_check_config(self):
        r = run([self.promtool, "check", "config", os.path.join(self.dir, "prometheus.yml")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_check_rules(self):
        r = run([self.promtool, "check", "rules", os.path.join(self.dir, "kizashi-alerts.yml")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_alerts_fire_on_the_right_series(self):
        r = run([self.promtool, "test", "rules", "tests/kizashi-alerts.test.yml"], cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_the_issue_alerts_exist(self):
        with open(os.path.join(self.dir, "kizashi-alerts.yml")) as f:
            rules = {r["alert"]: r for g in yaml.safe_load(f)["groups"] for r in g["rules"]}
        for name in ["KizashiConsumerLagGrowing", "KizashiDeadLetters", "KizashiReloadFailed",
                     "KizashiNoNotificationDestinationWritable", "KizashiDown"]:
            self.assertIn(name, rules)
            self.assertIn(rules[name]["labels"]["severity"], ["info", "warning", "critical"])
            self.assertTrue(rules[name]["annotations"]["summary"])

    def test_kubernetes_scrape_job(self):
        with open(os.path.join(self.dir, "scrape-kubernetes.yml")) as f:
            job = yaml.safe_load(f)["scrape_configs"][0]
        self.assertEqual(job["kubernetes_sd_configs"][0]["namespaces"]["names"], ["kizashi"])
        # Debian's promtool is built without Kubernetes discovery: check with it where possible.
        d = tempfile.mkdtemp(prefix="kizashi-prom-")
        try:
            with open(os.path.join(d, "prometheus.yml"), "w") as f:
                yaml.safe_dump({"scrape_configs": [job]}, f)
            r = run([self.promtool, "check", "config", os.path.join(d, "prometheus.yml")])
            if "kubernetes_sd_configs not found" in r.stdout + r.stderr:
                self.skipTest("this promtool has no Kubernetes service discovery (Debian build)")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class GrafanaTest(unittest.TestCase):
    def test_dashboard(self):
        with open(os.path.join(DEPLOY, "grafana/kizashi-dashboard.json")) as f:
            dash = json.load(f)
        self.assertEqual(dash["uid"], "kizashi-overview")
        self.assertIsInstance(dash["schemaVersion"], int)
        ids = [p["id"] for p in dash["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        titles = " | ".join(p["title"].lower() for p in dash["panels"])
        for promised in ["records consumed", "latency", "consumer lag", "verdicts per sector",
                         "dead letters", "reload", "destinations writable"]:
            self.assertIn(promised, titles)
        for p in dash["panels"]:
            g = p["gridPos"]
            self.assertLessEqual(g["x"] + g["w"], 24, p["title"])
            if p["type"] == "row":
                continue
            self.assertTrue(p["targets"], p["title"])
            for t in p["targets"]:
                self.assertTrue(t["refId"])
                self.assertRegex(t["expr"], r"\b(kizashi|process)_[a-z_]+")
                self.assertEqual(t["expr"].count("("), t["expr"].count(")"), t["expr"])
                self.assertEqual(t["datasource"]["uid"], "${DS_PROMETHEUS}")
        names = {v["name"] for v in dash["templating"]["list"]}
        self.assertEqual(names, {"DS_PROMETHEUS", "instance"})
        self.assertEqual(dash["__inputs"][0]["name"], "DS_PROMETHEUS")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
