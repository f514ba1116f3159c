#include "engine/advisory/advisory.h"

#include <algorithm>
#include <map>

#include "engine/common/hash.h"
#include "engine/common/ip.h"
#include "engine/common/json_writer.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::advisory {

using correlate::Incident;

void AdvisoryOptions::Declare(config::Schema& s, AdvisoryOptions* o) {
  s.Bool("enabled", &o->enabled,
         "Produce sanitised advisories for the operators concerned (framework 4(1)).");
  s.Bool("on_reportable", &o->on_reportable,
         "Trigger (ii): a reportable verdict (an attack putting other operators' critical "
         "systems at risk).");
  s.Bool("on_shared_vulnerability", &o->on_shared_vulnerability,
         "Trigger (i): a matched pattern citing a CVE (a security hole others may share) at or "
         "above min_severity, even when the revision is not reportable.");
  s.String("min_severity", &o->min_severity, "Minimum severity of a CVE-citing pattern.",
           {"info", "low", "medium", "high", "critical"});
  s.StringList("cross_sector_categories", &o->cross_sector_categories,
               "Critical-system categories that are not sector-specific: advisories about them "
               "go to every concerned sector.");
  s.StringList("cross_sector_tags", &o->cross_sector_tags,
               "Pattern tags that make an advisory cross-sector.");
  s.Bool("cve_is_cross_sector", &o->cve_is_cross_sector,
         "A pattern citing a CVE makes the advisory cross-sector.");
  s.StringList("concerned_sectors", &o->concerned_sectors,
               "Sectors a cross-sector advisory goes to (empty: every sector).");
  s.Int("max_indicators", &o->max_indicators, "Upper bound on indicators per advisory.", 0,
        100000);
}

Advisor::Advisor(const AdvisoryOptions& o) : opts_(o) {
  if (!patterns::ParseSeverity(o.min_severity, &min_severity_)) {
    min_severity_ = patterns::Severity::kHigh;
  }
}

std::string Advisor::AdvisoryId(const Incident& inc) {
  return IdBuilder().Add("advisory").Add(inc.id).Finish();
}

namespace {

bool CitesCve(const correlate::PatternHit& h) {
  for (const auto& r : h.references) {
    if (StartsWith(AsciiLower(r), "cve:")) return true;
  }
  return false;
}

// Private and special-use ranges: never indicators (they name someone's inside).
bool SpecialUse(const IpAddr& a) {
  static const std::vector<Cidr> ranges = [] {
    std::vector<Cidr> v;
    for (const char* s : {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
                          "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4",
                          "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10",
                          "ff00::/8"}) {
      Cidr c;
      if (Cidr::Parse(s, &c)) v.push_back(c);
    }
    return v;
  }();
  for (const auto& c : ranges) {
    if (c.Contains(a)) return true;
  }
  return false;
}

// Whether `a` belongs to the reporter: a home network or any registered system/asset network.
bool Reporters(const registry::Registry& reg, uint32_t op, const IpAddr& a) {
  if (reg.IsInternal(op, a)) return true;
  registry::Resolution r = reg.ResolveAddress(op, a);
  return r.kind == TargetKind::kCriticalSystem || r.kind == TargetKind::kNonCriticalAsset;
}

}  // namespace

std::vector<std::string> Advisor::Triggers(const Incident& inc,
                                           const classify::Verdict& v) const {
  std::vector<std::string> t;
  if (opts_.on_reportable && v.reportable) t.push_back("attack_on_critical_systems");
  if (opts_.on_shared_vulnerability) {
    for (const auto& h : inc.patterns) {
      if (CitesCve(h) && h.severity >= min_severity_) {
        t.push_back("shared_vulnerability");
        break;
      }
    }
  }
  return t;
}

