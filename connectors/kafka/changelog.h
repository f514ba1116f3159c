// The state changelog: the durable copy of every state store change, one compacted topic
// with one partition per input partition (DESIGN.md §5, the Kafka Streams model).
//
// Record key = 1 byte column family + the state key (which begins with the 4-byte partition
// prefix); value = the new value, or a tombstone (null) for a delete. Changelog partition p
// holds exactly the state of input partition p, so a partition's state moves between
// instances by reading one changelog partition.
//
// Every unit of work the runner commits ends with the partition's position record (the
// input offsets), so the reader applies changes only up to the last position record it sees:
// an at_least_once crash in the middle of a unit never leaves half of it restored. (In
// exactly_once, read_committed already hides incomplete transactions.)
//
// Ownership: ChangelogReader is owned by the runner (poll thread). Thread contract: single
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/kafka/client.h"
#include "connectors/kafka/kafka_options.h"
#include "engine/state/state_store.h"

namespace kizashi::connectors::kafka {

std::string ChangelogKey(state::Cf cf, std::string_view key);
// False if `record_key` is not a changelog key (empty or unknown column family).
bool ParseChangelogKey(std::string_view record_key, state::Cf* cf, std::string_view* key);

struct RestoreResult {
  int64_t records = 0;      // changelog records read
  int64_t applied = 0;      // state operations applied to the store
  int64_t bytes = 0;
  int64_t next_offset = 0;  // offset after the last applied position record (the checkpoint)
  int64_t end_offset = 0;   // where reading stopped (end of the partition for read_committed)
  double seconds = 0;
};

class ChangelogReader {
 public:
  static absl::StatusOr<std::unique_ptr<ChangelogReader>> Create(const KafkaOptions& options);

  // Reads `topic` partition `partition` from `from` (an offset, or RD_KAFKA_OFFSET_BEGINNING)
  // to the end that read_committed readers see, applying every change to `store`. Changes
  // after the last record for which `is_boundary(partition, cf, key)` holds are not applied.
  // OutOfRange when `from` is before the partition's start (then restore from the beginning).
  using Boundary = std::function<bool(int32_t, state::Cf, std::string_view)>;
  absl::StatusOr<RestoreResult> Restore(const std::string& topic, int32_t partition, int64_t from,
                                        state::StateStore* store, const Boundary& is_boundary,
                                        int timeout_ms);

  // The same for several partitions read together (one fetch session: a rebalance that hands
  // over many partitions restores them in parallel). `results` is parallel to `from`; a
  // partition whose offset is out of range gets status OutOfRange, the others are restored.
  struct Request {
    int32_t partition = 0;
    int64_t from = 0;
  };
  struct Outcome {
    absl::Status status;
    RestoreResult result;
  };
  absl::Status RestoreMany(const std::string& topic, const std::vector<Request>& requests,
                           state::StateStore* store, const Boundary& is_boundary, int timeout_ms,
                           std::vector<Outcome>* results);

  // (low, high) watermarks of a partition.
  absl::StatusOr<std::pair<int64_t, int64_t>> Watermarks(const std::string& topic,
                                                         int32_t partition, int timeout_ms);

 private:
  ChangelogReader() = default;
  ClientPtr rk_;
};

}  // namespace kizashi::connectors::kafka
