// FileRunner: the embedded mode. Replays recorded traffic from files through the whole
// pipeline (no broker), with state in a local RocksDB directory.
//
// Per batch: process -> write outputs -> flush sinks (durable) -> commit state delta and the
// batch's file positions in one RocksDB WriteBatch (DESIGN.md §5). After a crash the last
// batch may be emitted again with the same ids and revisions, so the set of outputs is the
// same as an uninterrupted run.
//
// Ownership: created by `kizashi run`. Thread contract: Run on one thread; RequestStop from
// any thread (e.g. a signal handler thread).
#pragma once

#include <atomic>
#include <memory>

#include "absl/status/status.h"
#include "engine/common/time.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/worker.h"

namespace kizashi::runtime {

struct RunSummary {
  WorkerStats stats;
  correlate::CorrelatorStats correlate;
  uint64_t notifications = 0;  // documents to ministry / Cabinet Secretariat destinations
  uint64_t observations = 0;
  double seconds = 0;
};

class FileRunner {
 public:
  FileRunner(const EngineConfig& config, const Clock* clock) : config_(config), clock_(clock) {}
  // Runs until every file input is exhausted or a stop is requested. `reset_state` deletes the
  // state directory first (replay from the start).
  absl::Status Run(bool reset_state, RunSummary* summary);
  void RequestStop() { stop_.store(true); }

 private:
  const EngineConfig& config_;
  const Clock* clock_;
  std::atomic<bool> stop_{false};
};

}  // namespace kizashi::runtime
