// One test group per condition type, including out-of-order and late events. Every expected
// value is derived by hand from the inputs in the comments (times are seconds after kT0;
// evidence offsets are 1-based input positions).
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/correlate/harness.h"

namespace kizashi::testing {
namespace {

using correlate::CorrelateOptions;
using correlate::Incident;
using correlate::PartitionCorrelator;

CorrelateOptions Opts(int64_t lateness_s) {
  CorrelateOptions o;
  o.allowed_lateness_ns = lateness_s * kS;
  return o;
}

In Sig(int64_t t, std::string sig, std::string dst = "10.1.0.1") {
  In in;
  in.t = t;
  in.signature = std::move(sig);
  in.dst = std::move(dst);
  return in;
}

In Payload(int64_t t, std::string payload, std::string message = "") {
  In in;
  in.t = t;
  in.payload = std::move(payload);
  in.message = std::move(message);
  return in;
}

In User(int64_t t, std::string user) {
  In in = Msg(t, "Failed password");
  in.user = std::move(user);
  return in;
}

// ---- single ----------------------------------------------------------------------------

const char* kSingle = R"(
rules:
  - id: prep
    match: {attack_types: [preparatory], target: critical_system}
    condition: {type: single}
    suppress: 10m
    quiet: 1m
)";

TEST(Single, OpensAbsorbsClosesAfterQuietThenOpensAnew) {
  Harness h(kSingle);
  PartitionCorrelator pc(0, Opts(10));
  // t=0 opens; t=30 is absorbed (same key, within suppression; count 2 = 2 x 1: an "updated"
  // revision); t=150: the watermark (150-10=140) has passed close_at (30+60=90), so the
  // close fires first, then t=150 opens a new incident.
  auto got = h.Run(pc, {Payload(0, "bindshell"), Payload(30 * kS, "bindshell"),
                        Payload(150 * kS, "bindshell")});
  ASSERT_EQ(got.size(), 4u);
  std::string first = IncidentId("bank", "core", "prep", {}, kT0);
  EXPECT_EQ(got[0].id, first);
  EXPECT_EQ(got[0].change, "opened");
  EXPECT_EQ(got[1].id, first);
  EXPECT_EQ(got[1].change, "updated");
  EXPECT_EQ(got[1].event_count, 2u);
  EXPECT_EQ(got[2].id, first);
  EXPECT_EQ(got[2].change, "closed");
  EXPECT_EQ(got[2].revision, 3u);
  EXPECT_EQ(got[3].id, IncidentId("bank", "core", "prep", {}, kT0 + 150 * kS));
  EXPECT_EQ(got[3].revision, 1u);
  EXPECT_EQ(Offsets(got[3]), (std::vector<int64_t>{3}));
}

// ---- event_count -----------------------------------------------------------------------

const char* kCount = R"(
rules:
  - id: brute
    match: {entries: [ssh-fail], target: critical_system}
    group_by: [src_ip]
    condition: {type: event_count, count: 3, window: 60s}
    suppress: 10m
)";

