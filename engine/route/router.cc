#include "engine/route/router.h"

#include <algorithm>

#include "engine/common/hash.h"
#include "engine/common/json_writer.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::route {

using correlate::Incident;

std::string_view DocKindName(DocKind k) {
  switch (k) {
    case DocKind::kNotification: return "notification";
    case DocKind::kEscalation: return "escalation";
    case DocKind::kObservation: return "observation";
    case DocKind::kAdvisory: return "advisory";
    case DocKind::kCampaign: return "campaign";
  }
  return "notification";
}

void RouteOptions::Declare(config::Schema& s, RouteOptions* o) {
  s.String("default_observation_destination", &o->default_observation_destination,
           "Destination of not-reportable observations for operators without their own "
           "observation_destination in the registry.");
  s.Bool("exercise", &o->exercise,
         "Exercise run: tag every document as an exercise and route to '<destination>.exercise'.");
}

std::string Router::NotificationId(const Incident& inc) {
  return IdBuilder().Add("notification").Add(inc.id).Add(static_cast<int64_t>(inc.revision)).Finish();
}

namespace {

void Time(JsonWriter& w, std::string_view key, int64_t ns) {
  w.Key(key).String(FormatRfc3339(ns, 3));
}

std::string Summary(const Incident& inc, const classify::Verdict& v, std::string_view op_name) {
  std::string s = StrCat(op_name.empty() ? inc.operator_id : std::string(op_name), ": ");
  if (v.reportable) {
    StrAppend(&s, "REPORTABLE ", classify::CategoryName(v.category));
    if (!v.clauses.empty()) {
      StrAppend(&s, " (Annex 4 ");
      for (size_t i = 0; i < v.clauses.size(); ++i) StrAppend(&s, i ? "," : "", v.clauses[i]);
      StrAppend(&s, ")");
    }
  } else {
    StrAppend(&s, "not reportable (", classify::NotReportableName(v.reason), ")");
  }
  StrAppend(&s, " — ", inc.rule_title.empty() ? inc.rule_id : inc.rule_title, " on ",
            inc.target_id, ", ", inc.event_count, " event(s) from ", FormatJst(inc.first_seen_ns),
            " to ", FormatJst(inc.last_seen_ns));
  return s;
}

}  // namespace

