// KafkaRunner: the distributed mode. Consumes the input topics in a consumer group, runs the
// pipeline on worker threads that own whole partition groups, and produces outputs and the
// state changelog — the Kafka Streams model (DESIGN.md §2, §5; docs/kafka.md).
//
// Threads:
//   poll thread (Run)   consumer poll, rebalances, restore, the deterministic merge of each
//                       partition group into batches, pause/resume, commits.
//   worker threads      each owns the partition groups p with p % workers == its index: their
//                       correlation state, decoders and Hyperscan scratch. It processes a batch
//                       and produces the batch's outputs and changelog records itself.
//   Between them: one bounded queue per worker; when it is full the merge stops and the input
//   partitions pause once their buffers pass kafka.max_buffered_bytes (memory stays bounded).
//
// Commit (every kafka.commit_interval, on revocation and at shutdown): the workers stop at a
// batch boundary and hand over their state deltas and input positions; then
//   exactly_once   send_offsets_to_transaction + commit_transaction (outputs, changelog and
//                  offsets in one transaction), then the local RocksDB applies the same deltas,
//                  the positions and the changelog checkpoints in one WriteBatch. An abortable
//                  error aborts: workers drop their in-memory state, the merge buffers are
//                  dropped and every partition seeks back to its committed position. A fatal
//                  producer error (fenced, or a transaction the broker timed out) rebuilds the
//                  producer and does the same.
//   at_least_once  flush (every output acknowledged), local WriteBatch, commit offsets.
//
// Assignment: before a partition group is processed, its local state is caught up from the
// changelog (from the local checkpoint, or rebuilt from the beginning when the store has
// none); processing resumes from the positions in that state.
//
// Ownership: created by `kizashi run` (or a test). Thread contract: Run on one thread;
// RequestStop from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "engine/common/time.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/file_runner.h"

namespace kizashi::runtime {

struct KafkaRunStats {
  uint64_t commits = 0;
  uint64_t aborts = 0;            // transactions aborted (then reprocessed)
  uint64_t producer_restarts = 0; // fatal producer errors recovered from
  uint64_t rebalances = 0;
  uint64_t restored_partitions = 0;
  uint64_t restored_records = 0;
  double restore_seconds = 0;
  uint64_t pauses = 0;
};

class KafkaRunner {
 public:
  // `context`: the snapshot holder reloads publish into, readiness, metrics and probes (see
  // RunnerContext in file_runner.h); all optional.
  KafkaRunner(const EngineConfig& config, const Clock* clock, RunnerContext context = {});
  ~KafkaRunner();
  KafkaRunner(const KafkaRunner&) = delete;
  KafkaRunner& operator=(const KafkaRunner&) = delete;

  // Runs until RequestStop (then commits what was processed and leaves the group) or a fatal
  // error. `reset_state` deletes the local state directory first (it is rebuilt from the
  // changelog).
  absl::Status Run(bool reset_state, RunSummary* summary, KafkaRunStats* kafka_stats = nullptr);
  void RequestStop() { stop_.store(true); }
  // Records processed so far (updated by the poll loop; any thread may read it).
  uint64_t processed() const { return processed_.load(std::memory_order_relaxed); }
  // Commits completed so far (transactions under exactly_once; any thread may read it).
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

  class Impl;

 private:
  const EngineConfig& config_;
  const Clock* clock_;
  RunnerContext ctx_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> processed_{0};
  std::atomic<uint64_t> commits_{0};
};

// The resume position of a partition group in Kafka mode: the next offset of each input.
std::string EncodeKafkaResume(const std::vector<int64_t>& next_offsets);
bool DecodeKafkaResume(std::string_view resume, std::vector<int64_t>* next_offsets);

}  // namespace kizashi::runtime
