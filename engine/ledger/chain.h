// The disclosure ledger as a Kafka topic (`<prefix>ledger`, compacted, one partition per
// input partition): record encoding, the per-partition hash chain, and its verification.
//
// In Kafka mode every output is described by one ledger record produced on the ledger-topic
// partition of the input partition whose processing wrote it, in the same transaction as the
// output (exactly_once) or before the offsets move (at_least_once). Each input partition has
// its own hash chain; its head (seq, hash) is part of the partition's state (a state key with
// the partition prefix), so it goes through the changelog and moves with the partition on a
// rebalance or a restore: the instance that takes a partition over continues its chain.
//
//   key    ["<document id>",<revision>,"<destination>"]   (canonical JSON array: compaction
//          keeps one record per (document id, revision, destination))
//   value  the record body (Ledger::Body with "partition") with ,"hash":"<64 hex>" appended
//          before the closing brace — the same line `kizashi ledger query` prints.
//   hash   SHA-256(prev_hash || body), as the local ledger.
//
// Verification (TopicVerifier) reads each partition in offset order. A record either extends
// the chain (seq = head + 1, prev_hash = head hash) or — at_least_once only — rewinds it: a
// crash after the ledger records were produced but before the changelog carried the new head
// makes the next owner re-record the same outputs from the earlier head (same keys, so
// compaction later removes the superseded records). Anything else is a problem: a modified
// record (hash), a gap (records removed, or a reorder), a broken link, a record on another
// partition than it names, or a key that does not match its body. `strict` (exactly_once)
// also rejects rewinds.
//
// Thread contract: free functions, any thread; a TopicVerifier is used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ledger/ledger.h"

namespace kizashi::ledger {

// The hash of the empty chain: 64 '0'.
const std::string& GenesisHash();

// A partition chain's head: the last record's sequence number (0: empty) and hash.
struct ChainHead {
  uint64_t seq = 0;
  std::string hash = GenesisHash();
};
// As stored in the partition's state: "<seq>,<hash>".
std::string EncodeChainHead(const ChainHead& h);
absl::StatusOr<ChainHead> DecodeChainHead(std::string_view v);

// The topic record key of an entry (see the top of this file).
std::string TopicKey(std::string_view document_id, uint32_t revision,
                     std::string_view destination);

// Appends `e` to the chain whose head is `*head` (advanced): the record value.
std::string ChainTopicRecord(int32_t partition, const LedgerEntry& e, ChainHead* head);

// A ledger-topic record read back.
struct TopicRecord {
  int32_t partition = -1;
  uint64_t seq = 0;
  std::string prev_hash;
  std::string hash;
  std::string document_id;
  uint32_t revision = 0;
  std::string destination;
  std::string kind;
  std::string subject_operator;
  bool hash_ok = false;  // the stated hash is SHA-256(prev_hash || body)
};
// Parses a record value (untrusted bytes: an error, never a crash). Does not judge the hash:
// see TopicRecord::hash_ok.
absl::StatusOr<TopicRecord> DecodeTopicRecord(std::string_view value);

struct TopicVerifyResult {
  bool ok = true;
  uint64_t records = 0;
  uint64_t rewinds = 0;     // at_least_once re-recordings from an earlier head
  uint64_t superseded = 0;  // records dropped from the chain by those rewinds
  std::map<int32_t, ChainHead> heads;  // per partition, at the end
  std::vector<std::string> problems;   // each names partition, offset, seq and what is wrong
  std::vector<std::string> notes;      // rewinds (not problems unless strict)
};

class TopicVerifier {
 public:
  explicit TopicVerifier(bool strict) : strict_(strict) {}
  // Records of one partition must be added in offset order (partitions may interleave).
  void Add(int32_t partition, int64_t offset, std::string_view key, std::string_view value);
  TopicVerifyResult Finish();

 private:
  void Problem(std::string p);
  bool strict_;
  TopicVerifyResult r_;
  std::map<int32_t, std::map<uint64_t, std::string>> chains_;  // per partition: seq -> hash
};

}  // namespace kizashi::ledger
