// Correlation rules: the YAML rule language (docs/rules.md) parsed into plain structs
// (stage 1), validated with every error collected, and compiled against the pattern set and
// registry of a snapshot into a Rulebook (immutable, shared read-only by workers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/diag.h"
#include "engine/event/event.h"
#include "patterns/compile/pattern_set.h"

namespace kizashi::correlate {

enum class ConditionType : uint8_t {
  kSingle = 0,       // every matching event
  kEventCount,       // >= count events in a sliding window
  kValueCount,       // >= count distinct values of a field in a window
  kTemporal,         // all of a set of sub-matches within a window (any order)
  kTemporalOrdered,  // a sequence within a window
  kAbsence,          // A not followed by B within a window
};
std::string_view ConditionTypeName(ConditionType t);

enum class TargetFilter : uint8_t {
  kAny = 0,
  kCriticalSystem,
  kNonCriticalAsset,
  kUnknownAsset,
};

enum class SourceFilter : uint8_t { kAny = 0, kExternal, kInternal };

// Fields a rule can group by or count distinct values of.
enum class KeyField : uint8_t {
  kSrcIp = 0,
  kDstIp,
  kHost,
  kUser,
  kProgram,
  kSigId,
  kField,  // any FieldId (see field)
};

struct KeySpec {
  KeyField kind = KeyField::kSrcIp;
  FieldId field = FieldId::kMessage;  // when kind == kField
  std::string name;                   // as written
};

struct RuleMatch {
  std::vector<std::string> entries;  // "pack-id/entry-id" or "entry-id"
  std::vector<patterns::EntryKind> kinds;
  std::vector<patterns::AttackType> attack_types;
  std::vector<std::string> tags;
  TargetFilter target = TargetFilter::kAny;
  int internal_only = -1;  // -1 any, 0 must be false, 1 must be true (critical systems)
  std::vector<std::string> asset_roles;
  SourceFilter source = SourceFilter::kAny;
};

struct Condition {
  ConditionType type = ConditionType::kSingle;
  int64_t count = 1;
  int64_t window_ns = 0;
  KeySpec distinct;  // value_count
};

struct Rule {
  std::string id;
  std::string title;
  std::string description;
  RuleMatch match;
  std::vector<KeySpec> group_by;
  Condition condition;
  int64_t suppress_ns = 3600LL * 1'000'000'000;  // one incident per key per period
  int64_t quiet_ns = 0;                          // close after this quiet time (0 = suppress)
  std::string file;
  int line = 0;
};

// Parses a rules file (`rules:` list). Every error goes to `diags`.
std::vector<Rule> ParseRulesText(std::string_view text, std::string_view file, Diagnostics* d);
std::vector<Rule> ParseRulesFile(const std::string& path, Diagnostics* d);

// Rules compiled against one pattern set: for each pattern entry, the rules it can feed.
// Immutable; shared read-only by every worker through the snapshot.
class Rulebook {
 public:
  // References to unknown pattern entries are errors (a rule that can never fire is a bug).
  static std::shared_ptr<const Rulebook> Compile(std::vector<Rule> rules,
                                                 const patterns::PatternSet& patterns,
                                                 Diagnostics* diags);
  const std::vector<Rule>& rules() const { return rules_; }
  // Rules whose entry predicate accepts pattern entry `entry`.
  const std::vector<uint32_t>& rules_for_entry(uint32_t entry) const {
    static const std::vector<uint32_t> kEmpty;
    return entry < by_entry_.size() ? by_entry_[entry] : kEmpty;
  }
  uint64_t pattern_serial() const { return pattern_serial_; }
  const std::string& version() const { return version_; }

 private:
  std::vector<Rule> rules_;
  std::vector<std::vector<uint32_t>> by_entry_;
  uint64_t pattern_serial_ = 0;
  std::string version_;
};

}  // namespace kizashi::correlate
