// runtime::ForEachRecordedRecord: the records `kizashi produce` would send, in its order (event
// time across files) and with its keys, without a broker. Expected values derived by hand from
// deploy/demo/traffic (32 lines; deploy/kafka/kizashi-kafka.yaml names them as Kafka inputs)
// and from small files written by the tests.
#include "engine/runtime/kafka_produce.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/engine_config.h"
#include "tests/testing/testing.h"

namespace kizashi::runtime {
namespace {

struct Rec {
  uint16_t input;
  std::string key, value;
};

EngineConfig DemoKafkaConfig() {
  Diagnostics d;
  EngineConfig c = EngineConfig::Load(testing::SourcePath("deploy/kafka/kizashi-kafka.yaml"), {}, &d);
  EXPECT_FALSE(d.has_errors()) << d.ToText();
  return c;
}

std::vector<std::pair<std::string, std::string>> DemoFiles() {
  return {{"bank-a-syslog", testing::SourcePath("deploy/demo/traffic/bank-a-syslog.log")},
          {"sensors-eve", testing::SourcePath("deploy/demo/traffic/eve.jsonl")},
          {"operator-reports", testing::SourcePath("deploy/demo/traffic/operator-reports.jsonl")}};
}

TEST(ForEachRecordedRecord, KeysEveryRecordByTheOperatorItsDecoderFinds) {
  EngineConfig c = DemoKafkaConfig();
  std::vector<Rec> recs;
  absl::Status st = ForEachRecordedRecord(
      c, DemoFiles(), [&](uint16_t input, std::string_view key, std::string_view value) {
        recs.push_back(Rec{input, std::string(key), std::string(value)});
        return absl::OkStatus();
      });
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(recs.size(), 32u);  // 15 + 14 + 3 lines, none blank
  // Inputs are indices in config.inputs: 0 bank-a-syslog, 1 sensors-eve, 2 operator-reports.
  std::map<uint16_t, std::map<std::string, int>> keys;
  for (const auto& r : recs) ++keys[r.input][r.key];
  // Syslog: operator fixed to bank-a, except line 11, "this line is not syslog at all": it
  // does not decode (no timestamp: one of the demo's three dead letters), so it has no key.
  EXPECT_EQ(keys[0], (std::map<std::string, int>{{"", 1}, {"bank-a", 14}}));
  // EVE: the operator field of each line — bank-a 8, rail-b 4, bank-z 1 (unknown to the
  // registry, but the decoder does not consult it) — and the truncated line 6 has none.
  EXPECT_EQ(keys[1], (std::map<std::string, int>{{"", 1}, {"bank-a", 8}, {"bank-z", 1}, {"rail-b", 4}}));
  // Operator reports: bank-a twice, rail-b once.
  EXPECT_EQ(keys[2], (std::map<std::string, int>{{"bank-a", 2}, {"rail-b", 1}}));
  // Merged in event time across files: the operator reports of 09:45 (rail-b-2024-0007) and
  // 09:30 (bank-a-2024-0012) come before the first syslog line (09:59:58) and the first EVE
  // line (09:59:59.120455); the third report (10:20) waits for the syslog and EVE lines before
  // it. Each file's lines keep their order.
  EXPECT_EQ(recs[0].input, 2);
  EXPECT_NE(recs[0].value.find("rail-b-2024-0007"), std::string::npos);
  EXPECT_EQ(recs[1].input, 2);
  EXPECT_NE(recs[1].value.find("bank-a-2024-0012"), std::string::npos);
  EXPECT_EQ(recs[2].input, 0);
  EXPECT_EQ(recs[2].value.rfind("Mar  1 09:59:58 cbs-app01 CRON[2087]", 0), 0u);
  EXPECT_EQ(recs[3].input, 1);
  EXPECT_NE(recs[3].value.find("2024-03-01T09:59:59.120455"), std::string::npos);
  std::vector<std::string> eve;
  for (const auto& r : recs) {
    if (r.input == 1) eve.push_back(r.value);
  }
  ASSERT_EQ(eve.size(), 14u);
  EXPECT_NE(eve[0].find("2024-03-01T09:59:59.120455"), std::string::npos);
  EXPECT_NE(eve[13].find("2024-03-01T10:03:15.000100"), std::string::npos);
  EXPECT_NE(recs.back().value.find("bank-a-2024-0013"), std::string::npos);  // 10:20, the last
}

std::string Write(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string EveLine(const std::string& time, const std::string& tag) {
  return "{\"timestamp\":\"2024-03-01T" + time + "+0900\",\"event_type\":\"dns\",\"src_ip\":\"10.1.5.5\","
         "\"dest_ip\":\"10.1.0.53\",\"operator\":\"bank-a\",\"dns\":{\"rrname\":\"" + tag + "\"}}\n";
}

// The tags of the records in the order ForEachRecordedRecord gives them: S<n> syslog line n,
// E<n> EVE line n (each line carries its tag).
std::vector<std::string> Order(const std::vector<std::pair<std::string, std::string>>& files,
                               ProduceOrder order = ProduceOrder::kEventTime) {
  EngineConfig c = DemoKafkaConfig();
  std::vector<std::string> tags;
  absl::Status st = ForEachRecordedRecord(c, files, [&](uint16_t input, std::string_view, std::string_view v) {
    size_t at = v.find("tag-");
    EXPECT_NE(at, std::string_view::npos) << input << ": " << v;
    if (at == std::string_view::npos) return absl::OkStatus();
    at += 4;
    tags.emplace_back(v.substr(at, v.find_first_of(" \"", at) - at));
    return absl::OkStatus();
  }, order);
  EXPECT_TRUE(st.ok()) << st;
  return tags;
}

// Two recorded files of one operator, written into `dir`: syslog (bank-a-syslog, JST) whose
// line 3 does not decode, and EVE (sensors-eve) whose line 3 is two minutes behind its own
// file (a sensor that fell behind). Returns their paths (syslog, EVE).
std::pair<std::string, std::string> SyslogAndLaggingEve(const std::string& dir) {
  std::string syslog = Write(dir, "syslog.log",
                             "Mar  1 10:00:00 h sshd[1]: tag-S1 x\n"
                             "Mar  1 10:00:40 h sshd[2]: tag-S2 x\n"
                             "tag-S3 this line is not syslog\n"
                             "Mar  1 10:01:30 h sshd[3]: tag-S4 x\n");
  std::string eve = Write(dir, "eve.jsonl",
                          EveLine("10:00:10.000000", "tag-E1") + EveLine("10:00:20.000000", "tag-E2") +
                              EveLine("09:58:00.000000", "tag-E3") + EveLine("10:01:00.000000", "tag-E4") +
                              EveLine("10:02:00.000000", "tag-E5"));
  return {syslog, eve};
}

// The rule docs/kafka.md states for producers: records of several files are sent in event
// time. Syslog (bank-a-syslog, JST) and EVE (sensors-eve) of one operator; EVE line 3 is two
// minutes behind its own file (a sensor that fell behind) and syslog line 3 does not decode.
TEST(ForEachRecordedRecord, MergesFilesInEventTimeKeepingEachFilesOwnOrder) {
  auto [syslog, eve] = SyslogAndLaggingEve(testing::MakeTempDir("produce-order"));
  // Heads (syslog, EVE) -> sent: (10:00:00, 10:00:10) -> S1; (10:00:40, 10:00:10) -> E1;
  // (10:00:40, 10:00:20) -> E2; (10:00:40, 09:58:00) -> E3, still after E2 (its file's order);
  // (10:00:40, 10:01:00) -> S2; S3 has no time: it follows S2; (10:01:30, 10:01:00) -> E4;
  // (10:01:30, 10:02:00) -> S4; E5.
  EXPECT_EQ(Order({{"bank-a-syslog", syslog}, {"sensors-eve", eve}}),
            (std::vector<std::string>{"S1", "E1", "E2", "E3", "S2", "S3", "E4", "S4", "E5"}));
  // The order of the files given changes nothing without ties.
  EXPECT_EQ(Order({{"sensors-eve", eve}, {"bank-a-syslog", syslog}}),
            (std::vector<std::string>{"S1", "E1", "E2", "E3", "S2", "S3", "E4", "S4", "E5"}));
}

// --order file-replay: the file replay's merge of one partition, by fraction read. Syslog:
// lines of 36, 36, 31, 36 bytes (139); EVE: 5 lines of 155 bytes (775). Fractions read before
// each pick (syslog, EVE): (0, 0) -> S1 (tie: the file named first); (36/139 = .26, 0) -> E1;
// (.26, .2) -> E2; (.26, .4) -> S2; (.52, .4) -> E3; (.52, .6) -> S3; (.74, .6) -> E4;
// (.74, .8) -> S4; E5. The event-time order of the same files (test above) differs in S2 and
// E3: there E3 follows E2, as in its file, before S2.
TEST(ForEachRecordedRecord, FileReplayOrderMergesByFractionRead) {
  auto [syslog, eve] = SyslogAndLaggingEve(testing::MakeTempDir("produce-file-order"));
  EXPECT_EQ(Order({{"bank-a-syslog", syslog}, {"sensors-eve", eve}}, ProduceOrder::kFileReplay),
            (std::vector<std::string>{"S1", "E1", "E2", "S2", "E3", "S3", "E4", "S4", "E5"}));
}

TEST(ForEachRecordedRecord, BreaksEventTimeTiesByTheFileNamedFirst) {
  std::string dir = testing::MakeTempDir("produce-ties");
  std::string syslog = Write(dir, "syslog.log",
                             "Mar  1 10:00:00 h sshd[1]: tag-S1 x\n"
                             "Mar  1 10:00:05 h sshd[2]: tag-S2 x\n");
  std::string eve = Write(dir, "eve.jsonl",
                          EveLine("10:00:00.000000", "tag-E1") + EveLine("10:00:05.000000", "tag-E2"));
  EXPECT_EQ(Order({{"bank-a-syslog", syslog}, {"sensors-eve", eve}}),
            (std::vector<std::string>{"S1", "E1", "S2", "E2"}));
  EXPECT_EQ(Order({{"sensors-eve", eve}, {"bank-a-syslog", syslog}}),
            (std::vector<std::string>{"E1", "S1", "E2", "S2"}));
}

TEST(ForEachRecordedRecord, RefusesAnInputThatIsNotConfiguredOrNotKafka) {
  EngineConfig c = DemoKafkaConfig();
  auto none = [](uint16_t, std::string_view, std::string_view) { return absl::OkStatus(); };
  EXPECT_FALSE(ForEachRecordedRecord(c, {{"no-such-input", DemoFiles()[0].second}}, none).ok());
  c.inputs[0].type = "file";
  EXPECT_FALSE(ForEachRecordedRecord(c, {DemoFiles()[0]}, none).ok());
}

TEST(ForEachRecordedRecord, StopsAtTheFirstErrorOfTheCallback) {
  EngineConfig c = DemoKafkaConfig();
  int calls = 0;
  absl::Status st = ForEachRecordedRecord(c, DemoFiles(), [&](uint16_t, std::string_view, std::string_view) {
    return ++calls == 5 ? absl::CancelledError("enough") : absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 5);
}

}  // namespace
}  // namespace kizashi::runtime
