// Matching: scans each event's targeted fields against the pattern set of the pinned snapshot
// and records the hits in the batch (CSR: Batch::matches / Batch::match_begin).
//
// Per event, in one pass (patterns::Scanner): one Hyperscan scan per field that has a
// database (regex/literal/hex entries match directly; imported IDS rules are nominated by
// their fast pattern and confirmed step by step), then indicator lookups (src/dst IP against
// IP/CIDR indicators, dns.rrname/http.hostname/tls.sni against domains, http.url against
// URLs, fileinfo hashes against hash indicators). Each (entry, field) is reported once.
//
// Ownership: one Matcher per worker; it owns the worker's Hyperscan scratch and PCRE2 match
// state (through patterns::Scanner). Thread contract: single thread (the worker's).
#pragma once

#include "absl/status/status.h"
#include "engine/event/batch.h"
#include "patterns/compile/pattern_set.h"

namespace kizashi::match {

class Matcher {
 public:
  // Fills batch.matches/match_begin for batch.events. Re-prepares the scratch when the
  // pattern set changed since the last call (a new snapshot was pinned).
  absl::Status Match(Batch& batch, const patterns::PatternSet& set);

  uint64_t scanned_bytes() const { return scanner_.stats().bytes; }
  // Events, bytes, rule candidates/confirmations, limit hits, matches since construction.
  const patterns::ScanStats& stats() const { return scanner_.stats(); }
  // Attach a per-entry profile (kizashi patterns profile); nullptr detaches.
  void set_profile(patterns::ScanProfile* profile) { scanner_.set_profile(profile); }

 private:
  patterns::Scanner scanner_;
};

}  // namespace kizashi::match
