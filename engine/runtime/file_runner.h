// FileRunner: the embedded mode. Replays recorded traffic from files through the whole
// pipeline (no broker), with state in a local RocksDB directory.
//
// Per batch: pin the snapshot in service -> process -> write outputs -> flush sinks (durable)
// -> commit state delta and the batch's file positions in one RocksDB WriteBatch (DESIGN.md
// §5). After a crash the last batch may be emitted again with the same ids and revisions, so
// the set of outputs is the same as an uninterrupted run. A stop request (SIGTERM) is honoured
// between batches: the batch in flight is finished, flushed and committed first, so a drained
// run followed by a restart emits every output exactly once.
//
// Ownership: created by `kizashi run`. Thread contract: Run on one thread; RequestStop from
// any thread (e.g. the signal thread).
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "engine/common/time.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/snapshot.h"
#include "engine/runtime/worker.h"

namespace kizashi::telemetry {
class Health;
class Metrics;
}  // namespace kizashi::telemetry

namespace kizashi::runtime {

class ConsumerProbe;
class PipelineProbe;

struct RunSummary {
  WorkerStats stats;
  correlate::CorrelatorStats correlate;
  uint64_t notifications = 0;  // documents to ministry / Cabinet Secretariat destinations
  uint64_t observations = 0;
  uint64_t advisories = 0;      // sanitised advisories (one per destination)
  uint64_t campaign_views = 0;  // campaign views (one per destination)
  double seconds = 0;
  bool stopped = false;  // a stop request ended the run before the inputs were exhausted
};

// What a runner reports to and reads from outside the pipeline. Everything is optional.
struct RunnerContext {
  // The snapshot in service: each batch pins Get() when it starts, so a reload published by
  // another thread takes effect at the next batch. Null, or empty: the runner builds
  // generation 1 from the configuration (and publishes it here if given).
  SnapshotHolder* snapshots = nullptr;
  // Readiness: the runner sets "state" (store open, partitions' state restored) and
  // "partitions" (inputs opened and positioned).
  telemetry::Health* health = nullptr;
  // The state store's RocksDB figures are registered here while the store is open.
  telemetry::Metrics* metrics = nullptr;
  PipelineProbe* probe = nullptr;
  // Consumer lag and assignment (Kafka runners; files have no consumer).
  ConsumerProbe* consumer = nullptr;
  // Called on the runner thread after each batch is committed (tests).
  std::function<void(const Batch&)> after_commit;
  // Called on the runner thread with each batch's outputs once they are written and flushed
  // (exercise reports, tests).
  std::function<void(const std::vector<route::Output>&)> after_write;
};

class FileRunner {
 public:
  FileRunner(const EngineConfig& config, const Clock* clock, RunnerContext context = {})
      : config_(config), clock_(clock), ctx_(std::move(context)) {}
  // Runs until every file input is exhausted or a stop is requested. `reset_state` deletes the
  // state directory first (replay from the start).
  absl::Status Run(bool reset_state, RunSummary* summary);
  void RequestStop() { stop_.store(true); }
  bool stop_requested() const { return stop_.load(); }

 private:
  const EngineConfig& config_;
  const Clock* clock_;
  RunnerContext ctx_;
  std::atomic<bool> stop_{false};
};

}  // namespace kizashi::runtime
