// Correlator skeleton tests: single and event_count conditions, suppression, late events,
// quiet-period close, and exact continuation after a restart from the state store.
#include <gtest/gtest.h>

#include "engine/common/time.h"
#include "engine/correlate/correlator.h"
#include "engine/match/matcher.h"
#include "tests/testing/testing.h"
#include "tests/unit/pipeline/fixtures.h"

namespace kizashi {
namespace {

constexpr int64_t kS = kNanosPerSecond;
const int64_t kT0 = 1'700'000'000 * kS;

const char* kRules = R"(
rules:
  - id: brute
    title: brute force
    match: {attack_types: [unauthorized_access], target: critical_system}
    group_by: [src_ip]
    condition: {type: event_count, count: 3, window: 60s}
    suppress: 10m
    quiet: 5m
  - id: prep
    match: {attack_types: [preparatory]}
    condition: {type: single}
    suppress: 10m
)";

class CorrelateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reg_ = testing::TestRegistry();
    patterns_ = testing::TestPatterns();
    Diagnostics d;
    auto rules = correlate::ParseRulesText(kRules, "rules.yaml", &d);
    rules_ = correlate::Rulebook::Compile(rules, *patterns_, &d);
    ASSERT_TRUE(rules_) << d.ToText();
    opts_.allowed_lateness_ns = 10 * kS;
  }

  // One event per (time, src, message) against critical system "core" of operator "bank".
  void Add(Batch& b, int64_t t, const char* src, const char* msg, const char* payload = "") {
    Event e;
    e.operator_id = "bank";
    e.event_time_ns = t;
    IpAddr::Parse(src, &e.src);
    IpAddr::Parse("10.1.0.1", &e.dst);
    e.target_kind = TargetKind::kCriticalSystem;
    e.target_ref = 0;  // "core"
    e.record = static_cast<uint32_t>(b.events.size());
    e.pos.offset = static_cast<int64_t>(b.events.size()) + 1;
    e.set_field(FieldId::kMessage, msg);
    e.set_field(FieldId::kPayload, payload);
    b.events.push_back(e);
  }

  correlate::CorrelateOutput Process(correlate::PartitionCorrelator& pc, Batch& b) {
    b.sources = {"test"};
    match::Matcher m;
    EXPECT_TRUE(m.Match(b, *patterns_).ok());
    correlate::CorrelateOutput out;
    pc.Process(b, *rules_, *patterns_, *reg_, &out);
    return out;
  }

  std::shared_ptr<const registry::Registry> reg_;
  std::shared_ptr<const patterns::PatternSet> patterns_;
  std::shared_ptr<const correlate::Rulebook> rules_;
  correlate::CorrelateOptions opts_;
};

TEST_F(CorrelateTest, EventCountOpensOnceThenAbsorbsWithinSuppression) {
  correlate::PartitionCorrelator pc(0, opts_);
  Batch b;
  Add(b, kT0, "198.51.100.1", "Failed password");
  Add(b, kT0 + 10 * kS, "198.51.100.1", "Failed password");
  Add(b, kT0 + 15 * kS, "198.51.100.2", "Failed password");  // other key
  Add(b, kT0 + 20 * kS, "198.51.100.1", "Failed password");  // third of the key: opens
  Add(b, kT0 + 30 * kS, "198.51.100.1", "Failed password");  // absorbed, no new revision
  auto out = Process(pc, b);
  ASSERT_EQ(out.revisions.size(), 1u);
  const auto& inc = out.revisions[0];
  EXPECT_EQ(inc.revision, 1u);
  EXPECT_EQ(inc.change, "opened");
  EXPECT_EQ(inc.rule_id, "brute");
  EXPECT_EQ(inc.target_id, "core");
  EXPECT_EQ(inc.group_values, std::vector<std::string>{"198.51.100.1"});
  EXPECT_EQ(inc.window_start_ns, kT0);
  EXPECT_EQ(inc.event_count, 3u);
  ASSERT_EQ(inc.evidence.size(), 3u);
  EXPECT_EQ(inc.evidence[2].offset, 4);
  EXPECT_EQ(pc.open_incidents(), 1u);
}

TEST_F(CorrelateTest, WindowMustHoldTheCount) {
  correlate::PartitionCorrelator pc(0, opts_);
  Batch b;
  Add(b, kT0, "198.51.100.1", "Failed password");
  Add(b, kT0 + 50 * kS, "198.51.100.1", "Failed password");
  Add(b, kT0 + 120 * kS, "198.51.100.1", "Failed password");  // 3 events but span 120 s > 60 s
  auto out = Process(pc, b);
  EXPECT_TRUE(out.revisions.empty());
}

TEST_F(CorrelateTest, LateEventsAreDivertedNotCorrelated) {
  correlate::PartitionCorrelator pc(0, opts_);
  Batch b;
  Add(b, kT0 + 100 * kS, "198.51.100.1", "Failed password");
  Add(b, kT0 + 95 * kS, "198.51.100.1", "Failed password");   // within lateness 10 s
  Add(b, kT0 + 80 * kS, "198.51.100.1", "Failed password");   // behind watermark 90 s: late
  auto out = Process(pc, b);
  EXPECT_EQ(out.late, std::vector<uint32_t>{2});
  EXPECT_TRUE(out.revisions.empty());
}

