#include "engine/state/state_store.h"

#include <cstdlib>
#include <map>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <mutex>

#include <unordered_map>
#include "engine/common/strings.h"

namespace kizashi::state {

namespace {
constexpr size_t kIncidentsWriteBuffer = 4 << 20;
constexpr std::string_view kCfNames[] = {"default",  "positions", "correlation", "incidents",
                                         "evidence", "history",   "dictionary"};
static_assert(std::size(kCfNames) == static_cast<size_t>(Cf::kCount));

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(StrCat(what, ": ", s.ToString()));
  return absl::InternalError(StrCat(what, ": ", s.ToString()));
}
}  // namespace

std::string_view CfName(Cf cf) { return kCfNames[static_cast<size_t>(cf)]; }

// Committed watermarks per partition, read by compaction threads. Thread contract: any
// thread; a mutex is fine here (one update per commit, reads only during compactions).
class WatermarkBoard {
 public:
  void Publish(int32_t partition, int64_t wm) {
    std::lock_guard<std::mutex> l(mu_);
    int64_t& cur = wm_.try_emplace(partition, INT64_MIN).first->second;
    if (wm > cur) cur = wm;
  }
  int64_t Get(int32_t partition) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = wm_.find(partition);
    return it == wm_.end() ? INT64_MIN : it->second;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<int32_t, int64_t> wm_;
};

namespace {

// Drops values written with ExpiringValue once their partition's committed watermark has
// passed the deadline. Values without the envelope and keys of partitions with no committed
// watermark are kept.
class ExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  explicit ExpiryFilter(std::shared_ptr<WatermarkBoard> board) : board_(std::move(board)) {}
  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string*,
              bool*) const override {
    int64_t deadline;
    std::string_view payload;
    int32_t partition;
    if (!ParseExpiringValue(std::string_view(value.data(), value.size()), &deadline, &payload) ||
        !KeyPartition(std::string_view(key.data(), key.size()), &partition)) {
      return false;
    }
    return deadline < board_->Get(partition);
  }
  const char* Name() const override { return "kizashi.ExpiryFilter"; }

 private:
  std::shared_ptr<WatermarkBoard> board_;
};

class ExpiryFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  explicit ExpiryFilterFactory(std::shared_ptr<WatermarkBoard> board) : board_(std::move(board)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context&) override {
    return std::make_unique<ExpiryFilter>(board_);
  }
  const char* Name() const override { return "kizashi.ExpiryFilterFactory"; }

 private:
  std::shared_ptr<WatermarkBoard> board_;
};

}  // namespace

StateStore::StateStore() : board_(std::make_shared<WatermarkBoard>()) {}

void StateDelta::NoteWatermark(int32_t partition, int64_t watermark_ns) {
  for (auto& [p, w] : watermarks_) {
    if (p == partition) {
      w = std::max(w, watermark_ns);
      return;
    }
  }
  watermarks_.emplace_back(partition, watermark_ns);
}

bool KeyPartition(std::string_view key, int32_t* partition) {
  if (key.size() < 4) return false;
  uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u = u << 8 | static_cast<uint8_t>(key[static_cast<size_t>(i)]);
  *partition = static_cast<int32_t>(u);
  return true;
}

void AppendExpiringHeader(std::string* out, int64_t deadline_ns) {
  out->push_back(kExpiringTag);
  uint64_t u = static_cast<uint64_t>(deadline_ns);
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(u >> (i * 8)));
}

std::string ExpiringValue(int64_t deadline_ns, std::string_view payload) {
  std::string out;
  out.reserve(9 + payload.size());
  AppendExpiringHeader(&out, deadline_ns);
  out.append(payload);
  return out;
}

bool ParseExpiringValue(std::string_view v, int64_t* deadline_ns, std::string_view* payload) {
  if (v.size() < 9 || v[0] != kExpiringTag) return false;
  uint64_t u = 0;
  for (size_t i = 1; i < 9; ++i) u = u << 8 | static_cast<uint8_t>(v[i]);
  *deadline_ns = static_cast<int64_t>(u);
  *payload = v.substr(9);
  return true;
}

void StateOptions::Declare(config::Schema& s, StateOptions* o) {
  s.String("dir", &o->dir, "Directory of the RocksDB state store (created if missing).");
  s.Bool("sync", &o->sync,
         "fsync the write-ahead log on every commit (survives machine crashes, slower).");
  s.Int("block_cache_bytes", &o->block_cache_bytes, "RocksDB block cache size.", 1 << 20,
        int64_t{64} << 30);
  s.Int("write_buffer_bytes", &o->write_buffer_bytes, "RocksDB memtable size per column family.",
        1 << 20, int64_t{4} << 30);
}

void StateDelta::Put(Cf cf, std::string key, std::string value) {
  ops_.push_back(Op{cf, false, std::move(key), std::move(value)});
}
void StateDelta::Delete(Cf cf, std::string key) {
  ops_.push_back(Op{cf, true, std::move(key), {}});
}

