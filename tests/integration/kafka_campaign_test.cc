// Cross-operator campaigns in Kafka mode against a real Apache Kafka 3.9 broker (the
// kafka_single ctest fixture): operators A and B, whose records sit on DIFFERENT input
// partitions, are hit by the same pattern from the same attacker. Their incidents become
// sightings on the internal repartition topic (keyed by pattern), one campaign task sees
// both, its campaign view goes to the Cabinet Secretariat and the FSA, and its findings return
// through the findings topic to each operator's partition as a later "campaign" revision.
//
// Checked, reading every topic read_committed:
//   - the campaign view names 2 operators by pseudonym (HMAC values derived in the test);
//   - A's and B's notifications each get a later revision with operators_with_same_pattern 1;
//   - the set of campaign views (ids, revisions, contents) equals the file-mode run of the same
//     records (the embedded mode, in-process);
//   - no operator id or name reaches the other's observation topic, nor any campaign view;
//   - no (destination, document id, revision) is read twice (exactly-once);
//   - with a kill -9 inside a commit and a restart, the same holds.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "engine/campaign/campaign.h"
#include "engine/common/strings.h"
#include "engine/ledger/chain.h"
#include "engine/ledger/ledger.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/file_runner.h"
#include "engine/runtime/ledger_reader.h"
#include "tests/integration/kafka_fixture.h"
#include "bench/traffic/sensors.h"
#include "tests/integration/kafka_harness.h"
#include "tests/testing/testing.h"

namespace kizashi::itest {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPseudonymKey = "test-pseudonym-key-0123456789abcdef";
constexpr int kPartitions = 4;
// A on input partition 1, B on 3: different partition groups (and, with workers: 2, different
// worker threads).
constexpr int kPartitionA = 1;
constexpr int kPartitionB = 3;

// Destinations: name -> topic (without the prefix): the generated scenario's, and an
// observation topic per operator. Both operators are finance: the FSA and the Cabinet
// Secretariat receive notifications and campaign views.
const std::vector<std::pair<std::string, std::string>>& Destinations() {
  static const std::vector<std::pair<std::string, std::string>> d = [] {
    auto all = traffic::sensors::Destinations();
    all.emplace_back("obs-bank-a", "obs-bank-a");
    all.emplace_back("obs-bank-b", "obs-bank-b");
    return all;
  }();
  return d;
}

const char* kOperators = R"(operators:
  - id: bank-a
    name: Alpha Shinkin Bank
    sector: finance
    home_networks: [10.0.0.0/8]
    observation_destination: obs-bank-a
    contact:
      person: A SOC
      means:
        - {type: phone, value: "+81-3-0000-0001"}
        - {type: email, value: soc@a.example}
    critical_systems:
      - {id: core-a, name: Core A, category: core_banking, internal_only: true, networks: [10.1.0.0/16]}
  - id: bank-b
    name: Beta Trust Bank
    sector: finance
    home_networks: [10.0.0.0/8]
    observation_destination: obs-bank-b
    contact:
      person: B SOC
      means:
        - {type: phone, value: "+81-3-0000-0002"}
        - {type: email, value: soc@b.example}
    critical_systems:
      - {id: core-b, name: Core B, category: core_banking, internal_only: true, networks: [10.1.0.0/16]}
)";

std::string Alert(const std::string& op, const std::string& dst, int second) {
  char ts[64];
  std::snprintf(ts, sizeof ts, "2024-03-01T10:%02d:%02d.000000+0900", second / 60 % 60, second % 60);
  return StrCat(R"({"timestamp":")", ts,
                R"(","event_type":"alert","src_ip":"198.51.100.23","src_port":50000,"dest_ip":")",
                dst, R"(","dest_port":22,"proto":"TCP","operator":")", op,
                R"(","alert":{"action":"allowed","gid":1,"signature_id":2001219,"rev":20,)"
                R"("signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2}})");
}

// A: five SSH-scan alerts at 10:00; B: the same attacker and pattern a minute later.
std::vector<std::pair<int, std::string>> Records() {
  std::vector<std::pair<int, std::string>> r;
  for (int i = 0; i < 5; ++i) r.emplace_back(kPartitionA, Alert("bank-a", "10.1.0.7", i));
  for (int i = 0; i < 5; ++i) r.emplace_back(kPartitionB, Alert("bank-b", "10.1.0.5", 60 + i));
  return r;
}

