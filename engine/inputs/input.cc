#include "engine/inputs/input.h"

#include <simdjson.h>

#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "patterns/pack/pack.h"

namespace kizashi::inputs {

namespace {
constexpr std::string_view kTypeNames[] = {"threat_notice", "major_failure", "damage_confirmed",
                                           "response_status", "acknowledge", "forward",
                                           "withdraw", "annotate"};
static_assert(std::size(kTypeNames) == static_cast<size_t>(InputType::kCount));
}  // namespace

std::string_view InputTypeName(InputType t) {
  size_t i = static_cast<size_t>(t);
  return i < std::size(kTypeNames) ? kTypeNames[i] : "unknown";
}

bool ParseInputType(std::string_view s, InputType* out) {
  for (size_t i = 0; i < std::size(kTypeNames); ++i) {
    if (kTypeNames[i] == s) {
      *out = static_cast<InputType>(i);
      return true;
    }
  }
  return false;
}

bool IsAnalystAction(InputType t) { return t >= InputType::kAcknowledge; }

bool MayOpenIncident(InputType t) {
  return t == InputType::kThreatNotice || t == InputType::kMajorFailure ||
         t == InputType::kDamageConfirmed;
}

std::string_view FailureCauseName(FailureCause c) {
  switch (c) {
    case FailureCause::kUnknown: return "unknown";
    case FailureCause::kAttack: return "attack";
    case FailureCause::kNonAttack: return "non_attack";
  }
  return "unknown";
}

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

absl::Status Bad(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(StrCat("'", field, "': ", what));
}

absl::Status Str(element v, std::string_view field, std::string* out, size_t max = 4096) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return Bad(field, "must be a string");
  if (s.size() > max) return Bad(field, StrCat("longer than ", max, " bytes"));
  out->assign(s);
  return absl::OkStatus();
}

absl::Status StrList(element v, std::string_view field, std::vector<std::string>* out) {
  simdjson::dom::array a;
  if (v.get_array().get(a) != simdjson::SUCCESS) return Bad(field, "must be a list of strings");
  if (a.size() > 64) return Bad(field, "more than 64 items");
  for (element x : a) {
    std::string s;
    if (absl::Status st = Str(x, field, &s); !st.ok()) return st;
    out->push_back(std::move(s));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IncidentInput> ParseInput(std::string_view json) {
  simdjson::dom::parser parser;
  element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc); err != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(StrCat("not JSON: ", simdjson::error_message(err)));
  }
  object o;
  if (doc.get_object().get(o) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("an input must be a JSON object");
  }
  IncidentInput in;
  std::string schema, type, time, cause;
  bool has_type = false, has_time = false;
  for (auto [key, v] : o) {
    absl::Status st;
    if (key == "schema") st = Str(v, key, &schema);
    else if (key == "id") st = Str(v, key, &in.id, 256);
    else if (key == "type") st = Str(v, key, &type), has_type = true;
    else if (key == "operator") st = Str(v, key, &in.operator_id, 256);
    else if (key == "system") st = Str(v, key, &in.system, 256);
    else if (key == "incident_id") st = Str(v, key, &in.incident_id, 256);
    else if (key == "time") st = Str(v, key, &time, 64), has_time = true;
    else if (key == "by") st = Str(v, key, &in.by, 256);
    else if (key == "summary") st = Str(v, key, &in.summary);
    else if (key == "cause") st = Str(v, key, &cause, 64);
    else if (key == "attack_types") st = StrList(v, key, &in.attack_types);
    else if (key == "impact") st = Str(v, key, &in.impact);
    else if (key == "status") st = Str(v, key, &in.status, 256);
    else if (key == "countermeasures") st = StrList(v, key, &in.countermeasures);
    else if (key == "other_contacts") {
      simdjson::dom::array a;
      if (v.get_array().get(a) != simdjson::SUCCESS || a.size() > 64) {
        return Bad(key, "must be a list (at most 64) of {organisation, detail}");
      }
      for (element x : a) {
        object c;
        if (x.get_object().get(c) != simdjson::SUCCESS) {
          return Bad(key, "each contact must be an object {organisation, detail}");
        }
        Contact ct;
        for (auto [ck, cv] : c) {
          if (ck == "organisation") st = Str(cv, "other_contacts.organisation", &ct.organisation, 256);
          else if (ck == "detail") st = Str(cv, "other_contacts.detail", &ct.detail);
          else st = Bad(StrCat("other_contacts.", ck), "unknown field (organisation, detail)");
          if (!st.ok()) return st;
        }
        if (ct.organisation.empty()) return Bad("other_contacts.organisation", "is required");
        in.other_contacts.push_back(std::move(ct));
      }
    } else {
      st = Bad(key, "unknown field (see docs/schemas/input.schema.json)");
    }
    if (!st.ok()) return st;
  }
  if (schema != kSchema) return Bad("schema", StrCat("must be \"", kSchema, "\""));
  if (in.id.empty()) return Bad("id", "is required (the submitter's id of this input)");
  if (!has_type || !ParseInputType(type, &in.type)) {
    return Bad("type", "must be one of threat_notice, major_failure, damage_confirmed, "
                       "response_status, acknowledge, forward, withdraw, annotate");
  }
  if (in.operator_id.empty()) return Bad("operator", "is required");
  if (!has_time || !ParseIso8601(time, &in.time_ns)) {
    return Bad("time", "is required, RFC 3339 with a zone (2024-03-01T10:00:00+09:00)");
  }
  if (in.by.empty()) return Bad("by", "is required (who submitted it)");
  if (in.incident_id.empty()) {
    if (!MayOpenIncident(in.type)) {
      return Bad("incident_id", StrCat("is required for ", InputTypeName(in.type)));
    }
    if (in.system.empty()) {
      return Bad("system", "is required to open an incident (the critical-system id)");
    }
  }
  if (!cause.empty()) {
    if (in.type != InputType::kMajorFailure) return Bad("cause", "only for major_failure");
    if (cause == "attack") in.cause = FailureCause::kAttack;
    else if (cause == "non_attack") in.cause = FailureCause::kNonAttack;
    else if (cause == "unknown") in.cause = FailureCause::kUnknown;
    else return Bad("cause", "must be attack, non_attack or unknown");
  }
  for (const auto& t : in.attack_types) {
    patterns::AttackType at;
    if (!patterns::ParseAttackType(t, &at)) {
      return Bad("attack_types", StrCat("'", t, "' is not an attack type (docs/pattern-packs.md)"));
    }
  }
  return in;
}

}  // namespace kizashi::inputs
