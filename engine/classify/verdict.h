// Verdicts: whether an incident revision is reportable under the framework (Annex 3/4), with
// the category, the Annex 4 clauses that hold, human-readable reasons citing the rule,
// pattern ids with pack version and registry facts, and — when not reportable — the reason
// and the near miss (what would have made it reportable). Mapping table: docs/verdicts.md.
//
// Precedence: if any reportable clause holds the verdict is reportable and lists every clause
// that holds; a not-reportable reason applies only when none does.
//
// Ownership: Classifier is immutable configuration; any thread may call Classify.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

struct ClassifyOptions {
  // Annex 4 (c): an attack_pattern at or above this severity (or citing a past case)
  // against a critical system may seriously affect it.
  std::string clause_c_min_severity = "high";
  static void Declare(config::Schema& s, ClassifyOptions* o);
};

class Classifier {
 public:
  explicit Classifier(const ClassifyOptions& options);
  Verdict Classify(const correlate::Incident& incident, const registry::Registry& reg) const;

 private:
  patterns::Severity min_c_;
};

// The registry entry of an incident's target (nullptr when not a registered system/asset).
const registry::CriticalSystem* FindSystem(const registry::Registry& reg, std::string_view op,
                                           std::string_view id);
const registry::Asset* FindAsset(const registry::Registry& reg, std::string_view op,
                                 std::string_view id);

}  // namespace kizashi::classify
