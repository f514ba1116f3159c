// Batch: the unit of work. A source fills `records` (bytes copied into `arena`) for one
// partition; every stage then reads and appends to the same batch, and the runtime commits
// the batch's outputs, state delta and `resume` position together (DESIGN.md §5).
//
// Ownership: created and recycled by the runtime (Clear() keeps capacity, so a steady stream
// allocates nothing). Thread contract: one thread at a time — the source fills it, hands it
// over a queue, then the owning worker processes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/arena.h"
#include "engine/event/event.h"

namespace kizashi {

// Why a record was not turned into an event. Names (DeadLetterReasonName) are stable: they
// appear in dead-letter documents and metric labels.
enum class DeadLetterReason : uint8_t {
  kMalformed = 0,      // not parseable in its declared format
  kTruncated,          // input ended inside the record
  kInvalidUtf8,
  kNulByte,
  kTooLarge,           // longer than max_event_bytes
  kTooDeep,            // JSON nesting beyond the limit
  kNumberOutOfRange,
  kDuplicateKey,       // a JSON key that decides something appears twice
  kMissingTimestamp,
  kBadTimestamp,
  kFutureTimestamp,    // beyond the configured future skew (would advance the watermark)
  kUnknownOperator,    // operator not given or not in the registry
  kOperatorMismatch,   // record claims another operator on an authoritative input
  kMissingField,       // a field the format requires
  kCount
};
std::string_view DeadLetterReasonName(DeadLetterReason r);

struct RawRecord {
  std::string_view value;          // the record bytes (in the batch arena, followed by padding)
  std::string_view key;            // Kafka key, empty for files
  std::string_view operator_hint;  // operator from a header or topic mapping, if any
  SourcePos pos;
  int64_t timestamp_ns = 0;        // Kafka record timestamp, or read time for files
  uint16_t input = 0;              // index of the configured input it came from
};

struct DeadLetter {
  uint32_t record = 0;
  DeadLetterReason reason = DeadLetterReason::kMalformed;
  std::string_view detail;  // short static or arena-owned explanation
};

struct Batch {
  int32_t partition = 0;
  uint32_t input = 0;                // index of the configured input the records came from
  Arena arena;
  std::vector<std::string> sources;  // SourcePos::source indexes this
  std::vector<RawRecord> records;
  std::vector<Event> events;
  std::vector<DeadLetter> dead_letters;
  // Matches in CSR form: event i's matches are matches[match_begin[i] .. match_begin[i+1]).
  std::vector<Match> matches;
  std::vector<uint32_t> match_begin;
  // Opaque resume position after the last record (the source interprets it): committed with
  // the batch's state delta so a restart continues exactly after this batch.
  std::string resume;

  void Clear() {
    arena.Clear();
    sources.clear();
    records.clear();
    events.clear();
    dead_letters.clear();
    matches.clear();
    match_begin.clear();
    resume.clear();
  }
  size_t match_count(size_t event) const {
    return match_begin.empty() ? 0 : match_begin[event + 1] - match_begin[event];
  }
  const Match* event_matches(size_t event) const { return matches.data() + match_begin[event]; }
  std::string_view source_name(const SourcePos& p) const {
    return p.source < sources.size() ? std::string_view(sources[p.source]) : std::string_view();
  }
};

}  // namespace kizashi
