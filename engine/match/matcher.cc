#include "engine/match/matcher.h"

namespace kizashi::match {

absl::Status Matcher::Match(Batch& batch, const patterns::PatternSet& set) {
  absl::Status st = scanner_.Prepare(set);
  if (!st.ok()) return st;
  batch.matches.clear();
  batch.match_begin.clear();
  batch.match_begin.reserve(batch.events.size() + 1);
  for (const Event& e : batch.events) {
    batch.match_begin.push_back(static_cast<uint32_t>(batch.matches.size()));
    st = scanner_.ScanEvent(set, e, &batch.matches);
    if (!st.ok()) return st;
  }
  batch.match_begin.push_back(static_cast<uint32_t>(batch.matches.size()));
  return absl::OkStatus();
}

}  // namespace kizashi::match
