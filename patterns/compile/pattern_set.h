// PatternSet: the compiled, immutable form of the pattern packs in service, and Scanner, the
// per-worker object that scans events against it.
//
// One Hyperscan block-mode database per event field (FieldId), built from the entries that
// target that field; Hyperscan pattern ids are global entry indexes, so a hit is directly a
// Match{entry, field}. Every match cites pack id, version and entry id via entries().
//
// Ownership: PatternSet is shared read-only (shared_ptr<const PatternSet> in the runtime
// snapshot); databases are freed when the last snapshot holding it is released.
// Scanner owns one hs_scratch_t and must never be shared between threads (intel/hyperscan#65).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/diag.h"
#include "engine/event/event.h"
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
};

// Translates an entry's expression to the Hyperscan regex it compiles to (literal -> escaped
// bytes, ClamAV hex -> byte regex). Returns false with `error` for unsupported syntax.
bool ToHyperscanRegex(const PackEntry& e, std::string* regex, std::string* error);

class PatternSet {
 public:
  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  // Validates and compiles. Every entry that fails is reported (file:line, entry id, reason)
  // and the whole set is rejected (nullptr) if any entry failed: a bad pack changes nothing.
  static std::shared_ptr<const PatternSet> Compile(const std::vector<Pack>& packs,
                                                   Diagnostics* diags);
  // An empty set (no packs): matches nothing.
  static std::shared_ptr<const PatternSet> Empty();

  const std::vector<EntryInfo>& entries() const { return entries_; }
  const hs_database* database(FieldId f) const { return dbs_[static_cast<size_t>(f)]; }
  // "packid@version,..." of the packs in this set.
  const std::string& version() const { return version_; }
  // Unique per compiled set within the process (scanners re-prepare when it changes; a
  // pointer could be reused by a later set).
  uint64_t serial() const { return serial_; }

 private:
  PatternSet();
  std::vector<EntryInfo> entries_;
  std::array<hs_database*, kFieldCount> dbs_{};
  std::string version_;
  uint64_t serial_;
};

// Per-worker scanner. Thread contract: one thread only.
class Scanner {
 public:
  Scanner() = default;
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Ensures the scratch fits every database of `set` (call when a new snapshot is pinned).
  absl::Status Prepare(const PatternSet& set);
  // Appends the matches of every targeted field of `event` to `out` (at most one per entry
  // and field).
  absl::Status ScanEvent(const PatternSet& set, const Event& event, std::vector<Match>* out);

 private:
  hs_scratch* scratch_ = nullptr;
};

}  // namespace kizashi::patterns