std::string Router::RenderNotification(const Incident& inc, const classify::Verdict& v,
                                       const registry::Registry& reg, DocKind kind,
                                       std::string_view destination, bool exercise,
                                       bool downgrade) {
  uint32_t op = reg.FindOperator(inc.operator_id);
  const registry::Operator* o = op == kNone ? nullptr : &reg.operators()[op];
  const registry::Sector* sector = nullptr;
  const registry::Ministry* ministry = nullptr;
  if (o != nullptr) {
    uint32_t si = reg.FindSector(o->sector);
    if (si != kNone) {
      sector = &reg.sectors()[si];
      uint32_t mi = reg.FindMinistry(sector->ministry);
      if (mi != kNone) ministry = &reg.ministries()[mi];
    }
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.KV("schema", "kizashi.notification/1");
  w.KV("notification_id", NotificationId(inc));
  w.KV("incident_id", inc.id);
  w.KV("revision", inc.revision);
  w.KV("partition", inc.partition);
  w.KV("change", inc.change);
  w.KV("incident_state", inc.state == correlate::IncidentState::kOpen ? "open" : "closed");
  w.KV("kind", DocKindName(kind));
  w.KV("destination", destination);
  w.KV("exercise", exercise);
  w.KV("downgrade", downgrade);
  w.Key("times").BeginObject();
  Time(w, "window_start", inc.window_start_ns);
  Time(w, "first_seen", inc.first_seen_ns);
  Time(w, "last_seen", inc.last_seen_ns);
  w.KV("first_seen_jst", FormatJst(inc.first_seen_ns));
  w.KV("last_seen_jst", FormatJst(inc.last_seen_ns));
  w.EndObject();

  w.Key("operator").BeginObject();
  w.KV("id", inc.operator_id);
  w.KV("name", o ? o->name : "");
  if (sector) {
    w.Key("sector").BeginObject().KV("id", sector->id).KV("name_ja", sector->name_ja)
        .KV("name_en", sector->name_en).EndObject();
  }
  if (ministry) {
    w.Key("competent_ministry").BeginObject().KV("id", ministry->id)
        .KV("name_ja", ministry->name_ja).KV("name_en", ministry->name_en).EndObject();
  }
  w.EndObject();

  w.Key("verdict").BeginObject();
  w.KV("reportable", v.reportable);
  w.KV("category", classify::CategoryName(v.category));
  w.Key("annex4_clauses").BeginArray();
  for (char c : v.clauses) w.String(std::string(1, c));
  w.EndArray();
  if (v.reportable) w.Key("not_reportable_reason").Null();
  else w.KV("not_reportable_reason", classify::NotReportableName(v.reason));
  w.KV("escalate_to_cabinet_secretariat", v.escalate);
  w.Key("reasons").BeginArray();
  for (const auto& r : v.reasons) w.String(r);
  w.EndArray();
  if (v.near_miss.empty()) w.Key("near_miss").Null();
  else w.KV("near_miss", v.near_miss);
  w.EndObject();

  // The framework's 2(3) report content, as far as known.
  w.Key("report").BeginObject();
  w.Key("target_system").BeginObject();
  w.KV("kind", correlate::TargetKindName(inc.target_kind));
  w.KV("id", inc.target_id);
  if (inc.target_kind == TargetKind::kCriticalSystem) {
    if (const auto* s = classify::FindSystem(reg, inc.operator_id, inc.target_id)) {
      w.KV("name", s->name).KV("category", s->category).KV("internal_only", s->internal_only);
      w.KV("hardware", s->hardware);
      w.Key("software").BeginArray();
      for (const auto& sw : s->software) {
        w.BeginObject().KV("name", sw.name).KV("version", sw.version)
            .KV("patch_status", sw.patch_status).EndObject();
      }
      w.EndArray();
      w.KV("service", s->service);
    }
  } else if (inc.target_kind == TargetKind::kNonCriticalAsset) {
    if (const auto* a = classify::FindAsset(reg, inc.operator_id, inc.target_id)) {
      w.KV("name", a->name).KV("role", registry::AssetRoleName(a->role));
    }
  }
  w.EndObject();
  w.Key("overview").BeginObject();
  w.KV("classification", v.reportable ? classify::CategoryName(v.category) : "observation");
  if (!inc.facts.summary.empty()) w.KV("description", inc.facts.summary);
  w.Key("attack_types").BeginArray();
  {
    std::vector<std::string> types = inc.facts.attack_types;
    for (const auto& h : inc.patterns) {
      std::string t(patterns::AttackTypeName(h.attack_type));
      if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
    }
    std::sort(types.begin(), types.end());
    for (const auto& t : types) w.String(t);
  }
  w.EndArray();
  w.Key("cause").BeginObject();
  w.Key("matched_patterns").BeginArray();
  for (const auto& h : inc.patterns) {
    w.BeginObject().KV("pack", h.pack_id).KV("pack_version", h.pack_version)
        .KV("entry", h.entry_id).KV("title", h.title)
        .KV("kind", patterns::EntryKindName(h.kind))
        .KV("severity", patterns::SeverityName(h.severity)).KV("count", h.count);
    if (!h.actor.empty()) w.KV("actor", h.actor);
    if (!h.references.empty()) {
      w.Key("references").BeginArray();
      for (const auto& r : h.references) w.String(r);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  std::string path;
  if (inc.external_source) path = "from outside the operator's networks";
  else if (inc.internal_source) path = "from inside the operator's networks";
  if (!path.empty()) w.KV("intrusion_path", StrCat(path, " to ", inc.target_id));
  std::string program;
  for (const auto& h : inc.patterns) {
    if (h.kind == patterns::EntryKind::kVirusSignature) program = h.title.empty() ? h.entry_id : h.title;
  }
  if (!program.empty()) w.KV("malicious_program", program);
  w.EndObject();
  if (!inc.facts.impact.empty()) {
    w.KV("impact", inc.facts.impact);  // as the operator states it
  } else if (inc.target_kind == TargetKind::kCriticalSystem) {
    if (const auto* s = classify::FindSystem(reg, inc.operator_id, inc.target_id)) {
      w.KV("impact", s->service.empty() ? "unknown" : StrCat("may affect: ", s->service));
    }
  }
  w.EndObject();
  w.Key("response").BeginObject();
  if (inc.facts.status.empty()) w.Key("status").Null();
  else w.KV("status", inc.facts.status);
  w.Key("countermeasures").BeginArray();
  for (const auto& c : inc.facts.countermeasures) w.String(c);
  w.EndArray();
  w.Key("other_contacts").BeginArray();
  for (const auto& c : inc.facts.other_contacts) w.String(c);
  w.EndArray();
  w.EndObject();
  w.Key("other_operators").BeginObject().Key("operators_with_same_pattern").Null()
      .KV("note", "filled in by the cross-operator campaign stage as a later revision")
      .EndObject();
  w.Key("other").BeginObject().KV("rule_id", inc.rule_id).KV("rule_title", inc.rule_title)
      .EndObject();
  w.Key("contact").BeginObject();
  if (o) {
    w.KV("person", o->contact.person);
    w.Key("means").BeginArray();
    for (const auto& m : o->contact.means) {
      w.BeginObject().KV("type", registry::ContactMeansTypeName(m.type)).KV("value", m.value)
          .EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();  // report

  // People's inputs: the operator's reports and the analysts' actions, who and when.
  w.Key("handling").BeginObject();
  w.KV("acknowledged", inc.acknowledged);
  w.KV("forwarded", inc.forwarded);
  w.KV("withdrawn", inc.withdrawn);
  w.Key("inputs").BeginArray();
  for (const auto& h : inc.history) {
    w.BeginObject().KV("input_id", h.input_id).KV("type", h.type).KV("by", h.by);
    Time(w, "at", h.at_ns);
    w.KV("at_jst", FormatJst(h.at_ns));
    if (!h.summary.empty()) w.KV("summary", h.summary);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();

  w.Key("evidence").BeginObject();
  w.KV("event_count", inc.event_count);
  w.KV("distinct_sources", inc.distinct_sources);
  w.Key("sources").BeginArray();
  for (const auto& s : inc.sources) w.String(s);
  w.EndArray();
  w.Key("group_by").BeginArray();
  for (const auto& g : inc.group_values) w.String(g);
  w.EndArray();
  w.Key("positions").BeginArray();
  for (const auto& e : inc.evidence) {
    w.BeginObject().KV("source", e.source).KV("partition", e.partition).KV("offset", e.offset);
    Time(w, "event_time", e.event_time_ns);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.KV("summary", Summary(inc, v, o ? std::string_view(o->name) : std::string_view()));
  w.EndObject();
  return out;
}

absl::Status Router::Route(const Incident& inc, const classify::Verdict& v,
                           const registry::Registry& reg, const std::set<std::string>& known,
                           uint8_t* routed, std::vector<Output>* out) const {
  uint32_t op = reg.FindOperator(inc.operator_id);
  if (op == kNone) {
    return absl::FailedPreconditionError(
        StrCat("incident ", inc.id, ": operator '", inc.operator_id, "' is no longer in the registry"));
  }
  const registry::Operator& o = reg.operators()[op];
  auto dest = [&](std::string name) {
    return opts_.exercise ? StrCat(name, ".exercise") : name;
  };
  auto check = [&](const std::string& d) -> absl::Status {
    if (known.count(d) == 0) {
      return absl::FailedPreconditionError(
          StrCat("destination '", d, "' for incident ", inc.id, " is not configured; holding"));
    }
    return absl::OkStatus();
  };
  auto emit = [&](const std::string& d, DocKind kind, bool downgrade) {
    Output x;
    x.destination = d;
    x.kind = kind;
    x.document_id = NotificationId(inc);
    x.revision = inc.revision;
    x.operator_id = inc.operator_id;
    x.json = RenderNotification(inc, v, reg, kind, d, opts_.exercise, downgrade);
    out->push_back(std::move(x));
  };
  const registry::Ministry* ministry = nullptr;
  uint32_t si = reg.FindSector(o.sector);
  if (si != kNone) {
    uint32_t mi = reg.FindMinistry(reg.sectors()[si].ministry);
    if (mi != kNone) ministry = &reg.ministries()[mi];
  }
  uint32_t cas_i = reg.cabinet_secretariat();
  const registry::Ministry* cas = cas_i == kNone ? nullptr : &reg.ministries()[cas_i];

  if (v.reportable) {
    if (ministry == nullptr) {
      return absl::FailedPreconditionError(
          StrCat("operator '", o.id, "': no competent ministry for sector '", o.sector, "'"));
    }
    std::string md = dest(ministry->destination);
    if (absl::Status st = check(md); !st.ok()) return st;
    // Forwarding policy: `immediate` forwards every escalated revision; `after_acknowledgement`
    // only once an analyst acknowledged or forwarded the incident. An explicit forward also
    // overrides Annex 3 note 3 (the ministry's decision).
    bool policy_allows = ministry->forwarding == registry::ForwardingPolicy::kImmediate ||
                         inc.acknowledged || inc.forwarded;
    bool to_cas = (v.escalate || inc.forwarded) && cas != nullptr && ministry != cas &&
                  policy_allows;
    std::string cd = cas ? dest(cas->destination) : "";
    if (to_cas) {
      if (absl::Status st = check(cd); !st.ok()) return st;
    }
    emit(md, DocKind::kNotification, false);
    *routed |= kSentToMinistry;
    if (ministry == cas) *routed |= kSentToCabinet;
    if (to_cas) {
      emit(cd, DocKind::kEscalation, false);
      *routed |= kSentToCabinet;
    }
    return absl::OkStatus();
  }
  std::string od = dest(o.observation_destination.empty() ? opts_.default_observation_destination
                                                          : o.observation_destination);
  if (absl::Status st = check(od); !st.ok()) return st;
  // A downgrade of something a ministry already received goes back to it, marked.
  if ((*routed & kSentToMinistry) && ministry != nullptr) {
    std::string md = dest(ministry->destination);
    if (absl::Status st = check(md); !st.ok()) return st;
    emit(md, DocKind::kNotification, true);
    if ((*routed & kSentToCabinet) && cas != nullptr && cas != ministry) {
      std::string cd = dest(cas->destination);
      if (absl::Status st = check(cd); !st.ok()) return st;
      emit(cd, DocKind::kEscalation, true);
    }
  }
  emit(od, DocKind::kObservation, false);
  return absl::OkStatus();
}

}  // namespace kizashi::route
