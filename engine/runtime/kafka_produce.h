// ProduceRecordedTraffic: kizashi's own producer for recorded traffic — `kizashi produce`.
// Loads files (one record per line) into the configured Kafka input topics the way a SOC's
// shippers should: keyed by operator (decoded with the input's own decoder, so the key is
// exactly the operator the engine will see) with the murmur2 partitioner, so one operator's
// records of every input land in the same partition number.
//
// Several files are merged in event time, as a SOC's shippers deliver live traffic: a
// streaming k-way merge that always sends the record with the smallest event time among the
// files' next records (ties: the file named first), each file keeping its own order; a record
// without an event time (a dead letter to be) follows the record before it in its file. Every
// record gets a strictly increasing timestamp in that order, so the engine's merge of a
// partition group (by timestamp) sees the records in event time. Why event time and not the
// file replay's merge (by fraction read): in Kafka the inputs of one operator share a
// partition group and one watermark, and an interleaving that drifts from event time makes
// records late that a replay of each file on its own accepts. With this order a record is
// never further behind the records consumed before it than it is behind its own file's, so
// Kafka judges lateness as a file replay with a partition per file does (docs/kafka.md,
// "Record timestamps and order").
//
// Thread contract: one call at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "engine/runtime/engine_config.h"

namespace kizashi::runtime {

struct ProduceSummary {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t unkeyed = 0;  // records without an operator (dead letters to be): random partition
  double seconds = 0;
};

// The order in which several files are sent.
enum class ProduceOrder {
  // Event time across files (above): the default, and the faithful way to load recorded
  // traffic.
  kEventTime,
  // The file replay's merge of one partition (FileSource: by fraction read). Only to reproduce
  // exactly a file replay whose configuration puts all these files into one partition: its
  // order is not event time, and the records of one file can fall behind the others'
  // watermark (docs/kafka.md, "Record timestamps and order").
  kFileReplay,
};

// `files`: (input name, path) pairs; each input must be of type kafka. `records_per_second`
// > 0 paces the production open loop (record k is sent at start + k / rate; a producer that
// falls behind catches up without skipping); 0 sends as fast as the broker takes them.
absl::Status ProduceRecordedTraffic(const EngineConfig& config,
                                    const std::vector<std::pair<std::string, std::string>>& files,
                                    ProduceSummary* summary, double records_per_second = 0,
                                    ProduceOrder order = ProduceOrder::kEventTime);

// The records ProduceRecordedTraffic would send, in the same order (event time across files)
// and with the same keys, without producing them: `fn(input, key, value)` per record, `input`
// the index of its input
// in config.inputs, `key` its operator ("" when the decoder finds none: a random partition).
// Benchmarks that produce the same traffic themselves (paced, timing each record) use it.
// The views are valid during the call only; a non-OK status from `fn` stops and is returned.
using RecordedRecordFn =
    std::function<absl::Status(uint16_t input, std::string_view key, std::string_view value)>;
absl::Status ForEachRecordedRecord(const EngineConfig& config,
                                   const std::vector<std::pair<std::string, std::string>>& files,
                                   const RecordedRecordFn& fn,
                                   ProduceOrder order = ProduceOrder::kEventTime);

}  // namespace kizashi::runtime