// A parsed output document (notification or campaign view).
struct Out {
  std::string destination, kind, schema, id, incident, op, change, json;
  int64_t revision = 0;
  int64_t others = -1;  // report.other_operators.operators_with_same_pattern (-1: null/absent)
  int64_t operator_count = 0;
  std::set<std::string> pseudonyms;
};

Out ParseOut(const std::string& destination, const std::string& json) {
  Out o;
  o.destination = destination;
  o.json = json;
  simdjson::dom::parser p;
  simdjson::dom::element e;
  if (p.parse(json).get(e) != simdjson::SUCCESS) return o;
  std::string_view s;
  int64_t i;
  if (e["schema"].get(s) == simdjson::SUCCESS) o.schema = std::string(s);
  if (e["notification_id"].get(s) == simdjson::SUCCESS) o.id = std::string(s);
  if (e["campaign_id"].get(s) == simdjson::SUCCESS) o.id = std::string(s);
  if (e["incident_id"].get(s) == simdjson::SUCCESS) o.incident = std::string(s);
  if (e["revision"].get(i) == simdjson::SUCCESS) o.revision = i;
  if (e["change"].get(s) == simdjson::SUCCESS) o.change = std::string(s);
  if (e["operator"]["id"].get(s) == simdjson::SUCCESS) o.op = std::string(s);
  if (e["report"]["other_operators"]["operators_with_same_pattern"].get(i) == simdjson::SUCCESS) {
    o.others = i;
  }
  if (e["operator_count"].get(i) == simdjson::SUCCESS) o.operator_count = i;
  simdjson::dom::array members;
  if (e["members"].get(members) == simdjson::SUCCESS) {
    for (auto m : members) {
      if (m["pseudonym"].get(s) == simdjson::SUCCESS) o.pseudonyms.insert(std::string(s));
    }
  }
  return o;
}

bool IsCampaign(const Out& o) { return o.schema == "kizashi.campaign/1"; }

class KafkaCampaign : public KafkaFixtureTest {
 protected:
  KafkaCampaign() : KafkaFixtureTest("camp") {}
  void SetUp() override {
    KafkaFixtureTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    fs::create_directories(dir_ + "/registry");
    fs::create_directories(dir_ + "/keys");
    std::ofstream(dir_ + "/keys/pseudonym.key") << kPseudonymKey;
    std::ofstream(dir_ + "/registry/operators.yaml") << kOperators;
    std::ofstream ev(dir_ + "/eve.jsonl");
    for (const auto& [p, line] : Records()) ev << line << "\n";
  }

  std::string Common() const {
    return StrCat("registry: {paths: [", testing::SourcePath("deploy/registry/framework-2005.yaml"),
                  ", ", dir_, "/registry], watch_interval: 0s}\n",
                  "patterns: {packs: [", testing::SourcePath("patterns/packs/demo.yaml"),
                  "], trusted_keys: [", testing::SourcePath("deploy/demo/keys/demo-issuer.pub"),
                  "], watch: false}\n",
                  "rules: [", testing::SourcePath("deploy/demo/rules.yaml"), "]\n",
                  "correlate: {allowed_lateness: 10m, idle_timeout: 1d}\n",
                  "campaign: {enabled: true, pseudonym_key: ", dir_, "/keys/pseudonym.key}\n",
                  "metrics: {address: \"127.0.0.1:0\"}\n", "log: {level: info}\n");
  }

  std::string KafkaConfig(const std::string& state) const {
    std::string y = StrCat("inputs:\n  - {name: sensors, type: kafka, topic: sensors, format: eve, "
                           "operator_from: field, operator_field: operator}\n",
                           exercise_ ? "route: {exercise: true}\noutputs: {dead_letter: "
                                       "dead-letter.exercise, late: late.exercise}\n"
                                     : "",
                           Common(), "state: {dir: ", dir_, "/", state, "}\n",
                           "ledger: {dir: ", dir_, "/", state, ".ledger, sync: false, local_copy: true}\n",
                           "kafka:\n  brokers: ", cluster_.bootstrap,
                           "\n  group_id: kizashi\n  topic_prefix: ", prefix_,
                           "\n  processing_guarantee: exactly_once\n  commit_interval: 100ms\n"
                           "  workers: 2\n",
                           "  consumer_properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}\n",
                           "  topics: {input_partitions: ", kPartitions,
                           ", output_partitions: 1, replication_factor: 1}\n", "destinations:\n");
    const char* sfx = exercise_ ? ".exercise" : "";
    for (const auto& [name, topic] : Destinations()) {
      StrAppend(&y, "  - {name: ", name, sfx, ", type: kafka, topic: ", topic, sfx, "}\n");
    }
    std::string path = StrCat(dir_, "/kafka-", state, ".yaml");
    std::ofstream(path) << y;
    return path;
  }

