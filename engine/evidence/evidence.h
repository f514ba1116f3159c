// Evidence preservation (framework §3: operators preserve evidence) and revision history.
//
// For every incident revision the worker records (a) copies of the raw records the revision
// cites that arrived in the current batch — bounded per incident, so they outlive Kafka
// retention — and (b) the document the revision produced. Both go into the batch's state
// delta, so they commit atomically with the state and input positions (and into the changelog
// in Kafka mode). `kizashi incidents list|show` reads them back.
//
// Retention is the one place evidence uses processing time: entries older than `retention`
// (by write time) are swept; this never changes any output.
//
// Keys (partition-prefixed like all state):
//   evidence: partition | incident id | 0x00 | source | 0x00 | offset (8 bytes BE)
//   history:  partition | incident id | 0x00 | revision (4 bytes BE)
//
// Ownership: EvidenceRecorder is stateless configuration, one per worker. Thread contract:
// Record* on the worker thread; the reader functions on any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/config/schema.h"
#include "engine/correlate/incident.h"
#include "engine/event/batch.h"
#include "engine/state/state_store.h"

namespace kizashi::evidence {

struct EvidenceOptions {
  bool enabled = true;
  int64_t max_record_bytes = 64 * 1024;  // a longer cited record is stored truncated
  // Raw copies of recently matched records kept in memory per worker, so that evidence cited
  // from earlier batches (the first events of a window) can still be preserved.
  int64_t recent_cache_bytes = 8 << 20;
  int64_t retention_ns = 400LL * 86400 * 1'000'000'000;  // > one year of reporting cycle
  static void Declare(config::Schema& s, EvidenceOptions* o);
};

class EvidenceRecorder {
 public:
  explicit EvidenceRecorder(const EvidenceOptions& o) : opts_(o) {}
  // Remembers raw copies of the batch's matched records and people's inputs (bounded FIFO by
  // bytes).
  void Remember(const Batch& batch);
  // Writes copies of the raw records cited by `inc` that are in the recent cache (records of
  // this batch and of earlier ones still cached) and not yet stored.
  void RecordEvidence(const correlate::Incident& inc, int64_t now_ns, state::StateDelta* delta);
  // Keeps the document revision `inc.revision` produced (its primary copy).
  void RecordRevision(const correlate::Incident& inc, std::string_view document, int64_t now_ns,
                      state::StateDelta* delta) const;

 private:
  struct Key {
    std::string source;
    int32_t partition;
    int64_t offset;
    bool operator<(const Key& o) const {
      return std::tie(partition, offset, source) < std::tie(o.partition, o.offset, o.source);
    }
  };
  EvidenceOptions opts_;
  std::map<Key, std::string> recent_;
  std::deque<Key> order_;
  size_t recent_bytes_ = 0;
  std::set<std::pair<std::string, Key>> stored_;  // (incident, position) already written
  std::deque<std::pair<std::string, Key>> stored_order_;
};

struct StoredEvidence {
  std::string source;
  int64_t offset = 0;
  int64_t written_ns = 0;
  std::string record;
};
struct StoredRevision {
  uint32_t revision = 0;
  int64_t written_ns = 0;
  std::string document;
};

// Reader side (tools).
absl::StatusOr<std::vector<correlate::Incident>> ListIncidents(const state::StateStore& store);
absl::StatusOr<std::vector<StoredRevision>> Revisions(const state::StateStore& store,
                                                      int32_t partition, std::string_view id);
absl::StatusOr<std::vector<StoredEvidence>> Evidence(const state::StateStore& store,
                                                     int32_t partition, std::string_view id);
// Deletes evidence and history written before now - retention. Returns how many.
absl::StatusOr<uint64_t> SweepExpired(state::StateStore& store, int64_t now_ns,
                                      int64_t retention_ns);

}  // namespace kizashi::evidence
