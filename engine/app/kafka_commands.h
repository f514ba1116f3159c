// The Kafka subcommands of the kizashi binary:
//   kizashi topics create|check --config FILE    provision / verify the topics (admin API)
//   kizashi produce --config FILE --input NAME=FILE...   load recorded traffic into topics
// and the topic verification `kizashi check` runs for Kafka configurations.
#pragma once

#include "engine/common/diag.h"
#include "engine/runtime/engine_config.h"

namespace kizashi::app {

int CmdTopics(int argc, char** argv);
int CmdProduce(int argc, char** argv);
// Connects to the cluster and adds every topic problem (missing, not co-partitioned, changelog
// not compacted, broker too new for this librdkafka) to `d`.
void CheckKafkaTopics(const runtime::EngineConfig& cfg, Diagnostics* d);

}  // namespace kizashi::app