TEST(EventCount, OutOfOrderEventsCompleteTheWindowWhateverTheArrivalOrder) {
  // Times 0, 20, 50 (offsets 1, 2, 3 in time order) span 50 s <= 60 s: every arrival order
  // opens the same incident (window start 0) citing the events in time order.
  std::vector<int64_t> times = {0, 20, 50};
  std::vector<int> order = {0, 1, 2};
  do {
    Harness h(kCount);
    PartitionCorrelator pc(0, Opts(120));
    std::vector<In> in;
    for (int k : order) in.push_back(Msg(times[static_cast<size_t>(k)] * kS, "Failed password"));
    auto got = h.Run(pc, in);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].id, IncidentId("bank", "core", "brute", {"198.51.100.1"}, kT0));
    EXPECT_EQ(got[0].window_start_ns, kT0);
    EXPECT_EQ(got[0].event_count, 3u);
    // Offsets are arrival positions: the event at time times[k] arrived at position p+1
    // where order[p] == k.
    std::vector<int64_t> want;
    for (int k = 0; k < 3; ++k) {
      want.push_back(std::find(order.begin(), order.end(), k) - order.begin() + 1);
    }
    EXPECT_EQ(Offsets(got[0]), want);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(EventCount, LateEventsGoToTheLateOutputAndAreNotCounted) {
  Harness h(kCount);
  PartitionCorrelator pc(0, Opts(10));
  // After t=100 the watermark is 90: t=95 is in time, t=80 is late (batch index 2). Counted:
  // 100, 95, 101 -> opens at the 4th event, window start 95, offsets in time order 2, 1, 4.
  auto got = h.Run(pc, {Msg(100 * kS, "Failed password"), Msg(95 * kS, "Failed password"),
                        Msg(80 * kS, "Failed password"), Msg(101 * kS, "Failed password")});
  EXPECT_EQ(h.late(), (std::vector<uint32_t>{2}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0 + 95 * kS);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{2, 1, 4}));
}

TEST(EventCount, OnlyEventsWithinOneWindowCount) {
  Harness h(kCount);
  PartitionCorrelator pc(0, Opts(10));
  // 0, 1, 70, 71: no 3 events within 60 s. 72 makes {70, 71, 72}.
  auto got = h.Run(pc, {Msg(0, "Failed password"), Msg(1 * kS, "Failed password"),
                        Msg(70 * kS, "Failed password"), Msg(71 * kS, "Failed password")});
  EXPECT_TRUE(got.empty());
  got = h.Run(pc, {Msg(0, "x"), Msg(0, "x"), Msg(0, "x"), Msg(0, "x"), Msg(72 * kS, "Failed password")},
              1 << 20, nullptr, 4);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0 + 70 * kS);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{3, 4, 5}));
}

TEST(EventCount, KeysAreSeparatePerGroupValueAndTarget) {
  Harness h(kCount);
  PartitionCorrelator pc(0, Opts(10));
  In other_src = Msg(2 * kS, "Failed password", "198.51.100.2");
  In other_target = Msg(3 * kS, "Failed password");
  other_target.dst = "10.2.0.9";  // critical system "atm"
  auto got = h.Run(pc, {Msg(0, "Failed password"), Msg(1 * kS, "Failed password"), other_src,
                        other_target, Msg(4 * kS, "Failed password")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target_id, "core");
  EXPECT_EQ(got[0].group_values, std::vector<std::string>{"198.51.100.1"});
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{1, 2, 5}));
  EXPECT_TRUE(got[0].external_source);
  EXPECT_EQ(got[0].sources, std::vector<std::string>{"198.51.100.1"});
  ASSERT_EQ(got[0].patterns.size(), 1u);
  EXPECT_EQ(got[0].patterns[0].entry_id, "ssh-fail");
  EXPECT_EQ(got[0].patterns[0].count, 3u);
}

// ---- value_count -----------------------------------------------------------------------

const char* kValues = R"(
rules:
  - id: spray
    match: {entries: [ssh-fail]}
    group_by: [src_ip]
    condition: {type: value_count, field: user, count: 3, window: 60s}
)";

