// PatternSet: the compiled, immutable form of the pattern packs in service, and Scanner, the
// per-worker object that scans events against it.
//
// Compile model (DESIGN.md §3):
//   - one Hyperscan block-mode database per event field (FieldId), built from the entries
//     that target that field; Hyperscan pattern ids are global entry indexes;
//   - regex / literal / hex entries are compiled as they are: a hit is a Match;
//   - rule entries (imported IDS rules) put only their fast pattern into the field's database
//     (prefilter); a hit makes the rule a *candidate*, and its RuleProgram confirms every
//     content / pcre / isdataat / size step on the fields they name;
//   - regex entries that contain a selective literal (>= prefilter_min_literal bytes that
//     every match must contain) are compiled the same way: the literal goes into the
//     prefilter database and PCRE2 confirms the regex on the field that nominated it. Every
//     regex is still validated by Hyperscan, so what a pack may say does not depend on this
//     choice; it keeps cold compiles of log packs with thousands of regexes in seconds;
//   - indicator entries go to an IndicatorIndex and are matched by lookup, never scanned.
// Every match carries (pack id, version, entry id) through entries().
//
// Validation collects every error with file:line, entry id and reason (unsupported syntax,
// bad flag, empty-matching pattern, Hyperscan/PCRE2 compile failure attributed to its entry,
// resource limits); a set with any error is not built, so a bad pack changes nothing.
//
// The compiled set serialises (Serialize/Deserialize) to a cache file keyed by the packs'
// content hashes, Hyperscan version, CPU platform and compile options (CacheKey), so a
// restart skips parsing and compiling.
//
// Ownership: PatternSet is shared read-only (shared_ptr<const PatternSet> in the runtime
// snapshot); its databases are freed with the last reference.
// Scanner owns one hs_scratch_t and one PCRE2 match context: one per worker thread, never
// shared (intel/hyperscan#65).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/diag.h"
#include "engine/event/event.h"
#include "patterns/compile/expression.h"  // ToHyperscanRegex (was declared here)
#include "patterns/compile/indicator_index.h"
#include "patterns/compile/rule_program.h"
#include "patterns/pack/pack.h"

struct hs_database;
struct hs_scratch;

namespace kizashi::patterns {

// Everything later stages need to know about a matched entry.
struct EntryInfo {
  std::string pack_id;
  std::string pack_version;
  std::string entry_id;
  EntryKind kind = EntryKind::kAttackPattern;
  AttackType attack_type = AttackType::kUnauthorizedAccess;
  Severity severity = Severity::kMedium;
  bool may_disrupt_critical_systems = false;
  std::string actor;
  std::vector<std::string> references;
  std::vector<std::string> tags;
  std::string title;
  std::string recommended_action;
  // Provenance and shape, for `kizashi patterns test|profile` and diagnostics.
  ExprType expr_type = ExprType::kRegex;
  std::vector<FieldId> fields;  // fields it may match on (rules: the fields of their steps)
  std::string file;
  int line = 0;
};

// One pack in the set, as loaded.
struct PackInfo {
  std::string id;
  std::string version;
  std::string issuer;
  std::string issued_at;
  std::string file;
  std::string content_hash;
  std::string signer;  // key id that verified it, or "unsigned (insecure)"; set by the loader
  uint32_t entries = 0;
};

// Limits a pack set must respect; exceeding one is a diagnostic, never a crash or a hang.
struct CompileOptions {
  int64_t max_entries = 1'000'000;           // across all packs
  int64_t max_entries_per_pack = 500'000;
  int64_t max_expression_bytes = 64 * 1024;  // one regex / literal / hex / content / pcre
  int64_t max_bounded_repeat = 10'000;       // largest {n,m} count in a regex
  int64_t max_database_bytes = int64_t{1} << 30;  // one field's Hyperscan database
  // Hyperscan reports one failing expression per compile; it is dropped and the field
  // recompiled up to this many times so that several bad entries are all reported.
  int64_t max_compile_retries = 16;
  // Regex entries whose required literal is at least this long are prefiltered by the
  // literal and confirmed by PCRE2 (0 = compile every regex into Hyperscan as is).
  int64_t prefilter_min_literal = 8;
};

struct PatternSetStats {
  uint32_t direct_entries = 0;     // regex / literal / hex compiled as they are
  uint32_t confirmed_regex_entries = 0;  // regex entries prefiltered by a literal + PCRE2
  uint32_t rule_entries = 0;       // prefilter + confirm
  uint32_t pcre_prefilter_rules = 0;  // rules whose prefilter is a pcre (no usable content)
  uint32_t indicator_entries = 0;
  uint32_t indicator_values = 0;
  std::array<uint32_t, kFieldCount> patterns_per_field{};
  uint64_t database_bytes = 0;
  int64_t compile_ns = 0;
};

class PatternSet {
 public:
  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  // Validates and compiles. Every problem is reported (file:line, entry id, reason) and the
  // whole set is rejected (nullptr) if any entry failed: a bad pack changes nothing.
  // `signers` (optional, parallel to `packs`) records who signed each pack.
  static std::shared_ptr<const PatternSet> Compile(const std::vector<Pack>& packs,
                                                   Diagnostics* diags,
                                                   const CompileOptions& options = {},
                                                   const std::vector<std::string>& signers = {});
  // An empty set (no packs): matches nothing.
  static std::shared_ptr<const PatternSet> Empty();

  // The cache key of a set made of packs with these content hashes (in load order).
  static std::string CacheKey(const std::vector<std::string>& pack_hashes,
                              const CompileOptions& options);
  // Binary form for the on-disk cache (integrity-checked). Deserialize rebuilds the set
  // without parsing or Hyperscan compilation; it fails on any corruption or on a database
  // built for another Hyperscan version or CPU.
  std::string Serialize() const;
  static absl::StatusOr<std::shared_ptr<const PatternSet>> Deserialize(std::string_view bytes);

