#include "engine/ledger/ledger.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <set>

#include "engine/common/hash.h"
#include "engine/common/json_writer.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::ledger {

namespace {

const std::string kGenesis(64, '0');

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(StrCat("ledger: ", what, ": ", s.ToString()));
}

void AppendBe64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t ReadBe64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string RecordKey(uint64_t seq) {
  std::string k = "r";
  AppendBe64(&k, seq);
  return k;
}
std::string DedupeKey(const LedgerEntry& e) {
  std::string k = StrCat("k", e.document_id, std::string_view("\0", 1));
  AppendBe64(&k, e.revision);
  k.push_back('\0');
  k.append(e.destination);
  return k;
}
std::string OperatorKey(std::string_view op, uint64_t seq) {
  std::string k = StrCat("o", op, std::string_view("\0", 1));
  AppendBe64(&k, seq);
  return k;
}

}  // namespace

void LedgerOptions::Declare(config::Schema& s, LedgerOptions* o) {
  s.Bool("enabled", &o->enabled,
         "Record every written document in the disclosure ledger (framework 4).");
  s.String("dir", &o->dir,
           "Directory of the ledger's RocksDB (empty: '<state.dir>.ledger'). Never inside "
           "state.dir: a --reset-state replay re-emits documents with the same ids and must "
           "find their records.");
  s.Bool("sync", &o->sync, "fsync the ledger on every append.");
  s.Bool("local_copy", &o->local_copy,
         "Kafka mode: also keep this instance's copy of its commits' ledger records in "
         "ledger.dir, written after each commit (the ledger topic is the cluster's ledger "
         "either way; file mode always writes ledger.dir). Off by default: the copy's "
         "per-record work and fsync cost the committer 30-45 ms per commit.");
}

Ledger::~Ledger() {
  if (db_) {
    rocksdb::Status s = db_->Close();
    (void)s;  // KZ_IGNORE_STATUS: nothing to do about a close error in a destructor
  }
}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const LedgerOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (ec) return absl::InternalError(StrCat("ledger: cannot create ", o.dir, ": ", ec.message()));
  rocksdb::Options opts;
  opts.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(opts, o.dir, &db);
  if (!s.ok()) return FromRocks(s, StrCat("open ", o.dir));
  std::unique_ptr<Ledger> l(new Ledger());
  l->db_.reset(db);
  l->sync_ = o.sync;
  absl::Status st = l->LoadHead();
  if (!st.ok()) return st;
  return l;
}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::OpenReadOnly(const std::string& dir) {
  rocksdb::Options opts;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(opts, dir, &db);
  if (!s.ok()) return FromRocks(s, StrCat("open ", dir, " read-only"));
  std::unique_ptr<Ledger> l(new Ledger());
  l->db_.reset(db);
  absl::Status st = l->LoadHead();
  if (!st.ok()) return st;
  return l;
}

absl::Status Ledger::LoadHead() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), "h", &v);
  if (s.IsNotFound()) {
    next_seq_ = 1;
    head_hash_ = kGenesis;
    return absl::OkStatus();
  }
  if (!s.ok()) return FromRocks(s, "read head");
  if (v.size() != 8 + 64) return absl::DataLossError("ledger: head record is malformed");
  next_seq_ = ReadBe64(v) + 1;
  head_hash_ = v.substr(8);
  return absl::OkStatus();
}

std::string Ledger::Body(uint64_t seq, std::string_view prev_hash, const LedgerEntry& e,
                         int32_t partition) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.KV("schema", "kizashi.ledger_record/1");
  if (partition >= 0) w.KV("partition", static_cast<int64_t>(partition));
  w.KV("seq", seq);
  w.KV("prev_hash", prev_hash);
  w.KV("document_id", e.document_id);
  w.KV("revision", e.revision);
  w.KV("destination", e.destination);
  w.KV("kind", e.kind);
  w.KV("subject_operator", e.subject_operator);
  w.Key("fields").BeginArray();
  for (const auto& f : e.fields) w.String(f);
  w.EndArray();
  w.KV("basis", e.basis);
  w.KV("exercise", e.exercise);
  w.KV("recorded_at", FormatRfc3339(e.recorded_at_ns, 6));
  w.EndObject();
  return out;
}

std::string Ledger::ChainHash(std::string_view prev_hash, std::string_view body) {
  return Sha256Hex(StrCat(prev_hash, body));
}

