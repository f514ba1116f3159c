// Correlation per operator and critical system, in event time.
//
// A PartitionCorrelator owns the correlation state of one input partition: per-key condition
// state (key = operator | target | rule | group-by values), the open incidents, a watermark
// (max event time seen - allowed lateness) and close timers. It processes the matched events
// of a batch in arrival order and emits incident revisions; its effect on durable state is
// written to a StateDelta that the runtime commits together with the batch's input positions.
//
// Determinism: output depends only on (restored state, the sequence of events, the rulebook):
// no wall clock, no hash-map iteration order leaks (timers are ordered by (deadline, id)).
// Per-event watermark updates make results independent of batch boundaries.
//
// Ownership: one per partition, owned by the worker that owns the partition. Thread contract:
// single thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "engine/config/schema.h"
#include "engine/correlate/incident.h"
#include "engine/correlate/rule.h"
#include "engine/event/batch.h"
#include "engine/registry/registry.h"
#include "engine/state/state_store.h"

namespace kizashi::correlate {

struct CorrelateOptions {
  // Events older than (max event time seen - allowed_lateness) are late: counted and sent to
  // the late output, never correlated.
  int64_t allowed_lateness_ns = 5 * 1'000'000'000LL;
  // Records dated further than this beyond their ingest time are dead-lettered
  // (future_timestamp) instead of advancing the watermark.
  int64_t max_future_skew_ns = 300 * 1'000'000'000LL;
  // When a partition has seen no record for this long (processing time), its watermark
  // advances by the elapsed time so quiet periods and absence rules still fire. The only use
  // of processing time in decisions.
  int64_t idle_timeout_ns = 60 * 1'000'000'000LL;
  int64_t max_evidence = 20;  // source positions kept per incident
  int64_t max_sources = 32;   // distinct source addresses kept per incident
  static void Declare(config::Schema& s, CorrelateOptions* o);
};

struct CorrelateOutput {
  std::vector<Incident> revisions;  // in emission order
  std::vector<uint32_t> late;       // batch event indexes that were late
  std::vector<uint32_t> future;     // batch event indexes dated too far in the future
  void Clear() {
    revisions.clear();
    late.clear();
    future.clear();
  }
};

class PartitionCorrelator {
 public:
  PartitionCorrelator(int32_t partition, const CorrelateOptions& options);

  // Restores this partition's keys, open incidents and watermark from the store.
  absl::Status Load(const state::StateStore& store);

  void Process(const Batch& batch, const Rulebook& rules, const patterns::PatternSet& patterns,
               const registry::Registry& registry, CorrelateOutput* out);
  // Advances the watermark to at least `watermark_ns` and fires due timers (idle partitions,
  // end of a bounded input).
  void AdvanceWatermark(int64_t watermark_ns, CorrelateOutput* out);
  // Records which destinations have received revisions of incident `id` (route stage).
  void SetRouted(const std::string& id, uint8_t routed);
  // Moves every change since the last call into `delta`.
  void Flush(state::StateDelta* delta);

  int64_t watermark_ns() const { return watermark_ns_; }
  size_t live_keys() const { return keys_.size(); }
  size_t open_incidents() const { return incidents_.size(); }

 private:
  struct Pending {
    int64_t time_ns;
    EvidenceRef ref;
    std::string source_addr;
    bool external;
    bool internal;
    std::vector<PatternHit> hits;
  };
  struct KeyState {
    std::vector<Pending> pending;  // sorted by time: events inside the window
    std::string incident;          // id of the incident absorbing matches, if any
    int64_t suppress_until_ns = 0;
    int64_t last_ns = 0;
    int64_t horizon_ns = 0;  // state is dropped once the watermark passes last_ns + horizon
  };

  void OnMatch(const std::string& key, const Rule& rule, uint32_t rule_index, Pending p,
               const Incident& proto, CorrelateOutput* out);
  void OpenIncident(KeyState& ks, const Rule& rule, const Incident& proto,
                    std::vector<Pending> window, CorrelateOutput* out);
  bool Absorb(Incident& inc, const Pending& p);
  void Emit(Incident& inc, std::string change, CorrelateOutput* out);
  void Close(const std::string& id, CorrelateOutput* out);
  void SetTimer(const std::string& id, int64_t deadline_ns);
  void FireTimers(CorrelateOutput* out);
  void Expire();

  static std::string EncodeKeyState(const KeyState& ks);
  static bool DecodeKeyState(std::string_view in, KeyState* ks);

  int32_t partition_;
  CorrelateOptions opts_;
  std::string prefix_;  // partition prefix of every state key
  int64_t max_event_ns_ = INT64_MIN;
  int64_t watermark_ns_ = INT64_MIN;
  absl::flat_hash_map<std::string, KeyState> keys_;
  absl::flat_hash_map<std::string, Incident> incidents_;  // open incidents by id
  std::set<std::pair<int64_t, std::string>> timers_;       // (close deadline, incident id)
  absl::flat_hash_map<std::string, int64_t> timer_of_;
  std::set<std::string> dirty_keys_;
  std::set<std::string> dirty_incidents_;
  std::set<std::string> deleted_keys_;
  std::vector<Incident> closed_;  // closed since the last Flush (persisted, then dropped)
  bool watermark_dirty_ = false;
};

}  // namespace kizashi::correlate
