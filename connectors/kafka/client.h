// Shared plumbing for the librdkafka clients kizashi creates: configuration from KafkaOptions
// (bootstrap, security pass-through, extra properties), RAII handles, librdkafka errors as
// absl::Status and librdkafka's log lines routed into kizashi's structured log.
//
// Thread contract: free functions are thread-safe; a Client is owned by one component.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/kafka/kafka_options.h"

namespace kizashi::connectors::kafka {

struct ClientDeleter {
  void operator()(rd_kafka_t* rk) const;
};
using ClientPtr = std::unique_ptr<rd_kafka_t, ClientDeleter>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

enum class Role { kConsumer, kProducer, kAdmin, kRestore };
std::string_view RoleName(Role r);

using Properties = std::vector<std::pair<std::string, std::string>>;

// A configuration with bootstrap servers, security settings, client.id, the log callback and
// `options.properties` (+ the role's own extra properties), then `extra` (kizashi's settings
// for the role, applied last so they win except where the user's role properties override).
absl::StatusOr<ConfPtr> MakeConf(const KafkaOptions& options, Role role, const Properties& extra);

// Sets one property, with the key in the error.
absl::Status SetProperty(rd_kafka_conf_t* conf, std::string_view key, std::string_view value);

// Creates a client from `conf` (consumed on success and on failure).
absl::StatusOr<ClientPtr> NewClient(rd_kafka_type_t type, ConfPtr conf);

absl::Status KafkaError(rd_kafka_resp_err_t err, std::string_view what);
// Takes ownership of `error` (may be null: OK).
absl::Status KafkaError(rd_kafka_error_t* error, std::string_view what);

// Number of brokers in the cluster metadata.
absl::StatusOr<int> BrokerCount(rd_kafka_t* rk, int timeout_ms);

}  // namespace kizashi::connectors::kafka
