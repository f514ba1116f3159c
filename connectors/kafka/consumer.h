// GroupConsumer: the input side of a kizashi instance — a librdkafka high-level consumer in
// the instance group (cooperative-sticky assignment, read_committed, no auto-commit,
// partition EOF events for the deterministic merge).
//
// Co-partitioning: the group subscribes to the *first* input topic only; whoever is assigned
// its partition p also takes partition p of every other input topic (added to the consumer's
// assignment in the rebalance callback), so an instance always owns whole partition groups
// and one operator's records of every input meet in the same state. librdkafka has no
// pluggable assignor, and its assignors give no such guarantee across topics; the other
// topics' offsets are still committed under the group (KIP-447 transactions or commit()).
//
// Rebalances reach the Listener inside Poll(), on the poll thread; it must call Assign /
// Unassign for the partitions it was given before returning.
//
// Ownership: owned by the runner. Thread contract: every method on the poll thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/kafka/client.h"
#include "connectors/kafka/kafka_options.h"

namespace kizashi::connectors::kafka {

// Where to start each input of a partition group. RD_KAFKA_OFFSET_INVALID: the group's
// committed offset (or the earliest when there is none).
struct GroupStart {
  int32_t partition = 0;
  std::vector<int64_t> offsets;  // per input
};

class GroupConsumer {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // `partitions` of the first input topic were assigned (assign) or revoked; `lost` when
    // they were taken away without a chance to commit (session timeout, fencing).
    virtual void OnRebalance(bool assign, const std::vector<int32_t>& partitions, bool lost) = 0;
  };

  static absl::StatusOr<std::unique_ptr<GroupConsumer>> Create(
      const KafkaOptions& options, std::vector<std::string> topics, Listener* listener);
  ~GroupConsumer();

  absl::Status Subscribe();
  // Up to `max` messages (records, PARTITION_EOF and error events); the caller destroys them.
  size_t Poll(int timeout_ms, size_t max, std::vector<rd_kafka_message_t*>* out);
  // Input index of a message's topic (-1 if not an input).
  int InputOf(const rd_kafka_message_t* msg) const;

  absl::Status Assign(const std::vector<GroupStart>& groups);
  absl::Status Unassign(const std::vector<int32_t>& partitions);
  absl::Status Pause(size_t input, int32_t partition);
  absl::Status Resume(size_t input, int32_t partition);
  // Moves the fetch position (drops what librdkafka prefetched for it).
  absl::Status Seek(int32_t partition, const std::vector<int64_t>& offsets);
  // The group's committed offsets for partition group p, per input (RD_KAFKA_OFFSET_INVALID
  // where none).
  absl::StatusOr<std::vector<int64_t>> Committed(int32_t partition, int timeout_ms);
  // The same for several partition groups in one request.
  absl::StatusOr<std::map<int32_t, std::vector<int64_t>>> Committed(
      const std::vector<int32_t>& partitions, int timeout_ms);
  // at_least_once: commits `offsets` (per partition group, per input) synchronously.
  absl::Status CommitOffsets(const std::map<int32_t, std::vector<int64_t>>& offsets);
  // The partition list for `offsets` (for send_offsets_to_transaction).
  PartitionListPtr OffsetList(const std::map<int32_t, std::vector<int64_t>>& offsets) const;
  // Caller destroys (rd_kafka_consumer_group_metadata_destroy).
  rd_kafka_consumer_group_metadata_t* GroupMetadata();
  // Partition count of every input topic (-1 where unknown).
  absl::StatusOr<std::vector<int32_t>> PartitionCounts(int timeout_ms);
  // Leaves the group (revocation callbacks run inside).
  absl::Status Close();
  bool cooperative() const;
  const std::vector<std::string>& topics() const { return topics_; }
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  GroupConsumer() = default;
  static void OnRebalanceCb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* parts, void* opaque);
  PartitionListPtr GroupList(const std::vector<int32_t>& partitions) const;

  std::vector<std::string> topics_;
  std::map<std::string, int> input_of_;
  mutable std::vector<std::pair<const rd_kafka_topic_t*, int>> rkt_cache_;
  Listener* listener_ = nullptr;
  ClientPtr rk_;
  rd_kafka_queue_t* queue_ = nullptr;
  bool closed_ = false;
};

}  // namespace kizashi::connectors::kafka
