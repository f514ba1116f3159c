#include "engine/correlate/incident.h"

#include <algorithm>

#include "engine/common/strings.h"
#include "engine/inputs/input.h"
#include "engine/state/codec.h"
#include "engine/state/state_store.h"

namespace kizashi::correlate {

namespace {
constexpr uint8_t kFormat = 2;  // 2: people's inputs (facts, flags, history)
}

std::string_view TargetKindName(TargetKind k) {
  switch (k) {
    case TargetKind::kCriticalSystem: return "critical_system";
    case TargetKind::kNonCriticalAsset: return "non_critical_asset";
    case TargetKind::kUnknownAsset: return "unknown_asset";
    case TargetKind::kUnresolved: return "unresolved";
  }
  return "unknown_asset";
}

std::string Incident::Encode() const {
  std::string out;
  EncodeTo(&out);
  return out;
}

void Incident::EncodeTo(std::string* out) const {
  state::Encoder e(out);
  e.U8(kFormat);
  e.Str(id);
  e.Varint(revision);
  e.U8(static_cast<uint8_t>(state));
  e.Str(change);
  e.SignedVarint(partition);
  e.Str(operator_id);
  e.U8(static_cast<uint8_t>(target_kind));
  e.Str(target_id);
  e.Str(rule_id);
  e.Str(rule_title);
  e.Varint(group_values.size());
  for (const auto& g : group_values) e.Str(g);
  e.SignedVarint(window_start_ns);
  e.SignedVarint(first_seen_ns);
  e.SignedVarint(last_seen_ns);
  e.SignedVarint(suppress_until_ns);
  e.SignedVarint(close_at_ns);
  e.Varint(event_count);
  e.Varint(count_at_revision);
  e.Varint(sources.size());
  for (const auto& s : sources) e.Str(s);
  e.Varint(distinct_sources);
  e.U8(static_cast<uint8_t>(external_source | (internal_source << 1)));
  e.Varint(patterns.size());
  for (const auto& p : patterns) {
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
    e.Varint(p.count);
  }
  e.Varint(evidence.size());
  for (const auto& ev : evidence) {
    e.Str(ev.source);
    e.SignedVarint(ev.partition);
    e.SignedVarint(ev.offset);
    e.SignedVarint(ev.event_time_ns);
  }
  e.U8(routed);
  e.U8(static_cast<uint8_t>(facts.attack_notice | (facts.major_failure << 1) | (facts.damage << 2) |
                            (acknowledged << 3) | (forwarded << 4) | (withdrawn << 5)));
  e.U8(facts.failure_cause);
  e.Str(facts.summary);
  e.Str(facts.impact);
  e.Str(facts.status);
  for (const auto* list : {&facts.countermeasures, &facts.other_contacts, &facts.attack_types}) {
    e.Varint(list->size());
    for (const auto& x : *list) e.Str(x);
  }
  e.Varint(history.size());
  for (const auto& h : history) {
    e.Str(h.input_id);
    e.Str(h.type);
    e.Str(h.by);
    e.SignedVarint(h.at_ns);
    e.Str(h.summary);
  }
}

bool Incident::Decode(std::string_view in) {
  // Closed incidents are stored inside an expiry envelope (state::ExpiringValue).
  int64_t deadline;
  std::string_view payload;
  if (state::ParseExpiringValue(in, &deadline, &payload)) in = payload;
  state::Decoder d(in);
  uint8_t fmt, u8;
  uint64_t n, v;
  int64_t sv;
  if (!d.U8(&fmt) || (fmt != 1 && fmt != kFormat)) return false;
  if (!d.Str(&id) || !d.Varint(&v)) return false;
  revision = static_cast<uint32_t>(v);
  if (!d.U8(&u8)) return false;
  state = static_cast<IncidentState>(u8);
  if (!d.Str(&change) || !d.SignedVarint(&sv)) return false;
  partition = static_cast<int32_t>(sv);
  if (!d.Str(&operator_id) || !d.U8(&u8)) return false;
  target_kind = static_cast<TargetKind>(u8);
  if (!d.Str(&target_id) || !d.Str(&rule_id) || !d.Str(&rule_title) || !d.Varint(&n)) return false;
  group_values.resize(n);
  for (auto& g : group_values) {
    if (!d.Str(&g)) return false;
  }
  if (!d.SignedVarint(&window_start_ns) || !d.SignedVarint(&first_seen_ns) ||
      !d.SignedVarint(&last_seen_ns) || !d.SignedVarint(&suppress_until_ns) || !d.SignedVarint(&close_at_ns) ||
      !d.Varint(&event_count) || !d.Varint(&count_at_revision) || !d.Varint(&n)) {
    return false;
  }
  sources.resize(n);
  for (auto& s : sources) {
    if (!d.Str(&s)) return false;
  }
  if (!d.Varint(&v) || !d.U8(&u8)) return false;
  distinct_sources = static_cast<uint32_t>(v);
  external_source = u8 & 1;
  internal_source = u8 & 2;
  if (!d.Varint(&n)) return false;
  patterns.resize(n);
  for (auto& p : patterns) {
    uint8_t k, a, s, f;
    if (!d.Str(&p.pack_id) || !d.Str(&p.pack_version) || !d.Str(&p.entry_id) ||
        !d.Str(&p.title) || !d.U8(&k) || !d.U8(&a) || !d.U8(&s) || !d.U8(&f) ||
        !d.Str(&p.actor) || !d.Varint(&v)) {
      return false;
    }
    p.kind = static_cast<patterns::EntryKind>(k);
    p.attack_type = static_cast<patterns::AttackType>(a);
    p.severity = static_cast<patterns::Severity>(s);
    p.may_disrupt_critical_systems = f & 1;
    p.past_case = f & 2;
    p.references.resize(v);
    for (auto& r : p.references) {
      if (!d.Str(&r)) return false;
    }
    if (!d.Varint(&p.count)) return false;
  }
  if (!d.Varint(&n)) return false;
  evidence.resize(n);
  for (auto& ev : evidence) {
    if (!d.Str(&ev.source) || !d.SignedVarint(&sv)) return false;
    ev.partition = static_cast<int32_t>(sv);
    if (!d.SignedVarint(&ev.offset) || !d.SignedVarint(&ev.event_time_ns)) return false;
  }
  if (!d.U8(&routed)) return false;
  facts = OperatorFacts{};
  acknowledged = forwarded = withdrawn = false;
  history.clear();
  if (fmt == 1) return d.done();  // written before people's inputs existed
  if (!d.U8(&u8)) return false;
  facts.attack_notice = u8 & 1;
  facts.major_failure = u8 & 2;
  facts.damage = u8 & 4;
  acknowledged = u8 & 8;
  forwarded = u8 & 16;
  withdrawn = u8 & 32;
  if (!d.U8(&facts.failure_cause) || !d.Str(&facts.summary) || !d.Str(&facts.impact) ||
      !d.Str(&facts.status)) {
    return false;
  }
  for (auto* list : {&facts.countermeasures, &facts.other_contacts, &facts.attack_types}) {
    if (!d.Varint(&n) || n > kMaxHistory * 64) return false;
    list->resize(n);
    for (auto& x : *list) {
      if (!d.Str(&x)) return false;
    }
  }
  if (!d.Varint(&n) || n > kMaxHistory) return false;
  history.resize(n);
  for (auto& h : history) {
    if (!d.Str(&h.input_id) || !d.Str(&h.type) || !d.Str(&h.by) || !d.SignedVarint(&h.at_ns) ||
        !d.Str(&h.summary)) {
      return false;
    }
  }
  return d.done();
}

namespace {
void AddUnique(std::vector<std::string>* list, std::string v, bool sort) {
  if (v.empty() || std::find(list->begin(), list->end(), v) != list->end()) return;
  if (list->size() >= Incident::kMaxHistory) return;
  list->push_back(std::move(v));
  if (sort) std::sort(list->begin(), list->end());
}
}  // namespace

bool MergeInput(Incident* inc, const inputs::IncidentInput& in) {
  using inputs::InputType;
  for (const auto& h : inc->history) {
    if (h.input_id == in.id) return false;
  }
  OperatorFacts& f = inc->facts;
  switch (in.type) {
    case InputType::kThreatNotice: f.attack_notice = true; break;
    case InputType::kMajorFailure:
      f.major_failure = true;
      // An attack cause, once stated, is not taken back by a later "unknown".
      if (in.cause != inputs::FailureCause::kUnknown ||
          f.failure_cause == static_cast<uint8_t>(inputs::FailureCause::kUnknown)) {
        f.failure_cause = static_cast<uint8_t>(in.cause);
      }
      break;
    case InputType::kDamageConfirmed: f.damage = true; break;
    case InputType::kResponseStatus: break;
    case InputType::kAcknowledge: inc->acknowledged = true; break;
    case InputType::kForward: inc->forwarded = true; break;
    case InputType::kWithdraw: inc->withdrawn = true; break;
    case InputType::kAnnotate:
    case InputType::kCount: break;
  }
  if (!inputs::IsAnalystAction(in.type)) {
    if (!in.summary.empty()) f.summary = in.summary;
    if (!in.impact.empty()) f.impact = in.impact;
    if (!in.status.empty()) f.status = in.status;
    for (const auto& c : in.countermeasures) AddUnique(&f.countermeasures, c, false);
    for (const auto& c : in.other_contacts) {
      AddUnique(&f.other_contacts,
                c.detail.empty() ? c.organisation : StrCat(c.organisation, ": ", c.detail), false);
    }
    for (const auto& t : in.attack_types) AddUnique(&f.attack_types, t, true);
  }
  if (inc->history.size() < Incident::kMaxHistory) {
    inc->history.push_back(InputEntry{in.id, std::string(inputs::InputTypeName(in.type)), in.by,
                                      in.time_ns, in.summary});
  }
  return true;
}

}  // namespace kizashi::correlate
