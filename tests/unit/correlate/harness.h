// Test harness for the correlator: builds events from a compact description, runs them
// through the real enrich -> match -> correlate stages in batches of a chosen size, and
// optionally commits each batch's state delta to a RocksDB store (restart tests).
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/correlate/correlator.h"
#include "engine/enrich/enricher.h"
#include "engine/match/matcher.h"
#include "tests/testing/testing.h"
#include "tests/unit/pipeline/fixtures.h"

namespace kizashi::testing {

inline constexpr int64_t kS = kNanosPerSecond;
inline const int64_t kT0 = int64_t{1'700'000'000} * kS;

// One input event. Against the test registry (tests/unit/pipeline/fixtures.h): operator
// "bank", critical systems "core" (10.1.0.0/16, internal_only) and "atm" (10.2.0.0/16),
// asset "adweb" (203.0.113.10, advertising_web); home network 10.0.0.0/8.
struct In {
  int64_t t = 0;  // nanoseconds after kT0
  std::string message;
  std::string payload;
  std::string signature;
  std::string user;
  std::string src = "198.51.100.1";
  std::string dst = "10.1.0.1";
  std::string op = "bank";
};

inline In Msg(int64_t t, std::string message, std::string src = "198.51.100.1") {
  In in;
  in.t = t;
  in.message = std::move(message);
  in.src = std::move(src);
  return in;
}

class Harness {
 public:
  explicit Harness(const std::string& rules_yaml) {
    reg_ = TestRegistry();
    patterns_ = TestPatterns();
    Diagnostics d;
    auto rules = correlate::ParseRulesText(rules_yaml, "rules.yaml", &d);
    rules_ = correlate::Rulebook::Compile(rules, *patterns_, &d);
    EXPECT_TRUE(rules_ != nullptr) << d.ToText();
  }

  // Processes `in[from, to)` as one batch. Offsets are global (1-based index in `in`).
  void Batch1(correlate::PartitionCorrelator& pc, const std::vector<In>& in, size_t from,
              size_t to, correlate::CorrelateOutput* out) {
    Batch b;
    b.sources = {"test"};
    strings_.clear();
    for (size_t i = from; i < to; ++i) {
      const In& x = in[i];
      Event e;
      e.operator_id = Keep(x.op);
      e.event_time_ns = kT0 + x.t;
      IpAddr::Parse(x.src, &e.src);
      IpAddr::Parse(x.dst, &e.dst);
      e.record = static_cast<uint32_t>(b.events.size());
      e.pos.offset = static_cast<int64_t>(i) + 1;
      e.set_field(FieldId::kMessage, Keep(x.message));
      e.set_field(FieldId::kPayload, Keep(x.payload));
      e.set_field(FieldId::kSignature, Keep(x.signature));
      e.set_field(FieldId::kUser, Keep(x.user));
      b.events.push_back(e);
    }
    enrich::Enricher().Enrich(b, *reg_);
    EXPECT_TRUE(matcher_.Match(b, *patterns_).ok());
    pc.Process(b, *rules_, *patterns_, *reg_, out);
  }

  // Runs all of `in` in batches of `batch` events. With a store, each batch's delta is
  // committed (and Committed() called), as the runtime does.
  std::vector<correlate::Incident> Run(correlate::PartitionCorrelator& pc,
                                       const std::vector<In>& in, size_t batch = 1 << 20,
                                       state::StateStore* store = nullptr, size_t from = 0,
                                       size_t to = SIZE_MAX) {
    std::vector<correlate::Incident> got;
    to = std::min(to, in.size());
    for (size_t b = from; b < to; b += batch) {
      correlate::CorrelateOutput out;
      Batch1(pc, in, b, std::min(to, b + batch), &out);
      got.insert(got.end(), out.revisions.begin(), out.revisions.end());
      late_.insert(late_.end(), out.late.begin(), out.late.end());
      state::StateDelta delta;
      pc.Flush(&delta);
      if (store != nullptr && commit_lag_ > 0) {
        // As the Kafka runner: the delta of this epoch commits `commit_lag_` batches later,
        // and the correlator keeps processing meanwhile.
        queued_.emplace_back(std::move(delta), epoch_);
        pc.SetEpoch(++epoch_);
        while (queued_.size() > commit_lag_) CommitOldest(pc, store);
      } else if (store != nullptr) {
        EXPECT_TRUE(store->Commit(delta).ok());
        pc.Committed();
      }
    }
    if (store != nullptr) {
      while (!queued_.empty()) CommitOldest(pc, store);
    }
    return got;
  }

  // Deltas commit this many batches after they are flushed (0: at once).
  void set_commit_lag(size_t batches) { commit_lag_ = batches; }

  std::vector<correlate::Incident> Advance(correlate::PartitionCorrelator& pc, int64_t t,
                                           state::StateStore* store = nullptr) {
    correlate::CorrelateOutput out;
    pc.AdvanceWatermark(kT0 + t, &out);
    state::StateDelta delta;
    pc.Flush(&delta);
    if (store != nullptr) {
      EXPECT_TRUE(store->Commit(delta).ok());
      pc.Committed();
    }
    return out.revisions;
  }

  const std::vector<uint32_t>& late() const { return late_; }

  void CommitOldest(correlate::PartitionCorrelator& pc, state::StateStore* store) {
    EXPECT_TRUE(store->Commit(queued_.front().first).ok());
    pc.CommittedThrough(queued_.front().second);
    queued_.pop_front();
  }
  const correlate::Rulebook& rules() const { return *rules_; }
  const registry::Registry& registry() const { return *reg_; }

 private:
  std::string_view Keep(const std::string& s) {
    strings_.push_back(s);
    return strings_.back();
  }
  std::shared_ptr<const registry::Registry> reg_;
  std::shared_ptr<const patterns::PatternSet> patterns_;
  std::shared_ptr<const correlate::Rulebook> rules_;
  match::Matcher matcher_;
  std::deque<std::string> strings_;
  std::vector<uint32_t> late_;
  size_t commit_lag_ = 0;
  uint64_t epoch_ = 0;
  std::deque<std::pair<state::StateDelta, uint64_t>> queued_;
};

inline std::vector<int64_t> Offsets(const correlate::Incident& inc) {
  std::vector<int64_t> o;
  for (const auto& e : inc.evidence) o.push_back(e.offset);
  return o;
}

inline std::string IncidentId(const std::string& op, const std::string& target,
                              const std::string& rule, const std::vector<std::string>& group,
                              int64_t window_start) {
  IdBuilder b;
  b.Add(op).Add(target).Add(rule);
  for (const auto& g : group) b.Add(g);
  b.Add(window_start);
  return b.Finish();
}

}  // namespace kizashi::testing
