// The disclosure ledger as a Kafka topic (engine/ledger/chain.h) against a real single-node
// Apache Kafka 3.9 broker: the demo traffic (bank-a and rail-b, whose records land on
// different input partitions) runs through `kizashi run` in exactly_once; the ledger topic read
// back (read_committed) holds exactly one record per (destination, document id, revision) read
// from the output topics, each on the partition of its operator's input partition; `kizashi
// ledger verify --brokers` passes and `ledger query --operator` answers per operator; a copy of
// the topic with one record altered fails verification. Then a second instance (another
// instance id and state directory: the partitions' chain heads come from the changelog) takes
// over the group and processes more traffic: its records continue the same chains. The first
// part is repeated under at_least_once (the ledger produced before the changelog and offsets).
//
// Expected documents are derived by hand from the demo traffic (tests/e2e/demo_replay_test.cc):
// FSA 3, MLIT 2, Cabinet Secretariat 4, 3 dead letters.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "connectors/kafka/admin.h"
#include "engine/common/strings.h"
#include "engine/ledger/chain.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/ledger_reader.h"
#include "tests/integration/kafka_fixture.h"
#include "tests/integration/kafka_harness.h"
#include "tests/testing/testing.h"

namespace kizashi::itest {
namespace {

namespace fs = std::filesystem;

struct Raw {
  int32_t partition;
  int64_t offset;
  std::string key, value;
};

class KafkaLedger : public KafkaFixtureTest {
 protected:
  KafkaLedger() : KafkaFixtureTest("ldg") {}

  // The whole scenario under `guarantee`; `scale_out`: then a second instance takes over.
  void Check(const std::string& guarantee, bool scale_out);

  std::vector<std::string> Sets(const std::string& state, const std::string& instance) {
    return {"kafka.brokers=" + cluster_.bootstrap, "kafka.topic_prefix=" + prefix_,
            "state.dir=" + dir_ + "/" + state, "kafka.instance_id=" + instance,
            "ledger.dir=" + dir_ + "/" + state + ".ledger", "ledger.sync=false"};
  }

  static std::string Config() { return testing::SourcePath("deploy/kafka/kizashi-kafka.yaml"); }
  // `kizashi <args>` on the demo's Kafka configuration; its standard output into `out`.
  int Kizashi(const std::vector<std::string>& args, const std::vector<std::string>& sets,
              std::string* out = nullptr) {
    return KafkaFixtureTest::Kizashi(args, Config(), sets, nullptr, out);
  }

  std::vector<std::string> Inputs() {
    return {prefix_ + "bank-a-syslog", prefix_ + "sensors-eve", prefix_ + "operator-reports"};
  }

  void RunUntilCaughtUp(const std::vector<std::string>& sets, const std::string& log) {
    KafkaFixtureTest::RunUntilCaughtUp(Config(), sets, prefix_ + "kizashi-demo", Inputs(), log);
  }

  std::vector<Doc> ReadOutputs() {
    auto docs = ReadDemoTopics(cluster_.bootstrap, prefix_);
    EXPECT_TRUE(docs.ok()) << docs.status();
    return docs.ok() ? *docs : std::vector<Doc>();
  }

  std::vector<Raw> ReadLedger(const std::string& topic) {
    connectors::kafka::KafkaOptions o;
    o.brokers = cluster_.bootstrap;
    o.topic_prefix = prefix_;
    std::vector<Raw> out;
    absl::Status st = runtime::ReadLedgerTopic(
        o, topic, 60000, [&](int32_t p, int64_t off, std::string_view k, std::string_view v) {
          out.push_back({p, off, std::string(k), std::string(v)});
          return absl::OkStatus();
        });
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }

