#include "engine/ledger/chain.h"

#include <simdjson.h>

#include "engine/common/json_writer.h"
#include "engine/common/strings.h"

namespace kizashi::ledger {

namespace {

constexpr std::string_view kHashMember = ",\"hash\":\"";

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

const std::string& GenesisHash() {
  static const std::string* g = new std::string(64, '0');
  return *g;
}

std::string EncodeChainHead(const ChainHead& h) { return StrCat(h.seq, ",", h.hash); }

absl::StatusOr<ChainHead> DecodeChainHead(std::string_view v) {
  size_t comma = v.find(',');
  ChainHead h;
  int64_t seq = 0;
  if (comma == std::string_view::npos || !ParseInt(v.substr(0, comma), &seq) || seq < 0 ||
      !IsHex64(v.substr(comma + 1))) {
    return absl::DataLossError(StrCat("ledger chain head '", v, "' is malformed"));
  }
  h.seq = static_cast<uint64_t>(seq);
  h.hash = std::string(v.substr(comma + 1));
  return h;
}

std::string TopicKey(std::string_view document_id, uint32_t revision,
                     std::string_view destination) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.String(document_id);
  w.Uint(revision);
  w.String(destination);
  w.EndArray();
  return out;
}

std::string ChainTopicRecord(int32_t partition, const LedgerEntry& e, ChainHead* head) {
  uint64_t seq = head->seq + 1;
  std::string body = Ledger::Body(seq, head->hash, e, partition);
  std::string hash = Ledger::ChainHash(head->hash, body);
  std::string value = body.substr(0, body.size() - 1);
  StrAppend(&value, kHashMember, hash, "\"}");
  head->seq = seq;
  head->hash = std::move(hash);
  return value;
}

absl::StatusOr<TopicRecord> DecodeTopicRecord(std::string_view value) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(value);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return absl::DataLossError("not a JSON object");
  }
  TopicRecord r;
  int64_t partition = 0;
  uint64_t seq = 0, revision = 0;
  std::string_view prev, hash, id, dest, kind, subject, schema;
  if (doc["schema"].get(schema) != simdjson::SUCCESS || schema != "kizashi.ledger_record/1") {
    return absl::DataLossError("schema is not kizashi.ledger_record/1");
  }
  if (doc["partition"].get(partition) != simdjson::SUCCESS || partition < 0 ||
      partition > INT32_MAX) {
    return absl::DataLossError("no valid \"partition\"");
  }
  if (doc["seq"].get(seq) != simdjson::SUCCESS || seq == 0) {
    return absl::DataLossError("no valid \"seq\"");
  }
  if (doc["prev_hash"].get(prev) != simdjson::SUCCESS || !IsHex64(prev) ||
      doc["hash"].get(hash) != simdjson::SUCCESS || !IsHex64(hash)) {
    return absl::DataLossError("\"prev_hash\" or \"hash\" is not 64 hex digits");
  }
  if (doc["document_id"].get(id) != simdjson::SUCCESS ||
      doc["revision"].get(revision) != simdjson::SUCCESS || revision > UINT32_MAX ||
      doc["destination"].get(dest) != simdjson::SUCCESS ||
      doc["kind"].get(kind) != simdjson::SUCCESS ||
      doc["subject_operator"].get(subject) != simdjson::SUCCESS) {
    return absl::DataLossError(
        "document_id, revision, destination, kind or subject_operator missing or mistyped");
  }
  r.partition = static_cast<int32_t>(partition);
  r.seq = seq;
  r.prev_hash = std::string(prev);
  r.hash = std::string(hash);
  r.document_id = std::string(id);
  r.revision = static_cast<uint32_t>(revision);
  r.destination = std::string(dest);
  r.kind = std::string(kind);
  r.subject_operator = std::string(subject);
  // The body is the value without its trailing hash member; anything else after it (or a
  // hash member elsewhere) leaves no body to recompute: not ok.
  std::string suffix = StrCat(kHashMember, r.hash, "\"}");
  if (value.size() > suffix.size() && value.substr(value.size() - suffix.size()) == suffix) {
    std::string body = StrCat(value.substr(0, value.size() - suffix.size()), "}");
    r.hash_ok = Ledger::ChainHash(r.prev_hash, body) == r.hash;
  }
  return r;
}

void TopicVerifier::Problem(std::string p) {
  r_.ok = false;
  r_.problems.push_back(std::move(p));
}

void TopicVerifier::Add(int32_t partition, int64_t offset, std::string_view key,
                        std::string_view value) {
  ++r_.records;
  std::string where = StrCat("partition ", partition, " offset ", offset);
  auto rec = DecodeTopicRecord(value);
  if (!rec.ok()) {
    Problem(StrCat(where, ": malformed record (", rec.status().message(), ")"));
    return;
  }
  StrAppend(&where, " seq ", rec->seq);
  if (!rec->hash_ok) Problem(StrCat(where, ": content does not match its hash (modified)"));
  if (rec->partition != partition) {
    Problem(StrCat(where, ": the record names partition ", rec->partition, " (moved)"));
  }
  if (key != TopicKey(rec->document_id, rec->revision, rec->destination)) {
    Problem(StrCat(where, ": the record key does not match its document id, revision and "
                          "destination"));
  }
  std::map<uint64_t, std::string>& chain = chains_[partition];
  uint64_t head = chain.empty() ? 0 : chain.rbegin()->first;
  const std::string& head_hash = chain.empty() ? GenesisHash() : chain.rbegin()->second;
  if (rec->seq == head + 1) {
    if (rec->prev_hash != head_hash) {
      Problem(StrCat(where, ": prev_hash does not name the previous record's hash"));
    }
  } else if (rec->seq > head + 1) {
    Problem(StrCat(where, ": records ", head + 1, "..", rec->seq - 1,
                   " of the chain are missing (removed or reordered)"));
  } else {
    // A rewind: the chain continues from an earlier record (at_least_once recovery).
    auto before = chain.find(rec->seq - 1);
    const std::string* want =
        rec->seq == 1 ? &GenesisHash() : (before == chain.end() ? nullptr : &before->second);
    if (want == nullptr || *want != rec->prev_hash) {
      Problem(StrCat(where, ": repeats sequence number ", rec->seq, " (head is ", head,
                     ") without continuing the chain at ", rec->seq - 1,
                     " (reordered or forged)"));
    } else {
      ++r_.rewinds;
      r_.superseded += head - rec->seq + 1;
      std::string note = StrCat(where, ": the chain continues from record ", rec->seq - 1,
                                "; records ", rec->seq, "..", head, " are superseded");
      if (strict_) {
        Problem(StrCat(note, " (not expected with exactly_once)"));
      } else {
        r_.notes.push_back(StrCat(note, " (at_least_once re-recording after a crash)"));
      }
    }
    chain.erase(chain.lower_bound(rec->seq), chain.end());
  }
  chain[rec->seq] = rec->hash;
}

TopicVerifyResult TopicVerifier::Finish() {
  for (const auto& [p, chain] : chains_) {
    ChainHead h;
    if (!chain.empty()) {
      h.seq = chain.rbegin()->first;
      h.hash = chain.rbegin()->second;
    }
    r_.heads[p] = h;
  }
  return std::move(r_);
}

}  // namespace kizashi::ledger