  std::string FileConfig() const {
    std::string y = StrCat("inputs:\n  - {name: sensors, type: file, path: ", dir_,
                           "/eve.jsonl, format: eve, operator_from: field, operator_field: operator}\n",
                           Common(), "state: {dir: ", dir_, "/file-state}\n",
                           "ledger: {dir: ", dir_, "/file-ledger, sync: false}\n", "destinations:\n");
    for (const auto& [name, topic] : Destinations()) {
      StrAppend(&y, "  - {name: ", name, ", type: file, path: ", dir_, "/file-out/", topic, ".jsonl}\n");
    }
    std::string path = dir_ + "/file.yaml";
    std::ofstream(path) << y;
    return path;
  }

  int Kizashi(const std::vector<std::string>& args, std::string* out = nullptr) {
    std::vector<std::string> argv = {KizashiBin()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string o, e;
    int rc = RunCommand(argv, &o, &e);
    if (out) *out = o + e;
    if (rc != 0) std::fprintf(stderr, "kizashi %s: exit %d\n%s\n%s\n", args[0].c_str(), rc, o.c_str(), e.c_str());
    return rc;
  }

  // Produces the records to their partitions (explicit: A and B on different partitions).
  void Produce() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", cluster_.bootstrap.c_str(), err, sizeof err),
              RD_KAFKA_CONF_OK);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    ASSERT_NE(rk, nullptr) << err;
    std::string topic = prefix_ + "sensors";
    for (const auto& [p, line] : Records()) {
      std::string key = line.find("bank-a") != std::string::npos ? "bank-a" : "bank-b";
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p),
          RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(line.data()), line.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    }
    ASSERT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
  }

  // Exercise runs: the `.exercise` topics, labelled with the base destination name.
  std::vector<Out> ReadAll() {
    std::vector<Out> all;
    for (const auto& [name, topic] : Destinations()) {
      auto docs = ReadTopic(cluster_.bootstrap, StrCat(prefix_, topic, exercise_ ? ".exercise" : ""),
                            name, true);
      EXPECT_TRUE(docs.ok()) << docs.status();
      if (!docs.ok()) continue;
      for (const auto& d : *docs) all.push_back(ParseOut(name, d.json));
    }
    return all;
  }

  std::vector<Out> ReadFile() {
    std::vector<Out> all;
    for (const auto& [name, topic] : Destinations()) {
      std::ifstream in(StrCat(dir_, "/file-out/", topic, ".jsonl"));
      for (std::string l; std::getline(in, l);) {
        if (!l.empty()) all.push_back(ParseOut(name, l));
      }
    }
    return all;
  }

  // True once the run is complete: a campaign view at the Cabinet Secretariat and a
  // "campaign" revision counting 1 other operator for each of A and B.
  static bool Complete(const std::vector<Out>& docs) {
    bool view = false, a = false, b = false;
    for (const auto& d : docs) {
      view |= IsCampaign(d) && d.destination == "cabinet-secretariat" && d.operator_count == 2;
      if (d.change == "campaign" && d.others == 1) {
        a |= d.op == "bank-a";
        b |= d.op == "bank-b";
      }
    }
    return view && a && b;
  }

  // Runs `kizashi run` until Complete (or `kill_after` reached: then SIGKILL), then stops it.
  void RunUntilComplete(const std::string& cfg, const std::string& log, int* exit_code,
                        const std::vector<std::string>& env = {}) {
    Process p;
    ASSERT_TRUE(p.Start({KizashiBin(), "run", "--config", cfg}, dir_ + "/" + log, env));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    bool done = false;
    while (!done && std::chrono::steady_clock::now() < deadline && p.running()) {
      done = Complete(ReadAll());
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    if (!p.running()) {
      *exit_code = p.Wait();
      return;
    }
    ASSERT_TRUE(done) << "no campaign outcome after 3 minutes; log: " << dir_ << "/" << log;
    *exit_code = p.Stop();
  }

  void CheckOutcome(const std::vector<Out>& kafka, const std::string& state = "state") {
    campaign::Pseudonymizer ps(kPseudonymKey);
    const std::set<std::string> members = {ps.Of("bank-a"), ps.Of("bank-b")};
    // 1. Exactly-once: no (destination, id, revision) twice.
    std::map<std::tuple<std::string, std::string, int64_t>, int> seen;
    for (const auto& d : kafka) {
      if (!d.id.empty()) ++seen[{d.destination, d.id, d.revision}];
    }
    for (const auto& [k, n] : seen) {
      EXPECT_EQ(n, 1) << std::get<0>(k) << " " << std::get<1>(k) << " rev " << std::get<2>(k);
    }
    // 2. Campaign views: to the Cabinet Secretariat and the FSA, 2 members by pseudonym, and
    // neither operator's id nor name.
    std::set<std::string> view_dests;
    for (const auto& d : kafka) {
      if (!IsCampaign(d)) continue;
      view_dests.insert(d.destination);
      EXPECT_EQ(d.operator_count, 2) << d.json;
      EXPECT_EQ(d.pseudonyms, members) << d.json;
      for (const char* secret : {"bank-a", "bank-b", "Alpha Shinkin", "Beta Trust"}) {
        EXPECT_EQ(d.json.find(secret), std::string::npos) << secret << " in " << d.json;
      }
    }
    EXPECT_EQ(view_dests, (std::set<std::string>{"cabinet-secretariat", "ministry.fsa"}));
    // 3. Each operator's notification: a later "campaign" revision counting 1 other operator,
    // after an earlier revision of the same incident.
    for (const char* op : {"bank-a", "bank-b"}) {
      // incident -> (first revision, last campaign revision)
      std::map<std::string, std::pair<int64_t, int64_t>> first_and_campaign;
      for (const auto& d : kafka) {
        if (d.destination != "ministry.fsa" || d.op != op || IsCampaign(d)) continue;
        auto& fc = first_and_campaign.try_emplace(d.incident, INT64_MAX, 0).first->second;
        fc.first = std::min(fc.first, d.revision);
        if (d.change == "campaign") {
          EXPECT_EQ(d.others, 1) << d.json;
          fc.second = std::max(fc.second, d.revision);
        }
      }
      bool later = false;
      for (const auto& [id, fc] : first_and_campaign) later |= fc.second > fc.first;
      EXPECT_TRUE(later) << op << ": no later campaign revision of its notification";
    }
    // 4. What each operator sees of its own (observation topic) never names the other.
    for (const auto& d : kafka) {
      if (d.destination == "obs-bank-a") {
        EXPECT_EQ(d.json.find("bank-b"), std::string::npos) << d.json;
        EXPECT_EQ(d.json.find("Beta Trust"), std::string::npos) << d.json;
      }
      if (d.destination == "obs-bank-b") {
        EXPECT_EQ(d.json.find("bank-a"), std::string::npos) << d.json;
        EXPECT_EQ(d.json.find("Alpha Shinkin"), std::string::npos) << d.json;
      }
    }
    // 5. The disclosure ledger has exactly one record per document read back — campaign
    // views (about both operators) and the campaign revisions included. In Kafka mode the
    // ledger is the ledger topic, written in the same transactions as the outputs (the
    // instance's local ledger is a copy written after each commit: a kill between the two
    // leaves the copy short, never the topic), so kills inside commits must leave it exact.
    {
      connectors::kafka::KafkaOptions ko;
      ko.brokers = cluster_.bootstrap;
      std::multiset<std::tuple<std::string, std::string, int64_t>> recorded;
      int campaign_records = 0;
      ledger::TopicVerifier verifier(/*strict=*/true);
      absl::Status st = runtime::ReadLedgerTopic(
          ko, prefix_ + "ledger", 60000,
          [&](int32_t p, int64_t off, std::string_view k, std::string_view v) {
            verifier.Add(p, off, k, v);
            auto t = ledger::DecodeTopicRecord(v);
            EXPECT_TRUE(t.ok()) << t.status() << ": " << v;
            if (!t.ok()) return absl::OkStatus();
            if (t->kind == "campaign") {
              ++campaign_records;
              EXPECT_EQ(t->subject_operator, "bank-a,bank-b") << v;
            }
            if (t->destination == "dead-letter" || t->destination == "late") return absl::OkStatus();
            recorded.insert({t->destination, t->document_id, t->revision});
            return absl::OkStatus();
          });
      ASSERT_TRUE(st.ok()) << st;
      using Key = std::tuple<std::string, std::string, int64_t>;
      std::set<Key> read;
      for (const auto& [k, n] : seen) read.insert(k);
      EXPECT_EQ(std::set<Key>(recorded.begin(), recorded.end()), read);
      EXPECT_EQ(recorded.size(), read.size());  // no record twice
      EXPECT_EQ(campaign_records, 2);           // the view, to the Cabinet Secretariat and the FSA
      ledger::TopicVerifyResult vr = verifier.Finish();
      EXPECT_TRUE(vr.ok) << (vr.problems.empty() ? std::string() : vr.problems.front());
      // The local copy still verifies as a chain (it may lag the topic after a kill).
      auto local = ledger::Ledger::OpenReadOnly(StrCat(dir_, "/", state, ".ledger"));
      ASSERT_TRUE(local.ok()) << local.status();
      EXPECT_TRUE((*local)->Verify().ok);
    }
    // 6. The campaign views equal the file-mode run's (ids, revisions, contents).
    runtime::RunSummary s;
    testing::RemoveTree(dir_ + "/file-out");
    {
      Diagnostics diags;
      auto cfg = runtime::EngineConfig::Load(FileConfig(), {}, &diags);
      if (!diags.has_errors()) cfg.Validate(&diags);
      ASSERT_FALSE(diags.has_errors()) << diags.ToText();
      runtime::FileRunner runner(cfg, SystemClock::Get());
      absl::Status st = runner.Run(true, &s);
      ASSERT_TRUE(st.ok()) << st;
    }
    std::set<std::tuple<std::string, std::string, int64_t, std::string>> want, got;
    for (const auto& d : ReadFile()) {
      if (IsCampaign(d)) want.insert({d.destination, d.id, d.revision, d.json});
    }
    for (const auto& d : kafka) {
      if (IsCampaign(d)) got.insert({d.destination, d.id, d.revision, d.json});
    }
    EXPECT_EQ(want.size(), 2u);  // file mode: one view, to the Cabinet Secretariat and the FSA
    EXPECT_EQ(got, want);
  }

  // Partition -> "key|value" of every committed record of an internal topic.
  std::multimap<int, std::string> ReadInternal(const std::string& topic) {
    std::string out, err;
    int rc = RunCommand({"kcat", "-C", "-b", cluster_.bootstrap, "-t", prefix_ + topic, "-o",
                         "beginning", "-e", "-q", "-f", "%p|%k|%s\n", "-X",
                         "isolation.level=read_committed"},
                        &out, &err);
    EXPECT_EQ(rc, 0) << err;
    std::multimap<int, std::string> recs;
    for (std::string_view line : Split(out, '\n', true)) {
      size_t bar = line.find('|');
      int p = -1;
      if (bar == std::string_view::npos || !ParseInt(line.substr(0, bar), &p)) continue;
      recs.emplace(p, std::string(line.substr(bar + 1)));
    }
    return recs;
  }

  // The campaign really went through the internal topics: sightings on the partition of
  // their key (SHA-256 based), findings keyed by operator on that operator's input partition.
  void CheckInternalTopics() {
    auto sightings = ReadInternal("campaign-repartition");
    EXPECT_FALSE(sightings.empty());
    for (const auto& [p, rec] : sightings) {
      std::string key = rec.substr(0, rec.find('|'));
      EXPECT_EQ(p, campaign::CampaignPartition(key, kPartitions)) << rec;
      auto s = campaign::DecodeSighting(rec.substr(rec.find('|') + 1));
      ASSERT_TRUE(s.ok()) << s.status();
      EXPECT_EQ(s->partition, s->operator_id == "bank-a" ? kPartitionA : kPartitionB);
    }
    auto findings = ReadInternal("campaign-findings");
    std::set<std::pair<int, std::string>> where;
    for (const auto& [p, rec] : findings) where.insert({p, rec.substr(0, rec.find('|'))});
    EXPECT_EQ(where, (std::set<std::pair<int, std::string>>{{kPartitionA, "bank-a"},
                                                            {kPartitionB, "bank-b"}}));
  }

  bool exercise_ = false;
};

