// People's inputs in the correlator (docs/inputs.md): an operator report opens an incident or
// updates one; an analyst action on an incident that closed and left memory is read back from
// the store, gets a new revision and stays closed; inputs naming unknown or another operator's
// incidents are rejected; an input merged once is not merged again. Registry and pack:
// tests/unit/pipeline/fixtures.h (bank: core = 10.1.0.0/16, internal-only critical system).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/inputs/input.h"
#include "tests/unit/correlate/harness.h"

namespace kizashi::testing {
namespace {

using correlate::CorrelateOutput;
using correlate::Incident;
using correlate::IncidentState;
using correlate::PartitionCorrelator;

const char* kRules = R"(
rules:
  - id: prep
    match: {attack_types: [preparatory]}
    condition: {type: single}
    suppress: 5m
    quiet: 2m
)";

// One batch of input records (already valid JSON; the decoder's checks are tested elsewhere).
CorrelateOutput ApplyInputs(PartitionCorrelator& pc, const Harness& h,
                            const std::vector<std::string>& records, int64_t first_offset,
                            state::StateStore* store) {
  Batch b;
  b.sources = {"control"};
  for (size_t i = 0; i < records.size(); ++i) {
    auto in = inputs::ParseInput(records[i]);
    EXPECT_TRUE(in.ok()) << in.status();
    RawRecord r;
    r.value = b.arena.Copy(records[i]);
    b.records.push_back(r);
    Event e;
    e.kind = inputs::IsAnalystAction(in->type) ? EventKind::kAnalystAction : EventKind::kOperatorInput;
    e.operator_id = b.arena.Copy(in->operator_id);
    e.event_time_ns = in->time_ns;
    e.record = static_cast<uint32_t>(i);
    e.pos.offset = first_offset + static_cast<int64_t>(i);
    b.events.push_back(e);
  }
  CorrelateOutput out;
  pc.Process(b, h.rules(), *TestPatterns(), h.registry(), &out);
  state::StateDelta delta;
  pc.Flush(&delta);
  EXPECT_TRUE(store->Commit(delta).ok());
  pc.Committed();
  return out;
}

std::string Action(const std::string& id, const std::string& type, const std::string& op,
                   const std::string& incident) {
  return StrCat(R"({"schema":"kizashi.input/1","id":")", id, R"(","type":")", type,
                R"(","operator":")", op, R"(","incident_id":")", incident,
                R"(","time":"2023-11-14T23:00:00Z","by":"analyst 4","summary":"checked"})");
}

TEST(CorrelatorInputs, AnActionOnAClosedIncidentIsReadBackFromTheStore) {
  std::string dir = MakeTempDir("inputs");
  state::StateOptions so;
  so.dir = dir;
  Harness h(kRules);
  std::string id;
  {
    auto store = state::StateStore::Open(so);
    ASSERT_TRUE(store.ok());
    PartitionCorrelator pc(0, correlate::CorrelateOptions{});
    ASSERT_TRUE(pc.Load(**store).ok());
    In x;
    x.payload = "bindshell";  // pack entry `backdoor`, preparatory
    auto got = h.Run(pc, {x}, 1, store->get());
    ASSERT_EQ(got.size(), 1u);
    id = got[0].id;
    auto closed = h.Advance(pc, 600 * kS, store->get());  // quiet 2 m passes: closed, evicted
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].state, IncidentState::kClosed);
    EXPECT_EQ(closed[0].revision, 2u);
    EXPECT_EQ(pc.open_incidents(), 0u);
  }
  // A restarted correlator: the incident is only in the store.
  auto store = state::StateStore::Open(so);
  ASSERT_TRUE(store.ok());
  PartitionCorrelator pc(0, correlate::CorrelateOptions{});
  ASSERT_TRUE(pc.Load(**store).ok());
  CorrelateOutput out = ApplyInputs(
      pc, h,
      {Action("w1", "withdraw", "bank", id),
       Action("w2", "withdraw", "rail", id),                        // another operator's
       Action("w3", "annotate", "bank", "00000000000000000000000000000000"),  // unknown
       Action("w1", "withdraw", "bank", id)},                       // merged already
      100, store->get());
  ASSERT_EQ(out.revisions.size(), 1u);
  const Incident& r = out.revisions[0];
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.revision, 3u);
  EXPECT_EQ(r.change, "withdraw");
  EXPECT_EQ(r.state, IncidentState::kClosed);
  EXPECT_TRUE(r.withdrawn);
  ASSERT_EQ(r.history.size(), 1u);
  EXPECT_EQ(r.history[0].by, "analyst 4");
  EXPECT_EQ(Offsets(r), (std::vector<int64_t>{1, 100}));  // the input is cited as evidence
  ASSERT_EQ(out.rejected.size(), 2u);
  EXPECT_EQ(out.rejected[0].first, 1u);
  EXPECT_NE(out.rejected[0].second.find("belongs to another operator"), std::string::npos);
  EXPECT_EQ(out.rejected[1].first, 2u);
  EXPECT_NE(out.rejected[1].second.find("no incident"), std::string::npos);
  // The new revision was stored: the next one builds on it.
  out = ApplyInputs(pc, h, {Action("n1", "annotate", "bank", id)}, 200, store->get());
  ASSERT_EQ(out.revisions.size(), 1u);
  EXPECT_EQ(out.revisions[0].revision, 4u);
  EXPECT_TRUE(out.revisions[0].withdrawn);
  EXPECT_EQ(out.revisions[0].history.size(), 2u);
  RemoveTree(dir);
}

