#include "bench/replay/quality.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/testing.h"

namespace kizashi::bench {
namespace {

runtime::EngineConfig TwoInputs() {
  runtime::EngineConfig c;
  c.inputs.resize(2);
  c.inputs[0].name = "eve";
  c.inputs[0].path = "/data/x/eve.jsonl";
  c.inputs[1].name = "syslog-op-00";
  c.inputs[1].path = "/data/x/syslog-op-00.log";
  return c;
}

std::string WriteLabels(const std::string& text) {
  std::string dir = testing::MakeTempDir("quality");
  std::string path = dir + "/labels.jsonl";
  std::ofstream(path) << text;
  return path;
}

correlate::Incident Inc(const std::string& id, std::vector<std::pair<std::string, int64_t>> ev) {
  correlate::Incident i;
  i.id = id;
  i.rule_id = "r-" + id;
  for (auto& [src, line] : ev) i.evidence.push_back(correlate::EvidenceRef{src, 0, line, 0});
  return i;
}

// Three instances: A (reportable; eve lines 10, 11), B (reportable; syslog line 5),
// C (not reportable; eve line 20).
const char* kLabels =
    R"({"file":"eve.jsonl","line":10,"scenario":"a","instance":1,"operator":"op-00","target":"t","expect":"reportable"}
{"file":"eve.jsonl","line":11,"scenario":"a","instance":1,"operator":"op-00","target":"t","expect":"reportable"}
{"file":"syslog-op-00.log","line":5,"scenario":"b","instance":2,"operator":"op-00","target":"t","expect":"reportable"}
{"file":"eve.jsonl","line":20,"scenario":"c","instance":3,"operator":"op-00","target":"w","expect":"not_reportable"}
)";

TEST(Labels, LoadGroupsRecordsIntoInstances) {
  runtime::EngineConfig c = TwoInputs();
  auto l = Labels::Load(WriteLabels(kLabels), c);
  ASSERT_TRUE(l.ok()) << l.status();
  ASSERT_EQ(l->instances.size(), 3u);
  EXPECT_EQ(l->instances[0].scenario, "a");
  EXPECT_EQ(l->instances[0].records, 2u);
  EXPECT_TRUE(l->instances[0].expect_reportable);
  EXPECT_FALSE(l->instances[2].expect_reportable);
  EXPECT_EQ(l->by_record.at(Labels::Key(1, 5)), 1u);
}

TEST(Labels, UnknownFileIsAnErrorWithTheLine) {
  runtime::EngineConfig c = TwoInputs();
  auto l = Labels::Load(
      WriteLabels(R"({"file":"other.log","line":1,"scenario":"a","instance":1,"expect":"reportable"})"
                  "\n"),
      c);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(std::string(l.status().message()).find("labels.jsonl:1"), std::string::npos);
}

TEST(QualityScorer, PerfectRun) {
  runtime::EngineConfig c = TwoInputs();
  auto l = Labels::Load(WriteLabels(kLabels), c);
  ASSERT_TRUE(l.ok());
  QualityScorer s(*l);
  s.OnRevision(Inc("i1", {{"eve", 10}}), false);  // revision 1 not yet reportable...
  s.OnRevision(Inc("i1", {{"eve", 10}, {"eve", 11}}), true);  // ...revision 2 is
  s.OnRevision(Inc("i2", {{"syslog-op-00", 5}}), true);
  s.OnRevision(Inc("i3", {{"eve", 20}}), false);  // C found but correctly not reportable
  Quality q = s.Finish();
  EXPECT_EQ(q.incidents, 3u);
  EXPECT_EQ(q.reportable_incidents, 2u);
  EXPECT_EQ(q.detected, 2u);
  EXPECT_EQ(q.expected_reportable, 2u);
  EXPECT_DOUBLE_EQ(q.recall, 1.0);
  EXPECT_DOUBLE_EQ(q.precision, 1.0);
  EXPECT_EQ(q.violations, 0u);
  EXPECT_EQ(q.scenarios.at("c").with_incident, 1u);
  EXPECT_EQ(q.scenarios.at("c").with_reportable, 0u);
}

TEST(QualityScorer, MissesViolationsAndFalseAlarms) {
  runtime::EngineConfig c = TwoInputs();
  auto l = Labels::Load(WriteLabels(kLabels), c);
  ASSERT_TRUE(l.ok());
  QualityScorer s(*l);
  s.OnRevision(Inc("i1", {{"eve", 11}}), true);       // A detected
  s.OnRevision(Inc("i3", {{"eve", 20}}), true);       // C reported: a violation
  s.OnRevision(Inc("i4", {{"eve", 99}}), true);       // unlabelled: a false alarm
  s.OnRevision(Inc("i5", {{"syslog-op-00", 5}}), false);  // B found, not reportable: a miss
  Quality q = s.Finish();
  EXPECT_EQ(q.detected, 1u);
  EXPECT_DOUBLE_EQ(q.recall, 0.5);
  EXPECT_EQ(q.reportable_incidents, 3u);
  EXPECT_EQ(q.true_positive_incidents, 1u);
  EXPECT_DOUBLE_EQ(q.precision, 1.0 / 3.0);
  EXPECT_EQ(q.violations, 1u);
  EXPECT_EQ(q.unlabelled_reportable_incidents, 1u);
  ASSERT_EQ(q.missed.size(), 1u);
  EXPECT_EQ(q.missed[0].rfind("b#2", 0), 0u);
}

}  // namespace
}  // namespace kizashi::bench
