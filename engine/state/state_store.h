// StateStore: the engine's durable state in RocksDB.
//
// What is stored (one column family per concern):
//   positions    partition | source name           -> resume position of that source
//   correlation  partition | 'k' | key fingerprint -> per-key correlation state
//                partition | 'w'                   -> max event time and watermark
//   incidents    partition | 'o'|'c' | incident id -> open / closed incident (latest revision)
//   evidence     partition | incident id | position -> raw record copies cited as evidence
//   history      partition | incident id | revision -> the document each revision produced
//   dictionary   partition | code                  -> interned strings of a partition's state
//                                                     (pattern hits, source names)
//   meta         free-form                         -> schema version, instance info
// Every key that belongs to a partition starts with the partition id (4 bytes big-endian), so
// a partition's state can be enumerated, dropped or moved as a unit.
//
// Durability contract (DESIGN.md §5): the runtime writes a batch's outputs first, then commits
// that batch's state delta *and* its input positions in one WriteBatch (Commit). After a
// crash, state and positions agree, and the engine resumes right after the last committed
// batch.
//
// Expiry: a value written with ExpiringValue() carries an event-time deadline. Once the
// watermark of the key's partition (published by StateDelta::NoteWatermark when the delta
// commits) has passed that deadline, the value is semantically empty for its owner, and a
// compaction filter on the correlation and incidents column families drops it. This expires
// state that is not in memory (evicted keys, closed incidents) without any sweep.
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

enum class Cf : uint8_t {
  kMeta = 0,
  kPositions,
  kCorrelation,
  kIncidents,
  kEvidence,
  kHistory,
  kDictionary,
  kCount
};
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
  // Side information, not an operation: once this delta commits, `partition`'s watermark is
  // at least `watermark_ns` (the owner also Puts it durably). Drives expiry (see above).
  void NoteWatermark(int32_t partition, int64_t watermark_ns);
  const std::vector<std::pair<int32_t, int64_t>>& watermarks() const { return watermarks_; }
  // Forgets every operation; keeps their buffers for Add (a steady stream of batches then
  // allocates nothing).
  void Clear() {
    for (auto& op : ops_) {
      spare_.push_back(std::move(op.key));
      spare_.push_back(std::move(op.value));
    }
    ops_.clear();
    watermarks_.clear();
  }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }

  struct Op {
    Cf cf;
    bool del;
    std::string key;
    std::string value;
  };
  const std::vector<Op>& ops() const { return ops_; }
  // For owners that reorder or drop operations in place (moving, not copying, their keys and
  // values: a commit's delta can hold tens of MB).
  std::vector<Op>& mutable_ops() { return ops_; }
  // Appends an operation whose key and value the caller fills in place (empty, with
  // recycled capacity): the allocation-free form of Put/Delete for hot paths.
  Op& Add(Cf cf, bool del) {
    ops_.push_back(Op{cf, del, Spare(), Spare()});
    return ops_.back();
  }

 private:
  std::string Spare() {
    if (spare_.empty()) return {};
    std::string s = std::move(spare_.back());
    spare_.pop_back();
    s.clear();
    return s;
  }
  std::vector<Op> ops_;
  std::vector<std::string> spare_;
  std::vector<std::pair<int32_t, int64_t>> watermarks_;
};

// 4-byte big-endian partition prefix.
std::string PartitionPrefix(int32_t partition);
// Reads the partition back from a key that starts with PartitionPrefix (false if shorter).
bool KeyPartition(std::string_view key, int32_t* partition);

// A value that expires when its partition's watermark passes `deadline_ns` (event time):
// kExpiringTag, the deadline (8 bytes big-endian), the payload.
inline constexpr char kExpiringTag = '\xe7';
std::string ExpiringValue(int64_t deadline_ns, std::string_view payload);
// Appends the envelope header of such a value; the payload follows.
void AppendExpiringHeader(std::string* out, int64_t deadline_ns);
// Splits a value written by ExpiringValue; false for values without the envelope.
bool ParseExpiringValue(std::string_view value, int64_t* deadline_ns, std::string_view* payload);

class WatermarkBoard;

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
  // The committed watermark of `partition` (INT64_MIN if none committed in this process).
  int64_t CommittedWatermark(int32_t partition) const;
  // Flushes memtables and compacts every column family (runs the expiry filter now; for
  // tests and maintenance commands).
  absl::Status CompactAll();
  // One numeric entry of a RocksDB map property (e.g. "rocksdb.cfstats",
  // "io_stalls.total_stop") summed over column families; 0 when absent.
  uint64_t MapPropertyValue(std::string_view property, std::string_view key) const;

 private:
  StateStore();
  std::shared_ptr<WatermarkBoard> board_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  bool sync_ = false;
};

}  // namespace kizashi::state
