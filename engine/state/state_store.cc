#include "engine/state/state_store.h"

#include <cstdlib>
#include <map>

#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

#include "engine/common/strings.h"

namespace kizashi::state {

namespace {
constexpr std::string_view kCfNames[] = {"default", "positions", "correlation", "incidents",
                                         "evidence", "history"};

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(StrCat(what, ": ", s.ToString()));
  return absl::InternalError(StrCat(what, ": ", s.ToString()));
}
}  // namespace

std::string_view CfName(Cf cf) { return kCfNames[static_cast<size_t>(cf)]; }

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
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto name : kCfNames) {
    rocksdb::ColumnFamilyOptions cfo(opts);
    descs.emplace_back(std::string(name), cfo);
  }
  auto store = std::unique_ptr<StateStore>(new StateStore());
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
  rocksdb::WriteBatch wb;
  for (const auto& op : delta.ops()) {
    auto* h = cfs_[static_cast<size_t>(op.cf)];
    rocksdb::Status s = op.del ? wb.Delete(h, op.key) : wb.Put(h, op.key, op.value);
    if (!s.ok()) return FromRocks(s, "state batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  return FromRocks(db_->Write(wo, &wb), "state commit");
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