TEST(ValueCount, CountsDistinctValuesByTheirLatestOccurrence) {
  Harness h(kValues);
  PartitionCorrelator pc(0, Opts(10));
  // alice@0, bob@10, alice@20, carol@30: at 30 the distinct values are bob@10, alice@20
  // (latest), carol@30 -> 3 within [−30, 30]: opens, window start 10, offsets 2, 3, 4.
  auto got = h.Run(pc, {User(0, "alice"), User(10 * kS, "bob"), User(20 * kS, "alice"),
                        User(30 * kS, "carol")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0 + 10 * kS);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(got[0].event_count, 3u);
}

TEST(ValueCount, OutOfOrderValueInsideTheWindowCounts) {
  Harness h(kValues);
  PartitionCorrelator pc(0, Opts(60));
  // alice@0, bob@40, carol@20 (arrives last, within lateness): window ends at 40 and holds
  // all three -> start 0, offsets in time order 1, 3, 2.
  auto got = h.Run(pc, {User(0, "alice"), User(40 * kS, "bob"), User(20 * kS, "carol")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{1, 3, 2}));
}

TEST(ValueCount, ValuesOutsideTheWindowAndEventsWithoutTheFieldDoNotCount) {
  Harness h(kValues);
  PartitionCorrelator pc(0, Opts(60));
  // alice@0, (no user)@60, bob@70, carol@80: the window ending at 80 is [20, 80]: bob, carol.
  auto got = h.Run(pc, {User(0, "alice"), Msg(60 * kS, "Failed password"), User(70 * kS, "bob"),
                        User(80 * kS, "carol")});
  EXPECT_TRUE(got.empty());
}

// ---- temporal --------------------------------------------------------------------------

const char* kTemporal = R"(
rules:
  - id: combo
    match: {target: critical_system}
    condition:
      type: temporal
      window: 5m
      steps:
        - {id: exploit, match: {entries: [exploit]}}
        - {id: backdoor, match: {entries: [backdoor]}}
)";

TEST(Temporal, AllStepsInAnyOrderWithinTheWindow) {
  Harness h(kTemporal);
  PartitionCorrelator pc(0, Opts(10));
  // backdoor@0 then exploit@100: both within 300 s -> start 0, offsets 1, 2.
  auto got = h.Run(pc, {Payload(0, "bindshell"), Sig(100 * kS, "ET EXPLOIT x")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, IncidentId("bank", "core", "combo", {}, kT0));
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{1, 2}));
  ASSERT_EQ(got[0].patterns.size(), 2u);
  EXPECT_EQ(got[0].patterns[0].entry_id, "backdoor");
  EXPECT_EQ(got[0].patterns[1].entry_id, "exploit");
}

TEST(Temporal, StepsFurtherApartThanTheWindowDoNotCombine) {
  Harness h(kTemporal);
  PartitionCorrelator pc(0, Opts(10));
  // backdoor@0, exploit@400 (400 > 300): nothing. backdoor@450 pairs with exploit@400.
  auto got = h.Run(pc, {Payload(0, "bindshell"), Sig(400 * kS, "ET EXPLOIT x"),
                        Payload(450 * kS, "bindshell")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0 + 400 * kS);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{2, 3}));
}

// ---- temporal_ordered ------------------------------------------------------------------

const char* kOrdered = R"(
rules:
  - id: chain
    match: {target: critical_system}
    condition:
      type: temporal_ordered
      window: 10m
      steps:
        - {id: exploit, match: {entries: [exploit]}}
        - {id: backdoor, match: {entries: [backdoor]}}
        - {id: steal, match: {entries: [steal]}}
)";

TEST(TemporalOrdered, TheSequenceInOrder) {
  Harness h(kOrdered);
  PartitionCorrelator pc(0, Opts(10));
  auto got = h.Run(pc, {Sig(0, "EXPLOIT"), Payload(10 * kS, "bindshell"),
                        Payload(20 * kS, "passwd-dump")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{1, 2, 3}));
}

TEST(TemporalOrdered, OutOfOrderStepsDoNotMatchUntilTheSequenceHappens) {
  Harness h(kOrdered);
  PartitionCorrelator pc(0, Opts(10));
  // backdoor@0, exploit@10, steal@20: backdoor came before exploit -> nothing.
  // backdoor@30 extends exploit@10; steal@40 completes: start 10, offsets 2, 4, 5.
  auto got = h.Run(pc, {Payload(0, "bindshell"), Sig(10 * kS, "EXPLOIT"),
                        Payload(20 * kS, "passwd-dump"), Payload(30 * kS, "bindshell"),
                        Payload(40 * kS, "passwd-dump")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0 + 10 * kS);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{2, 4, 5}));
}

