// Correlation rules: the YAML rule language (docs/rules.md).
//
// Load in three stages, like packs and the registry (DESIGN.md §6):
//   1. ParseRulesText / ParseRulesFile read YAML into plain `Rule` structs, collecting every
//      syntax and type error with file:line and rule id;
//   2. Rulebook::Compile validates them against the pattern set in service (unknown entry
//      ids, steps that can never match, ...), again collecting every error, and builds the
//      immutable index entry -> (rule, steps) that workers use;
//   3. the runtime publishes the Rulebook inside a Snapshot (atomic swap): a rule file with
//      any error publishes nothing and the previous rulebook keeps serving.
// LoadRulebook runs stages 1 and 2 over a list of files.
//
// Ownership: Rule and Rulebook are plain immutable data once compiled; a Rulebook is shared
// read-only by every worker through the snapshot (any thread may read it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/diag.h"
#include "engine/common/ip.h"
#include "engine/event/event.h"
#include "patterns/compile/pattern_set.h"

namespace re2 {
class RE2;
}

namespace kizashi::registry {
class Registry;
}

namespace kizashi::correlate {

enum class ConditionType : uint8_t {
  kSingle = 0,       // every matching event
  kEventCount,       // >= count events in a sliding window
  kValueCount,       // >= count distinct values of a field in a sliding window
  kTemporal,         // every step within a window, in any order
  kTemporalOrdered,  // the steps in order (by event time) within a window
  kAbsence,          // a trigger not followed by an expected event within a window
};
std::string_view ConditionTypeName(ConditionType t);

enum class TargetFilter : uint8_t {
  kAny = 0,
  kCriticalSystem,
  kNonCriticalAsset,
  kUnknownAsset,
};

enum class SourceFilter : uint8_t { kAny = 0, kExternal, kInternal };

// A value of an event that rules can test, group by or count distinct values of.
// src_ip/dst_ip and src_port/dst_port are *oriented*: "src" is the peer (the side that is not
// the target, usually the attacker), "dst" the target's side, whatever direction the record
// was written in (engine/enrich decides which side is the target).
enum class FieldKind : uint8_t {
  kSrcIp = 0,
  kDstIp,
  kSrcPort,
  kDstPort,
  kHost,       // emitting sensor / device host name
  kSigId,      // IDS signature id
  kEventType,  // EVE event_type as written, syslog format name otherwise
  kEventKind,  // kizashi's EventKind name (alert, http, syslog, ...)
  kProto,
  kAppProto,
  kOperator,   // operator id
  kTarget,     // target id (critical system / asset id, or the address or host if unknown)
  kField,      // a named payload field (FieldId): message, http.url, user, program, ...
};

struct FieldRef {
  FieldKind kind = FieldKind::kSrcIp;
  FieldId field = FieldId::kMessage;  // when kind == kField
  std::string name;                   // as written
  bool is_ip() const { return kind == FieldKind::kSrcIp || kind == FieldKind::kDstIp; }
  bool is_number() const {
    return kind == FieldKind::kSrcPort || kind == FieldKind::kDstPort || kind == FieldKind::kSigId;
  }
};
// Parses a field name ("src_ip", "user", "http.url", ...). False if unknown.
bool ParseFieldRef(std::string_view s, FieldRef* out);

// One `where:` predicate on an event value. Strings compare byte-for-byte (case-sensitive
// unless `nocase`); a field that is absent is the empty string (`exists: false` tests it).
struct FieldPredicate {
  enum class Op : uint8_t {
    kEquals = 0,  // value == one of `values` (equals: x is in: [x])
    kPrefix,      // starts with one of `values`
    kSuffix,
    kContains,
    kRegex,       // RE2, unanchored (anchor with ^...$)
    kCidr,        // IP fields: inside one of `cidrs`
    kExists,      // non-empty (IP: valid; numbers: non-zero)
    kGte,         // numeric fields (ports, sig_id): >= number
    kLte,
  };
  FieldRef field;
  Op op = Op::kEquals;
  bool negate = false;  // `not: true`: the predicate holds when the test fails
  bool nocase = false;
  std::vector<std::string> values;  // lower-cased when nocase
  std::vector<Cidr> cidrs;
  int64_t number = 0;
  std::shared_ptr<const re2::RE2> re;
  int line = 0;
};

struct RuleMatch {
  // Pattern selectors: which pack entries feed the rule. Several lists are ANDed; values in a
  // list are ORed. A match with no selector at all accepts every event, matched or not
  // (evaluated for every event: a warning says so).
  std::vector<std::string> entries;  // "pack-id/entry-id" or "entry-id"
  std::vector<patterns::EntryKind> kinds;
  std::vector<patterns::AttackType> attack_types;
  std::vector<std::string> tags;
  int min_severity = -1;  // patterns::Severity, -1 = any
  // Registry predicates on the event's target and source.
  TargetFilter target = TargetFilter::kAny;
  int internal_only = -1;  // -1 any; 0/1: target is a critical system with internal_only = x
  std::vector<std::string> asset_roles;  // target is a non-critical asset with one of these
  SourceFilter source = SourceFilter::kAny;
  std::vector<std::string> operators;  // operator ids (empty = any)
  // Event-field predicates (all must hold).
  std::vector<FieldPredicate> where;
  int line = 0;

