// Routing: decides where each classified incident revision may go under the framework, and
// renders the documents. Fails closed: a destination that cannot be resolved is an error for
// the caller to hold on (never a fallback to another destination).
//
//   reportable      -> the competent ministry of the operator's sector; an escalation copy to
//                      the Cabinet Secretariat unless the ministry *is* the Cabinet Secretariat
//                      (government sector) or the verdict is not escalated (Annex 3 note 3).
//   not reportable  -> only the operator's own observation destination; a downgrade of a
//                      verdict already sent also goes to the ministry (and the Cabinet
//                      Secretariat if it was forwarded), marked as such.
//
// Ownership: Router holds immutable options; any thread may call Route.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/classify/verdict.h"
#include "engine/config/schema.h"
#include "engine/correlate/incident.h"
#include "engine/registry/registry.h"

namespace kizashi::route {

// kAdvisory and kCampaign are produced after routing (engine/advisory, engine/campaign).
enum class DocKind : uint8_t { kNotification = 0, kEscalation, kObservation, kAdvisory, kCampaign };
std::string_view DocKindName(DocKind k);

struct RouteOptions {
  // Destination for not-reportable observations of operators without their own.
  std::string default_observation_destination = "observations";
  // Tag every document as an exercise (訓練) and route to `<destination>.exercise`.
  bool exercise = false;
  static void Declare(config::Schema& s, RouteOptions* o);
};

struct Output {
  std::string destination;
  DocKind kind = DocKind::kNotification;
  std::string document_id;  // notification id (same for the ministry and escalation copies)
  uint32_t revision = 0;
  std::string operator_id;
  std::string json;         // the document, one line
  // For the disclosure ledger only (never sent): the operator(s) the document is about,
  // comma-separated, when that differs from `operator_id` (advisories are keyed by no
  // operator; campaign views are about several), and the framework rule
  // or consent record it is sent under (empty: derived from `kind`).
  std::string subject_operator;
  std::string basis;
};

// Flags remembered per incident so later revisions reach whoever saw earlier ones.
enum RoutedFlags : uint8_t { kSentToMinistry = 1, kSentToCabinet = 2 };

class Router {
 public:
  explicit Router(const RouteOptions& options) : opts_(options) {}

  // Appends the outputs for one revision. `routed` is the incident's routing history (updated
  // in place). `known_destinations` are the configured sinks; an unknown one is an error.
  absl::Status Route(const correlate::Incident& inc, const classify::Verdict& verdict,
                     const registry::Registry& reg, const std::set<std::string>& known_destinations,
                     uint8_t* routed, std::vector<Output>* out) const;

  // Renders the notification document (deterministic: no processing time inside).
  static std::string RenderNotification(const correlate::Incident& inc,
                                         const classify::Verdict& verdict,
                                         const registry::Registry& reg, DocKind kind,
                                         std::string_view destination, bool exercise,
                                         bool downgrade);
  // Deterministic notification id: hash of incident id and revision.
  static std::string NotificationId(const correlate::Incident& inc);

 private:
  RouteOptions opts_;
};

}  // namespace kizashi::route