  const std::vector<EntryInfo>& entries() const { return entries_; }
  const std::vector<PackInfo>& packs() const { return packs_; }
  const hs_database* database(FieldId f) const { return dbs_[static_cast<size_t>(f)]; }
  // "packid@version,..." of the packs in this set.
  const std::string& version() const { return version_; }
  // Unique per compiled set within the process (scanners re-prepare when it changes; a
  // pointer could be reused by a later set).
  uint64_t serial() const { return serial_; }
  const PatternSetStats& stats() const { return stats_; }

  // What went into a field's database (for profiling and the raw-hs_scan benchmark).
  struct FieldPattern {
    std::string expression;  // Hyperscan syntax
    unsigned flags = 0;      // HS_FLAG_*
    uint32_t entry = 0;
  };
  const std::vector<FieldPattern>& field_patterns(FieldId f) const {
    return field_patterns_[static_cast<size_t>(f)];
  }
  // Fields that have a database, in FieldId order.
  const std::vector<FieldId>& scanned_fields() const { return scanned_fields_; }

  enum class Mode : uint8_t { kDirect = 0, kRule = 1, kIndicator = 2, kConfirmed = 3 };
  Mode mode(uint32_t entry) const { return static_cast<Mode>(mode_[entry]); }
  // The regex a kConfirmed entry is confirmed with (PCRE2 syntax and modifiers).
  const std::string& confirm_pattern(uint32_t entry) const {
    return confirm_specs_[rule_index_[entry]].pattern;
  }
  // The rule behind a kRule entry.
  const RuleProgram& rule(uint32_t entry) const { return rules_[rule_index_[entry]]; }
  const RuleSpec& rule_spec(uint32_t entry) const { return rule_specs_[rule_index_[entry]]; }
  // The field a confirmed rule reports (its fast pattern's field).
  FieldId rule_field(uint32_t entry) const { return rule_field_[entry]; }
  const IndicatorIndex& indicators() const { return indicators_; }

 private:
  friend class Scanner;
  friend class PatternSetBuilder;
  PatternSet();
  absl::Status BuildRuntime();  // rules_ from rule_specs_, scanned_fields_

  std::vector<EntryInfo> entries_;
  std::vector<PackInfo> packs_;
  std::vector<uint8_t> mode_;          // per entry: Mode
  std::vector<uint32_t> rule_index_;   // per entry: index into rule_specs_/rules_ (kRule) or
                                       // confirm_specs_/confirm_codes_ (kConfirmed), or kNone
  std::vector<FieldId> rule_field_;    // per entry: the field a rule match reports
  std::vector<RuleSpec> rule_specs_;
  std::vector<int32_t> rule_implied_;  // per rule: the step its prefilter matches in full
  std::vector<RuleProgram> rules_;
  struct ConfirmSpec {
    std::string pattern;
    PcreFlags flags;
  };
  std::vector<ConfirmSpec> confirm_specs_;
  std::vector<std::unique_ptr<Pcre2Regex>> confirm_codes_;
  IndicatorIndex indicators_;
  std::array<std::vector<FieldPattern>, kFieldCount> field_patterns_;
  std::array<hs_database*, kFieldCount> dbs_{};
  std::vector<FieldId> scanned_fields_;
  std::string version_;
  PatternSetStats stats_;
  uint64_t serial_;
};

// Counters a scanner keeps (per worker; summed at scrape time).
struct ScanStats {
  uint64_t events = 0;
  uint64_t bytes = 0;          // bytes handed to Hyperscan
  uint64_t candidates = 0;     // rules nominated by their prefilter
  uint64_t confirmed = 0;      // candidates whose every step held
  uint64_t limit_hits = 0;     // confirmations cut short by the step budget or PCRE2 limits
  uint64_t matches = 0;
};

// Optional per-entry profile (kizashi patterns profile): filled only when attached.
struct ScanProfile {
  std::vector<uint64_t> matches;     // per entry
  std::vector<uint64_t> candidates;  // per rule entry
  std::vector<uint64_t> confirm_ns;  // per rule entry: time spent confirming
  void Reset(size_t entries) {
    matches.assign(entries, 0);
    candidates.assign(entries, 0);
    confirm_ns.assign(entries, 0);
  }
};

// Per-worker scanner. Thread contract: one thread only.
class Scanner {
 public:
  Scanner() = default;
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Ensures the scratch fits every database of `set` (call when a new snapshot is pinned;
  // cheap when `set` is the one already prepared).
  absl::Status Prepare(const PatternSet& set);
  // Appends the matches of every targeted field of `event` to `out`: at most one per
  // (entry, field). Prepare(set) must have been called.
  absl::Status ScanEvent(const PatternSet& set, const Event& event, std::vector<Match>* out);

  const ScanStats& stats() const { return stats_; }
  void set_profile(ScanProfile* profile) { profile_ = profile; }

 private:
  friend struct ScanCallback;
  hs_scratch* scratch_ = nullptr;
  uint64_t prepared_serial_ = 0;
  ConfirmContext confirm_;
  std::vector<uint32_t> stamp_;       // per entry: generation it last became a candidate
  std::vector<uint32_t> cand_fields_; // per entry: fields that nominated it (bit per FieldId)
  std::vector<uint32_t> candidates_;  // entries nominated for the current event
  uint32_t generation_ = 0;
  std::string scratch_text_;
  ScanStats stats_;
  ScanProfile* profile_ = nullptr;
};

}  // namespace kizashi::patterns