TEST(TemporalOrdered, KeepsThePartialWithTheLatestStart) {
  Harness h(kOrdered);
  PartitionCorrelator pc(0, Opts(10));
  // exploit@0, backdoor@1, exploit@2, steal@3: exploit@2 cannot precede backdoor@1, so the
  // sequence is exploit@0, backdoor@1, steal@3 (offsets 1, 2, 4).
  auto got = h.Run(pc, {Sig(0, "EXPLOIT"), Payload(1 * kS, "bindshell"), Sig(2 * kS, "EXPLOIT"),
                        Payload(3 * kS, "passwd-dump")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{1, 2, 4}));
}

TEST(TemporalOrdered, ALateArrivingMiddleStepOnlyServesLaterCompletions) {
  Harness h(kOrdered);
  PartitionCorrelator pc(0, Opts(60));
  // exploit@0, steal@20, backdoor@10 (arrives after steal): steps are matched in arrival
  // order (docs/correlation.md), so steal@20 found no partial. steal@30 completes
  // exploit@0 -> backdoor@10 -> steal@30 (offsets 1, 3, 4).
  auto got = h.Run(pc, {Sig(0, "EXPLOIT"), Payload(20 * kS, "passwd-dump"),
                        Payload(10 * kS, "bindshell"), Payload(30 * kS, "passwd-dump")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{1, 3, 4}));
}

TEST(TemporalOrdered, TheWholeSequenceMustFitTheWindow) {
  Harness h(kOrdered);
  PartitionCorrelator pc(0, Opts(10));
  // exploit@0, backdoor@300, steal@700: 700 - 0 > 600.
  auto got = h.Run(pc, {Sig(0, "EXPLOIT"), Payload(300 * kS, "bindshell"),
                        Payload(700 * kS, "passwd-dump")});
  EXPECT_TRUE(got.empty());
}

// ---- absence ---------------------------------------------------------------------------

const char* kAbsence = R"(
rules:
  - id: unpatched
    match: {target: critical_system}
    condition:
      type: absence
      window: 60s
      trigger: {entries: [exploit]}
      expect: {where: [{field: message, contains: patched}]}
)";

TEST(Absence, TriggerWithoutTheExpectedEventOpensWhenTheWatermarkPassesTheDeadline) {
  Harness h(kAbsence);
  PartitionCorrelator pc(0, Opts(10));
  // exploit@0; an unrelated event @100 moves the watermark to 90 >= 0 + 60: the deadline
  // fires before that event is processed.
  auto got = h.Run(pc, {Sig(0, "EXPLOIT"), Msg(100 * kS, "hello")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, IncidentId("bank", "core", "unpatched", {}, kT0));
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{1}));
  EXPECT_EQ(got[0].target_id, "core");
}

TEST(Absence, TheExpectedEventWithinTheWindowAnswersTheTrigger) {
  Harness h(kAbsence);
  PartitionCorrelator pc(0, Opts(10));
  auto got = h.Run(pc, {Sig(0, "EXPLOIT"), Msg(30 * kS, "host patched"), Msg(100 * kS, "x")});
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(h.Advance(pc, 1000 * kS).empty());
}

TEST(Absence, AnExpectedEventBeforeTheTriggerDoesNotAnswerIt) {
  Harness h(kAbsence);
  PartitionCorrelator pc(0, Opts(10));
  auto got = h.Run(pc, {Msg(0, "patched"), Sig(5 * kS, "EXPLOIT")});
  EXPECT_TRUE(got.empty());
  // Idle partition: the runtime advances the watermark; 65 = 5 + 60 fires.
  got = h.Advance(pc, 65 * kS);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0 + 5 * kS);
}

