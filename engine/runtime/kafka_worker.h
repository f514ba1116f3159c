// WorkerThread: one worker of the Kafka runner (engine/runtime/kafka_runner.h). It owns a
// runtime::Worker — decoders, Hyperscan scratch, the correlation state of the partition groups
// it is given — and a bounded queue of tasks from the poll thread: a batch of one partition
// group (merged), or an idle partition's watermark advance. For each task it runs the
// pipeline and produces the outputs (and, exactly_once, the changelog records) itself through
// the instance's producer; the state delta and the group's new positions stay pending until
// the next commit barrier hands them to the poll thread.
//
// Ownership: owned by KafkaRunner::Impl. Thread contract: Push/RequestPark/WaitParked/Unpark/
// full/queued from the poll thread; Loop on the worker's own thread. TakePending, Rollback
// and Release only while the worker is parked (the park handshake under mu_ orders the
// memory accesses). No lock is taken per record: one per task.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "absl/status/status.h"
#include "connectors/kafka/producer.h"
#include "engine/event/batch.h"
#include "engine/route/router.h"
#include "engine/runtime/pipeline_probe.h"
#include "engine/runtime/sinks.h"
#include "engine/runtime/snapshot.h"
#include "engine/runtime/worker.h"
#include "engine/state/state_store.h"

namespace kizashi::runtime::kafka_internal {

struct Task {
  // kCampaignSightings / kCampaignFindings: records of the internal campaign topics
  // (partition `partition` of each, part of the partition group; docs/information-handling.md).
  enum Kind { kBatch, kAdvance, kCampaignSightings, kCampaignFindings };
  Kind kind = kBatch;
  int32_t partition = 0;
  Batch* batch = nullptr;
  int64_t advance_by_ns = 0;
  std::vector<std::string> records;  // the internal records' values, in offset order
  std::vector<int64_t> next_offsets;  // the group's input positions after this task
};

// Where outputs go. Rebuilt (workers parked) when the producer is replaced.
struct OutputRoutes {
  connectors::kafka::OutputProducer* producer = nullptr;
  std::map<std::string, rd_kafka_topic_t*> topics;  // kafka destinations by name
  rd_kafka_topic_t* changelog = nullptr;
  // campaign.enabled: the internal topics (null otherwise) and their partition count (the
  // input partition count: sightings go to campaign::CampaignPartition(key, n)).
  rd_kafka_topic_t* campaign_repartition = nullptr;
  rd_kafka_topic_t* campaign_findings = nullptr;
  int32_t campaign_partitions = 0;
  SinkSet* local = nullptr;  // stdout/file/discard destinations (at-least-once)
  std::mutex* local_mu = nullptr;
  // False while the poll thread commits (between the hand-over of the pending work and the
  // next transaction's begin): workers keep processing but hold their records back.
  std::atomic<bool>* open = nullptr;
  // exactly_once: workers produce the changelog with the outputs (the transaction makes them
  // visible together). at_least_once: the committer produces a commit's changelog only after
  // its outputs are acknowledged, so the changelog (and a restore from it) never gets ahead
  // of outputs that were not delivered.
  bool changelog_inline = true;
};

// A record a worker holds back while a commit is in progress.
struct DeferredRecord {
  rd_kafka_topic_t* topic = nullptr;
  int32_t partition = RD_KAFKA_PARTITION_UA;
  bool changelog = false;
  bool tombstone = false;
  std::string key, value, id, revision;
  bool exercise = false;  // adds the header kizashi.exercise: true
};

// Counted per worker, read by the poll thread (summary) — relaxed atomics, no lock.
struct OutputCounters {
  std::atomic<uint64_t> notifications{0};
  std::atomic<uint64_t> observations{0};
};

// See the top of this file.
class WorkerThread {
 public:
  WorkerThread(int index, const EngineConfig& config, state::StateStore* store,
               std::set<std::string> destinations, size_t capacity,
               std::function<void(Batch*)> recycle);
  // Kafka-mode campaigns (campaign.enabled): see Worker::UseCampaignRepartition.
  absl::Status Init() {
    if (config_.campaign.enabled) worker_.UseCampaignRepartition();
    return worker_.Init();
  }
  // Each task pins holder->Get() (a reload takes effect at the next task). `probe` (may be
  // null) is this worker's metrics cell set, used only on the worker's thread.
  void Start(SnapshotHolder* holder, const OutputRoutes* routes, PipelineProbe::Worker* probe);
  void Stop();