absl::Status Advisor::Advise(const Incident& inc, const classify::Verdict& v,
                             const registry::Registry& reg,
                             const patterns::PatternSet* pats,
                             const std::set<std::string>& known, bool exercise,
                             std::vector<route::Output>* out) const {
  if (!opts_.enabled) return absl::OkStatus();
  if (inc.change != "opened" && inc.change != "updated") return absl::OkStatus();
  std::vector<std::string> triggers = Triggers(inc, v);
  if (triggers.empty()) return absl::OkStatus();
  uint32_t op = reg.FindOperator(inc.operator_id);
  if (op == kNone) return absl::OkStatus();  // routing already held this revision
  const registry::Operator& reporter = reg.operators()[op];

  // Scope.
  bool cross = false;
  std::string why_cross;
  if (inc.target_kind == TargetKind::kCriticalSystem) {
    if (const auto* s = classify::FindSystem(reg, inc.operator_id, inc.target_id)) {
      if (std::find(opts_.cross_sector_categories.begin(), opts_.cross_sector_categories.end(),
                    s->category) != opts_.cross_sector_categories.end()) {
        cross = true;
        why_cross = "system category common to sectors";
      }
    }
  }
  std::map<std::pair<std::string, std::string>, const patterns::EntryInfo*> entry_info;
  std::map<std::pair<std::string, std::string>, uint32_t> entry_index;
  if (pats != nullptr) {
    const auto& entries = pats->entries();
    for (uint32_t i = 0; i < entries.size(); ++i) {
      entry_info[{entries[i].pack_id, entries[i].entry_id}] = &entries[i];
      entry_index[{entries[i].pack_id, entries[i].entry_id}] = i;
    }
  }
  for (const auto& h : inc.patterns) {
    if (opts_.cve_is_cross_sector && CitesCve(h)) {
      cross = true;
      why_cross = "shared security hole (CVE)";
    }
    auto it = entry_info.find({h.pack_id, h.entry_id});
    if (it == entry_info.end()) continue;
    for (const auto& tag : it->second->tags) {
      if (std::find(opts_.cross_sector_tags.begin(), opts_.cross_sector_tags.end(), tag) !=
          opts_.cross_sector_tags.end()) {
        cross = true;
        why_cross = StrCat("pattern tag '", tag, "'");
      }
    }
  }

  // Recipients, grouped by destination (sorted: deterministic output order).
  std::map<std::string, uint32_t> recipients;  // destination -> count
  for (uint32_t i = 0; i < reg.operators().size(); ++i) {
    if (i == op) continue;
    const registry::Operator& o = reg.operators()[i];
    if (cross) {
      if (!opts_.concerned_sectors.empty() &&
          std::find(opts_.concerned_sectors.begin(), opts_.concerned_sectors.end(), o.sector) ==
              opts_.concerned_sectors.end()) {
        continue;
      }
    } else if (o.sector != reporter.sector) {
      continue;
    }
    if (o.advisory_destination.empty()) continue;
    std::string d = exercise ? StrCat(o.advisory_destination, ".exercise") : o.advisory_destination;
    if (known.count(d) == 0) {
      return absl::FailedPreconditionError(StrCat(
          "advisory destination '", d, "' of operator '", o.id, "' is not configured; holding"));
    }
    ++recipients[d];
  }
  if (recipients.empty()) return absl::OkStatus();

  // Indicators: external source addresses (observed) and pack indicator values.
  std::vector<std::pair<std::string, std::string>> indicators;  // (type, value)
  std::set<std::string> seen;
  auto add_indicator = [&](std::string type, std::string value) {
    if (static_cast<int64_t>(indicators.size()) >= opts_.max_indicators) return;
    if (!seen.insert(StrCat(type, ":", value)).second) return;
    indicators.emplace_back(std::move(type), std::move(value));
  };
  for (const auto& s : inc.sources) {
    IpAddr a;
    if (!IpAddr::Parse(s, &a) || SpecialUse(a) || Reporters(reg, op, a)) continue;
    add_indicator("ip", a.ToString());
  }
  if (pats != nullptr) {
    for (const auto& h : inc.patterns) {
      auto it = entry_index.find({h.pack_id, h.entry_id});
      if (it == entry_index.end() ||
          pats->entries()[it->second].expr_type != patterns::ExprType::kIndicator) {
        continue;
      }
      for (const auto& item : pats->indicators().items()) {
        if (item.entry == it->second) {
          add_indicator(std::string(patterns::IndicatorTypeName(item.indicator.type)),
                        item.indicator.value);
        }
      }
    }
  }

  std::string scope = cross ? "cross_sector" : "sector";
  std::string basis = StrCat("framework 4(1)", triggers[0] == "attack_on_critical_systems" ? "(ii)" : "(i)",
                             " sanitised sharing with the operators concerned, scope ", scope,
                             cross ? StrCat(" (", why_cross, ")") : "");
  bool with_identity = reporter.consent.share_identity;
  bool with_sector = reporter.consent.share_sector;
  if (with_identity || with_sector) {
    StrAppend(&basis, "; consent (", with_identity ? "identity" : "",
              with_identity && with_sector ? ", " : "", with_sector ? "sector" : "",
              "): ", reporter.consent.record.empty() ? "registry consent flag (no record named)"
                                                      : reporter.consent.record);
  }

  for (const auto& [dest, count] : recipients) {
    std::string json;
    JsonWriter w(&json);
    w.BeginObject();
    w.KV("schema", "kizashi.advisory/1");
    w.KV("advisory_id", AdvisoryId(inc));
    w.KV("revision", inc.revision);
    w.KV("destination", dest);
    w.KV("exercise", exercise);
    w.KV("scope", scope);
    w.Key("triggers").BeginArray();
    for (const auto& t : triggers) w.String(t);
    w.EndArray();
    w.KV("classification", v.reportable ? classify::CategoryName(v.category) : "not_reportable");
    w.Key("annex4_clauses").BeginArray();
    for (char c : v.clauses) w.String(std::string(1, c));
    w.EndArray();
    w.Key("attack_types").BeginArray();
    {
      std::set<std::string> types;
      for (const auto& h : inc.patterns) types.insert(std::string(patterns::AttackTypeName(h.attack_type)));
      for (const auto& t : types) w.String(t);
    }
    w.EndArray();
    w.Key("patterns").BeginArray();
    for (const auto& h : inc.patterns) {
      w.BeginObject().KV("pack", h.pack_id).KV("pack_version", h.pack_version)
          .KV("entry", h.entry_id).KV("title", h.title)
          .KV("kind", patterns::EntryKindName(h.kind))
          .KV("severity", patterns::SeverityName(h.severity));
      if (!h.actor.empty()) w.KV("actor", h.actor);
      w.Key("references").BeginArray();
      for (const auto& r : h.references) {
        std::string l = AsciiLower(r);
        if (StartsWith(l, "cve:") || StartsWith(l, "case:")) w.String(r);
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.Key("indicators").BeginArray();
    for (const auto& [t, val] : indicators) w.BeginObject().KV("type", t).KV("value", val).EndObject();
    w.EndArray();
    w.Key("time_window").BeginObject();
    w.Key("first_seen").String(FormatRfc3339(inc.first_seen_ns, 0));
    w.Key("last_seen").String(FormatRfc3339(inc.last_seen_ns, 0));
    w.EndObject();
    w.Key("recommended_actions").BeginArray();
    for (const auto& h : inc.patterns) {
      auto it = entry_info.find({h.pack_id, h.entry_id});
      if (it == entry_info.end() || it->second->recommended_action.empty()) continue;
      w.BeginObject().KV("entry", h.entry_id).KV("action", it->second->recommended_action)
          .EndObject();
    }
    w.EndArray();
    if (with_identity || with_sector) {
      w.Key("reporter").BeginObject();
      if (with_identity) w.KV("name", reporter.name);
      if (with_sector) {
        uint32_t si = reg.FindSector(reporter.sector);
        w.KV("sector", si == kNone ? reporter.sector : reg.sectors()[si].name_en);
      }
      w.EndObject();
    }
    w.KV("handling", "Keep confidential (framework 4(1)); share only with those who need it for "
                     "countermeasures.");
    w.EndObject();

    route::Output o;
    o.destination = dest;
    o.kind = route::DocKind::kAdvisory;
    o.document_id = AdvisoryId(inc);
    o.revision = inc.revision;
    o.operator_id = "";  // never key a recipient's record by the reporter
    o.subject_operator = inc.operator_id;
    o.basis = basis;
    o.json = std::move(json);
    out->push_back(std::move(o));
  }
  return absl::OkStatus();
}

}  // namespace kizashi::advisory
