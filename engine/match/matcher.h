// Matching: scans each event's targeted fields against the pattern set of the pinned snapshot
// and records the hits in the batch (CSR: Batch::matches / Batch::match_begin).
//
// Ownership: one Matcher per worker; it owns the worker's Hyperscan scratch (through
// patterns::Scanner). Thread contract: single thread (the worker's).
#pragma once

#include "absl/status/status.h"
#include "engine/event/batch.h"
#include "patterns/compile/pattern_set.h"

namespace kizashi::match {

class Matcher {
 public:
  // Fills batch.matches/match_begin for batch.events. Re-prepares the scratch when the
  // pattern set changed since the last call.
  absl::Status Match(Batch& batch, const patterns::PatternSet& set);

  uint64_t scanned_bytes() const { return scanned_bytes_; }

 private:
  patterns::Scanner scanner_;
  uint64_t prepared_serial_ = 0;
  uint64_t scanned_bytes_ = 0;
};

}  // namespace kizashi::match
