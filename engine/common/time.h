// Time in kizashi is int64 nanoseconds since the Unix epoch, UTC. Event time decides every
// window; processing time comes only from a Clock (injected, so tests control it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kizashi {

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr int64_t kNanosPerMilli = 1'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
// Inverse of DaysFromCivil.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d);

// Parses RFC 3339 / ISO 8601 timestamps as sensors write them:
//   2024-03-01T12:00:00Z, 2024-03-01T12:00:00.123456+09:00, 2017-04-11T13:46:19.123456+0200
//   (Suricata: offset without a colon), 2024-03-01 12:00:00 (space separator).
// A missing offset means `default_offset_seconds`. Returns false on anything malformed or
// out of range (year 1970..2261, the int64-nanosecond range). Never allocates.
bool ParseIso8601(std::string_view s, int64_t* out_ns, int32_t default_offset_seconds = 0);

// Parses a duration such as "500ms", "30s", "5m", "2h", "1d" into nanoseconds.
bool ParseDuration(std::string_view s, int64_t* out_ns);

// RFC 3339 in UTC with `frac_digits` (0, 3, 6 or 9) fractional digits: 2024-03-01T12:00:00.000Z
std::string FormatRfc3339(int64_t ns, int frac_digits = 3);
// Japan Standard Time (UTC+9) for human-readable summaries: 2024-03-01 21:00:00 JST
std::string FormatJst(int64_t ns);

// Source of processing time. Thread contract: implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowNs() const = 0;
};

// The real clock (CLOCK_REALTIME).
class SystemClock final : public Clock {
 public:
  int64_t NowNs() const override;
  static const SystemClock* Get();
};

// Monotonic nanoseconds, for measuring durations only.
int64_t MonotonicNowNs();

}  // namespace kizashi