  // Copies `recs` into a new topic with the same partitions (record i altered by `edit`).
  void CopyTopic(const std::string& topic, int32_t partitions, const std::vector<Raw>& recs,
                 const std::function<void(size_t, Raw*)>& edit) {
    connectors::kafka::KafkaOptions o;
    o.brokers = cluster_.bootstrap;
    auto admin = connectors::kafka::Admin::Connect(o);
    ASSERT_TRUE(admin.ok()) << admin.status();
    std::vector<std::string> created;
    ASSERT_TRUE((*admin)->Create({{topic, "ledger", partitions, 1, {{"cleanup.policy", "compact"}}}},
                                 &created).ok());
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", cluster_.bootstrap.c_str(), err,
                                sizeof err), RD_KAFKA_CONF_OK);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    ASSERT_NE(rk, nullptr) << err;
    for (size_t i = 0; i < recs.size(); ++i) {
      Raw r = recs[i];
      edit(i, &r);
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(r.partition),
          RD_KAFKA_V_KEY(r.key.data(), r.key.size()),
          RD_KAFKA_V_VALUE(r.value.data(), r.value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_END);
      ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    }
    EXPECT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
  }

};

void KafkaLedger::Check(const std::string& guarantee, bool scale_out) {
  auto sets = Sets("state-1", "one");
  sets.push_back("kafka.processing_guarantee=" + guarantee);
  ASSERT_EQ(Kizashi({"topics", "create"}, sets), 0);
  KcatProduceDemo();
  RunUntilCaughtUp(sets, "run-1.log");

  // 1. What reached the output topics (read_committed).
  std::vector<Doc> docs = ReadOutputs();
  using Key = std::tuple<std::string, std::string, int64_t>;
  std::set<Key> want;
  std::map<std::string, int> per_dest;
  for (const auto& d : docs) {
    ++per_dest[d.destination];
    if (!d.id.empty()) want.insert({d.destination, d.id, d.revision});
  }
  ASSERT_EQ(per_dest["ministry.fsa"], 3);
  ASSERT_EQ(per_dest["ministry.mlit"], 2);
  ASSERT_EQ(per_dest["cabinet-secretariat"], 4);
  ASSERT_EQ(per_dest["dead-letter"], 3);

  // 2. The ledger topic: one record per (destination, document id, revision); dead letters
  // too (their ids are derived from their content, so they are not compared by id).
  std::string topic = prefix_ + "ledger";
  std::vector<Raw> recs = ReadLedger(topic);
  std::multiset<Key> recorded;
  int dead_letters = 0;
  std::map<std::string, std::set<int32_t>> partitions_of;  // operator -> ledger partitions
  for (const auto& r : recs) {
    auto t = ledger::DecodeTopicRecord(r.value);
    ASSERT_TRUE(t.ok()) << t.status() << ": " << r.value;
    EXPECT_TRUE(t->hash_ok);
    EXPECT_EQ(t->partition, r.partition);
    EXPECT_EQ(r.key, ledger::TopicKey(t->document_id, t->revision, t->destination));
    if (t->kind == "dead_letter") {
      ++dead_letters;
      continue;
    }
    recorded.insert({t->destination, t->document_id, t->revision});
    partitions_of[t->subject_operator].insert(r.partition);
  }
  EXPECT_EQ(std::set<Key>(recorded.begin(), recorded.end()), want);
  EXPECT_EQ(recorded.size(), want.size());  // no key twice
  EXPECT_EQ(dead_letters, 3);
  // The topic is the ledger: without ledger.local_copy the instance keeps no local copy.
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state-1.ledger")) << "local ledger copy written";
  // bank-a and rail-b are keyed to different input partitions (murmur2 over 6: 4 and 2), and
  // each operator's disclosures are on its own input partition's chain.
  ASSERT_EQ(partitions_of["bank-a"].size(), 1u);
  ASSERT_EQ(partitions_of["rail-b"].size(), 1u);
  EXPECT_NE(*partitions_of["bank-a"].begin(), *partitions_of["rail-b"].begin());

  // 3. The CLI verifies every partition's chain (strict: exactly_once never rewinds) and
  // answers per operator.
  std::string out;
  // (at_least_once without a crash does not rewind either.)
  EXPECT_EQ(Kizashi({"ledger", "verify", "--brokers", cluster_.bootstrap, "--strict"}, sets, &out), 0)
      << out;
  EXPECT_NE(out.find(StrCat("ok: ", topic, ": ", recs.size(), " record(s)")), std::string::npos) << out;
  ASSERT_EQ(Kizashi({"ledger", "query", "--kafka", "--operator", "rail-b"}, sets, &out), 0);
  int rail_lines = 0;
  for (std::string_view line : Split(out, '\n', true)) {
    ++rail_lines;
    EXPECT_NE(line.find("\"subject_operator\":\"rail-b\""), std::string_view::npos) << line;
  }
  int rail_want = 0;
  for (const auto& r : recs) {
    auto t = ledger::DecodeTopicRecord(r.value);
    for (std::string_view op : Split(t->subject_operator, ',', true)) rail_want += op == "rail-b";
  }
  EXPECT_EQ(rail_lines, rail_want);
  EXPECT_GE(rail_lines, 4);  // MLIT's two notifications and their Cabinet Secretariat copies
  EXPECT_GT(rail_lines, 0);

  // 4. Tampering: an unaltered copy verifies; a copy with one destination changed does not.
  int32_t parts = 6;
  CopyTopic(prefix_ + "ledger-copy", parts, recs, [](size_t, Raw*) {});
  EXPECT_EQ(Kizashi({"ledger", "verify", "--topic", prefix_ + "ledger-copy", "--strict"}, sets, &out), 0)
      << out;
  size_t victim = recs.size();
  for (size_t i = 0; i < recs.size(); ++i) {
    if (recs[i].value.find("\"destination\":\"ministry.mlit\"") != std::string::npos) victim = i;
  }
  ASSERT_LT(victim, recs.size());
  CopyTopic(prefix_ + "ledger-tampered", parts, recs, [&](size_t i, Raw* r) {
    if (i != victim) return;
    size_t at = r->value.find("\"destination\":\"ministry.mlit\"");
    r->value.replace(at, 29, "\"destination\":\"ministry.meti\"");
  });
  EXPECT_EQ(Kizashi({"ledger", "verify", "--topic", prefix_ + "ledger-tampered"}, sets, &out), 1);
  EXPECT_NE(out.find(StrCat("TAMPERED: partition ", recs[victim].partition, " offset ",
                            recs[victim].offset)), std::string::npos) << out;
  EXPECT_NE(out.find("does not match its hash (modified)"), std::string::npos) << out;
  // A removed record is a gap.
  CopyTopic(prefix_ + "ledger-gap", parts, recs, [&](size_t i, Raw* r) {
    if (i == 0) r->value = "{}";
  });
  EXPECT_EQ(Kizashi({"ledger", "verify", "--topic", prefix_ + "ledger-gap"}, sets, &out), 1);

  if (!scale_out) return;
  // 5. Scale-out: another instance (own state directory: its heads come from the changelog)
  // takes the partitions over and processes the demo traffic again — new sightings, so new
  // revisions; its records continue the same per-partition chains.
  std::map<int32_t, uint64_t> head_before;
  for (const auto& r : recs) {
    auto t = ledger::DecodeTopicRecord(r.value);
    head_before[r.partition] = std::max(head_before[r.partition], t->seq);
  }
  auto sets2 = Sets("state-2", "two");
  sets2.push_back("kafka.processing_guarantee=" + guarantee);
  KcatProduceDemo();
  RunUntilCaughtUp(sets2, "run-2.log");
  std::vector<Raw> recs2 = ReadLedger(topic);
  ASSERT_GT(recs2.size(), recs.size()) << "the second run disclosed nothing new";
  std::set<std::pair<int32_t, int64_t>> seen;
  for (const auto& r : recs) seen.insert({r.partition, r.offset});
  std::map<int32_t, uint64_t> first_new;  // partition -> lowest seq written by instance two
  for (const auto& r : recs2) {
    if (seen.count({r.partition, r.offset})) continue;
    auto t = ledger::DecodeTopicRecord(r.value);
    ASSERT_TRUE(t.ok());
    auto it = first_new.find(r.partition);
    if (it == first_new.end() || t->seq < it->second) first_new[r.partition] = t->seq;
  }
  int continued = 0;
  for (const auto& [p, seq] : first_new) {
    if (!head_before.count(p)) continue;
    EXPECT_EQ(seq, head_before[p] + 1) << "partition " << p;
    ++continued;
  }
  EXPECT_GT(continued, 0) << "no chain written by both instances";
  EXPECT_EQ(Kizashi({"ledger", "verify", "--kafka", "--strict"}, sets2, &out), 0) << out;
}

