// Importers: turn the feeds SOC teams and governments already publish into pattern packs.
//
//   Suricata / Snort rules  one rule = one `rule` entry (contents, pcre, isdataat, sizes on the
//                           event fields their buffers map to); sid, msg, classtype kept as
//                           references. Every construct kizashi cannot evaluate on an event
//                           makes the rule *refused* with the reason — never silently
//                           dropped, never loosened into a different rule.
//   ClamAV .ndb             body signatures -> hex entries (offsets -> anchored regex);
//   ClamAV .hdb/.hsb        file hashes -> hash indicators;
//   fail2ban filter.d       failregex lines -> regex entries on `message` (Hyperscan-exact),
//                           or pcre rules (prefilter + PCRE2) for lookaround, conditionals,
//                           backreferences and ignoreregex;
//   STIX 2.1 bundle         indicator objects with STIX patterns -> indicator entries;
//   MISP CSV export         attributes -> indicator entries.
//
// Importers append to a Pack and record what they did in an ImportReport. FinalizeImport
// then compiles the result and moves every entry that does not compile to the refused list,
// so a written pack always loads.
//
// Thread contract: plain functions over caller-owned data; no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "patterns/compile/pattern_set.h"
#include "patterns/pack/pack.h"

namespace kizashi::patterns {

struct ImportOptions {
  // Suricata/Snort: import only enabled rules (skip "# alert ..." lines).
  bool enabled_only = true;
  // Suricata/Snort: classtype -> priority table (classification.config); a built-in table of
  // the standard classtypes is used when empty.
  std::map<std::string, int> classification;
  // fail2ban: variable overrides, e.g. {"mode", "aggressive"}.
  std::vector<std::pair<std::string, std::string>> vars;
  // fail2ban: keep the filter's own __prefix_line (which skips a raw line's syslog header)
  // instead of kizashi's message prefix. Only useful for matching undecoded lines.
  bool fail2ban_keep_prefix = false;
  // Defaults for feeds that carry no such notion (ClamAV, fail2ban, MISP, STIX).
  AttackType attack_type = AttackType::kUnauthorizedAccess;
  Severity severity = Severity::kMedium;
  std::string actor;
  // MISP: also import attributes with to_ids=0.
  bool include_non_ids = false;
  // Id prefix for entries ("" = the importer's default: "sid-", "clamav-", "f2b-", ...).
  std::string id_prefix;
};

struct Refusal {
  std::string file;
  int line = 0;
  std::string id;        // sid / signature name / regex id
  std::string category;  // short, countable: "keyword byte_test", "buffer http.cookie", ...
  std::string detail;    // full reason
};

struct ImportReport {
  std::string format;
  uint64_t seen = 0;      // rules / signatures / regexes / attributes considered
  uint64_t imported = 0;  // entries written
  uint64_t skipped = 0;   // deliberately not considered (disabled rules, to_ids=0, comments)
  std::vector<Refusal> refused;
  // Keywords accepted but not evaluated, with the number of imported rules that had them
  // (e.g. flow: the event type already implies direction), and why.
  std::map<std::string, uint64_t> ignored;
  std::map<std::string, std::string> ignored_why;
  // How imported entries were compiled or shaped (e.g. "regex (Hyperscan)", "pcre rule").
  std::map<std::string, uint64_t> shapes;
  std::vector<std::string> notes;

  void Refuse(std::string_view file, int line, std::string_view id, std::string_view category,
              std::string_view detail);
  // Refusal counts by category, most frequent first.
  std::vector<std::pair<std::string, uint64_t>> RefusedByCategory() const;
  // Human-readable summary (counts, refusals by category, ignored keywords).
  std::string Summary() const;
  // Every refusal, one per line: "file:line: [id] category: detail".
  std::string RefusalList() const;
};

// Suricata 5+ / Snort 2.9 rule text (a .rules file). `file` names it in reports.
void ImportSuricataRules(std::string_view text, std::string_view file, const ImportOptions& o,
                         Pack* pack, ImportReport* report);
// Parses "config classification: name,description,priority" lines.
std::map<std::string, int> ParseClassificationConfig(std::string_view text);

// ClamAV signature databases: .ndb (body), .hdb (MD5), .hsb (SHA1/SHA256); other formats
// (.ldb, .mdb, .imp, .gdb, .pdb, .wdb ...) are refused whole with the reason.
void ImportClamAv(std::string_view text, std::string_view file, const ImportOptions& o,
                  Pack* pack, ImportReport* report);

// A fail2ban filter (filter.d/NAME.conf, given by path in `file`). [INCLUDES] before/after
// are read from the same directory; `%(name)s` and `<name>` are interpolated as fail2ban
// does; each resulting failregex line is one entry.
void ImportFail2ban(std::string_view text, std::string_view file, const ImportOptions& o,
                    Pack* pack, ImportReport* report);

// STIX 2.1 bundle (JSON). Indicators with pattern_type "stix" whose pattern is a disjunction
// of equality comparisons on ipv4-addr/ipv6-addr/domain-name/url/file hashes become one
// entry each; the actor comes from "indicates" relationships to threat-actor/intrusion-set.
void ImportStix(std::string_view json, std::string_view file, const ImportOptions& o,
                Pack* pack, ImportReport* report);

// MISP CSV export (header row with at least uuid,type,value; category, comment, to_ids,
// event_id used when present).
void ImportMispCsv(std::string_view csv, std::string_view file, const ImportOptions& o,
                   Pack* pack, ImportReport* report);

// Compiles `pack`; every entry that fails (with its reason) is removed and recorded as
// refused, until the pack compiles. Returns the compiled set (null if nothing is left).
std::shared_ptr<const PatternSet> FinalizeImport(Pack* pack, ImportReport* report,
                                                 const CompileOptions& options = {});

}  // namespace kizashi::patterns
