// Sanitised advisories for the operators concerned (framework 4(1)).
//
// When: a revision is eligible if (ii) its verdict is reportable (an attack on a critical
// system, which puts operators with similar systems at risk) or (i) a matched pattern cites a
// shared security hole (a "cve:" reference) at or above `min_severity`. An eligible revision
// produces an advisory when it is the incident's first eligible one or brings new patterns or
// sources (change "opened", "new_pattern", "new_source"); count-only and closing revisions
// add nothing a recipient could act on. The advisory's id is derived from the incident id,
// its revision is the incident's, so a replay reproduces it exactly.
//
// Who: every other operator in scope that has an `advisory_destination` in the registry —
//   scope "cross_sector" when the target's system category is not sector-specific
//   (`cross_sector_categories`), a pattern carries a `cross_sector_tags` tag, or (with
//   `cve_is_cross_sector`) a pattern cites a CVE: every sector in `concerned_sectors` (empty:
//   all); otherwise scope "sector": the reporter's own sector only.
// One document per distinct destination. A destination that is not configured is an error
// (fail closed: the caller holds the partition), never a fallback.
//
// What (allow-list; nothing else is copied): attack types, classification and Annex 4
// clauses, matched pattern ids with pack version, title, kind, severity, actor and
// cve:/case: references (government pack facts), indicators = the incident's source
// addresses that are outside every network the reporter registered and outside private and
// special-use ranges, plus the indicator values of matched indicator entries (pack facts),
// the time window, and the pack entries' recommended actions. Never the reporter's id, name,
// sector, contacts, target system, internal addresses or host names, rule titles or any text
// from its events — except `reporter.name` / `reporter.sector` when the registry records
// consent (`consent.share_identity` / `share_sector`); the ledger basis then cites
// `consent.record`.
//
// Ownership: Advisor holds immutable options; any thread may call Advise.
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
#include "engine/route/router.h"
#include "patterns/compile/pattern_set.h"

namespace kizashi::advisory {

struct AdvisoryOptions {
  // Produce advisories at all. Default: true.
  bool enabled = true;
  // Trigger (ii): a reportable verdict. Default: true.
  bool on_reportable = true;
  // Trigger (i): a pattern citing a CVE at or above min_severity, even if not reportable.
  // Default: true.
  bool on_shared_vulnerability = true;
  // Minimum severity of a CVE-citing pattern for trigger (i). Default: high.
  std::string min_severity = "high";
  // System categories that are not sector-specific (framework 4(1): "every concerned sector
  // otherwise"). Default: common platforms.
  std::vector<std::string> cross_sector_categories = {
      "external_connection", "remote_access", "vpn", "web", "mail", "directory", "it_service"};
  // Pattern tags that make an advisory cross-sector. Default: cross-sector, common-platform.
  std::vector<std::string> cross_sector_tags = {"cross-sector", "common-platform"};
  // A shared security hole (CVE) concerns every sector. Default: true.
  bool cve_is_cross_sector = true;
  // Sectors a cross-sector advisory goes to (empty: every sector). Default: empty.
  std::vector<std::string> concerned_sectors;
  // Upper bound on indicators per advisory. Default: 100.
  int64_t max_indicators = 100;
  static void Declare(config::Schema& s, AdvisoryOptions* o);
};

class Advisor {
 public:
  explicit Advisor(const AdvisoryOptions& options);

  // Appends the advisories for one classified revision. `exercise` routes to
  // `<destination>.exercise` and tags the documents.
  absl::Status Advise(const correlate::Incident& inc, const classify::Verdict& verdict,
                      const registry::Registry& reg,
                      const patterns::PatternSet* patterns,
                      const std::set<std::string>& known_destinations, bool exercise,
                      std::vector<route::Output>* out) const;

  // Whether a revision is eligible, and why ("attack_on_critical_systems",
  // "shared_vulnerability"); empty when not eligible.
  std::vector<std::string> Triggers(const correlate::Incident& inc,
                                    const classify::Verdict& verdict) const;

  static std::string AdvisoryId(const correlate::Incident& inc);

 private:
  AdvisoryOptions opts_;
  patterns::Severity min_severity_;
};

}  // namespace kizashi::advisory
