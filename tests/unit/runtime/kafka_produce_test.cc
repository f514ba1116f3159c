// runtime::ForEachRecordedRecord: the records `kizashi produce` would send, in its order and
// with its keys, without a broker. Expected values derived by hand from deploy/demo/traffic
// (32 lines; deploy/kafka/kizashi-kafka.yaml names them as Kafka inputs).
#include "engine/runtime/kafka_produce.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
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
  // Merged by fraction read (the file replay's order): every input starts at 0, so the first
  // record is the first input's first line; each file's lines keep their order.
  EXPECT_EQ(recs[0].input, 0);
  EXPECT_EQ(recs[0].value.rfind("Mar  1 09:59:58 cbs-app01 CRON[2087]", 0), 0u);
  std::vector<std::string> eve;
  for (const auto& r : recs) {
    if (r.input == 1) eve.push_back(r.value);
  }
  ASSERT_EQ(eve.size(), 14u);
  EXPECT_NE(eve[0].find("2024-03-01T09:59:59.120455"), std::string::npos);
  EXPECT_NE(eve[13].find("2024-03-01T10:03:15.000100"), std::string::npos);
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
