// Helpers shared by the decoders of engine/decode (internal: other components use decoder.h).
//
// Everything here is a pure function or an immutable rule compiled from DecodeOptions, so the
// decoders can share them without synchronisation.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/common/ip.h"
#include "engine/decode/decoder.h"
#include "engine/event/batch.h"

namespace kizashi::decode::internal {

// ---- Operator identity -------------------------------------------------------------------

enum class OperatorFrom : uint8_t { kField, kKey, kHeader, kTopic, kFixed };

// The input's operator rule, compiled once from DecodeOptions (no string compare per record).
// Immutable after Make(); any thread.
class OperatorRule {
 public:
  static absl::StatusOr<OperatorRule> Make(const DecodeOptions& o);

  OperatorFrom from() const { return from_; }
  // Whether decoders must look for the operator inside records (operator_from=field, or an
  // authoritative input checking claims).
  bool wants_claim() const { return from_ == OperatorFrom::kField || authoritative_; }

  // `claimed` is the operator named inside the record ("" when none). On success sets `out`
  // (a view into the record, the options or RawRecord::key/operator_hint). On failure sets
  // `reason` (unknown_operator when there is none, operator_mismatch when an authoritative
  // input's record claims another operator) and `detail`.
  bool Resolve(const RawRecord& r, std::string_view claimed, std::string_view* out,
               DeadLetterReason* reason, const char** detail) const;

 private:
  OperatorFrom from_ = OperatorFrom::kField;
  bool authoritative_ = false;
  std::string fixed_;
};

// ---- Time --------------------------------------------------------------------------------

// "+09:00", "-0700", "+09", "Z", "UTC" -> seconds east of UTC.
bool ParseUtcOffset(std::string_view s, int32_t* out_seconds);

// Rule for timestamps without a year and/or zone (DecodeOptions::year / timezone). Thread
// contract: owned by one decoder (it caches the last ingest day's year).
struct LocalTimeRule {
  int64_t fixed_year = 0;  // 0 = nearest to the ingest time
  int32_t tz_seconds = 0;

  // Local civil time without a year -> UTC ns. Returns false when no year can be decided
  // (fixed_year == 0 and ingest_ns == 0) or the date does not exist in the chosen year.
  bool Resolve(int month, int day, int64_t seconds_of_day, int64_t nanos, int64_t ingest_ns,
               int64_t* out_ns) const;
  // Local civil time with a year -> UTC ns (false if the date does not exist).
  bool ResolveWithYear(int64_t year, int month, int day, int64_t seconds_of_day, int64_t nanos,
                       int64_t* out_ns) const;

 private:
  // The civil year of a local day, cached (consecutive records share their ingest day). The
  // cache makes a rule object single-threaded: each decoder owns its own copy.
  int64_t YearOf(int64_t local_seconds) const;
  mutable int64_t cached_day_ = INT64_MIN;
  mutable int64_t cached_year_ = 0;
};

bool ValidDate(int64_t year, int month, int day);

// ISO 8601 / RFC 3339 as ParseIso8601 (engine/common/time.h) accepts it, with a fast path for
// the fixed layout sensors write ("2024-03-01T12:00:05.250000+0900"). A missing zone means
// `default_tz_seconds`.
bool ParseTimestamp(std::string_view s, int32_t default_tz_seconds, int64_t* out_ns);

// A BSD-style civil time: "Mmm dd hh:mm:ss[.frac]" or "Mmm dd yyyy hh:mm:ss[.frac]" (the day
// space-padded "Jan  5", unpadded "Jan 5" or zero-padded "Jan 05").
struct BsdTime {
  int month = 0;
  int day = 0;
  int64_t year = 0;  // 0 = not written
  int64_t seconds_of_day = 0;
  int64_t nanos = 0;
};
// Parses a BsdTime at the start of `s`; `consumed` = bytes used. False if `s` does not start
// with one (or a field is out of range).
bool ParseBsdTime(std::string_view s, BsdTime* t, size_t* consumed);
// "Jan".."Dec" (exact case, as syslog writes them) -> 1..12, else 0.
int MonthFromAbbrev(const char* p);

// ---- Bytes -------------------------------------------------------------------------------

inline bool HasNul(std::string_view s) { return std::memchr(s.data(), 0, s.size()) != nullptr; }
// Full UTF-8 validation (ASCII fast path, then simdjson's validator).
bool ValidUtf8(std::string_view s);

// Checks every format applies before parsing: size, NUL bytes and (when `utf8`) UTF-8.
// Returns false with the reason and a detail.
bool Precheck(std::string_view value, int64_t max_bytes, bool utf8, DeadLetterReason* reason,
              const char** detail);

// Trailing '\n' / '\r\n' of a line-oriented record.
inline std::string_view StripEol(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Whole-string decimal parses without allocation.
bool ParseU64(std::string_view s, uint64_t* out);
bool ParsePort(std::string_view s, uint16_t* out);
// IPv4 dotted quad fast path, IPv6 through inet_pton; brackets "[::1]" are accepted.
bool ParseIp(std::string_view s, IpAddr* out);

// ---- Events ------------------------------------------------------------------------------

// Appends a fresh event for record `idx` (position, ingest time, raw field set). The caller
// fills it and either keeps it or calls batch.events.pop_back() before dead-lettering.
inline Event& StartEvent(Batch& batch, uint32_t idx) {
  const RawRecord& rec = batch.records[idx];
  Event& e = batch.events.emplace_back();
  e.pos = rec.pos;
  e.record = idx;
  e.ingest_time_ns = rec.timestamp_ns;
  e.set_field(FieldId::kRaw, rec.value);
  return e;
}

inline void DeadLetterRecord(Batch& batch, uint32_t idx, DeadLetterReason r, const char* detail) {
  batch.dead_letters.push_back(DeadLetter{idx, r, detail});
}

// Checks shared by every decoder once an event is complete: event time not too far ahead of
// the ingest time. Returns false with the reason.
bool CheckEventTime(const Event& e, int64_t max_future_skew_ns, DeadLetterReason* reason,
                    const char** detail);

// IDS severity from a CEF severity (0-10 or Low/Medium/High/Very-High) -> 1 (high) .. 4 (low).
uint8_t SeverityFromCef(std::string_view s);
// Protocol name of an IP protocol number as fast.log / CEF write them ("6" -> "TCP").
std::string_view ProtoName(std::string_view s);

}  // namespace kizashi::decode::internal
