// The disclosure ledger: who received what, about whom, on what basis (framework 4(1)).
//
// Every document written to a destination is recorded once, after the destination has it
// (the runner appends after the sinks flushed and before it commits the input positions),
// so the ledger never claims a disclosure that did not happen, and a document re-emitted
// after a crash (same id and revision, DESIGN.md §5) finds its record already there and adds
// nothing. Records are keyed by (document id, revision, destination).
//
// Tamper evidence: records form a hash chain in append order,
//   hash[n] = SHA-256(hash[n-1] || body[n])      (hash[0] of the empty chain = 64 '0')
// where body is the record's canonical JSON (it also states prev_hash and seq). Verify
// recomputes the chain and cross-checks the indexes and the head; any edited, removed or
// inserted record breaks it. Someone able to rewrite the whole chain could forge it; anchor
// the head hash elsewhere (print it with `kizashi ledger verify`) to rule that out.
//
// Layout (own RocksDB, `ledger.dir`):
//   r | seq (8 bytes BE)                       -> hash (64 hex) | body (JSON)
//   k | doc id \0 revision (BE) \0 destination -> seq            (dedupe index)
//   o | operator \0 seq                        -> ""             (query index)
//   h                                          -> seq | hash     (head)
//
// Ownership: a runner owns its Ledger. Thread contract: Append, Query and Verify from one
// thread at a time; read-only instances (`kizashi ledger query`) may run beside a writer.
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
}

namespace kizashi::ledger {

struct LedgerOptions {
  // Record every written document in the ledger. Default: true.
  bool enabled = true;
  // Directory of the ledger's RocksDB (relative: to the config file). Empty: beside the
  // state directory, "<state.dir>.ledger". Never inside state.dir: `kizashi run
  // --reset-state` deletes that and replays outputs (same ids), which must find their
  // records. Default: empty.
  std::string dir;
  // fsync every append. Default: true (the ledger is the proof of what was disclosed).
  bool sync = true;
  // Kafka mode: also keep this instance's local copy in `dir` (the ledger topic is the
  // cluster's ledger either way; file mode always writes `dir`). Default: false — the copy's
  // per-record work and fsync cost the committer 30-45 ms per commit.
  bool local_copy = false;
  static void Declare(config::Schema& s, LedgerOptions* o);
};

// One disclosure, as the runner describes it.
struct LedgerEntry {
  std::string document_id;
  uint32_t revision = 0;
  std::string destination;
  std::string kind;              // notification | escalation | observation | advisory |
                                 // campaign | dead_letter | late_event
  // The operator(s) the document is about, comma-separated ("" when unknown); each is
  // indexed for Query.
  std::string subject_operator;
  std::vector<std::string> fields;  // leaf paths of the document (DisclosedFields)
  std::string basis;             // the framework rule or consent record it was sent under
  bool exercise = false;
  int64_t recorded_at_ns = 0;    // processing time (not part of any decision)
  // Kafka mode: the input partition whose processing wrote the document (its ledger-topic
  // partition and hash chain, engine/ledger/chain.h); -1 in file mode.
  int32_t partition = -1;
};

struct LedgerRecord {
  uint64_t seq = 0;
  std::string hash;
  std::string body;  // canonical JSON (kizashi.ledger_record/1) without the hash
};

struct VerifyResult {
  bool ok = true;
  uint64_t records = 0;
  std::string head_hash;
  std::vector<std::string> problems;  // each names the record (seq) and what is wrong
};

class Ledger {
 public:
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(const LedgerOptions& options);
  static absl::StatusOr<std::unique_ptr<Ledger>> OpenReadOnly(const std::string& dir);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Records the entries not recorded yet (by key) in one atomic write, in order. Returns how
  // many were added (entries already present, or repeated within `entries`, add nothing).
  absl::StatusOr<size_t> Append(const std::vector<LedgerEntry>& entries);

  // Records in append order whose subject operator is `op` (every record if empty).
  absl::Status Query(std::string_view op,
                     const std::function<absl::Status(const LedgerRecord&)>& fn) const;
  // Recomputes the chain and checks the indexes.
  VerifyResult Verify() const;
  uint64_t size() const { return next_seq_ - 1; }

  // The canonical record body (exposed for tests). `partition` >= 0 (the ledger topic's
  // records) adds "partition" after "schema"; the local ledger's records have none.
  static std::string Body(uint64_t seq, std::string_view prev_hash, const LedgerEntry& e,
                          int32_t partition = -1);
  static std::string ChainHash(std::string_view prev_hash, std::string_view body);

  // Test hook: overwrites the stored value of record `seq` (tamper simulation).
  absl::Status TestOnlyOverwrite(uint64_t seq, std::string_view value);

 private:
  Ledger() = default;
  absl::Status LoadHead();
  std::unique_ptr<rocksdb::DB> db_;
  bool sync_ = true;
  uint64_t next_seq_ = 1;
  std::string head_hash_;
};

// The leaf paths of a JSON object document, sorted and unique ("report.contact.person",
// array elements as "[]": "evidence.positions[].offset"). Leaves that are null, "" or empty
// arrays are omitted: they disclose nothing. Empty on malformed JSON.
std::vector<std::string> DisclosedFields(std::string_view json);

}  // namespace kizashi::ledger
