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
// Delivery reports are served by whoever calls Poll/Flush/Commit (the poll thread) and by a
// Produce call that finds the queue full; they keep
// the highest acknowledged changelog offset per partition, which becomes the local store's
// checkpoint after the commit.
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
  // delivery offsets are tracked). `timestamp_ms` 0 = now (CreateTime). Waits while
  // librdkafka's queue is full; fails if the
  // producer is in an error state or Interrupt() was called.
  absl::Status Produce(rd_kafka_topic_t* topic, int32_t partition, std::string_view key,
                       const std::string_view* value, const RecordHeader* headers,
                       size_t header_count, bool changelog = false, int64_t timestamp_ms = 0);
  TxnResult SendOffsets(const rd_kafka_topic_partition_list_t* offsets,
                        const rd_kafka_consumer_group_metadata_t* group);
  // Flushes and commits; retriable errors are retried.
  TxnResult Commit();
  TxnResult Abort();

  // at_least_once: waits until every produced record is acknowledged (or `give_up` returns
  // true); fails if any delivery failed since the last Flush.
  absl::Status Flush(const std::function<bool()>& give_up);

  // Serves delivery reports.
  void Poll(int timeout_ms);
  // Makes blocked and future Produce calls fail (until Resume) so that workers stuck on a
  // full queue return during a rollback or shutdown.
  void Interrupt() { interrupted_.store(true); }
  void Resume() { interrupted_.store(false); }

  // Next changelog offset per partition (highest acknowledged + 1) since the last call.
  std::map<int32_t, int64_t> TakeChangelogOffsets();
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
  // Delivery-report state: written by the thread serving reports, read by the poll thread.
  std::mutex dr_mu_;
  std::map<int32_t, int64_t> changelog_next_;
  uint64_t delivery_failures_ = 0;
  std::string first_delivery_error_;
};

}  // namespace kizashi::connectors::kafka