TEST_F(KafkaCampaign, TwoOperatorsOnDifferentPartitionsMakeOneCampaign) {
  std::string cfg = KafkaConfig("state");
  std::string out;
  ASSERT_EQ(Kizashi({"topics", "create", "--config", cfg}, &out), 0) << out;
  EXPECT_NE(out.find(prefix_ + "campaign-repartition (internal, 4 partitions"), std::string::npos) << out;
  EXPECT_NE(out.find(prefix_ + "campaign-findings (internal, 4 partitions"), std::string::npos) << out;
  ASSERT_EQ(Kizashi({"topics", "check", "--config", cfg}, &out), 0) << out;
  // `kizashi check` no longer rejects campaign.enabled with Kafka inputs.
  ASSERT_EQ(Kizashi({"check", "--config", cfg}, &out), 0) << out;
  Produce();
  int rc = -1;
  RunUntilComplete(cfg, "run.log", &rc);
  EXPECT_EQ(rc, 0) << "log: " << dir_ << "/run.log";
  CheckOutcome(ReadAll());
  CheckInternalTopics();
}

TEST_F(KafkaCampaign, KillInsideACommitThenRestart) {
  // Each case kills the instance the n-th time it reaches a commit fault point, then restarts
  // it on the same state: before the offsets join the open transaction, after they did but
  // before it commits, and after it committed (local store not yet updated). With the campaign
  // topics in the same transactions, sightings, views and findings of an aborted transaction
  // vanish with it and are redone by the restarted instance; committed ones are not redone.
  const std::string base = prefix_;
  int n = 0;
  for (const char* fault : {"commit.before_offsets:2", "commit.before_end:2",
                            "commit.after_end:2", "commit.before_end:3"}) {
    SCOPED_TRACE(fault);
    prefix_ = StrCat(base, "k", n, ".");
    std::string state = StrCat("state-", n++);
    std::string cfg = KafkaConfig(state);
    std::string out;
    ASSERT_EQ(Kizashi({"topics", "create", "--config", cfg}, &out), 0) << out;
    Produce();
    int rc = -1;
    RunUntilComplete(cfg, state + "-killed.log", &rc, {StrCat("KIZASHI_FAULT=", fault)});
    EXPECT_EQ(rc, 128 + SIGKILL) << "log: " << dir_ << "/" << state << "-killed.log";
    RunUntilComplete(cfg, state + "-restarted.log", &rc);
    EXPECT_EQ(rc, 0) << "log: " << dir_ << "/" << state << "-restarted.log";
    CheckOutcome(ReadAll(), state);
    CheckInternalTopics();
  }
}