TEST_F(KafkaLedger, ExactlyOnceOneRecordPerOutputChainedPerPartitionAcrossInstances) {
  Check("exactly_once", /*scale_out=*/true);
}

// at_least_once, killed (SIGKILL) after the first commit's ledger records were acknowledged
// and before its changelog: the restarted instance reprocesses from the committed state and
// re-records the same outputs from the earlier chain head. Verify accepts the rewind (a NOTE)
// unless --strict; query answers one record per (document id, revision, destination).
TEST_F(KafkaLedger, AtLeastOnceCrashBeforeTheChangelogRewindsTheChain) {
  auto sets = Sets("state-1", "one");
  sets.push_back("kafka.processing_guarantee=at_least_once");
  ASSERT_EQ(Kizashi({"topics", "create"}, sets), 0);
  KcatProduceDemo();
  {
    Process p;
    ASSERT_TRUE(p.Start(KizashiArgv({"run"}, Config(), sets), dir_ + "/run-killed.log",
                        {"KIZASHI_FAULT=commit.after_ledger:1"}));
    EXPECT_EQ(p.Wait(), 128 + 9) << "log: " << dir_ << "/run-killed.log";
  }
  std::string topic = prefix_ + "ledger";
  size_t before_restart = ReadLedger(topic).size();
  ASSERT_GT(before_restart, 0u) << "the kill came before any ledger record";
  RunUntilCaughtUp(sets, "run-2.log");

  std::vector<Raw> recs = ReadLedger(topic);
  ASSERT_GT(recs.size(), before_restart);
  using Key = std::tuple<std::string, std::string, int64_t>;
  std::set<Key> want;
  for (const auto& d : ReadOutputs()) {
    if (!d.id.empty()) want.insert({d.destination, d.id, d.revision});
  }
  std::set<Key> recorded;
  std::set<std::string> keys;
  for (const auto& r : recs) {
    auto t = ledger::DecodeTopicRecord(r.value);
    ASSERT_TRUE(t.ok()) << t.status();
    keys.insert(r.key);
    if (t->kind != "dead_letter") recorded.insert({t->destination, t->document_id, t->revision});
  }
  EXPECT_EQ(recorded, want);
  EXPECT_LT(keys.size(), recs.size()) << "nothing was re-recorded";

  std::string out;
  EXPECT_EQ(Kizashi({"ledger", "verify", "--kafka"}, sets, &out), 0) << out;
  EXPECT_NE(out.find("NOTE: partition "), std::string::npos) << out;
  EXPECT_EQ(out.find("TAMPERED"), std::string::npos) << out;
  EXPECT_EQ(Kizashi({"ledger", "verify", "--kafka", "--strict"}, sets, &out), 1) << out;
  ASSERT_EQ(Kizashi({"ledger", "query", "--kafka"}, sets, &out), 0);
  EXPECT_EQ(Split(out, '\n', true).size(), keys.size()) << out;
}

TEST_F(KafkaLedger, AtLeastOnceOneRecordPerOutputAndVerifies) {
  Check("at_least_once", /*scale_out=*/false);
}

}  // namespace
}  // namespace kizashi::itest
