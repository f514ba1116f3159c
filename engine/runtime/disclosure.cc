#include "engine/runtime/disclosure.h"

#include "engine/common/hash.h"
#include "engine/common/strings.h"

namespace kizashi::runtime {

absl::Status CheckExercise(const EngineConfig& config, std::vector<route::Output>* outputs) {
  if (!config.route.exercise) return absl::OkStatus();
  for (auto& o : *outputs) {
    if (!EndsWith(o.destination, kExerciseSuffix)) {
      return absl::FailedPreconditionError(
          StrCat("exercise run: output for destination '", o.destination,
                 "' is not an exercise destination (name must end in '", kExerciseSuffix,
                 "'); refusing to write it"));
    }
    if (o.json.size() >= 2 && o.json[0] == '{' && o.json.find("\"exercise\":") == std::string::npos) {
      o.json.insert(1, "\"exercise\":true,");
    }
  }
  return absl::OkStatus();
}

std::string LedgerKind(const EngineConfig& config, const route::Output& o) {
  if (o.document_id.empty()) {
    auto base = [&](const std::string& d) {
      return config.route.exercise ? StrCat(d, kExerciseSuffix) : d;
    };
    if (o.destination == config.dead_letter_destination ||
        o.destination == base(config.dead_letter_destination)) {
      return "dead_letter";
    }
    if (o.destination == config.late_destination || o.destination == base(config.late_destination)) {
      return "late_event";
    }
  }
  return std::string(route::DocKindName(o.kind));
}

std::string DisclosureBasis(const std::string& kind, const route::Output& o) {
  if (!o.basis.empty()) return o.basis;
  if (kind == "notification") {
    return "framework 2(1), 4(1): report to the competent ministry of the operator's sector";
  }
  if (kind == "escalation") {
    return "framework 2(1), 3: the competent ministry forwards to the Cabinet Secretariat";
  }
  if (kind == "observation") {
    return "not reportable: kept at the operator's own observation destination (framework 4(1))";
  }
  if (kind == "dead_letter") return "engine operations: record that could not be processed";
  if (kind == "late_event") return "engine operations: event behind the watermark";
  return "unspecified";
}

std::vector<ledger::LedgerEntry> LedgerEntries(const EngineConfig& config,
                                               const std::vector<route::Output>& outputs,
                                               int64_t now_ns) {
  std::vector<ledger::LedgerEntry> out;
  out.reserve(outputs.size());
  for (const auto& o : outputs) {
    ledger::LedgerEntry e;
    e.kind = LedgerKind(config, o);
    e.document_id = o.document_id.empty() ? IdBuilder().Add("document").Add(o.json).Finish()
                                          : o.document_id;
    e.revision = o.revision;
    e.destination = o.destination;
    e.subject_operator = o.subject_operator.empty() ? o.operator_id : o.subject_operator;
    if (o.kind == route::DocKind::kAdvisory || o.kind == route::DocKind::kCampaign) {
      e.subject_operator = o.subject_operator;
    }
    e.fields = ledger::DisclosedFields(o.json);
    e.basis = DisclosureBasis(e.kind, o);
    e.exercise = config.route.exercise;
    e.recorded_at_ns = now_ns;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace kizashi::runtime