  bool has_pattern_selector() const {
    return !entries.empty() || !kinds.empty() || !attack_types.empty() || !tags.empty() ||
           min_severity >= 0;
  }
};

// A named sub-match of a multi-step condition (temporal, temporal_ordered, absence). An event
// feeds a step when it satisfies both the rule's `match` and the step's `match`.
struct Step {
  std::string id;
  RuleMatch match;
  int line = 0;
};

struct Condition {
  ConditionType type = ConditionType::kSingle;
  int64_t count = 1;      // event_count: events; value_count: distinct values
  int64_t window_ns = 0;  // every type but single
  FieldRef distinct;      // value_count
  // temporal / temporal_ordered: the steps (2..kMaxSteps); absence: {trigger, expect}.
  std::vector<Step> steps;
};

inline constexpr size_t kMaxSteps = 8;
inline constexpr int64_t kMaxEventCount = 10'000;
inline constexpr int64_t kMaxValueCount = 10'000;

struct Rule {
  std::string id;
  std::string title;
  std::string description;
  bool enabled = true;
  RuleMatch match;
  std::vector<FieldRef> group_by;
  Condition condition;
  int64_t suppress_ns = 3600LL * 1'000'000'000;  // one incident per key per period
  int64_t quiet_ns = 0;  // close after this much event time without a match (0: = suppress)
  std::string file;
  int line = 0;
};

// Parses a rules file (a map with a `rules:` list). Every error goes to `diags`; rules with
// errors are left out of the result.
std::vector<Rule> ParseRulesText(std::string_view text, std::string_view file, Diagnostics* d);
std::vector<Rule> ParseRulesFile(const std::string& path, Diagnostics* d);

// A rule's compiled form: the rule plus what the correlator needs per event.
struct CompiledRule {
  Rule rule;
  uint64_t seed_hi = 0, seed_lo = 0;  // stable hash of the rule id: seeds state-key hashes
  uint32_t all_steps = 1;             // bit mask of every step (1 for single-step rules)
};

// Where a pattern entry leads: a rule and the steps of it the entry can feed (bit i = step i;
// single-step rules use bit 0).
struct RuleRef {
  uint32_t rule = 0;
  uint32_t steps = 0;
};

// Rules compiled against one pattern set. Immutable; shared read-only by every worker
// through the snapshot.
class Rulebook {
 public:
  // Validates `rules` against `patterns` (every error into `diags`) and builds the index.
  // Returns nullptr if there is any error.
  static std::shared_ptr<const Rulebook> Compile(std::vector<Rule> rules,
                                                 const patterns::PatternSet& patterns,
                                                 Diagnostics* diags);

  const std::vector<CompiledRule>& compiled() const { return rules_; }
  // The enabled rules, in load order (index = rule index of compiled()).
  const std::vector<Rule>& rules() const { return plain_; }
  size_t size() const { return rules_.size(); }
  const Rule& rule(size_t i) const { return rules_[i].rule; }
  // Rules (and steps) whose pattern selectors accept pattern entry `entry`, by rule index.
  const std::vector<RuleRef>& rules_for_entry(uint32_t entry) const {
    static const std::vector<RuleRef> kEmpty;
    return entry < by_entry_.size() ? by_entry_[entry] : kEmpty;
  }
  // Rules (and steps) without pattern selectors: evaluated for every event.
  const std::vector<RuleRef>& unindexed() const { return unindexed_; }
  uint64_t pattern_serial() const { return pattern_serial_; }
  // Content hash of the rules (shown in metrics; changes with any rule edit).
  const std::string& version() const { return version_; }

  // Whether `e` satisfies the registry and field predicates of `m` (pattern selectors are
  // the index's job). Thread-safe (const).
  static bool Accepts(const RuleMatch& m, const Event& e, const registry::Registry& reg);
  // Whether pattern entry `info` satisfies the pattern selectors of `m`.
  static bool SelectsEntry(const RuleMatch& m, const patterns::EntryInfo& info);

 private:
  std::vector<CompiledRule> rules_;
  std::vector<Rule> plain_;
  std::vector<std::vector<RuleRef>> by_entry_;
  std::vector<RuleRef> unindexed_;
  uint64_t pattern_serial_ = 0;
  std::string version_;
};

// Stage 1 + 2 over files (in the given order): the rulebook, or nullptr with every problem in
// `diags` (the caller keeps the previous rulebook in service).
std::shared_ptr<const Rulebook> LoadRulebook(const std::vector<std::string>& files,
                                             const patterns::PatternSet& patterns,
                                             Diagnostics* diags);

// Reads an event value as text (for predicates, group-by and distinct values). IP fields
// render as text; numbers in decimal; `scratch` holds rendered values.
std::string_view FieldText(const FieldRef& f, const Event& e, const registry::Registry& reg,
                           std::string* scratch);
// The address of an IP field (src_ip: the peer, dst_ip: the target side).
const IpAddr& FieldIp(const FieldRef& f, const Event& e);
// The value of a numeric field (ports, sig_id); 0 when absent.
int64_t FieldNumber(const FieldRef& f, const Event& e);

}  // namespace kizashi::correlate
