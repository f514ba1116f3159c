// The topics a configuration needs in Kafka mode, and their verification:
//
//   input       every kafka input's topic; all co-partitioned (same partition count), keyed
//               by operator so one operator's records of every input share a partition number
//   output      every kafka destination: one notification topic per ministry, the Cabinet
//               Secretariat's, per-operator observation topics, advisory, dead-letter, late
//   changelog   the state store's compacted changelog, one partition per input partition
//   packs       the compacted topic pattern packs are published on
//   internal    campaign.enabled: `campaign-repartition` (sightings keyed by pattern or actor)
//               and `campaign-findings` (keyed by operator), as many partitions as the inputs,
//               cleanup.policy=delete (every record counts: compaction would drop sightings);
//               `.exercise` is appended to both with route.exercise
//   ledger      ledger.enabled: `ledger`, the disclosure ledger (engine/ledger/chain.h), one
//               partition per input partition, cleanup.policy=compact (records are keyed by
//               (document id, revision, destination)); `.exercise` appended with route.exercise
//
// Names are `kafka.topic_prefix` + the configured name. `kizashi topics create` provisions
// what is missing; `kizashi check` and `kizashi run` verify.
//
// Thread contract: free functions, any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/kafka/admin.h"
#include "engine/common/diag.h"
#include "engine/runtime/engine_config.h"

namespace kizashi::runtime {

// True when the configuration uses Kafka (an input or a destination of type kafka).
bool UsesKafka(const EngineConfig& config);

// The campaign topics (full names): see the top of this file.
std::string CampaignRepartitionTopic(const EngineConfig& config);
std::string CampaignFindingsTopic(const EngineConfig& config);
// The disclosure-ledger topic (full name): see the top of this file.
std::string LedgerTopic(const EngineConfig& config);

// Every topic the configuration needs. `brokers` sizes the replication factor when it is not
// configured; `input_partitions` (> 0) overrides kafka.topics.input_partitions (existing
// input topics decide the count for new ones and for the changelog).
std::vector<connectors::kafka::TopicSpec> PlanTopics(const EngineConfig& config, int brokers,
                                                     int32_t input_partitions);

// Checks that every planned topic exists, that the input topics are co-partitioned, that the
// changelog has as many partitions and is compacted, and that the campaign topics have as
// many partitions and are not compacted, and that the ledger topic has as many partitions and
// is compacted. Every problem goes to `diags`; returns
// the input partition count.
absl::StatusOr<int32_t> VerifyTopics(const EngineConfig& config, connectors::kafka::Admin& admin,
                                     Diagnostics* diags);

// Creates the missing topics; `report` gets one line per topic (created / exists).
absl::Status CreateTopics(const EngineConfig& config, connectors::kafka::Admin& admin,
                          std::vector<std::string>* report);

}  // namespace kizashi::runtime