std::string PartitionPrefix(int32_t partition) {
  std::string p(4, '\0');
  uint32_t u = static_cast<uint32_t>(partition);
  for (int i = 0; i < 4; ++i) p[static_cast<size_t>(i)] = static_cast<char>(u >> (24 - 8 * i));
  return p;
}

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(const StateOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (ec) return absl::InternalError(StrCat("cannot create state dir ", o.dir, ": ", ec.message()));
  rocksdb::Options opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.max_background_jobs = 2;
  opts.write_buffer_size = static_cast<size_t>(o.write_buffer_bytes);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(static_cast<size_t>(o.block_cache_bytes));
  // Point lookups of evicted correlation keys mostly miss (new keys): bloom filters make a
  // miss cheap.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  auto store = std::unique_ptr<StateStore>(new StateStore());
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto name : kCfNames) {
    rocksdb::ColumnFamilyOptions cfo(opts);
    if (name == CfName(Cf::kCorrelation) || name == CfName(Cf::kIncidents)) {
      cfo.compaction_filter_factory = std::make_shared<ExpiryFilterFactory>(store->board_);
      cfo.memtable_prefix_bloom_size_ratio = 0.05;
      cfo.memtable_whole_key_filtering = true;
      // Each batch writes its keys sorted: inserting from the previous key's position in the
      // memtable skiplist (a hint per 5-byte partition|kind prefix) instead of from the top
      // makes the write-behind cheaper.
      cfo.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(5));
      // Compact binary state, and write-behind logs that live only until the next
      // checkpoint: compressing them costs CPU (on the cores the workers need) for little.
      cfo.compression = rocksdb::kNoCompression;
      if (name == CfName(Cf::kIncidents)) {
        // Open incidents are rewritten (a few hundred bytes, at random keys) whenever they
        // absorb a match: each write is a skiplist insert. A small memtable keeps that
        // skiplist in cache (in the write-behind benchmark the inserts cost a third less);
        // it flushes more often, in the background.
        cfo.write_buffer_size = std::min<size_t>(opts.write_buffer_size, kIncidentsWriteBuffer);
      }
    }
    descs.emplace_back(std::string(name), cfo);
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(opts, o.dir, descs, &store->cfs_, &db);
  if (!s.ok()) return FromRocks(s, StrCat("open state store ", o.dir));
  store->db_.reset(db);
  store->sync_ = o.sync;
  return store;
}

StateStore::~StateStore() {
  for (auto* h : cfs_) {
    rocksdb::Status s = db_->DestroyColumnFamilyHandle(h);
    (void)s;  // closing: nothing useful to do with an error here
  }
  if (db_) {
    rocksdb::Status s = db_->Close();
    (void)s;
  }
}

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::OpenReadOnly(const StateOptions& o) {
  rocksdb::Options opts;
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto name : kCfNames) descs.emplace_back(std::string(name), rocksdb::ColumnFamilyOptions(opts));
  auto store = std::unique_ptr<StateStore>(new StateStore());
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(opts, o.dir, descs, &store->cfs_, &db);
  if (!s.ok()) return FromRocks(s, StrCat("open state store (read-only) ", o.dir));
  store->db_.reset(db);
  return store;
}

absl::Status StateStore::Commit(const StateDelta& delta) {
  // Sized once: a write-behind batch is hundreds of KiB, and growing the batch's buffer by
  // doubling would copy it several times.
  size_t bytes = 12;  // WriteBatch header
  for (const auto& op : delta.ops()) bytes += op.key.size() + op.value.size() + 16;
  rocksdb::WriteBatch wb(bytes);
  for (const auto& op : delta.ops()) {
    auto* h = cfs_[static_cast<size_t>(op.cf)];
    rocksdb::Status s = op.del ? wb.Delete(h, op.key) : wb.Put(h, op.key, op.value);
    if (!s.ok()) return FromRocks(s, "state batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  absl::Status st = FromRocks(db_->Write(wo, &wb), "state commit");
  if (st.ok()) {
    for (const auto& [p, wm] : delta.watermarks()) board_->Publish(p, wm);
  }
  return st;
}

int64_t StateStore::CommittedWatermark(int32_t partition) const { return board_->Get(partition); }

absl::Status StateStore::CompactAll() {
  for (auto* h : cfs_) {
    rocksdb::Status s = db_->Flush(rocksdb::FlushOptions(), h);
    if (!s.ok()) return FromRocks(s, "flush");
    rocksdb::CompactRangeOptions cro;
    cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    s = db_->CompactRange(cro, h, nullptr, nullptr);
    if (!s.ok()) return FromRocks(s, "compact");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StateStore::Get(Cf cf, std::string_view key) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[static_cast<size_t>(cf)],
                               rocksdb::Slice(key.data(), key.size()), &v);
  if (!s.ok()) return FromRocks(s, "state get");
  return v;
}

absl::Status StateStore::Scan(
    Cf cf, std::string_view prefix,
    const std::function<absl::Status(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cfs_[static_cast<size_t>(cf)]));
  rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    absl::Status st = fn(std::string_view(it->key().data(), it->key().size()),
                         std::string_view(it->value().data(), it->value().size()));
    if (!st.ok()) return st;
  }
  return FromRocks(it->status(), "state scan");
}

absl::Status StateStore::DropPrefix(std::string_view prefix) {
  rocksdb::WriteBatch wb;
  for (size_t c = 0; c < cfs_.size(); ++c) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[c]));
    rocksdb::Slice p(prefix.data(), prefix.size());
    for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
      rocksdb::Status s = wb.Delete(cfs_[c], it->key());
      if (!s.ok()) return FromRocks(s, "drop prefix");
    }
    if (!it->status().ok()) return FromRocks(it->status(), "drop prefix scan");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  return FromRocks(db_->Write(wo, &wb), "drop prefix");
}

uint64_t StateStore::IntProperty(std::string_view name) const {
  uint64_t total = 0;
  for (auto* h : cfs_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::Slice(name.data(), name.size()), &v)) total += v;
  }
  return total;
}

uint64_t StateStore::MapPropertyValue(std::string_view property, std::string_view key) const {
  uint64_t total = 0;
  for (auto* h : cfs_) {
    std::map<std::string, std::string> values;
    if (!db_->GetMapProperty(h, rocksdb::Slice(property.data(), property.size()), &values)) {
      continue;
    }
    auto it = values.find(std::string(key));
    if (it == values.end()) continue;
    total += static_cast<uint64_t>(std::strtod(it->second.c_str(), nullptr));
  }
  return total;
}

}  // namespace kizashi::state
