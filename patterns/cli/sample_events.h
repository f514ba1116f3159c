// Sample events for `kizashi patterns test|profile` and the pattern benchmarks: turns lines,
// syslog lines or Suricata EVE JSON lines into Events carrying the fields pattern packs
// target. This is a *sample reader* for issuers and benchmarks, not the production decoder
// (engine/decode, which also dead-letters, resolves operators and times): it extracts the
// same field values for well-formed input so that a pack behaves here as it does in service.
//
// Ownership: SampleEvents owns the bytes its events point into. Thread contract: build on
// one thread, then read from any.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/event/event.h"

namespace kizashi::patterns {

enum class SampleFormat {
  kLines,   // each line is the value of one field (default `message`)
  kSyslog,  // RFC 3164 / RFC 5424 lines: header split off, MSG -> message, APP -> program
  kEve,     // Suricata EVE JSON, one object per line
};
bool ParseSampleFormat(std::string_view s, SampleFormat* out);

struct SampleEvents {
  std::deque<std::string> storage;  // stable addresses for the events' views
  std::vector<Event> events;
  std::vector<int> lines;  // 1-based input line of each event
  uint64_t skipped = 0;    // blank lines, comments (#) and unparseable JSON
  uint64_t bytes = 0;      // input bytes turned into events
};

// Appends the events of `text` to `out`. `line_field` is the field kLines fills.
absl::Status ReadSampleEvents(std::string_view text, SampleFormat format, FieldId line_field,
                              SampleEvents* out);

// Splits a syslog line: returns the MSG part (the whole line when no header is recognised)
// and sets `program` to the APP-NAME / TAG when there is one.
std::string_view SyslogMessage(std::string_view line, std::string_view* program);

}  // namespace kizashi::patterns