TEST_F(CorrelateTest, ClosesAfterQuietPeriodAndMaterialChangesMakeRevisions) {
  correlate::PartitionCorrelator pc(0, opts_);
  Batch b;
  Add(b, kT0, "198.51.100.1", "Failed password");
  Add(b, kT0 + kS, "198.51.100.1", "Failed password");
  Add(b, kT0 + 2 * kS, "198.51.100.1", "Failed password");
  auto out = Process(pc, b);
  ASSERT_EQ(out.revisions.size(), 1u);
  std::string id = out.revisions[0].id;
  // 3 more: count doubles (6 >= 2*3): a new revision.
  Batch b2;
  for (int i = 3; i < 6; ++i) Add(b2, kT0 + i * kS, "198.51.100.1", "Failed password");
  out = Process(pc, b2);
  ASSERT_EQ(out.revisions.size(), 1u);
  EXPECT_EQ(out.revisions[0].id, id);
  EXPECT_EQ(out.revisions[0].revision, 2u);
  EXPECT_EQ(out.revisions[0].event_count, 6u);
  // Quiet for 5 minutes: the watermark passing last_seen + quiet closes it.
  out = {};
  pc.AdvanceWatermark(kT0 + 5 * kS + 5 * 60 * kS, &out);
  ASSERT_EQ(out.revisions.size(), 1u);
  EXPECT_EQ(out.revisions[0].state, correlate::IncidentState::kClosed);
  EXPECT_EQ(out.revisions[0].revision, 3u);
  EXPECT_EQ(pc.open_incidents(), 0u);
}

TEST_F(CorrelateTest, RestartFromStoreContinuesExactly) {
  std::string dir = testing::MakeTempDir("corr");
  state::StateOptions so;
  so.dir = dir;
  // Uninterrupted: 5 events in one correlator.
  std::vector<correlate::Incident> expected;
  {
    correlate::PartitionCorrelator pc(0, opts_);
    Batch b;
    for (int i = 0; i < 5; ++i) Add(b, kT0 + i * kS, "198.51.100.1", "Failed password");
    Add(b, kT0 + 6 * kS, "10.9.9.9", "x", "bindshell");
    expected = Process(pc, b).revisions;
  }
  // Interrupted after 2 events: state flushed to RocksDB, a new correlator loads it.
  std::vector<correlate::Incident> got;
  {
    auto store = state::StateStore::Open(so);
    ASSERT_TRUE(store.ok());
    correlate::PartitionCorrelator pc(0, opts_);
    Batch b;
    for (int i = 0; i < 2; ++i) Add(b, kT0 + i * kS, "198.51.100.1", "Failed password");
    auto out = Process(pc, b);
    got.insert(got.end(), out.revisions.begin(), out.revisions.end());
    state::StateDelta delta;
    pc.Flush(&delta);
    ASSERT_TRUE((*store)->Commit(delta).ok());
  }
  {
    auto store = state::StateStore::Open(so);
    ASSERT_TRUE(store.ok());
    correlate::PartitionCorrelator pc(0, opts_);
    ASSERT_TRUE(pc.Load(**store).ok());
    Batch b;
    for (int i = 2; i < 5; ++i) Add(b, kT0 + i * kS, "198.51.100.1", "Failed password");
    Add(b, kT0 + 6 * kS, "10.9.9.9", "x", "bindshell");
    // Offsets restart at 1 in this batch; make them match the uninterrupted run.
    for (auto& e : b.events) e.pos.offset += 2;
    auto out = Process(pc, b);
    got.insert(got.end(), out.revisions.begin(), out.revisions.end());
  }
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].Encode(), expected[i].Encode()) << i;
  testing::RemoveTree(dir);
}

TEST(Rules, ReportsEveryErrorWithLine) {
  Diagnostics d;
  auto rules = correlate::ParseRulesText(R"(rules:
  - id: a
    match: {attack_types: [nope]}
    condition: {type: event_count, count: 0, window: 5m}
  - id: b
    match: {kinds: [attack_pattern]}
    group_by: [src_ip, bogus]
    condition: {type: sometimes}
  - id: a
    match: {tags: [x]}
    condition: {type: single}
    colour: red
)", "r.yaml", &d);
  std::string t = d.ToText();
  EXPECT_NE(t.find("r.yaml:3: error: [a] unknown attack type 'nope'"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:4: error: [a] 'count' = 0 is outside"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:7: error: [b] unknown group_by field 'bogus'"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:8: error: [b] unsupported condition type 'sometimes'"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:12: error: [a] unknown field 'colour'"), std::string::npos) << t;
  EXPECT_EQ(d.error_count(), 5u) << t;
}

}  // namespace
}  // namespace kizashi