TEST(Absence, LaterUnansweredTriggersUpdateTheSuppressingIncident) {
  Harness h(kAbsence);
  PartitionCorrelator pc(0, Opts(10));
  // exploit@0 and @10, never answered: the first opens at watermark 60; the second is due at
  // 70 and is absorbed (suppression 1 h); its count doubles 1 -> 2: an "updated" revision.
  auto got = h.Run(pc, {Sig(0, "EXPLOIT"), Sig(10 * kS, "EXPLOIT")});
  EXPECT_TRUE(got.empty());
  got = h.Advance(pc, 65 * kS);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].change, "opened");
  got = h.Advance(pc, 70 * kS);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].change, "updated");
  EXPECT_EQ(got[0].event_count, 2u);
  EXPECT_EQ(Offsets(got[0]), (std::vector<int64_t>{1, 2}));
}

TEST(IdlePartition, WatermarkFollowsProcessingTimeOnlyAfterTheIdleTimeout) {
  Harness h(kAbsence);
  CorrelateOptions o = Opts(10);
  o.idle_timeout_ns = 60 * kS;
  PartitionCorrelator pc(0, o);
  // One record at event time T0+5 s, read (ingest time) at processing time P.
  const int64_t P = kT0 + 1000 * kS;
  Batch b;
  b.sources = {"test"};
  Event e;
  e.operator_id = "bank";
  e.event_time_ns = kT0 + 5 * kS;
  e.ingest_time_ns = P;
  b.events.push_back(e);
  correlate::CorrelateOutput out;
  pc.Process(b, h.rules(), *TestPatterns(), h.registry(), &out);
  EXPECT_EQ(pc.IdleWatermark(P + 59 * kS), INT64_MIN);  // not idle yet
  // Idle for 90 s: max event time + 90 s - 10 s lateness.
  EXPECT_EQ(pc.IdleWatermark(P + 90 * kS), kT0 + 5 * kS + 90 * kS - 10 * kS);
}

TEST(FutureSkew, RecordsDatedTooFarAheadAreDeadLetteredAndDoNotMoveTheWatermark) {
  Harness h(kAbsence);
  CorrelateOptions o = Opts(10);
  o.max_future_skew_ns = 300 * kS;
  PartitionCorrelator pc(0, o);
  Batch b;
  b.sources = {"test"};
  auto add = [&](int64_t event_t, int64_t ingest_t) {
    Event e;
    e.operator_id = "bank";
    e.event_time_ns = event_t;
    e.ingest_time_ns = ingest_t;
    b.events.push_back(e);
  };
  add(kT0, kT0);                    // in time: watermark T0 - 10 s
  add(kT0 + 301 * kS, kT0);         // 301 s ahead of its ingest time: dead letter
  add(kT0 + 300 * kS, kT0);         // exactly the skew: accepted, watermark T0 + 290 s
  correlate::CorrelateOutput out;
  pc.Process(b, h.rules(), *TestPatterns(), h.registry(), &out);
  EXPECT_EQ(out.future, (std::vector<uint32_t>{1}));
  EXPECT_EQ(pc.watermark_ns(), kT0 + 290 * kS);
}

TEST(Absence, PendingTriggersSurviveARestart) {
  std::string dir = MakeTempDir("absence");
  state::StateOptions so;
  so.dir = dir;
  std::string want = IncidentId("bank", "core", "unpatched", {}, kT0);
  {
    auto store = state::StateStore::Open(so);
    ASSERT_TRUE(store.ok());
    Harness h(kAbsence);
    PartitionCorrelator pc(0, Opts(10));
    ASSERT_TRUE(pc.Load(**store).ok());
    EXPECT_TRUE(h.Run(pc, {Sig(0, "EXPLOIT")}, 1 << 20, store->get()).empty());
  }
  auto store = state::StateStore::Open(so);
  ASSERT_TRUE(store.ok());
  Harness h(kAbsence);
  PartitionCorrelator pc(0, Opts(10));
  ASSERT_TRUE(pc.Load(**store).ok());
  auto got = h.Advance(pc, 60 * kS, store->get());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, want);
  RemoveTree(dir);
}

}  // namespace
}  // namespace kizashi::testing
