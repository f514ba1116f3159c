// CEF (ArcSight Common Event Format) records (internal to engine/decode):
//   CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
// Header fields escape '|' and '\' with a backslash; extension values escape '=', '\' and
// write newlines as \n / \r. A value runs to the space before the next `key=`.
#pragma once

#include <string_view>

#include "engine/common/arena.h"
#include "engine/decode/decode_util.h"
#include "engine/event/event.h"

namespace kizashi::decode::internal {

// Times and the operator claim found in the extension (views; empty when absent).
struct CefExtras {
  std::string_view rt, start, end;  // receipt time, start time, end time
  std::string_view claim;           // value of the extension key named by operator_field
};

// Parses `s` (starting at "CEF:") into `e`: vendor, product, signature id/name, severity,
// message (the whole CEF text), addresses, ports, protocol, action, user, host, URL, user
// agent, method, file name and hash. Returns false with `detail` when `s` is not CEF (fewer
// than 7 header fields, bad version).
bool ParseCef(std::string_view s, std::string_view claim_key, Arena* arena, Event* e,
              CefExtras* extras, const char** detail);

// A CEF time value: milliseconds since the epoch, "MMM dd yyyy HH:mm:ss[.SSS][ zone]",
// "MMM dd HH:mm:ss[.SSS][ zone]" (year from `rule`), or ISO 8601. Zones: UTC, GMT, Z, JST,
// +hh:mm / +hhmm; none = rule.tz_seconds.
bool ParseCefTime(std::string_view s, const LocalTimeRule& rule, int64_t ingest_ns,
                  int64_t* out_ns);

}  // namespace kizashi::decode::internal
