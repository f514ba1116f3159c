#include "engine/evidence/evidence.h"

#include <algorithm>

#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/state/codec.h"

namespace kizashi::evidence {

namespace {

void Be32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (i * 8)));
}

std::string IncidentPrefix(int32_t partition, std::string_view id) {
  std::string k = state::PartitionPrefix(partition);
  k.append(id);
  k.push_back('\0');
  return k;
}

std::string Value(int64_t now_ns, std::string_view payload) {
  std::string v;
  state::Encoder e(&v);
  e.U8(1);
  e.SignedVarint(now_ns);
  e.Str(payload);
  return v;
}

bool ParseValue(std::string_view v, int64_t* written, std::string* payload) {
  state::Decoder d(v);
  uint8_t fmt;
  return d.U8(&fmt) && fmt == 1 && d.SignedVarint(written) && d.Str(payload) && d.done();
}

}  // namespace

void EvidenceOptions::Declare(config::Schema& s, EvidenceOptions* o) {
  s.Bool("enabled", &o->enabled,
         "Copy the raw records cited by incidents into the evidence store (framework §3).");
  s.Int("max_record_bytes", &o->max_record_bytes, "Longest record copy kept (longer: truncated).",
        64, 16 << 20);
  s.Int("recent_cache_bytes", &o->recent_cache_bytes,
        "Memory per worker for raw copies of recently matched records (evidence cited from "
        "earlier batches is preserved while it is cached).",
        0, int64_t{4} << 30);
  s.Duration("retention", &o->retention_ns,
             "Evidence and revision history older than this (by write time) are deleted.",
             86400 * kNanosPerSecond, 36500LL * 86400 * kNanosPerSecond);
}

void EvidenceRecorder::Remember(const Batch& batch) {
  if (!opts_.enabled) return;
  bool any_matches = !batch.match_begin.empty();
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const Event& e = batch.events[i];
    // Matched records, and people's inputs (cited by the incidents they update).
    bool input = e.kind == EventKind::kOperatorInput || e.kind == EventKind::kAnalystAction;
    if (!input && (!any_matches || batch.match_count(i) == 0)) continue;
    const RawRecord& r = batch.records[e.record];
    Key k{std::string(batch.source_name(r.pos)), r.pos.partition, r.pos.offset};
    std::string_view bytes = r.value.substr(0, static_cast<size_t>(opts_.max_record_bytes));
    auto [it, inserted] = recent_.emplace(k, std::string(bytes));
    if (!inserted) continue;
    order_.push_back(std::move(k));
    recent_bytes_ += bytes.size();
    while (recent_bytes_ > static_cast<size_t>(opts_.recent_cache_bytes) && !order_.empty()) {
      auto old = recent_.find(order_.front());
      recent_bytes_ -= old->second.size();
      recent_.erase(old);
      order_.pop_front();
    }
  }
}

void EvidenceRecorder::RecordEvidence(const correlate::Incident& inc, int64_t now_ns,
                                      state::StateDelta* delta) {
  if (!opts_.enabled) return;
  for (const auto& ref : inc.evidence) {
    Key k{ref.source, ref.partition, ref.offset};
    auto it = recent_.find(k);
    if (it == recent_.end()) continue;  // aged out of the cache (or never matched here)
    if (!stored_.emplace(inc.id, k).second) continue;
    stored_order_.emplace_back(inc.id, k);
    if (stored_order_.size() > 100000) {
      stored_.erase(stored_order_.front());
      stored_order_.pop_front();
    }
    std::string key = IncidentPrefix(inc.partition, inc.id);
    key.append(ref.source);
    key.push_back('\0');
    state::Encoder(&key).Fixed64BE(static_cast<uint64_t>(ref.offset));
    delta->Put(state::Cf::kEvidence, std::move(key), Value(now_ns, it->second));
  }
}

void EvidenceRecorder::RecordRevision(const correlate::Incident& inc, std::string_view document,
                                      int64_t now_ns, state::StateDelta* delta) const {
  if (!opts_.enabled) return;
  std::string key = IncidentPrefix(inc.partition, inc.id);
  Be32(&key, inc.revision);
  delta->Put(state::Cf::kHistory, std::move(key), Value(now_ns, document));
}

absl::StatusOr<std::vector<correlate::Incident>> ListIncidents(const state::StateStore& store) {
  std::vector<correlate::Incident> out;
  absl::Status st = store.Scan(state::Cf::kIncidents, "", [&](std::string_view, std::string_view v) {
    correlate::Incident inc;
    if (!inc.Decode(v)) return absl::DataLossError("corrupt incident record");
    out.push_back(std::move(inc));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first_seen_ns, a.id) < std::tie(b.first_seen_ns, b.id);
  });
  return out;
}

absl::StatusOr<std::vector<StoredRevision>> Revisions(const state::StateStore& store,
                                                      int32_t partition, std::string_view id) {
  std::vector<StoredRevision> out;
  std::string prefix = IncidentPrefix(partition, id);
  absl::Status st = store.Scan(state::Cf::kHistory, prefix, [&](std::string_view k, std::string_view v) {
    StoredRevision r;
    std::string_view rev = k.substr(prefix.size());
    if (rev.size() != 4 || !ParseValue(v, &r.written_ns, &r.document)) {
      return absl::DataLossError("corrupt history record");
    }
    for (unsigned char c : rev) r.revision = r.revision << 8 | c;
    out.push_back(std::move(r));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<StoredEvidence>> Evidence(const state::StateStore& store,
                                                     int32_t partition, std::string_view id) {
  std::vector<StoredEvidence> out;
  std::string prefix = IncidentPrefix(partition, id);
  absl::Status st = store.Scan(state::Cf::kEvidence, prefix, [&](std::string_view k, std::string_view v) {
    StoredEvidence e;
    std::string_view rest = k.substr(prefix.size());
    size_t nul = rest.find('\0');
    if (nul == std::string_view::npos || rest.size() != nul + 9 ||
        !ParseValue(v, &e.written_ns, &e.record)) {
      return absl::DataLossError("corrupt evidence record");
    }
    e.source = std::string(rest.substr(0, nul));
    uint64_t off;
    state::Decoder d(rest.substr(nul + 1));
    d.Fixed64BE(&off);
    e.offset = static_cast<int64_t>(off);
    out.push_back(std::move(e));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.source, a.offset) < std::tie(b.source, b.offset);
  });
  return out;
}

absl::StatusOr<uint64_t> SweepExpired(state::StateStore& store, int64_t now_ns,
                                      int64_t retention_ns) {
  state::StateDelta delta;
  for (state::Cf cf : {state::Cf::kEvidence, state::Cf::kHistory}) {
    absl::Status st = store.Scan(cf, "", [&](std::string_view k, std::string_view v) {
      int64_t written;
      std::string payload;
      if (ParseValue(v, &written, &payload) && written + retention_ns < now_ns) {
        delta.Delete(cf, std::string(k));
      }
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
  }
  uint64_t n = delta.size();
  if (n > 0) {
    absl::Status st = store.Commit(delta);
    if (!st.ok()) return st;
  }
  return n;
}

}  // namespace kizashi::evidence
