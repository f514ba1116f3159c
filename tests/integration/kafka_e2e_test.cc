// kizashi in Kafka mode against a real single-node Apache Kafka 3.9 broker (started by the
// ctest fixture): recorded traffic produced with kcat and with `kizashi produce`, notifications
// read back with kcat in read_committed mode, and compared with the file replay of the same
// data (the embedded mode, in-process). Also: at-least-once, restore from the changelog after
// the local state is lost, the co-partitioning check, and SCRAM + ACLs on a ministry topic.
//
// Expected results are the file replay's (same engine, no broker) plus facts derived by hand
// from the demo traffic (one FSA and one MLIT notification, see tests/e2e/demo_replay_test.cc).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "bench/traffic/sensors.h"
#include "connectors/kafka/admin.h"
#include "engine/common/strings.h"
#include "engine/ledger/ledger.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/file_runner.h"
#include "tests/integration/kafka_fixture.h"
#include "tests/integration/kafka_harness.h"
#include "tests/testing/testing.h"
#include "tests/unit/telemetry/test_util.h"

namespace kizashi::itest {
namespace {

namespace fs = std::filesystem;

class KafkaE2E : public KafkaFixtureTest {
 protected:
  KafkaE2E() : KafkaFixtureTest("e2e") {}

  // The demo (deploy/demo/kizashi.yaml) replayed from files, every destination to a file.
  std::vector<Doc> DemoFileReplay() {
    Diagnostics d;
    std::string out = dir_ + "/file-replay";
    fs::create_directories(out);
    runtime::EngineConfig cfg = runtime::EngineConfig::Load(
        testing::SourcePath("deploy/demo/kizashi.yaml"), {"state.dir=" + out + "/state"}, &d);
    for (auto& dest : cfg.destinations) {
      dest.type = "file";
      dest.path = out + "/" + dest.name + ".jsonl";
    }
    runtime::FileRunner runner(cfg, SystemClock::Get());
    runtime::RunSummary s;
    absl::Status st = runner.Run(true, &s);
    EXPECT_TRUE(st.ok()) << st;
    std::vector<Doc> docs;
    for (const auto& dest : cfg.destinations) {
      auto part = ReadDocsFile(dest.path, dest.name);
      docs.insert(docs.end(), part.begin(), part.end());
    }
    return docs;
  }

  std::vector<Doc> ReadDemoOutputs() {
    auto docs = ReadDemoTopics(cluster_.bootstrap, prefix_);
    EXPECT_TRUE(docs.ok()) << docs.status();
    return docs.ok() ? *docs : std::vector<Doc>();
  }

  std::vector<std::string> DemoSets() {
    return {"kafka.brokers=" + cluster_.bootstrap, "kafka.topic_prefix=" + prefix_,
            "state.dir=" + dir_ + "/state"};
  }

