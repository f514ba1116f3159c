// People's inputs to incidents: operator reports and analyst actions (docs/inputs.md; schema
// docs/schemas/input.schema.json, `kizashi.input/1`). They arrive as records on configured
// inputs (format `operator_input` or `analyst_action`), are decoded into events of kind
// kOperatorInput / kAnalystAction, and the correlator merges each into an incident as a new
// revision (engine/correlate: PartitionCorrelator::ApplyInput).
//
//   operator reports                        analyst actions (control input)
//   threat_notice    予告, no telemetry     acknowledge  the ministry has seen it
//   major_failure    cause attack/non_attack forward     send to the Cabinet Secretariat now
//   damage_confirmed upgrades to `damage`   withdraw     the candidate was wrong
//   response_status  countermeasures,       annotate     a note on the record
//                    police / other contacts
//
// A threat notice, a major failure or a damage report without `incident_id` opens a new
// incident on the named critical system; everything else updates `incident_id`.
//
// Ownership: plain data and pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kizashi::inputs {

inline constexpr std::string_view kSchema = "kizashi.input/1";

enum class InputType : uint8_t {
  kThreatNotice = 0,
  kMajorFailure,
  kDamageConfirmed,
  kResponseStatus,
  kAcknowledge,
  kForward,
  kWithdraw,
  kAnnotate,
  kCount
};
std::string_view InputTypeName(InputType t);
bool ParseInputType(std::string_view s, InputType* out);
// Operator reports vs analyst actions: which decoder accepts which.
bool IsAnalystAction(InputType t);
// Whether the input may open an incident (without `incident_id`).
bool MayOpenIncident(InputType t);

// Cause of a major failure (Annex 3 note 3: a failure clearly not caused by an attack is not
// forwarded to the Cabinet Secretariat).
enum class FailureCause : uint8_t { kUnknown = 0, kAttack, kNonAttack };
std::string_view FailureCauseName(FailureCause c);

struct Contact {
  std::string organisation;  // "police", "NISC", "JPCERT/CC", ...
  std::string detail;        // when, who, reference number
};

struct IncidentInput {
  std::string id;           // the submitter's id of this input (idempotence, evidence)
  InputType type = InputType::kAnnotate;
  std::string operator_id;
  std::string system;       // critical-system id (required to open an incident)
  std::string incident_id;  // the incident to update (required unless MayOpenIncident)
  int64_t time_ns = 0;      // when the submitter says it happened / was decided
  std::string by;           // who submitted it (person, role)
  std::string summary;      // threat notice text, failure description, damage, note
  FailureCause cause = FailureCause::kUnknown;  // major_failure
  std::vector<std::string> attack_types;        // as the submitter classifies it
  std::string impact;       // impact on the infrastructure service
  std::string status;       // response status (e.g. "contained", "restored")
  std::vector<std::string> countermeasures;
  std::vector<Contact> other_contacts;
};

// Parses one record. Errors name the field and say what is expected.
absl::StatusOr<IncidentInput> ParseInput(std::string_view json);

}  // namespace kizashi::inputs
