// Worker: runs the pipeline stages over one batch at a time —
//   decode -> enrich -> match -> correlate -> classify -> route
// — against the snapshot pinned for that batch, and produces the batch's output documents and
// state delta. Processing is a pure function of (partition state, batch, snapshot): the same
// input gives the same outputs whatever the batch sizes or restart points.
//
// Ownership: one Worker per worker thread. It owns its decoders, its Hyperscan scratch (via
// the Matcher) and the correlation state of the partitions assigned to it. Thread contract:
// single thread; partitions are never shared between workers.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/classify/verdict.h"
#include "engine/correlate/correlator.h"
#include "engine/decode/decoder.h"
#include "engine/enrich/enricher.h"
#include "engine/match/matcher.h"
#include "engine/route/router.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/snapshot.h"
#include "engine/state/state_store.h"

namespace kizashi::runtime {

// Per-worker counters; read by the metrics exporter (summed over workers at scrape time).
struct WorkerStats {
  uint64_t batches = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t events = 0;
  std::array<uint64_t, static_cast<size_t>(DeadLetterReason::kCount)> dead_letters{};
  uint64_t late = 0;
  uint64_t matches = 0;
  uint64_t events_matched = 0;
  uint64_t revisions = 0;
  uint64_t reportable = 0;
  uint64_t not_reportable = 0;
  uint64_t outputs = 0;
};

class Worker {
 public:
  Worker(const EngineConfig& config, state::StateStore* store,
         std::set<std::string> destinations);

  // Creates one decoder per configured input.
  absl::Status Init();

  // Processes `batch` against `snap`: appends output documents to `outputs` and the state
  // changes (including the batch's resume position) to `delta`. Errors are internal failures
  // (e.g. a destination that cannot be resolved): the caller must hold the partition.
  absl::Status Process(Batch& batch, const Snapshot& snap, std::vector<route::Output>* outputs,
                       state::StateDelta* delta);

  // Advances a partition's watermark (idle timeout) and emits what that closes.
  absl::Status AdvanceWatermark(int32_t partition, int64_t watermark_ns, const Snapshot& snap,
                                std::vector<route::Output>* outputs, state::StateDelta* delta);

  // The stored resume position of `partition` (empty if none).
  absl::StatusOr<std::string> StoredPosition(int32_t partition) const;

  // Drops a partition's in-memory state (partition revoked).
  void Release(int32_t partition) { partitions_.erase(partition); }

  // The event-time watermark of `partition` (loading its state if needed); INT64_MIN before
  // its first event. The Kafka runner advances idle partitions from it.
  absl::StatusOr<int64_t> Watermark(int32_t partition);

  const WorkerStats& stats() const { return stats_; }
  size_t live_keys() const;

 private:
  absl::StatusOr<correlate::PartitionCorrelator*> Partition(int32_t p);
  absl::Status Emit(correlate::PartitionCorrelator& pc, const correlate::CorrelateOutput& co,
                    const Batch* batch, const Snapshot& snap, std::vector<route::Output>* outputs);

  const EngineConfig& config_;
  state::StateStore* store_;
  std::set<std::string> destinations_;
  std::vector<std::unique_ptr<decode::Decoder>> decoders_;
  enrich::Enricher enricher_;
  match::Matcher matcher_;
  classify::Classifier classifier_;
  route::Router router_;
  std::map<int32_t, std::unique_ptr<correlate::PartitionCorrelator>> partitions_;
  correlate::CorrelateOutput co_;  // reused per batch
  WorkerStats stats_;
};

// Key of a partition's resume position in the positions column family.
std::string PositionKey(int32_t partition);

}  // namespace kizashi::runtime
