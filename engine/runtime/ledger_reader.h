// Reads the disclosure-ledger topic (engine/ledger/chain.h) back: `kizashi ledger query|verify
// --brokers`, and the integration tests.
//
// Thread contract: a free function; it creates and destroys its own consumer (it never joins
// a group and commits nothing).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "connectors/kafka/kafka_options.h"

namespace kizashi::runtime {

// Every committed record of `topic` (read_committed: records of aborted transactions are not
// seen), each partition from its beginning to its end as of the call, in offset order per
// partition (partitions interleave): fn(partition, offset, key, value). NotFound if the topic
// does not exist; DeadlineExceeded if the end is not reached within `timeout_ms`.
using LedgerRecordFn =
    std::function<absl::Status(int32_t, int64_t, std::string_view, std::string_view)>;
absl::Status ReadLedgerTopic(const connectors::kafka::KafkaOptions& options,
                             const std::string& topic, int timeout_ms, const LedgerRecordFn& fn);

}  // namespace kizashi::runtime
