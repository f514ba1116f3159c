// OutputProducer: the one producer of a kizashi instance. Workers produce outputs
// (notifications, observations, dead letters, late events) and state-changelog records
// through it; the runner's poll thread drives the transaction around them.
//
//   exactly_once   transactional producer (exactly-once v2, KIP-447): per commit interval
//                  Begin -> records from every worker -> SendOffsets (the consumed input
//                  offsets, with the consumer's group metadata) -> Commit. An abortable error
//                  aborts and the runner reprocesses from the committed offsets; a fatal one
//                  (fenced, or the broker aborted a timed-out transaction) needs a new producer.
//   at_least_once  idempotent producer, no transactions; Flush() waits until every record is
//                  acknowledged and reports any delivery failure, so offsets are committed only
//                  for delivered outputs. Records are never dropped: a failed delivery fails the
//                  commit and the instance stops before its offsets move.
//
// Epochs: every record belongs to the epoch current when it was produced; the runner seals an
// epoch at each commit barrier (workers stopped), so an epoch is exactly the records of one
// commit. Delivery reports (served by whoever calls Poll/Flush/Commit/AwaitDelivered, or by a
// Produce call that finds the queue full) count down the epoch's records in flight and keep
// its highest acknowledged changelog offset per partition — the local store's checkpoint
// after that commit. at_least_once thus waits for exactly one commit's records while the
// workers go on producing the next.
//
// Ownership: owned by the runner. Thread contract: Produce may be called from any thread
// concurrently (librdkafka is thread-safe); everything else from the poll thread only.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/kafka/client.h"
#include "connectors/kafka/kafka_options.h"

namespace kizashi::connectors::kafka {

struct ProducerSettings {
  Guarantee guarantee = Guarantee::kExactlyOnce;
  std::string transactional_id;  // exactly_once only
  std::string changelog_topic;   // full name; its delivery offsets are tracked
};

enum class TxnOutcome { kOk, kAbortable, kFatal };
struct TxnResult {
  TxnOutcome outcome = TxnOutcome::kOk;
  absl::Status status;
  bool ok() const { return outcome == TxnOutcome::kOk; }
};

struct RecordHeader {
  const char* name;
  std::string_view value;
};

class OutputProducer {
 public:
  static absl::StatusOr<std::unique_ptr<OutputProducer>> Create(const KafkaOptions& options,
                                                                ProducerSettings settings);
  ~OutputProducer();

  // A topic handle, created once (before workers start) and then shared read-only.
  absl::StatusOr<rd_kafka_topic_t*> Topic(const std::string& name);

  // exactly_once: registers the transactional.id (fencing any previous producer with it and
  // aborting its open transaction). Retries until `timeout_ms`.
  TxnResult InitTransactions(int timeout_ms);
  TxnResult Begin();
  // Produces one record. `partition` RD_KAFKA_PARTITION_UA = by key (murmur2, as Java
  // clients). A null `value` is a tombstone. `changelog` marks changelog records (their
  // delivery offsets are tracked). `timestamp_ms` 0 = now (CreateTime). `epoch` -1 = the
  // current epoch; a sealed epoch not yet awaited may be given (records that belong to that
  // commit but are produced after its barrier: at_least_once changelog). Waits while
  // librdkafka's queue is full; fails if the
  // producer is in an error state or Interrupt() was called.
  absl::Status Produce(rd_kafka_topic_t* topic, int32_t partition, std::string_view key,
                       const std::string_view* value, const RecordHeader* headers,
                       size_t header_count, bool changelog = false, int64_t timestamp_ms = 0,
                       int64_t epoch = -1);
  TxnResult SendOffsets(const rd_kafka_topic_partition_list_t* offsets,
                        const rd_kafka_consumer_group_metadata_t* group);
  // Flushes and commits; retriable errors are retried.
  TxnResult Commit();
  TxnResult Abort();

  // Waits until every produced record is acknowledged (or `give_up` returns true); fails if
  // any delivery failed since the last call (`kizashi produce`).
  absl::Status Flush(const std::function<bool()>& give_up);

  // Closes the current epoch and returns it; later records belong to the next. Only while no
  // Produce call is running (workers parked).
  uint64_t Seal();
  // at_least_once: waits until every record of `epoch` is acknowledged (or `give_up`); fails
  // if any delivery failed.
  absl::Status AwaitDelivered(uint64_t epoch, const std::function<bool()>& give_up);

  // Serves delivery reports.
  void Poll(int timeout_ms);
  // Makes blocked and future Produce calls fail (until Resume) so that workers stuck on a
  // full queue return during a rollback or shutdown.
  void Interrupt() { interrupted_.store(true); }
  void Resume() { interrupted_.store(false); }

  // Next changelog offset per partition (highest acknowledged + 1) of `epoch`'s records.
  std::map<int32_t, int64_t> TakeChangelogOffsets(uint64_t epoch);
  // Delivery failures since the last call (0 after a successful transaction commit).
  uint64_t TakeDeliveryFailures(std::string* first_error);
  bool fatal(std::string* reason) const;
  int32_t PartitionCount(rd_kafka_topic_t* topic, int timeout_ms);
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  OutputProducer() = default;
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  TxnResult Classify(rd_kafka_error_t* error, std::string_view what);

  ProducerSettings settings_;
  ClientPtr rk_;
  std::map<std::string, rd_kafka_topic_t*> topics_;
  std::atomic<bool> interrupted_{false};
  int commit_timeout_ms_ = 60000;
  // Epoch bookkeeping. `epoch_` changes only in Seal; a slot belongs to one epoch at a time
  // (slots are reused kSlots epochs later; delivery reports of another epoch are ignored).
  static constexpr size_t kSlots = 16;
  struct Slot {
    uint64_t epoch = 0;                  // guarded by dr_mu_
    std::atomic<int64_t> inflight{0};
    std::map<int32_t, int64_t> changelog_next;  // guarded by dr_mu_
  };
  std::atomic<uint64_t> epoch_{0};
  Slot slots_[kSlots];
  // Delivery-report state: written by the thread serving reports, read by the poll thread.
  std::mutex dr_mu_;
  uint64_t delivery_failures_ = 0;
  std::string first_delivery_error_;
};

}  // namespace kizashi::connectors::kafka