absl::StatusOr<size_t> Ledger::Append(const std::vector<LedgerEntry>& entries) {
  rocksdb::WriteBatch wb;
  std::set<std::string> batch_keys;
  uint64_t seq = next_seq_;
  std::string head = head_hash_;
  size_t added = 0;
  for (const auto& e : entries) {
    std::string dk = DedupeKey(e);
    if (!batch_keys.insert(dk).second) continue;
    std::string existing;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), dk, &existing);
    if (s.ok()) continue;
    if (!s.IsNotFound()) return FromRocks(s, "dedupe lookup");
    std::string body = Body(seq, head, e);
    std::string hash = ChainHash(head, body);
    std::string seq_be;
    AppendBe64(&seq_be, seq);
    if (rocksdb::Status x = wb.Put(RecordKey(seq), StrCat(hash, body)); !x.ok()) return FromRocks(x, "batch");
    if (rocksdb::Status x = wb.Put(dk, seq_be); !x.ok()) return FromRocks(x, "batch");
    for (std::string_view subject : Split(e.subject_operator, ',', true)) {
      if (rocksdb::Status x = wb.Put(OperatorKey(subject, seq), ""); !x.ok()) {
        return FromRocks(x, "batch");
      }
    }
    head = hash;
    ++seq;
    ++added;
  }
  if (added == 0) return added;
  std::string hv;
  AppendBe64(&hv, seq - 1);
  hv.append(head);
  if (rocksdb::Status x = wb.Put("h", hv); !x.ok()) return FromRocks(x, "batch");
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  absl::Status st = FromRocks(db_->Write(wo, &wb), "append");
  if (!st.ok()) return st;
  next_seq_ = seq;
  head_hash_ = head;
  return added;
}

absl::Status Ledger::Query(std::string_view op,
                           const std::function<absl::Status(const LedgerRecord&)>& fn) const {
  auto emit = [&](uint64_t seq, std::string_view value) -> absl::Status {
    if (value.size() < 64) return absl::DataLossError(StrCat("ledger record ", seq, " is malformed"));
    LedgerRecord r;
    r.seq = seq;
    r.hash = std::string(value.substr(0, 64));
    r.body = std::string(value.substr(64));
    return fn(r);
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  if (op.empty()) {
    for (it->Seek("r"); it->Valid() && it->key().starts_with("r"); it->Next()) {
      KZ_RETURN_IF_ERROR(emit(ReadBe64(std::string_view(it->key().data() + 1, 8)),
                              std::string_view(it->value().data(), it->value().size())));
    }
    return FromRocks(it->status(), "scan");
  }
  std::string prefix = StrCat("o", op, std::string_view("\0", 1));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    uint64_t seq = ReadBe64(std::string_view(it->key().data() + prefix.size(), 8));
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), RecordKey(seq), &v);
    if (!s.ok()) return FromRocks(s, StrCat("record ", seq, " named by the operator index"));
    KZ_RETURN_IF_ERROR(emit(seq, v));
  }
  return FromRocks(it->status(), "scan");
}

VerifyResult Ledger::Verify() const {
  VerifyResult r;
  std::string prev = kGenesis;
  uint64_t expect = 1;
  std::set<std::string> dedupe_seen;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  auto problem = [&](std::string p) {
    r.ok = false;
    r.problems.push_back(std::move(p));
  };
  for (it->Seek("r"); it->Valid() && it->key().starts_with("r"); it->Next()) {
    uint64_t seq = ReadBe64(std::string_view(it->key().data() + 1, 8));
    std::string_view v(it->value().data(), it->value().size());
    if (seq != expect) problem(StrCat("record ", expect, " is missing (next is ", seq, ")"));
    expect = seq + 1;
    ++r.records;
    if (v.size() < 64) {
      problem(StrCat("record ", seq, ": malformed value"));
      continue;
    }
    std::string_view hash = v.substr(0, 64), body = v.substr(64);
    std::string want_prev = StrCat("\"prev_hash\":\"", prev, "\"");
    if (body.find(want_prev) == std::string_view::npos) {
      problem(StrCat("record ", seq, ": prev_hash does not name the previous record's hash"));
    }
    if (body.find(StrCat("\"seq\":", seq, ",")) == std::string_view::npos) {
      problem(StrCat("record ", seq, ": body states another sequence number"));
    }
    std::string h = ChainHash(prev, body);
    if (h != hash) problem(StrCat("record ", seq, ": content does not match its hash (modified)"));
    prev = std::string(hash);
  }
  if (!it->status().ok()) problem(StrCat("scan: ", it->status().ToString()));
  std::string hv;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), "h", &hv);
  if (s.ok()) {
    if (hv.size() != 72 || ReadBe64(hv) != r.records || hv.substr(8) != prev) {
      problem("head does not match the last record (records removed or appended outside the "
              "ledger)");
    }
  } else if (r.records > 0) {
    problem("head record missing");
  }
  // Every dedupe key must name an existing record.
  for (it->Seek("k"); it->Valid() && it->key().starts_with("k"); it->Next()) {
    uint64_t seq = ReadBe64(std::string_view(it->value().data(), it->value().size()));
    if (seq == 0 || seq > r.records) {
      problem(StrCat("dedupe index names record ", seq, ", which does not exist"));
    }
  }
  r.head_hash = prev;
  return r;
}

absl::Status Ledger::TestOnlyOverwrite(uint64_t seq, std::string_view value) {
  return FromRocks(db_->Put(rocksdb::WriteOptions(), RecordKey(seq), rocksdb::Slice(value.data(), value.size())),
                   "overwrite");
}

}  // namespace kizashi::ledger
