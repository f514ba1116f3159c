// StateStore: the engine's durable state in RocksDB.
//
// What is stored (one column family per concern):
//   positions    partition | source name           -> resume position of that source
//   correlation  partition | rule | key ...        -> per-key correlation state
//   incidents    partition | incident id           -> incident (latest revision)
//   evidence     partition | incident id | position -> raw record copies cited as evidence
//   history      partition | incident id | revision -> the document each revision produced
//   meta         free-form                         -> schema version, instance info
// Every key that belongs to a partition starts with the partition id (4 bytes big-endian), so
// a partition's state can be enumerated, dropped or moved as a unit.
//
// Durability contract (DESIGN.md §5): the runtime writes a batch's outputs first, then commits
// that batch's state delta *and* its input positions in one WriteBatch (Commit). After a
// crash, state and positions agree, and the engine resumes right after the last committed
// batch.
//
// Ownership: one StateStore per process, shared by workers. Thread contract: Commit, Get and
// Scan are thread-safe (RocksDB is); workers only touch keys of partitions they own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/config/schema.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace kizashi::state {

enum class Cf : uint8_t { kMeta = 0, kPositions, kCorrelation, kIncidents, kEvidence, kHistory, kCount };
std::string_view CfName(Cf cf);

struct StateOptions {
  std::string dir = "var/state";
  // fsync the WAL on every commit. Off: a machine crash (not a process crash) may lose the
  // last commits, which are then replayed from the input (outputs carry the same ids).
  bool sync = false;
  int64_t block_cache_bytes = 64 << 20;
  int64_t write_buffer_bytes = 32 << 20;
  static void Declare(config::Schema& s, StateOptions* o);
};

// A batch's changes, applied atomically by Commit.
class StateDelta {
 public:
  void Put(Cf cf, std::string key, std::string value);
  void Delete(Cf cf, std::string key);
  void Clear() { ops_.clear(); }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }

  struct Op {
    Cf cf;
    bool del;
    std::string key;
    std::string value;
  };
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

// 4-byte big-endian partition prefix.
std::string PartitionPrefix(int32_t partition);

class StateStore {
 public:
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(const StateOptions& options);
  // Read-only view for tools (`kizashi incidents`) while an engine may hold the store open.
  static absl::StatusOr<std::unique_ptr<StateStore>> OpenReadOnly(const StateOptions& options);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  absl::Status Commit(const StateDelta& delta);
  // NotFound when absent.
  absl::StatusOr<std::string> Get(Cf cf, std::string_view key) const;
  // Calls fn(key, value) for every key starting with `prefix`, in key order. Stops early and
  // returns fn's error if fn fails.
  absl::Status Scan(Cf cf, std::string_view prefix,
                    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
      const;
  // Deletes every key starting with `prefix` in every column family (partition handover).
  absl::Status DropPrefix(std::string_view prefix);
  // A RocksDB property (e.g. "rocksdb.estimate-live-data-size") summed over column families.
  uint64_t IntProperty(std::string_view name) const;
  // One numeric entry of a RocksDB map property (e.g. "rocksdb.cfstats",
  // "io_stalls.total_stop") summed over column families; 0 when absent.
  uint64_t MapPropertyValue(std::string_view property, std::string_view key) const;

 private:
  StateStore() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  bool sync_ = false;
};

}  // namespace kizashi::state