// An exercise through the Kafka deployment (route.exercise, every destination `.exercise`):
// the campaign runs through `campaign-repartition.exercise` / `campaign-findings.exercise`
// (never the live internal topics), and its views are tagged and go to exercise topics only.
TEST_F(KafkaCampaign, ExerciseRunUsesExerciseTopics) {
  exercise_ = true;
  std::string cfg = KafkaConfig("state");
  std::string out;
  ASSERT_EQ(Kizashi({"topics", "create", "--config", cfg}, &out), 0) << out;
  EXPECT_NE(out.find(prefix_ + "campaign-repartition.exercise (internal"), std::string::npos) << out;
  EXPECT_EQ(out.find(prefix_ + "campaign-repartition (internal"), std::string::npos) << out;
  ASSERT_EQ(Kizashi({"check", "--config", cfg}, &out), 0) << out;
  Produce();
  int rc = -1;
  RunUntilComplete(cfg, "run.log", &rc);
  EXPECT_EQ(rc, 0) << "log: " << dir_ << "/run.log";
  int views = 0;
  for (const auto& d : ReadAll()) {
    if (!IsCampaign(d)) continue;
    ++views;
    EXPECT_NE(d.json.find("\"exercise\":true"), std::string::npos) << d.json;
    EXPECT_NE(d.json.find(StrCat("\"destination\":\"", d.destination, ".exercise\"")),
              std::string::npos)
        << d.json;
  }
  EXPECT_EQ(views, 2);
  EXPECT_FALSE(ReadInternal("campaign-repartition.exercise").empty());
  EXPECT_FALSE(ReadInternal("campaign-findings.exercise").empty());
}

}  // namespace
}  // namespace kizashi::itest
