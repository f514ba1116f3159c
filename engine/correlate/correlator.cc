#include "engine/correlate/correlator.h"

#include <algorithm>

#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/state/codec.h"

namespace kizashi::correlate {

void CorrelateOptions::Declare(config::Schema& s, CorrelateOptions* o) {
  s.Duration("allowed_lateness", &o->allowed_lateness_ns,
             "Events older than the partition's max event time minus this are late (late "
             "output, not correlated).",
             0, 86400 * kNanosPerSecond);
  s.Duration("max_future_skew", &o->max_future_skew_ns,
             "Records dated further than this past their ingest time are dead-lettered.",
             kNanosPerSecond, 30 * 86400 * kNanosPerSecond);
  s.Duration("idle_timeout", &o->idle_timeout_ns,
             "An idle partition's watermark advances after this much processing time.",
             kNanosPerSecond, 86400 * kNanosPerSecond);
  s.Int("max_evidence", &o->max_evidence, "Source positions kept per incident.", 1, 10000);
  s.Int("max_sources", &o->max_sources, "Distinct source addresses kept per incident.", 1, 10000);
}

namespace {

constexpr uint8_t kKeyFormat = 1;
const std::string kWatermarkKey = std::string("\xff", 1) + "watermark";

std::string KeyValue(const KeySpec& k, const Event& e) {
  switch (k.kind) {
    case KeyField::kSrcIp: return (e.dst_is_target ? e.src : e.dst).ToString();
    case KeyField::kDstIp: return (e.dst_is_target ? e.dst : e.src).ToString();
    case KeyField::kHost: return std::string(e.host);
    case KeyField::kUser: return std::string(e.field(FieldId::kUser));
    case KeyField::kProgram: return std::string(e.field(FieldId::kProgram));
    case KeyField::kSigId: return e.sig_id ? std::to_string(e.sig_id) : std::string();
    case KeyField::kField: return std::string(e.field(k.field));
  }
  return {};
}

bool PastCase(const std::vector<std::string>& refs) {
  for (const auto& r : refs) {
    if (StartsWith(r, "case:")) return true;
  }
  return false;
}

PatternHit HitOf(const patterns::EntryInfo& e) {
  PatternHit h;
  h.pack_id = e.pack_id;
  h.pack_version = e.pack_version;
  h.entry_id = e.entry_id;
  h.title = e.title;
  h.kind = e.kind;
  h.attack_type = e.attack_type;
  h.severity = e.severity;
  h.may_disrupt_critical_systems = e.may_disrupt_critical_systems;
  h.past_case = PastCase(e.references);
  h.actor = e.actor;
  h.references = e.references;
  h.count = 1;
  return h;
}

void EncodeHit(state::Encoder& e, const PatternHit& p) {
  e.Str(p.pack_id);
  e.Str(p.pack_version);
  e.Str(p.entry_id);
  e.Str(p.title);
  e.U8(static_cast<uint8_t>(p.kind));
  e.U8(static_cast<uint8_t>(p.attack_type));
  e.U8(static_cast<uint8_t>(p.severity));
  e.U8(static_cast<uint8_t>(p.may_disrupt_critical_systems | (p.past_case << 1)));
  e.Str(p.actor);
  e.Varint(p.references.size());
  for (const auto& r : p.references) e.Str(r);
}

bool DecodeHit(state::Decoder& d, PatternHit* p) {
  uint8_t k, a, s, f;
  uint64_t n;
  if (!d.Str(&p->pack_id) || !d.Str(&p->pack_version) || !d.Str(&p->entry_id) ||
      !d.Str(&p->title) || !d.U8(&k) || !d.U8(&a) || !d.U8(&s) || !d.U8(&f) || !d.Str(&p->actor) ||
      !d.Varint(&n)) {
    return false;
  }
  p->kind = static_cast<patterns::EntryKind>(k);
  p->attack_type = static_cast<patterns::AttackType>(a);
  p->severity = static_cast<patterns::Severity>(s);
  p->may_disrupt_critical_systems = f & 1;
  p->past_case = f & 2;
  p->references.resize(n);
  for (auto& r : p->references) {
    if (!d.Str(&r)) return false;
  }
  p->count = 1;
  return true;
}

}  // namespace

PartitionCorrelator::PartitionCorrelator(int32_t partition, const CorrelateOptions& options)
    : partition_(partition), opts_(options), prefix_(state::PartitionPrefix(partition)) {}

std::string PartitionCorrelator::EncodeKeyState(const KeyState& ks) {
  std::string out;
  state::Encoder e(&out);
  e.U8(kKeyFormat);
  e.Str(ks.incident);
  e.SignedVarint(ks.suppress_until_ns);
  e.SignedVarint(ks.last_ns);
  e.SignedVarint(ks.horizon_ns);
  e.Varint(ks.pending.size());
  for (const auto& p : ks.pending) {
    e.SignedVarint(p.time_ns);
    e.Str(p.ref.source);
    e.SignedVarint(p.ref.partition);
    e.SignedVarint(p.ref.offset);
    e.Str(p.source_addr);
    e.U8(static_cast<uint8_t>(p.external | (p.internal << 1)));
    e.Varint(p.hits.size());
    for (const auto& h : p.hits) EncodeHit(e, h);
  }
  return out;
}

bool PartitionCorrelator::DecodeKeyState(std::string_view in, KeyState* ks) {
  state::Decoder d(in);
  uint8_t fmt;
  uint64_t n;
  if (!d.U8(&fmt) || fmt != kKeyFormat || !d.Str(&ks->incident) ||
      !d.SignedVarint(&ks->suppress_until_ns) || !d.SignedVarint(&ks->last_ns) ||
      !d.SignedVarint(&ks->horizon_ns) || !d.Varint(&n)) {
    return false;
  }
  ks->pending.resize(n);
  for (auto& p : ks->pending) {
    int64_t part;
    uint8_t flags;
    uint64_t nh;
    if (!d.SignedVarint(&p.time_ns) || !d.Str(&p.ref.source) || !d.SignedVarint(&part) ||
        !d.SignedVarint(&p.ref.offset) || !d.Str(&p.source_addr) || !d.U8(&flags) ||
        !d.Varint(&nh)) {
      return false;
    }
    p.ref.partition = static_cast<int32_t>(part);
    p.ref.event_time_ns = p.time_ns;
    p.external = flags & 1;
    p.internal = flags & 2;
    p.hits.resize(nh);
    for (auto& h : p.hits) {
      if (!DecodeHit(d, &h)) return false;
    }
  }
  return d.done();
}

absl::Status PartitionCorrelator::Load(const state::StateStore& store) {
  absl::Status st = store.Scan(
      state::Cf::kCorrelation, prefix_, [&](std::string_view k, std::string_view v) {
        std::string key(k.substr(prefix_.size()));
        if (key == kWatermarkKey) {
          state::Decoder d(v);
          if (!d.SignedVarint(&max_event_ns_) || !d.SignedVarint(&watermark_ns_)) {
            return absl::DataLossError("corrupt watermark record");
          }
          return absl::OkStatus();
        }
        KeyState ks;
        if (!DecodeKeyState(v, &ks)) {
          return absl::DataLossError(StrCat("corrupt correlation state for partition ",
                                            partition_));
        }
        keys_.emplace(std::move(key), std::move(ks));
        return absl::OkStatus();
      });
  if (!st.ok()) return st;
  return store.Scan(state::Cf::kIncidents, prefix_, [&](std::string_view, std::string_view v) {
    Incident inc;
    if (!inc.Decode(v)) return absl::DataLossError("corrupt incident record");
    if (inc.state == IncidentState::kOpen) {
      SetTimer(inc.id, inc.close_at_ns);
      incidents_.emplace(inc.id, std::move(inc));
    }
    return absl::OkStatus();
  });
}

void PartitionCorrelator::SetTimer(const std::string& id, int64_t deadline_ns) {
  auto it = timer_of_.find(id);
  if (it != timer_of_.end()) {
    timers_.erase({it->second, id});
    it->second = deadline_ns;
  } else {
    timer_of_.emplace(id, deadline_ns);
  }
  timers_.insert({deadline_ns, id});
}

void PartitionCorrelator::Emit(Incident& inc, std::string change, CorrelateOutput* out) {
  ++inc.revision;
  inc.change = std::move(change);
  inc.count_at_revision = inc.event_count;
  out->revisions.push_back(inc);
}

void PartitionCorrelator::Close(const std::string& id, CorrelateOutput* out) {
  auto it = incidents_.find(id);
  if (it == incidents_.end()) return;
  Incident& inc = it->second;
  inc.state = IncidentState::kClosed;
  Emit(inc, "closed", out);
  dirty_incidents_.insert(id);
  // Closed incidents stay in the store (kizashi incidents show) but leave memory.
  auto t = timer_of_.find(id);
  if (t != timer_of_.end()) {
    timers_.erase({t->second, id});
    timer_of_.erase(t);
  }
  closed_.push_back(std::move(inc));
  incidents_.erase(it);
}

void PartitionCorrelator::FireTimers(CorrelateOutput* out) {
  while (!timers_.empty() && timers_.begin()->first <= watermark_ns_) {
    std::string id = timers_.begin()->second;
    Close(id, out);
  }
}

bool PartitionCorrelator::Absorb(Incident& inc, const Pending& p) {
  bool material = false;
  ++inc.event_count;
  inc.first_seen_ns = std::min(inc.first_seen_ns, p.time_ns);
  inc.last_seen_ns = std::max(inc.last_seen_ns, p.time_ns);
  if (static_cast<int64_t>(inc.evidence.size()) < opts_.max_evidence) {
    EvidenceRef ref = p.ref;
    ref.event_time_ns = p.time_ns;
    inc.evidence.push_back(ref);
  }
  if (!p.source_addr.empty()) {
    auto it = std::lower_bound(inc.sources.begin(), inc.sources.end(), p.source_addr);
    if (it == inc.sources.end() || *it != p.source_addr) {
      if (static_cast<int64_t>(inc.sources.size()) < opts_.max_sources) {
        inc.sources.insert(it, p.source_addr);
        material = inc.revision > 0;
      }
      ++inc.distinct_sources;
    }
  }
  if (p.external && !inc.external_source) {
    inc.external_source = true;
    material = material || inc.revision > 0;
  }
  if (p.internal) inc.internal_source = true;
  for (const auto& h : p.hits) {
    auto it = std::lower_bound(inc.patterns.begin(), inc.patterns.end(), h,
                               [](const PatternHit& a, const PatternHit& b) {
                                 return std::tie(a.pack_id, a.entry_id) <
                                        std::tie(b.pack_id, b.entry_id);
                               });
    if (it != inc.patterns.end() && it->pack_id == h.pack_id && it->entry_id == h.entry_id) {
      ++it->count;
    } else {
      inc.patterns.insert(it, h);
      material = material || inc.revision > 0;
    }
  }
  return material;
}

void PartitionCorrelator::OpenIncident(KeyState& ks, const Rule& rule, const Incident& proto,
                                       std::vector<Pending> window, CorrelateOutput* out) {
  Incident inc = proto;
  inc.window_start_ns = window.front().time_ns;
  inc.first_seen_ns = window.front().time_ns;
  inc.last_seen_ns = window.front().time_ns;
  IdBuilder idb;
  idb.Add(inc.operator_id).Add(inc.target_id).Add(inc.rule_id);
  for (const auto& g : inc.group_values) idb.Add(g);
  idb.Add(inc.window_start_ns);
  inc.id = idb.Finish();
  inc.suppress_until_ns = inc.window_start_ns + rule.suppress_ns;
  for (const auto& p : window) Absorb(inc, p);
  ks.incident = inc.id;
  ks.suppress_until_ns = inc.suppress_until_ns;
  inc.close_at_ns = inc.last_seen_ns + rule.quiet_ns;
  Emit(inc, "opened", out);
  SetTimer(inc.id, inc.close_at_ns);
  dirty_incidents_.insert(inc.id);
  incidents_.emplace(inc.id, std::move(inc));
}

void PartitionCorrelator::Process(const Batch& batch, const Rulebook& rules,
                                  const patterns::PatternSet& patterns,
                                  const registry::Registry& reg, CorrelateOutput* out) {
  const auto& entries = patterns.entries();
  std::vector<uint32_t> candidate_rules;
  for (uint32_t i = 0; i < batch.events.size(); ++i) {
    const Event& e = batch.events[i];
    int64_t t = e.event_time_ns;
    if (e.ingest_time_ns > 0 && t > e.ingest_time_ns + opts_.max_future_skew_ns) {
      out->future.push_back(i);
      continue;
    }
    if (watermark_ns_ != INT64_MIN && t < watermark_ns_) {
      out->late.push_back(i);
      continue;
    }
    if (t > max_event_ns_) {
      max_event_ns_ = t;
      int64_t wm = t - opts_.allowed_lateness_ns;
      if (wm > watermark_ns_) {
        watermark_ns_ = wm;
        watermark_dirty_ = true;
      }
    }
    size_t nm = batch.match_count(i);
    if (nm > 0) {
      const Match* m = batch.event_matches(i);
      candidate_rules.clear();
      for (size_t k = 0; k < nm; ++k) {
        for (uint32_t r : rules.rules_for_entry(m[k].entry)) candidate_rules.push_back(r);
      }
      std::sort(candidate_rules.begin(), candidate_rules.end());
      candidate_rules.erase(std::unique(candidate_rules.begin(), candidate_rules.end()),
                            candidate_rules.end());
      const IpAddr& peer = e.dst_is_target ? e.src : e.dst;
      bool external = peer.valid && !e.src_internal;
      bool internal = peer.valid && e.src_internal;
      for (uint32_t ri : candidate_rules) {
        const Rule& rule = rules.rules()[ri];
        const RuleMatch& rm = rule.match;
        // Target and source predicates.
        if (rm.target == TargetFilter::kCriticalSystem &&
            e.target_kind != TargetKind::kCriticalSystem) continue;
        if (rm.target == TargetFilter::kNonCriticalAsset &&
            e.target_kind != TargetKind::kNonCriticalAsset) continue;
        if (rm.target == TargetFilter::kUnknownAsset && e.target_kind != TargetKind::kUnknownAsset)
          continue;
        if (rm.internal_only >= 0) {
          if (e.target_kind != TargetKind::kCriticalSystem) continue;
          if (reg.systems()[e.target_ref].internal_only != (rm.internal_only == 1)) continue;
        }
        if (!rm.asset_roles.empty()) {
          if (e.target_kind != TargetKind::kNonCriticalAsset) continue;
          std::string_view role = registry::AssetRoleName(reg.assets()[e.target_ref].role);
          if (std::find(rm.asset_roles.begin(), rm.asset_roles.end(), role) ==
              rm.asset_roles.end()) continue;
        }
        if (rm.source == SourceFilter::kExternal && !external) continue;
        if (rm.source == SourceFilter::kInternal && !internal) continue;

        Incident proto;
        proto.partition = partition_;
        proto.operator_id = std::string(e.operator_id);
        proto.target_kind = e.target_kind;
        if (e.target_kind == TargetKind::kCriticalSystem) {
          proto.target_id = reg.systems()[e.target_ref].id;
        } else if (e.target_kind == TargetKind::kNonCriticalAsset) {
          proto.target_id = reg.assets()[e.target_ref].id;
        } else {
          const IpAddr& tgt = e.dst_is_target ? e.dst : e.src;
          proto.target_id = tgt.valid ? tgt.ToString() : std::string(e.host);
        }
        proto.rule_id = rule.id;
        proto.rule_title = rule.title;
        std::string key = StrCat(proto.operator_id, '\0', proto.target_id, '\0', rule.id);
        for (const auto& g : rule.group_by) {
          proto.group_values.push_back(KeyValue(g, e));
          StrAppend(&key, '\0', proto.group_values.back());
        }
        Pending p;
        p.time_ns = t;
        p.ref = EvidenceRef{std::string(batch.source_name(e.pos)), e.pos.partition, e.pos.offset, t};
        p.source_addr = peer.valid ? peer.ToString() : std::string();
        p.external = external;
        p.internal = internal;
        for (size_t k = 0; k < nm; ++k) {
          const auto& rfe = rules.rules_for_entry(m[k].entry);
          if (std::find(rfe.begin(), rfe.end(), ri) == rfe.end()) continue;
          PatternHit h = HitOf(entries[m[k].entry]);
          bool dup = false;
          for (const auto& x : p.hits) dup = dup || (x.pack_id == h.pack_id && x.entry_id == h.entry_id);
          if (!dup) p.hits.push_back(std::move(h));
        }
        OnMatch(key, rule, ri, std::move(p), proto, out);
      }
    }
    FireTimers(out);
  }
}

void PartitionCorrelator::OnMatch(const std::string& key, const Rule& rule, uint32_t,
                                  Pending p, const Incident& proto, CorrelateOutput* out) {
  KeyState& ks = keys_[key];
  dirty_keys_.insert(key);
  deleted_keys_.erase(key);
  int64_t t = p.time_ns;
  ks.last_ns = std::max(ks.last_ns, t);
  ks.horizon_ns = std::max(rule.condition.window_ns, rule.suppress_ns) + rule.quiet_ns;

  // An incident absorbing this key's matches?
  if (!ks.incident.empty()) {
    auto it = incidents_.find(ks.incident);
    if (it != incidents_.end()) {
      Incident& inc = it->second;
      if (t > inc.close_at_ns) {
        // In event time the incident closed before this event.
        Close(inc.id, out);
        ks.incident.clear();
      } else if (t <= ks.suppress_until_ns) {
        bool material = Absorb(inc, p);
        if (!material && inc.event_count >= 2 * std::max<uint64_t>(inc.count_at_revision, 1)) {
          material = true;
        }
        inc.close_at_ns = inc.last_seen_ns + rule.quiet_ns;
        if (material) Emit(inc, "updated", out);
        SetTimer(inc.id, inc.close_at_ns);
        dirty_incidents_.insert(inc.id);
        return;
      }
    } else {
      ks.incident.clear();
    }
  }

  if (rule.condition.type == ConditionType::kSingle) {
    OpenIncident(ks, rule, proto, {std::move(p)}, out);
    return;
  }
  // Sliding window: keep events inside [watermark - window, ...] sorted by time.
  auto pos = std::upper_bound(ks.pending.begin(), ks.pending.end(), t,
                              [](int64_t v, const Pending& x) { return v < x.time_ns; });
  ks.pending.insert(pos, std::move(p));
  int64_t horizon = (watermark_ns_ == INT64_MIN ? t : watermark_ns_) - rule.condition.window_ns;
  while (!ks.pending.empty() && ks.pending.front().time_ns < horizon) {
    ks.pending.erase(ks.pending.begin());
  }
  size_t need = static_cast<size_t>(rule.condition.count);
  if (rule.condition.type == ConditionType::kEventCount) {
    // Earliest window of `need` consecutive events spanning <= window.
    for (size_t j = 0; j + need <= ks.pending.size(); ++j) {
      if (ks.pending[j + need - 1].time_ns - ks.pending[j].time_ns <= rule.condition.window_ns) {
        std::vector<Pending> window(ks.pending.begin() + static_cast<long>(j),
                                    ks.pending.begin() + static_cast<long>(j + need));
        ks.pending.erase(ks.pending.begin(), ks.pending.begin() + static_cast<long>(j + need));
        OpenIncident(ks, rule, proto, std::move(window), out);
        return;
      }
    }
  }
  // Bound memory: a key never needs more than `need` events per window.
  size_t cap = std::max<size_t>(need * 2, 16);
  if (ks.pending.size() > cap) {
    ks.pending.erase(ks.pending.begin(), ks.pending.begin() + static_cast<long>(ks.pending.size() - cap));
  }
}

void PartitionCorrelator::SetRouted(const std::string& id, uint8_t routed) {
  auto it = incidents_.find(id);
  if (it != incidents_.end()) {
    if (it->second.routed != routed) {
      it->second.routed = routed;
      dirty_incidents_.insert(id);
    }
    return;
  }
  for (auto& inc : closed_) {
    if (inc.id == id) inc.routed = routed;
  }
}

void PartitionCorrelator::AdvanceWatermark(int64_t watermark_ns, CorrelateOutput* out) {
  if (watermark_ns > watermark_ns_) {
    watermark_ns_ = watermark_ns;
    watermark_dirty_ = true;
  }
  FireTimers(out);
}

void PartitionCorrelator::Expire() {
  for (auto it = keys_.begin(); it != keys_.end();) {
    const KeyState& ks = it->second;
    bool incident_open = !ks.incident.empty() && incidents_.contains(ks.incident);
    if (!incident_open && watermark_ns_ != INT64_MIN &&
        ks.last_ns + ks.horizon_ns < watermark_ns_) {
      deleted_keys_.insert(it->first);
      dirty_keys_.erase(it->first);
      keys_.erase(it++);
    } else {
      ++it;
    }
  }
}

void PartitionCorrelator::Flush(state::StateDelta* delta) {
  Expire();
  for (const auto& k : dirty_keys_) {
    auto it = keys_.find(k);
    if (it == keys_.end()) continue;
    delta->Put(state::Cf::kCorrelation, prefix_ + k, EncodeKeyState(it->second));
  }
  for (const auto& k : deleted_keys_) delta->Delete(state::Cf::kCorrelation, prefix_ + k);
  for (const auto& id : dirty_incidents_) {
    auto it = incidents_.find(id);
    if (it != incidents_.end()) delta->Put(state::Cf::kIncidents, prefix_ + id, it->second.Encode());
  }
  for (const auto& inc : closed_) delta->Put(state::Cf::kIncidents, prefix_ + inc.id, inc.Encode());
  if (watermark_dirty_) {
    std::string v;
    state::Encoder e(&v);
    e.SignedVarint(max_event_ns_);
    e.SignedVarint(watermark_ns_);
    delta->Put(state::Cf::kCorrelation, prefix_ + kWatermarkKey, v);
  }
  dirty_keys_.clear();
  deleted_keys_.clear();
  dirty_incidents_.clear();
  closed_.clear();
  watermark_dirty_ = false;
}

}  // namespace kizashi::correlate