  bool full();
  size_t queued();
  void Push(Task&& t);

  void RequestPark();
  // Waits up to `timeout_ms` for the worker to park.
  bool WaitParked(int timeout_ms);
  void Unpark();

  // --- only while parked ---
  // Returns the epoch handed over (Worker::HandOver): pass it to MarkDurable once the
  // commit that holds these changes is durable.
  uint64_t TakePending(state::StateDelta* delta, std::map<int32_t, std::vector<int64_t>>* offsets);
  // The disclosure-ledger entries of the outputs produced since the last commit (appended
  // to `out`; the committer records them with the commit).
  void TakeLedger(std::vector<ledger::LedgerEntry>* out) {
    for (auto& e : pending_ledger_) out->push_back(std::move(e));
    pending_ledger_.clear();
  }
  // Forgets everything since the last commit: pending changes, queued tasks and the
  // in-memory state of every partition (reloaded from the store on next use).
  void Rollback(const std::set<int32_t>& partitions);
  // Drops queued tasks and the in-memory state of `partitions` (revoked).
  void Release(const std::set<int32_t>& partitions);
  absl::Status failure() const { return failure_; }
  // ---

  // Any thread: every epoch <= `epoch` is committed; the worker lets its correlators drop
  // what they kept in memory for it before its next task.
  void MarkDurable(uint64_t epoch);

  bool failed() const { return failed_.load(); }
  // True if the failure is not a Kafka transaction problem (a bug or bad configuration).
  bool failure_is_processing() const { return processing_failure_.load(); }
  WorkerStats stats();
  // Records processed (relaxed; for progress reporting).
  uint64_t records() const { return records_.load(std::memory_order_relaxed); }
  const OutputCounters& counters() const { return counters_; }
  int index() const { return index_; }

 private:
  void Loop();

  absl::Status Produce(const DeferredRecord& r);
  // Hands the held-back records to the producer (the transaction is open again).
  absl::Status FlushDeferred();
  absl::Status Send(DeferredRecord&& r);

  absl::Status Emit(int32_t partition);
  // Produces the worker's internal records (campaign sightings and findings) into the open
  // transaction, with the task's outputs.
  absl::Status EmitInternal();

  absl::Status RunTask(Task& t);

  const int index_;
  Worker worker_;
  const size_t capacity_;
  std::function<void(Batch*)> recycle_;
  SnapshotHolder* holder_ = nullptr;
  PipelineProbe::Worker* probe_ = nullptr;
  const OutputRoutes* routes_ = nullptr;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable parked_cv_;
  std::deque<Task> queue_;
  bool busy_ = false;
  bool durable_pending_ = false;  // under mu_: durable_epoch_ not yet applied
  uint64_t durable_epoch_ = 0;
  bool park_requested_ = false;
  bool parked_ = false;
  bool stop_ = false;
  bool exited_ = false;
  std::atomic<bool> failed_{false};
  std::atomic<bool> processing_failure_{false};
  absl::Status failure_;

  // Since the last commit (worker thread while running, poll thread while parked).
  state::StateDelta pending_;
  std::map<int32_t, std::vector<int64_t>> pending_offsets_;

  std::vector<DeferredRecord> deferred_;  // held back while a commit is in progress
  const EngineConfig& config_;
  std::vector<ledger::LedgerEntry> pending_ledger_;  // outputs since the last commit
  std::vector<route::Output> outputs_;  // reused per task
  state::StateDelta delta_;
  std::mutex stats_mu_;
  WorkerStats stats_copy_;
  OutputCounters counters_;
  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> campaign_dropped_{0};  // findings for a partition that does not exist
};

}  // namespace kizashi::runtime::kafka_internal
