// Helpers for decoder tests: batches built from strings the way a source builds them (record
// bytes in the arena followed by kRecordPadding bytes), and one-record decode shortcuts.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/decode/decoder.h"
#include "engine/event/batch.h"

namespace kizashi::decode::testing {

struct RecordSpec {
  std::string value;
  std::string key;            // Kafka key
  std::string operator_hint;  // header/topic operator
  int64_t timestamp_ns = 0;   // ingest time
};

// Appends a record; the padding after it is filled with bytes a careless scanner would trip
// on ('"', '\\', '}') so tests catch reads that depend on it.
void AddRecord(Batch& b, const RecordSpec& r);
void AddRecord(Batch& b, std::string_view value, int64_t timestamp_ns = 0);

// The decoder for `o`; fails the test (and returns null) if the options are rejected.
std::unique_ptr<Decoder> MustMake(const DecodeOptions& o);

// Decodes one record; returns true and sets *out if it became an event, else sets *reason.
struct One {
  bool ok = false;
  Event event;
  DeadLetterReason reason = DeadLetterReason::kCount;
  std::string detail;
};
One DecodeOne(Decoder& d, Batch& b, const RecordSpec& r);
One DecodeOne(Decoder& d, Batch& b, std::string_view value, int64_t timestamp_ns = 0);

// Lines of a file (without '\n'); empty lines kept.
std::vector<std::string> ReadLines(const std::string& path);
std::string Ip(const IpAddr& a);

}  // namespace kizashi::decode::testing

namespace kizashi::decode::testing {
// UTC civil time -> ns, through libc's timegm (independent of the decoders' own date code).
int64_t Utc(int y, int mo, int d, int h, int mi, int s, int64_t ns = 0);
}  // namespace kizashi::decode::testing
