#include "engine/classify/verdict.h"

#include <algorithm>

#include "engine/common/strings.h"

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
  }
  return "none";
}

void ClassifyOptions::Declare(config::Schema& s, ClassifyOptions* o) {
  s.String("clause_c_min_severity", &o->clause_c_min_severity,
           "Annex 4 (c): minimum pattern severity (or a past-case reference) that may seriously "
           "affect a critical system.",
           {"low", "medium", "high", "critical"});
}

Classifier::Classifier(const ClassifyOptions& o) {
  if (!patterns::ParseSeverity(o.clause_c_min_severity, &min_c_)) min_c_ = patterns::Severity::kHigh;
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

ClauseCheck Clauses(const Incident& inc, bool internal_only, patterns::Severity min_c,
                    std::string_view target) {
  ClauseCheck c;
  auto add = [&](char clause, std::string reason) {
    if (std::find(c.clauses.begin(), c.clauses.end(), clause) == c.clauses.end()) {
      c.clauses.push_back(clause);
    }
    c.reasons.push_back(std::move(reason));
  };
  for (const auto& h : inc.patterns) {
    if (h.attack_type == AttackType::kUnauthorizedAccess && internal_only) {
      add('a', StrCat("(a) unauthorized access attempt (", Cite(h), ", ", h.count,
                      " event(s)) against ", target,
                      ", which is on an internal network that should be unreachable from outside"));
    }
    if (h.kind == EntryKind::kVirusSignature && h.may_disrupt_critical_systems) {
      add('b', StrCat("(b) virus signature ", Cite(h),
                      " (marked able to disrupt critical systems) found inside ", target));
    }
    if (h.kind == EntryKind::kAttackPattern &&
        h.attack_type != AttackType::kPreparatory && h.attack_type != AttackType::kCredentialTheft &&
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

Verdict Classifier::Classify(const Incident& inc, const registry::Registry& reg) const {
  Verdict v;
  std::string rule = StrCat("rule '", inc.rule_id, "'");
  if (inc.target_kind == TargetKind::kCriticalSystem) {
    const registry::CriticalSystem* sys = FindSystem(reg, inc.operator_id, inc.target_id);
    bool internal_only = sys != nullptr && sys->internal_only;
    std::string target = StrCat("critical system '", inc.target_id, "'");
    ClauseCheck c = Clauses(inc, internal_only, min_c_, target);
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
      preparatory = preparatory || h.attack_type == AttackType::kPreparatory;
      theft = theft || h.attack_type == AttackType::kCredentialTheft;
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
      ClauseCheck hyp = Clauses(inc, true, patterns::Severity::kInfo, target);
      v.near_miss = StrCat(
          "No Annex 4 clause holds: ",
          internal_only ? "" : "(a) needs the system to be internal_only in the registry; ",
          "(c) needs an attack pattern of severity ", patterns::SeverityName(min_c_),
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
  ClauseCheck hyp = Clauses(inc, true, min_c_, "a critical system");
  v.near_miss = hyp.clauses.empty()
                    ? "Attacks on systems that are not critical are not reportable (Annex 4)."
                    : StrCat("The same activity against an internal-only critical system would be "
                             "reportable under Annex 4 ",
                             ClauseList(hyp.clauses), ".");
  return v;
}

}  // namespace kizashi::classify
