#include "engine/classify/verdict.h"

#include <algorithm>

#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/inputs/input.h"

namespace kizashi::classify {

using correlate::Incident;
using correlate::PatternHit;
using patterns::AttackType;
using patterns::EntryKind;

std::string_view CategoryName(Category c) {
  switch (c) {
    case Category::kNone: return "none";
    case Category::kMajorFailure: return "major_failure";
    case Category::kAttackDetected: return "attack_detected";
    case Category::kAttackNotice: return "attack_notice";
    case Category::kDamage: return "damage";
  }
  return "none";
}

std::string_view NotReportableName(NotReportable r) {
  switch (r) {
    case NotReportable::kNone: return "none";
    case NotReportable::kPreparatoryAct: return "preparatory_act";
    case NotReportable::kInformationTheft: return "information_theft";
    case NotReportable::kNonCriticalTarget: return "non_critical_target";
    case NotReportable::kBelowThreshold: return "below_threshold";
    case NotReportable::kWithdrawn: return "withdrawn";
  }
  return "none";
}

void ClassifyOptions::Declare(config::Schema& s, ClassifyOptions* o) {
  s.StringList("clause_a_attack_types", &o->clause_a_attack_types,
               "Annex 4 (a): pattern attack types that count as unauthorized access attempts "
               "(against a critical system marked internal_only). Attack type names: "
               "docs/pattern-packs.md; mapping table: docs/verdicts.md.");
  s.String("clause_c_min_severity", &o->clause_c_min_severity,
           "Annex 4 (c): minimum pattern severity (or a past-case reference) that may seriously "
           "affect a critical system.",
           {"low", "medium", "high", "critical"});
  s.StringList("preparatory_attack_types", &o->preparatory_attack_types,
               "Annex 4, not reportable: pattern attack types that are preparatory acts "
               "(backdoor, suspicious modem, planted attack tool, open maintenance port); never "
               "clause (c).");
  s.StringList("information_theft_attack_types", &o->information_theft_attack_types,
               "Annex 4, not reportable: pattern attack types that are theft of information "
               "needed for an attack (configuration, passwords or keys, a sniffer); never "
               "clause (c).");
}

absl::Status ClassifyOptions::Validate() const {
  for (const auto* list :
       {&clause_a_attack_types, &preparatory_attack_types, &information_theft_attack_types}) {
    for (const auto& t : *list) {
      patterns::AttackType at;
      if (!patterns::ParseAttackType(t, &at)) {
        return absl::InvalidArgumentError(
            StrCat("classify: '", t, "' is not an attack type (docs/pattern-packs.md)"));
      }
    }
  }
  return absl::OkStatus();
}

Classifier::Classifier(const ClassifyOptions& o) {
  if (!patterns::ParseSeverity(o.clause_c_min_severity, &m_.min_c)) {
    m_.min_c = patterns::Severity::kHigh;
  }
  auto bits = [](const std::vector<std::string>& names) {
    uint32_t b = 0;
    for (const auto& n : names) {
      patterns::AttackType t;
      if (patterns::ParseAttackType(n, &t)) b |= 1u << static_cast<unsigned>(t);
    }
    return b;
  };
  m_.clause_a = bits(o.clause_a_attack_types);
  m_.preparatory = bits(o.preparatory_attack_types);
  m_.theft = bits(o.information_theft_attack_types);
}

const registry::CriticalSystem* FindSystem(const registry::Registry& reg, std::string_view op,
                                           std::string_view id) {
  uint32_t o = reg.FindOperator(op);
  if (o == kNone) return nullptr;
  for (uint32_t i : reg.operators()[o].systems) {
    if (reg.systems()[i].id == id) return &reg.systems()[i];
  }
  return nullptr;
}

const registry::Asset* FindAsset(const registry::Registry& reg, std::string_view op,
                                 std::string_view id) {
  uint32_t o = reg.FindOperator(op);
  if (o == kNone) return nullptr;
  for (uint32_t i : reg.operators()[o].assets) {
    if (reg.assets()[i].id == id) return &reg.assets()[i];
  }
  return nullptr;
}

namespace {

std::string Cite(const PatternHit& h) {
  return StrCat(h.pack_id, "/", h.entry_id, "@", h.pack_version);
}

// The clauses that would hold if the target were a critical system with `internal_only`.
struct ClauseCheck {
  std::vector<char> clauses;
  std::vector<std::string> reasons;
};

bool Has(uint32_t bits, AttackType t) { return (bits >> static_cast<unsigned>(t)) & 1u; }

ClauseCheck Clauses(const Incident& inc, bool internal_only, const Classifier::Mapping& m,
                    patterns::Severity min_c, std::string_view target) {
  ClauseCheck c;
  auto add = [&](char clause, std::string reason) {
    if (std::find(c.clauses.begin(), c.clauses.end(), clause) == c.clauses.end()) {
      c.clauses.push_back(clause);
    }
    c.reasons.push_back(std::move(reason));
  };
  for (const auto& h : inc.patterns) {
    if (Has(m.clause_a, h.attack_type) && internal_only) {
      add('a', StrCat("(a) unauthorized access attempt (", Cite(h), ", ", h.count,
                      " event(s)) against ", target,
                      ", which is on an internal network that should be unreachable from outside"));
    }
    if (h.kind == EntryKind::kVirusSignature && h.may_disrupt_critical_systems) {
      add('b', StrCat("(b) virus signature ", Cite(h),
                      " (marked able to disrupt critical systems) found inside ", target));
    }
    if (h.kind == EntryKind::kAttackPattern &&
        !Has(m.preparatory, h.attack_type) && !Has(m.theft, h.attack_type) &&
        (h.severity >= min_c || h.past_case)) {
      add('c', StrCat("(c) attack pattern ", Cite(h), " (severity ",
                      patterns::SeverityName(h.severity), h.past_case ? ", cites a past case" : "",
                      ") may seriously affect ", target));
    }
    if (h.kind == EntryKind::kActorIndicator && !h.actor.empty()) {
      add('d', StrCat("(d) indicator ", Cite(h), " of the group '", h.actor,
                      "' shows a deliberate attack on ", target));
    }
  }
  std::sort(c.clauses.begin(), c.clauses.end());
  return c;
}

std::string ClauseList(const std::vector<char>& clauses) {
  std::string out;
  for (char c : clauses) StrAppend(&out, out.empty() ? "" : ", ", "(", c, ")");
  return out;
}

}  // namespace

Verdict Classifier::ClassifyTelemetry(const Incident& inc, const registry::Registry& reg) const {
  Verdict v;
  std::string rule = StrCat("rule '", inc.rule_id, "'");
  if (inc.target_kind == TargetKind::kCriticalSystem) {
    const registry::CriticalSystem* sys = FindSystem(reg, inc.operator_id, inc.target_id);
    bool internal_only = sys != nullptr && sys->internal_only;
    std::string target = StrCat("critical system '", inc.target_id, "'");
    ClauseCheck c = Clauses(inc, internal_only, m_, m_.min_c, target);
    if (!c.clauses.empty()) {
      v.reportable = true;
      v.category = Category::kAttackDetected;
      v.clauses = c.clauses;
      v.escalate = true;
      v.reasons.push_back(StrCat(rule, " matched ", inc.event_count, " event(s) against ", target,
                                 internal_only ? " (registry: internal_only)" : ""));
      for (auto& r : c.reasons) v.reasons.push_back(std::move(r));
      return v;
    }
    bool preparatory = false, theft = false;
    for (const auto& h : inc.patterns) {
      preparatory = preparatory || Has(m_.preparatory, h.attack_type);
      theft = theft || Has(m_.theft, h.attack_type);
    }
    v.reasons.push_back(StrCat(rule, " matched ", inc.event_count, " event(s) against ", target));
    for (const auto& h : inc.patterns) {
      v.reasons.push_back(StrCat("pattern ", Cite(h), ": ", patterns::EntryKindName(h.kind), ", ",
                                 patterns::AttackTypeName(h.attack_type), ", severity ",
                                 patterns::SeverityName(h.severity)));
    }
    if (preparatory) {
      v.reason = NotReportable::kPreparatoryAct;
      v.near_miss =
          "Annex 4 lists planted tools, backdoors and open maintenance ports as preparatory acts. "
          "It would be reportable under (b) if the pack marked the program as a virus able to "
          "disrupt the critical system, or under (a)/(c) once an access attempt or attack "
          "against the system is seen.";
    } else if (theft) {
      v.reason = NotReportable::kInformationTheft;
      v.near_miss =
          "Theft of configuration, passwords or keys is not itself reportable (Annex 4). It "
          "becomes reportable when the stolen information is used in an access attempt on an "
          "internal-only critical system (a) or an attack matching a severe pattern (c).";
    } else {
      v.reason = NotReportable::kBelowThreshold;
      ClauseCheck hyp = Clauses(inc, true, m_, patterns::Severity::kInfo, target);
      v.near_miss = StrCat(
          "No Annex 4 clause holds: ",
          internal_only ? "" : "(a) needs the system to be internal_only in the registry; ",
          "(c) needs an attack pattern of severity ", patterns::SeverityName(m_.min_c),
          " or above or a past-case reference",
          hyp.clauses.empty() ? "." : StrCat("; with those facts it would fall under ",
                                             ClauseList(hyp.clauses), "."));
    }
    return v;
  }
  // Not a critical system: Annex 4 lists these as not reportable.
  v.reason = NotReportable::kNonCriticalTarget;
  std::string what;
  if (inc.target_kind == TargetKind::kNonCriticalAsset) {
    const registry::Asset* a = FindAsset(reg, inc.operator_id, inc.target_id);
    what = StrCat("non-critical asset '", inc.target_id, "' (role ",
                  a ? registry::AssetRoleName(a->role) : "other", ")");
  } else {
    what = StrCat("'", inc.target_id, "', which the registry does not list as a critical system");
  }
  v.reasons.push_back(StrCat(rule, " matched ", inc.event_count, " event(s) against ", what));
  for (const auto& h : inc.patterns) {
    v.reasons.push_back(StrCat("pattern ", Cite(h), ": ", patterns::AttackTypeName(h.attack_type),
                               ", severity ", patterns::SeverityName(h.severity)));
  }
  ClauseCheck hyp = Clauses(inc, true, m_, m_.min_c, "a critical system");
  v.near_miss = hyp.clauses.empty()
                    ? "Attacks on systems that are not critical are not reportable (Annex 4)."
                    : StrCat("The same activity against an internal-only critical system would be "
                             "reportable under Annex 4 ",
                             ClauseList(hyp.clauses), ".");
  return v;
}

namespace {

// "major_failure by 山田 at 2024-03-01T01:00:00Z" for the latest input of `type`.
std::string Who(const Incident& inc, std::string_view type) {
  for (auto it = inc.history.rbegin(); it != inc.history.rend(); ++it) {
    if (it->type == type) {
      return StrCat(it->type, " by ", it->by, " at ", FormatRfc3339(it->at_ns, 0), " (",
                    FormatJst(it->at_ns), ")", it->summary.empty() ? "" : ": ", it->summary);
    }
  }
  return std::string(type);
}

}  // namespace

Verdict Classifier::Classify(const Incident& inc, const registry::Registry& reg) const {
  if (inc.withdrawn) {
    // What the verdict was (rare: only withdrawn incidents pay for the copy).
    Incident before = inc;
    before.withdrawn = false;
    Verdict v = Classify(before, reg);
    Verdict w;
    w.reason = NotReportable::kWithdrawn;
    w.reasons.push_back(StrCat("withdrawn: ", Who(inc, "withdraw")));
    w.reasons.push_back(
        v.reportable ? StrCat("before the withdrawal the verdict was reportable (",
                              CategoryName(v.category),
                              v.clauses.empty() ? "" : StrCat(", Annex 4 ", ClauseList(v.clauses)),
                              ")")
                     : StrCat("before the withdrawal the verdict was not reportable (",
                              NotReportableName(v.reason), ")"));
    w.near_miss =
        "An analyst withdrew this candidate as wrong. New telemetry or an operator report opens "
        "a new incident; this one stays withdrawn.";
    return w;
  }
  Verdict v = ClassifyTelemetry(inc, reg);
  const correlate::OperatorFacts& f = inc.facts;
  if (!f.damage && !f.major_failure && !f.attack_notice) return v;
  std::string target = StrCat("critical system '", inc.target_id, "'");
  if (inc.target_kind != TargetKind::kCriticalSystem) {
    // The framework covers critical systems only: a report about anything else stays with
    // the operator.
    v.reasons.push_back(StrCat("the operator's report concerns '", inc.target_id,
                               "', which the registry does not list as a critical system"));
    v.near_miss =
        "Major failures, damage and attack notices are reportable when they concern a critical "
        "system (Annex 3): name a critical system of the registry in the report.";
    return v;
  }
  Verdict r;
  r.reportable = true;
  r.escalate = true;
  if (v.reportable) r.clauses = v.clauses;
  if (f.damage) {
    r.category = Category::kDamage;
    r.reasons.push_back(StrCat("Annex 3 (3): damage from a cyber attack on ", target,
                               " confirmed by the operator — ", Who(inc, "damage_confirmed")));
  } else if (f.major_failure) {
    r.category = Category::kMajorFailure;
    auto cause = static_cast<inputs::FailureCause>(f.failure_cause);
    r.reasons.push_back(StrCat("Annex 3 (1): major failure of ", target, " (cause: ",
                               inputs::FailureCauseName(cause), ") — ",
                               Who(inc, "major_failure")));
    if (cause == inputs::FailureCause::kNonAttack) {
      if (r.clauses.empty()) {
        r.escalate = false;
        r.reasons.push_back(
            "Annex 3 note 3: a failure clearly not caused by a cyber attack is reported to the "
            "competent ministry and not forwarded to the Cabinet Secretariat");
      } else {
        r.reasons.push_back(StrCat("the operator states a non-attack cause, but Annex 4 ",
                                   ClauseList(r.clauses),
                                   " hold(s) on the same incident: forwarded as usual"));
      }
    }
  } else if (v.reportable) {
    v.reasons.push_back(StrCat("also an attack notice (予告): ", Who(inc, "threat_notice")));
    return v;
  } else {
    r.category = Category::kAttackNotice;
    r.reasons.push_back(StrCat("Annex 3 (2): attack notice (予告) against ", target, " — ",
                               Who(inc, "threat_notice")));
  }
  if (v.reportable) {
    for (auto& x : v.reasons) r.reasons.push_back(std::move(x));
  } else if (inc.event_count > 0) {
    r.reasons.push_back(StrCat("telemetry alone: not reportable (", NotReportableName(v.reason),
                               ")"));
  }
  return r;
}

}  // namespace kizashi::classify
