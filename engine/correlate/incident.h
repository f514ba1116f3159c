// Incident: correlated state for one operator, target system and rule (and group-by values),
// opened when the rule's condition first holds. Every change is a new revision of the same
// incident id; the verdict stage classifies each revision and routing emits it.
//
// Everything an incident needs to be classified is copied into it (pattern attributes, target
// id), so a revision can be re-classified identically after restarts and pack reloads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event/event.h"
#include "patterns/pack/pack.h"

namespace kizashi::inputs {
struct IncidentInput;
}

namespace kizashi::correlate {

// A pattern entry that contributed to the incident, with the attributes verdicts use.
struct PatternHit {
  std::string pack_id;
  std::string pack_version;
  std::string entry_id;
  std::string title;
  patterns::EntryKind kind = patterns::EntryKind::kAttackPattern;
  patterns::AttackType attack_type = patterns::AttackType::kUnauthorizedAccess;
  patterns::Severity severity = patterns::Severity::kMedium;
  bool may_disrupt_critical_systems = false;
  bool past_case = false;  // a "case:" reference (Annex 4 (c))
  std::string actor;       // Annex 4 (d)
  std::vector<std::string> references;
  uint64_t count = 0;
};

// A cited source record.
struct EvidenceRef {
  std::string source;  // topic or file
  int32_t partition = 0;
  int64_t offset = 0;  // Kafka offset or file line
  int64_t event_time_ns = 0;
};

enum class IncidentState : uint8_t { kOpen = 0, kClosed };

// One person's input merged into the incident (engine/inputs): who, when, what.
struct InputEntry {
  std::string input_id;  // the submitter's id (an input is merged once)
  std::string type;      // inputs::InputTypeName
  std::string by;
  int64_t at_ns = 0;
  std::string summary;
};

// What the operator reported (threat notice, major failure, damage, response status).
struct OperatorFacts {
  bool attack_notice = false;
  bool major_failure = false;
  uint8_t failure_cause = 0;  // inputs::FailureCause
  bool damage = false;
  std::string summary;        // the latest description the operator gave
  std::string impact;         // impact on the infrastructure service, as the operator states it
  std::string status;         // response status
  std::vector<std::string> countermeasures;
  std::vector<std::string> other_contacts;  // "organisation: detail"
  std::vector<std::string> attack_types;    // as the operator classifies it (sorted)
};

struct Incident {
  std::string id;
  uint32_t revision = 0;
  IncidentState state = IncidentState::kOpen;
  std::string change;  // what this revision changed: opened, new_pattern, new_source, count, closed
  int32_t partition = 0;
  std::string operator_id;
  TargetKind target_kind = TargetKind::kUnknownAsset;
  std::string target_id;  // critical-system or asset id; the address/host when unknown
  std::string rule_id;
  std::string rule_title;
  std::vector<std::string> group_values;
  int64_t window_start_ns = 0;
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  int64_t suppress_until_ns = 0;  // later matches update this incident until then
  int64_t close_at_ns = 0;        // closes when the watermark passes this (quiet period)
  uint64_t event_count = 0;
  uint64_t count_at_revision = 0;  // event_count when the last revision was emitted
  std::vector<std::string> sources;  // distinct source addresses, sorted, bounded
  uint32_t distinct_sources = 0;     // exact up to the bound, then a lower bound
  bool external_source = false;      // some source outside the operator's home networks
  bool internal_source = false;
  std::vector<PatternHit> patterns;  // sorted by (pack, entry)
  std::vector<EvidenceRef> evidence; // first N cited records
  uint8_t routed = 0;                // route::RoutedFlags: who has received earlier revisions
  // People's inputs (engine/inputs), merged in arrival order.
  OperatorFacts facts;
  bool acknowledged = false;         // an analyst acknowledged it
  bool forwarded = false;            // an analyst forwarded it to the Cabinet Secretariat
  bool withdrawn = false;            // an analyst withdrew it (the candidate was wrong)
  std::vector<InputEntry> history;   // every input, bounded (kMaxHistory)
  static constexpr size_t kMaxHistory = 64;

  std::string Encode() const;
  // Appends the same bytes to `out` (reuses its capacity: the write-behind path).
  void EncodeTo(std::string* out) const;
  // Reads what Encode wrote, also inside an expiry envelope (how closed incidents are
  // stored). False on corrupt input.
  bool Decode(std::string_view in);
};

std::string_view TargetKindName(TargetKind k);

// Merges a person's input into `inc` (facts, flags, history). Returns false, changing
// nothing, when an input with the same id was merged before (replays are idempotent).
bool MergeInput(Incident* inc, const inputs::IncidentInput& in);

}  // namespace kizashi::correlate