  void ExpectSameAsDemoReplay(const std::vector<Doc>& got) {
    std::vector<Doc> want = DemoFileReplay();
    Outcome w = Summarize(want), g = Summarize(got);
    EXPECT_EQ(SetDifference(w, g), "");
    EXPECT_TRUE(g.Duplicates().empty()) << Join(g.Duplicates(), "\n");
    // Hand-derived (tests/e2e/demo_replay_test.cc): FSA gets the SSH brute force on bank-a's
    // core banking (revision 1, and revision 2 with the operator's response status) and
    // bank-a's major failure caused by an operator error (not escalated: Annex 3 note 3); MLIT
    // gets rail-b's threat notice and the wiper; the Cabinet Secretariat the escalation copies
    // of all but the note-3 failure; three dead letters (truncated, unknown operator, bad
    // timestamp).
    std::map<std::string, int> per_dest;
    for (const auto& d : got) ++per_dest[d.destination];
    EXPECT_EQ(per_dest["ministry.fsa"], 3);
    EXPECT_EQ(per_dest["ministry.mlit"], 2);
    EXPECT_EQ(per_dest["cabinet-secretariat"], 4);
    EXPECT_EQ(per_dest["dead-letter"], 3);
    // The documents agree field by field (evidence positions differ by nature: file line
    // numbers vs Kafka offsets).
    std::map<std::tuple<std::string, std::string, int64_t>, const Doc*> by_key;
    for (const auto& d : want) by_key[{d.destination, d.id, d.revision}] = &d;
    for (const auto& d : got) {
      if (d.id.empty()) continue;
      auto it = by_key.find({d.destination, d.id, d.revision});
      if (it == by_key.end()) continue;
      EXPECT_EQ(d.incident_id, it->second->incident_id);
      EXPECT_EQ(d.kind, it->second->kind);
      EXPECT_EQ(d.change, it->second->change);
      EXPECT_EQ(d.reportable, it->second->reportable);
      EXPECT_EQ(d.event_count, it->second->event_count);
      EXPECT_EQ(d.window_start, it->second->window_start);
    }
  }

};

const char* kDemoKafka = "deploy/kafka/kizashi-kafka.yaml";

TEST_F(KafkaE2E, DemoTrafficProducedWithKcatGivesTheFileReplayNotifications) {
  std::string cfg = testing::SourcePath(kDemoKafka);
  ASSERT_EQ(Kizashi({"topics", "create"}, cfg, DemoSets()), 0);
  ASSERT_NO_FATAL_FAILURE(KcatProduceDemo());
  RunUntilCaughtUp(cfg, DemoSets(), prefix_ + "kizashi-demo",
                   {prefix_ + "bank-a-syslog", prefix_ + "sensors-eve", prefix_ + "operator-reports"});
  ExpectSameAsDemoReplay(ReadDemoOutputs());
}

TEST_F(KafkaE2E, DemoTrafficProducedByKizashiGivesTheFileReplayNotifications) {
  std::string cfg = testing::SourcePath(kDemoKafka);
  ASSERT_EQ(Kizashi({"topics", "create"}, cfg, DemoSets()), 0);
  ASSERT_EQ(Kizashi({"check"}, cfg, DemoSets()), 0);
  ASSERT_EQ(Kizashi({"produce"}, cfg, DemoSets()), 0);
  RunUntilCaughtUp(cfg, DemoSets(), prefix_ + "kizashi-demo",
                   {prefix_ + "bank-a-syslog", prefix_ + "sensors-eve", prefix_ + "operator-reports"});
  ExpectSameAsDemoReplay(ReadDemoOutputs());
}

// The service surface in Kafka mode: /readyz turns ready once the partitions are assigned and
// restored, the consumer lag per input partition is exported and reaches 0 once the group has
// committed everything, and every produced record is counted as consumed exactly once.
TEST_F(KafkaE2E, KafkaModeExportsReadinessConsumerLagAndPipelineMetrics) {
  std::string cfg = testing::SourcePath(kDemoKafka);
  ASSERT_EQ(Kizashi({"topics", "create"}, cfg, DemoSets()), 0);
  ASSERT_EQ(Kizashi({"produce"}, cfg, DemoSets()), 0);
  auto lines = [](const std::string& path) {
    std::ifstream in(path);
    std::string l;
    int64_t n = 0;
    while (std::getline(in, l)) n += l.empty() ? 0 : 1;
    return n;
  };
  const int64_t produced = lines(testing::SourcePath("deploy/demo/traffic/bank-a-syslog.log")) +
                           lines(testing::SourcePath("deploy/demo/traffic/eve.jsonl")) +
                           lines(testing::SourcePath("deploy/demo/traffic/operator-reports.jsonl"));
  // Sum of the samples of one metric family (optionally only those whose labels contain `has`).
  auto sum = [](const std::string& body, const std::string& name, int* series) {
    double total = 0;
    *series = 0;
    std::istringstream in(body);
    std::string l;
    while (std::getline(in, l)) {
      if (l.rfind(name, 0) != 0) continue;
      char next = l.size() > name.size() ? l[name.size()] : 0;
      if (next != '{' && next != ' ') continue;
      total += std::atof(l.c_str() + l.rfind(' ') + 1);
      ++*series;
    }
    return total;
  };
  RunUntilCaughtUp(cfg, DemoSets(), prefix_ + "kizashi-demo",
                   {prefix_ + "bank-a-syslog", prefix_ + "sensors-eve", prefix_ + "operator-reports"}, "run.log",
                   [&](const std::string& log) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(event=metrics.listening address=127\.0\.0\.1:(\d+))")))
        << "no metrics.listening line in " << log;
    int port = std::atoi(m[1].str().c_str());
    EXPECT_EQ(testing::HttpGet(port, "/readyz").status, 200);
    EXPECT_EQ(testing::HttpGet(port, "/healthz").status, 200);
    // Lag is sampled once a second from what librdkafka last saw: wait for it to settle.
    std::string body;
    double lag = -1, consumed = -1, assigned = -1;
    int lag_series = 0, n = 0;
    for (int i = 0; i < 100; ++i) {
      body = testing::HttpGet(port, "/metrics").body;
      lag = sum(body, "kizashi_consumer_lag_records", &lag_series);
      consumed = sum(body, "kizashi_records_consumed_total", &n);
      assigned = sum(body, "kizashi_partitions_assigned", &n);
      if (lag == 0 && lag_series > 0 && consumed == static_cast<double>(produced)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    // One instance owns all 6 partitions of the 3 inputs: a lag series per (topic, partition).
    EXPECT_EQ(lag_series, 18) << body;
    EXPECT_EQ(assigned, 18) << body;
    EXPECT_EQ(lag, 0) << body;
    EXPECT_EQ(consumed, static_cast<double>(produced)) << body;
  });
}

class KafkaGenerated : public KafkaE2E {
 protected:
  void Generate(int64_t events) {
    scenario_ = dir_ + "/scenario";
    traffic::sensors::GenOptions o;
    o.events = events;
    traffic::sensors::GenResult r;
    ASSERT_TRUE(traffic::sensors::WriteScenario(scenario_, o, &r).ok());
    records_ = r.records_a + r.records_b;
  }
  std::string Config(const std::string& guarantee, const std::string& state = "state") {
    KafkaConfig c;
    c.scenario_dir = scenario_;
    c.bootstrap = cluster_.bootstrap;
    c.prefix = prefix_;
    c.state_dir = dir_ + "/" + state;
    c.guarantee = guarantee;
    return WriteGeneratedKafkaConfig(dir_ + "/kafka-" + guarantee + ".yaml", c);
  }
  std::vector<std::string> Inputs() { return {prefix_ + "sensors-a", prefix_ + "sensors-b"}; }
  std::string scenario_;
  int64_t records_ = 0;
};

TEST_F(KafkaGenerated, ExactlyOnceMatchesTheFileReplayWithoutDuplicates) {
  Generate(20'000);
  std::string cfg = Config("exactly_once");
  ASSERT_EQ(Kizashi({"topics", "create"}, cfg, {}), 0);
  ASSERT_EQ(Kizashi({"produce"}, cfg, {}), 0);
  auto n = TopicRecords(cluster_.bootstrap, Inputs());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, records_);
  // With the instance's local ledger copy (off by default in Kafka mode), checked below.
  RunUntilCaughtUp(cfg, {"ledger.local_copy=true"}, prefix_ + "kizashi", Inputs());
  std::vector<Doc> want;
  ASSERT_TRUE(FileReplay(scenario_, dir_ + "/replay", &want).ok());
  auto got = ReadOutputs(cluster_.bootstrap, prefix_);
  ASSERT_TRUE(got.ok()) << got.status();
  Outcome w = Summarize(want), g = Summarize(*got);
  ASSERT_GT(w.notifications.size(), 20u);  // the scenario really raises notifications
  EXPECT_EQ(SetDifference(w, g), "");
  EXPECT_TRUE(g.Duplicates().empty()) << Join(g.Duplicates(), "\n");
  EXPECT_EQ(g.notifications.size(), w.notifications.size());

  // The local disclosure ledger copy (recorded by the committer after each commit,
  // docs/information-handling.md): exactly one record per (destination, document id, revision) that reached a
  // topic, and the hash chain verifies.
  std::map<std::string, std::string> name_of;  // topic (without prefix) -> destination name
  for (const auto& [name, topic] : traffic::sensors::Destinations()) name_of[topic] = name;
  std::set<std::tuple<std::string, std::string, int64_t>> keys;
  for (const auto& [dest, id, rev] : g.notifications) {
    keys.insert({name_of.count(dest) ? name_of[dest] : dest, id, rev});
  }
  auto ledger = ledger::Ledger::OpenReadOnly(dir_ + "/state.ledger");
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  std::multiset<std::tuple<std::string, std::string, int64_t>> recorded;
  auto field = [](const std::string& body, const std::string& name) {
    std::string k = "\"" + name + "\":";
    size_t at = body.find(k);
    if (at == std::string::npos) return std::string();
    at += k.size();
    if (body[at] == '"') return body.substr(at + 1, body.find('"', at + 1) - at - 1);
    return body.substr(at, body.find_first_of(",}", at) - at);
  };
  ASSERT_TRUE((*ledger)->Query("", [&](const ledger::LedgerRecord& r) {
                 std::string kind = field(r.body, "kind");
                 if (kind == "notification" || kind == "escalation" || kind == "observation") {
                   int64_t rev = 0;
                   ParseInt(field(r.body, "revision"), &rev);
                   recorded.insert({field(r.body, "destination"), field(r.body, "document_id"), rev});
                 }
                 return absl::OkStatus();
               }).ok());
  using Key = std::tuple<std::string, std::string, int64_t>;
  EXPECT_EQ(std::set<Key>(recorded.begin(), recorded.end()), keys);
  EXPECT_EQ(recorded.size(), keys.size());  // no key twice
  EXPECT_TRUE((*ledger)->Verify().ok);
}

TEST_F(KafkaGenerated, AtLeastOnceMatchesTheFileReplay) {
  Generate(20'000);
  std::string cfg = Config("at_least_once");
  ASSERT_EQ(Kizashi({"topics", "create"}, cfg, {}), 0);
  ASSERT_EQ(Kizashi({"produce"}, cfg, {}), 0);
  RunUntilCaughtUp(cfg, {}, prefix_ + "kizashi", Inputs());
  std::vector<Doc> want;
  ASSERT_TRUE(FileReplay(scenario_, dir_ + "/replay", &want).ok());
  auto got = ReadOutputs(cluster_.bootstrap, prefix_, /*read_committed=*/false);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(SetDifference(Summarize(want), Summarize(*got)), "");
}

TEST_F(KafkaGenerated, LostLocalStateIsRestoredFromTheChangelog) {
  Generate(20'000);
  // First half of each feed, processed by one instance; then its state directory is gone;
  // the second half is processed by a new instance that must restore from the changelog.
  std::string full = scenario_ + "/traffic";
  std::string half1 = dir_ + "/half1", half2 = dir_ + "/half2";
  fs::create_directories(half1);
  fs::create_directories(half2);
  for (const char* f : {"sensors-a.jsonl", "sensors-b.jsonl"}) {
    std::ifstream in(full + "/" + f);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::ofstream a(half1 + "/" + f), b(half2 + "/" + f);
    for (size_t i = 0; i < lines.size(); ++i) (i < lines.size() / 2 ? a : b) << lines[i] << "\n";
  }
  std::string cfg = Config("exactly_once");
  ASSERT_EQ(Kizashi({"topics", "create"}, cfg, {}), 0);
  ASSERT_EQ(Kizashi({"produce", "--input", "sensors-a=" + half1 + "/sensors-a.jsonl", "--input",
                     "sensors-b=" + half1 + "/sensors-b.jsonl"}, cfg, {}), 0);
  RunUntilCaughtUp(cfg, {}, prefix_ + "kizashi", Inputs(), "run1.log");
  testing::RemoveTree(dir_ + "/state");
  ASSERT_EQ(Kizashi({"produce", "--input", "sensors-a=" + half2 + "/sensors-a.jsonl", "--input",
                     "sensors-b=" + half2 + "/sensors-b.jsonl"}, cfg, {}), 0);
  RunUntilCaughtUp(cfg, {}, prefix_ + "kizashi", Inputs(), "run2.log");
  // The second instance rebuilt every partition from the changelog.
  std::string log = testing::ReadFileOrDie(dir_ + "/run2.log");
  for (int p = 0; p < 6; ++p) {
    // Rebuilt from the changelog (no local checkpoint), and resumed from restored positions.
    std::string want = StrCat("event=kafka.restore partition=", p, " full=true records=");
    size_t at = log.find(want);
    ASSERT_NE(at, std::string::npos) << want << "\n" << log;
    std::string line = log.substr(at, log.find('\n', at) - at);
    EXPECT_EQ(line.find("records=0 "), std::string::npos) << line;
    EXPECT_NE(line.find("start=kafka:"), std::string::npos) << line;
  }

  std::vector<Doc> want;
  ASSERT_TRUE(FileReplay(scenario_, dir_ + "/replay", &want).ok());
  auto got = ReadOutputs(cluster_.bootstrap, prefix_);
  ASSERT_TRUE(got.ok()) << got.status();
  Outcome g = Summarize(*got);
  EXPECT_EQ(SetDifference(Summarize(want), g), "");
  EXPECT_TRUE(g.Duplicates().empty()) << Join(g.Duplicates(), "\n");
}

// A read_committed reader's end is the last stable offset: while a transaction is open (or
// its commit markers are not written yet) it stops short of it. Readers that must see every
// committed output (the tests, the benchmark) wait with AwaitStableOffsets first.
TEST_F(KafkaE2E, StableOffsetsWaitForOpenTransactions) {
  namespace kk = connectors::kafka;
  kk::KafkaOptions o;
  o.brokers = cluster_.bootstrap;
  auto admin = kk::Admin::Connect(o);
  ASSERT_TRUE(admin.ok()) << admin.status();
  const std::string topic = prefix_ + "txn";
  std::vector<std::string> created;
  ASSERT_TRUE((*admin)->Create({kk::TopicSpec{topic, "output", 2, 1, {}}}, &created).ok());
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", cluster_.bootstrap.c_str(), err, sizeof err),
            RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "transactional.id", (prefix_ + "txn").c_str(), err, sizeof err),
            RD_KAFKA_CONF_OK);
  rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(p, nullptr) << err;
  auto ok = [](rd_kafka_error_t* e) {
    std::string m = e ? rd_kafka_error_string(e) : "";
    if (e) rd_kafka_error_destroy(e);
    return m;
  };
  ASSERT_EQ(ok(rd_kafka_init_transactions(p, 30000)), "");
  ASSERT_EQ(ok(rd_kafka_begin_transaction(p)), "");
  ASSERT_EQ(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(1),
                              RD_KAFKA_V_VALUE(const_cast<char*>("x"), 1), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  absl::Status open = (*admin)->AwaitStableOffsets({topic}, 500);
  EXPECT_TRUE(absl::IsDeadlineExceeded(open)) << open;
  EXPECT_NE(open.message().find(topic + "[1]"), std::string::npos) << open;
  ASSERT_EQ(ok(rd_kafka_commit_transaction(p, 30000)), "");
  EXPECT_TRUE((*admin)->AwaitStableOffsets({topic}, 30000).ok());
  rd_kafka_destroy(p);
  EXPECT_TRUE(absl::IsNotFound((*admin)->AwaitStableOffsets({prefix_ + "missing"}, 100)));
}

TEST_F(KafkaE2E, CheckRefusesInputTopicsThatAreNotCoPartitioned) {
  connectors::kafka::KafkaOptions o;
  o.brokers = cluster_.bootstrap;
  auto admin = connectors::kafka::Admin::Connect(o);
  ASSERT_TRUE(admin.ok());
  std::vector<connectors::kafka::TopicSpec> specs = {
      {prefix_ + "bank-a-syslog", "input", 6, 1, {}},
      {prefix_ + "sensors-eve", "input", 4, 1, {}}};
  ASSERT_TRUE((*admin)->Create(specs, nullptr).ok());
  std::string cfg = testing::SourcePath(kDemoKafka);
  // `topics create` refuses to build on them, `check` and `run` refuse them.
  std::string err;
  EXPECT_EQ(Kizashi({"topics", "create"}, cfg, DemoSets(), &err), 1);
  EXPECT_NE(err.find("not co-partitioned"), std::string::npos) << err;
  EXPECT_EQ(Kizashi({"check"}, cfg, DemoSets(), &err), 3);
  EXPECT_NE(err.find("input topics are not co-partitioned"), std::string::npos) << err;
  EXPECT_NE(err.find(prefix_ + "bank-a-syslog=6"), std::string::npos) << err;
  EXPECT_NE(err.find(prefix_ + "sensors-eve=4"), std::string::npos) << err;
  EXPECT_EQ(Kizashi({"run"}, cfg, DemoSets(), &err), 1);
  EXPECT_NE(err.find("not co-partitioned"), std::string::npos) << err;
}

// Grants an ACL with Kafka's own AclCommand (deploy/kafka/kafka.sh acl), as the PLAINTEXT
// listener's ANONYMOUS super user. (librdkafka 2.0.2's admin API has no transactional-id
// resource type.)
int Allow(const Cluster& c, const std::string& principal, const std::string& resource_flag,
          const std::string& name, const std::string& pattern, const std::string& op) {
  std::vector<std::string> args = {"acl", "--", "--add", "--allow-principal", principal,
                                   resource_flag};
  if (!name.empty()) args.push_back(name);  // --cluster takes no name
  for (const auto& a : {"--resource-pattern-type", pattern.c_str(), "--operation", op.c_str()}) {
    args.push_back(a);
  }
  return KafkaSh(c, args);
}

TEST_F(KafkaE2E, ScramAndAclsDecideWhoReadsAMinistryTopic) {
  if (cluster_.sasl_bootstrap.empty()) GTEST_SKIP() << "the fixture cluster has no SASL listener";
  // kizashi's principal may do everything under the test prefix (topics, its group, its
  // transactional id); analyst-fsa may read the FSA topic only, analyst-mlit the MLIT topic.
  for (const char* flag : {"--topic", "--group", "--transactional-id"}) {
    ASSERT_EQ(Allow(cluster_, "User:kizashi", flag, prefix_, "prefixed", "All"), 0);
  }
  ASSERT_EQ(Allow(cluster_, "User:kizashi", "--cluster", "", "literal", "IdempotentWrite"), 0);
  ASSERT_EQ(Allow(cluster_, "User:analyst-fsa", "--topic", prefix_ + "notifications.fsa",
                  "literal", "Read"), 0);
  ASSERT_EQ(Allow(cluster_, "User:analyst-mlit", "--topic", prefix_ + "notifications.mlit",
                  "literal", "Read"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // ACLs propagate through metadata

  std::string cfg = testing::SourcePath(kDemoKafka);
  std::vector<std::string> sets = {"kafka.brokers=" + cluster_.sasl_bootstrap,
                                   "kafka.topic_prefix=" + prefix_,
                                   "state.dir=" + dir_ + "/state",
                                   "kafka.security_protocol=sasl_plaintext",
                                   "kafka.sasl_mechanism=SCRAM-SHA-256",
                                   "kafka.sasl_username=kizashi",
                                   "kafka.sasl_password=kizashi-secret"};
  ASSERT_EQ(Kizashi({"topics", "create"}, cfg, sets), 0);
  ASSERT_EQ(Kizashi({"produce"}, cfg, sets), 0);
  // A wrong password is refused.
  std::vector<std::string> bad = sets;
  bad.back() = "kafka.sasl_password=wrong";
  std::string err;
  EXPECT_NE(Kizashi({"check"}, cfg, bad, &err), 0);
  RunUntilCaughtUp(cfg, sets, prefix_ + "kizashi-demo",
                   {prefix_ + "bank-a-syslog", prefix_ + "sensors-eve", prefix_ + "operator-reports"});

  auto scram = [&](const std::string& user) {
    return std::vector<std::string>{"-X", "security.protocol=SASL_PLAINTEXT",
                                    "-X", "sasl.mechanisms=SCRAM-SHA-256",
                                    "-X", "sasl.username=" + user,
                                    "-X", "sasl.password=" + user + "-secret"};
  };
  auto fsa = ReadTopic(cluster_.sasl_bootstrap, prefix_ + "notifications.fsa", "ministry.fsa",
                       true, scram("analyst-fsa"));
  ASSERT_TRUE(fsa.ok()) << fsa.status();
  EXPECT_EQ(fsa->size(), 3u);  // bank-a's SSH incident (2 revisions) and failure (see above)
  auto denied = ReadTopic(cluster_.sasl_bootstrap, prefix_ + "notifications.fsa", "ministry.fsa",
                          true, scram("analyst-mlit"));
  ASSERT_FALSE(denied.ok()) << "analyst-mlit read the FSA topic";
  EXPECT_NE(std::string(denied.status().message()).find("uthorization"), std::string::npos)
      << denied.status();
  auto mlit = ReadTopic(cluster_.sasl_bootstrap, prefix_ + "notifications.mlit", "ministry.mlit",
                        true, scram("analyst-mlit"));
  ASSERT_TRUE(mlit.ok()) << mlit.status();
  EXPECT_EQ(mlit->size(), 2u);  // rail-b's threat notice and the wiper
}

}  // namespace
}  // namespace kizashi::itest