TEST(CorrelatorInputs, AReportOpensAnIncidentOnTheNamedSystemOnce) {
  std::string dir = MakeTempDir("inputs-open");
  state::StateOptions so;
  so.dir = dir;
  Harness h(kRules);
  auto store = state::StateStore::Open(so);
  ASSERT_TRUE(store.ok());
  PartitionCorrelator pc(0, correlate::CorrelateOptions{});
  ASSERT_TRUE(pc.Load(**store).ok());
  std::string notice =
      R"({"schema":"kizashi.input/1","id":"n-1","type":"threat_notice","operator":"bank","system":"core",)"
      R"("time":"2023-11-14T22:00:00Z","by":"op","summary":"DDoS announced"})";
  CorrelateOutput out = ApplyInputs(pc, h, {notice, notice}, 1, store->get());
  ASSERT_EQ(out.revisions.size(), 1u);  // the same input again is not a new incident or revision
  const Incident& inc = out.revisions[0];
  EXPECT_EQ(inc.rule_id, "operator-report");
  EXPECT_EQ(inc.target_kind, TargetKind::kCriticalSystem);
  EXPECT_EQ(inc.target_id, "core");
  EXPECT_EQ(inc.event_count, 0u);
  EXPECT_TRUE(inc.facts.attack_notice);
  EXPECT_EQ(inc.facts.summary, "DDoS announced");
  EXPECT_EQ(inc.first_seen_ns, int64_t{1699999200} * kS);  // 22:00:00Z
  // A response status naming it updates it.
  std::string status = StrCat(
      R"({"schema":"kizashi.input/1","id":"n-2","type":"response_status","operator":"bank","incident_id":")",
      inc.id, R"(","time":"2023-11-14T22:30:00Z","by":"op","status":"filtering upstream"})");
  out = ApplyInputs(pc, h, {status}, 3, store->get());
  ASSERT_EQ(out.revisions.size(), 1u);
  EXPECT_EQ(out.revisions[0].revision, 2u);
  EXPECT_EQ(out.revisions[0].facts.status, "filtering upstream");
  EXPECT_TRUE(out.revisions[0].facts.attack_notice);
  // A report about a system the registry does not know still opens (the verdict says why).
  std::string unknown =
      R"({"schema":"kizashi.input/1","id":"n-3","type":"major_failure","operator":"bank","system":"nope",)"
      R"("time":"2023-11-14T22:00:00Z","by":"op"})";
  out = ApplyInputs(pc, h, {unknown}, 4, store->get());
  ASSERT_EQ(out.revisions.size(), 1u);
  EXPECT_EQ(out.revisions[0].target_kind, TargetKind::kUnknownAsset);
  RemoveTree(dir);
}

}  // namespace
}  // namespace kizashi::testing
