// Admin: topic provisioning and verification — what `kizashi topics create` and
// `kizashi check` do against a cluster, and what `kizashi run` verifies before joining.
//
// Ownership: short-lived, owned by the caller. Thread contract: single thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/kafka/client.h"
#include "connectors/kafka/kafka_options.h"

namespace kizashi::connectors::kafka {

struct TopicSpec {
  std::string name;
  std::string role;  // input | output | changelog | packs | internal (for messages)
  int32_t partitions = 1;
  int32_t replication = 1;
  Properties configs;  // topic configs (cleanup.policy, min.insync.replicas, ...)
};

struct TopicInfo {
  bool exists = false;
  int32_t partitions = 0;
  int32_t replication = 0;  // of partition 0
  std::map<std::string, std::string> configs;  // filled by DescribeConfigs
};

class Admin {
 public:
  static absl::StatusOr<std::unique_ptr<Admin>> Connect(const KafkaOptions& options,
                                                        int timeout_ms = 10000);
  absl::StatusOr<int> BrokerCount();
  // Existence and partition count of `topics` (one metadata request).
  absl::StatusOr<std::map<std::string, TopicInfo>> Describe(const std::vector<std::string>& topics);
  // The values of `keys` of each topic's configuration (e.g. cleanup.policy).
  absl::Status DescribeConfigs(std::map<std::string, TopicInfo>* topics,
                               const std::vector<std::string>& keys);
  // Creates the topics that do not exist; existing ones are left as they are. `created`
  // gets the names created.
  absl::Status Create(const std::vector<TopicSpec>& specs, std::vector<std::string>* created);
  absl::Status Delete(const std::vector<std::string>& topics);
  // Waits, at most `timeout_ms`, until no transaction is open on any partition of `topics`:
  // every partition's last stable offset (the end a read_committed reader sees) has reached
  // its high watermark. A transactional producer's commit returns once the coordinator has
  // logged it, before the commit markers are written to the partitions, so a read_committed
  // reader started right after a commit can find its end before the last transaction's
  // records; a reader that must see everything committed so far waits here first. (An
  // abandoned transaction holds the offsets until the broker aborts it, after the producer's
  // transaction.timeout.ms.)
  absl::Status AwaitStableOffsets(const std::vector<std::string>& topics, int timeout_ms);
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  Admin() = default;
  KafkaOptions options_;
  ClientPtr rk_;
  int timeout_ms_ = 10000;
};

}  // namespace kizashi::connectors::kafka
