// Verdicts: whether an incident revision is reportable under the framework (Annex 3/4), with
// the category, the Annex 4 clauses that hold, human-readable reasons citing the rule,
// pattern ids with pack version and registry facts, and — when not reportable — the reason
// and the near miss (what would have made it reportable). Mapping table: docs/verdicts.md.
//
// Precedence: if any reportable clause holds the verdict is reportable and lists every clause
// that holds; a not-reportable reason applies only when none does. People's inputs
// (engine/inputs) come on top, for critical systems: damage confirmed > major failure >
// attack detected (a clause holds) > attack notice; an analyst's withdrawal overrides all.
// A major failure the operator says was not caused by an attack is not escalated (Annex 3
// note 3) unless an Annex 4 clause holds on the same incident.
//
// Ownership: Classifier is immutable configuration; any thread may call Classify.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/config/schema.h"
#include "engine/correlate/incident.h"
#include "engine/registry/registry.h"

namespace kizashi::classify {

enum class Category : uint8_t { kNone = 0, kMajorFailure, kAttackDetected, kAttackNotice, kDamage };
std::string_view CategoryName(Category c);

enum class NotReportable : uint8_t {
  kNone = 0,
  kPreparatoryAct,
  kInformationTheft,
  kNonCriticalTarget,
  kBelowThreshold,
  kWithdrawn,  // an analyst withdrew the candidate
};
std::string_view NotReportableName(NotReportable r);

struct Verdict {
  bool reportable = false;
  Category category = Category::kNone;
  std::vector<char> clauses;  // Annex 4 clauses that hold: 'a'..'d'
  NotReportable reason = NotReportable::kNone;
  std::vector<std::string> reasons;
  std::string near_miss;      // for not-reportable verdicts
  // Forwarded to the Cabinet Secretariat (false for Annex 3 note 3 failures).
  bool escalate = false;
};

// The signal -> clause mapping (docs/verdicts.md). Every key is reloadable with the config.
struct ClassifyOptions {
  // Annex 4 (a): pattern attack types that are access attempts (against a critical system
  // marked internal_only). Default: [unauthorized_access].
  std::vector<std::string> clause_a_attack_types = {"unauthorized_access"};
  // Annex 4 (c): an attack_pattern at or above this severity (or citing a past case)
  // against a critical system may seriously affect it. Default: high.
  std::string clause_c_min_severity = "high";
  // Not reportable, Annex 4: attack types that are preparatory acts (backdoor, modem, planted
  // tool, open maintenance port). Never clause (c). Default: [preparatory].
  std::vector<std::string> preparatory_attack_types = {"preparatory"};
  // Not reportable, Annex 4: attack types that are theft of information needed for an attack
  // (configuration, passwords or keys, a sniffer). Never clause (c). Default: [credential_theft].
  std::vector<std::string> information_theft_attack_types = {"credential_theft"};
  static void Declare(config::Schema& s, ClassifyOptions* o);
  // Every attack type named is one packs know.
  absl::Status Validate() const;
};

class Classifier {
 public:
  explicit Classifier(const ClassifyOptions& options);
  Verdict Classify(const correlate::Incident& incident, const registry::Registry& reg) const;

  // What the mapping resolved to (bit per patterns::AttackType).
  struct Mapping {
    uint32_t clause_a = 0;
    uint32_t preparatory = 0;
    uint32_t theft = 0;
    patterns::Severity min_c = patterns::Severity::kHigh;
  };
  const Mapping& mapping() const { return m_; }

 private:
  Verdict ClassifyTelemetry(const correlate::Incident& incident, const registry::Registry& reg) const;
  Mapping m_;
};

// The registry entry of an incident's target (nullptr when not a registered system/asset).
const registry::CriticalSystem* FindSystem(const registry::Registry& reg, std::string_view op,
                                           std::string_view id);
const registry::Asset* FindAsset(const registry::Registry& reg, std::string_view op,
                                 std::string_view id);

}  // namespace kizashi::classify
