#include "engine/common/time.h"

#include <time.h>

#include <cstdio>

namespace kizashi {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

namespace {

inline bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    unsigned c = static_cast<unsigned char>(s[pos + i]) - '0';
    if (c > 9) return false;
    v = v * 10 + static_cast<int>(c);
  }
  *out = v;
  return true;
}

constexpr unsigned kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

}  // namespace

bool ParseIso8601(std::string_view s, int64_t* out_ns, int32_t default_offset_seconds) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return false;
  }
  // Years past 2261 do not fit int64 nanoseconds (2262-04-11 is the limit).
  if (y < 1970 || y > 2261 || mo < 1 || mo > 12 || d < 1 ||
      d > static_cast<int>(kDaysInMonth[mo - 1]) ||
      h > 23 || mi > 59 || sec > 60) {
    return false;
  }
  if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return false;
  if (sec == 60) sec = 59;  // leap second: clamp, never reject a real device's stamp
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) {
        frac = frac * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 9; ++i) frac *= 10;
  }
  int32_t offset = default_offset_seconds;
  if (pos < s.size()) {
    char c = s[pos];
    if (c == 'Z' || c == 'z') {
      offset = 0;
      ++pos;
    } else if (c == '+' || c == '-') {
      int oh, om;
      if (!Digits(s, pos + 1, 2, &oh)) return false;
      size_t p2 = pos + 3;
      if (p2 < s.size() && s[p2] == ':') ++p2;
      if (!Digits(s, p2, 2, &om)) return false;
      if (oh > 23 || om > 59) return false;
      offset = (oh * 3600 + om * 60) * (c == '-' ? -1 : 1);
      pos = p2 + 2;
    } else {
      return false;
    }
  }
  if (pos != s.size()) return false;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset;
  *out_ns = secs * kNanosPerSecond + frac;
  return true;
}

bool ParseDuration(std::string_view s, int64_t* out_ns) {
  if (s.empty()) return false;
  size_t i = 0;
  int64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (v > 1'000'000'000'000LL) return false;
    v = v * 10 + (s[i] - '0');
    ++i;
  }
  if (i == 0) return false;
  std::string_view unit = s.substr(i);
  int64_t mult;
  if (unit == "ns") mult = 1;
  else if (unit == "us") mult = 1000;
  else if (unit == "ms") mult = kNanosPerMilli;
  else if (unit == "s" || unit.empty()) mult = kNanosPerSecond;
  else if (unit == "m") mult = 60 * kNanosPerSecond;
  else if (unit == "h") mult = 3600 * kNanosPerSecond;
  else if (unit == "d") mult = 86400 * kNanosPerSecond;
  else return false;
  if (v > INT64_MAX / mult) return false;
  *out_ns = v * mult;
  return true;
}

namespace {
std::string Format(int64_t ns, int frac_digits, int32_t offset_seconds, const char* suffix) {
  int64_t secs = ns >= 0 ? ns / kNanosPerSecond : (ns - kNanosPerSecond + 1) / kNanosPerSecond;
  int64_t frac = ns - secs * kNanosPerSecond;
  secs += offset_seconds;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d",
                        static_cast<long long>(y), m, d, static_cast<int>(rem / 3600),
                        static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac_digits > 0) {
    char fb[32];
    std::snprintf(fb, sizeof fb, ".%09lld", static_cast<long long>(frac));
    out.append(fb, static_cast<size_t>(1 + (frac_digits > 9 ? 9 : frac_digits)));
  }
  out += suffix;
  return out;
}
}  // namespace

std::string FormatRfc3339(int64_t ns, int frac_digits) { return Format(ns, frac_digits, 0, "Z"); }

std::string FormatJst(int64_t ns) {
  std::string s = Format(ns, 0, 9 * 3600, " JST");
  s[10] = ' ';
  return s;
}

int64_t SystemClock::NowNs() const {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

const SystemClock* SystemClock::Get() {
  static const SystemClock clock;
  return &clock;
}

int64_t MonotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

}  // namespace kizashi
