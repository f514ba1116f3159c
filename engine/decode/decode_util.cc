#include "engine/decode/decode_util.h"

#include <arpa/inet.h>
#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::decode::internal {

// ---- Operator identity -------------------------------------------------------------------

absl::StatusOr<OperatorRule> OperatorRule::Make(const DecodeOptions& o) {
  OperatorRule r;
  if (o.operator_from == "field") {
    r.from_ = OperatorFrom::kField;
    if (o.operator_field.empty()) {
      return absl::InvalidArgumentError("operator_from=field needs operator_field");
    }
  } else if (o.operator_from == "key") {
    r.from_ = OperatorFrom::kKey;
  } else if (o.operator_from == "header") {
    r.from_ = OperatorFrom::kHeader;
  } else if (o.operator_from == "topic") {
    r.from_ = OperatorFrom::kTopic;
  } else if (o.operator_from == "fixed") {
    r.from_ = OperatorFrom::kFixed;
    if (o.operator_fixed.empty()) {
      return absl::InvalidArgumentError("operator_from=fixed needs `operator` (the operator id)");
    }
    r.fixed_ = o.operator_fixed;
  } else {
    return absl::InvalidArgumentError(StrCat("operator_from '", o.operator_from,
                                             "' is not one of field, key, header, topic, fixed"));
  }
  if (o.authoritative && r.from_ == OperatorFrom::kField) {
    return absl::InvalidArgumentError(
        "authoritative=true needs operator_from key, header, topic or fixed: a record cannot be "
        "the authority on its own operator");
  }
  if (o.authoritative && o.operator_field.empty()) {
    return absl::InvalidArgumentError(
        "authoritative=true needs operator_field (where records claim an operator)");
  }
  r.authoritative_ = o.authoritative;
  return r;
}

bool OperatorRule::Resolve(const RawRecord& r, std::string_view claimed, std::string_view* out,
                           DeadLetterReason* reason, const char** detail) const {
  std::string_view op;
  switch (from_) {
    case OperatorFrom::kField: op = claimed; break;
    case OperatorFrom::kKey: op = r.key; break;
    case OperatorFrom::kHeader:
    case OperatorFrom::kTopic: op = r.operator_hint; break;
    case OperatorFrom::kFixed: op = fixed_; break;
  }
  if (op.empty()) {
    *reason = DeadLetterReason::kUnknownOperator;
    *detail = from_ == OperatorFrom::kField ? "record names no operator"
              : from_ == OperatorFrom::kKey ? "record has no key to name its operator"
                                            : "no operator for this record's header/topic";
    return false;
  }
  if (authoritative_ && !claimed.empty() && claimed != op) {
    *reason = DeadLetterReason::kOperatorMismatch;
    *detail = "record claims another operator than its authoritative input";
    return false;
  }
  *out = op;
  return true;
}

// ---- Time --------------------------------------------------------------------------------

bool ParseUtcOffset(std::string_view s, int32_t* out) {
  if (s == "Z" || s == "z" || s == "UTC" || s == "GMT") {
    *out = 0;
    return true;
  }
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(s[1]) || !digit(s[2])) return false;
  int h = (s[1] - '0') * 10 + (s[2] - '0');
  int m = 0;
  std::string_view rest = s.substr(3);
  if (!rest.empty() && rest[0] == ':') rest.remove_prefix(1);
  if (!rest.empty()) {
    if (rest.size() != 2 || !digit(rest[0]) || !digit(rest[1])) return false;
    m = (rest[0] - '0') * 10 + (rest[1] - '0');
  }
  if (h > 18 || m > 59) return false;
  *out = (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
  return true;
}

bool ValidDate(int64_t y, int month, int day) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  // 2261: the last whole year int64 nanoseconds since 1970 can hold.
  if (y < 1970 || y > 2261 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) {
    return false;
  }
  if (month == 2 && day == 29) return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return true;
}

int MonthFromAbbrev(const char* p) {
  // Switch on the three bytes packed into an int: one compare per month at most.
  uint32_t k = static_cast<uint32_t>(static_cast<uint8_t>(p[0])) << 16 |
               static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
               static_cast<uint8_t>(p[2]);
  constexpr auto M = [](const char* s) {
    return static_cast<uint32_t>(s[0]) << 16 | static_cast<uint32_t>(s[1]) << 8 |
           static_cast<uint32_t>(s[2]);
  };
  switch (k) {
    case M("Jan"): return 1;
    case M("Feb"): return 2;
    case M("Mar"): return 3;
    case M("Apr"): return 4;
    case M("May"): return 5;
    case M("Jun"): return 6;
    case M("Jul"): return 7;
    case M("Aug"): return 8;
    case M("Sep"): return 9;
    case M("Oct"): return 10;
    case M("Nov"): return 11;
    case M("Dec"): return 12;
    default: return 0;
  }
}

namespace {
inline bool Digit(char c) { return c >= '0' && c <= '9'; }
inline int D2(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

// "hh:mm:ss" at p (8 bytes available) -> seconds of day.
bool ParseHms(const char* p, int64_t* sod) {
  if (!Digit(p[0]) || !Digit(p[1]) || p[2] != ':' || !Digit(p[3]) || !Digit(p[4]) ||
      p[5] != ':' || !Digit(p[6]) || !Digit(p[7])) {
    return false;
  }
  int h = D2(p), m = D2(p + 3), sec = D2(p + 6);
  if (h > 23 || m > 59 || sec > 60) return false;
  if (sec == 60) sec = 59;  // leap second: clamp, as ParseIso8601 does
  *sod = h * 3600 + m * 60 + sec;
  return true;
}
}  // namespace

bool ParseTimestamp(std::string_view s, int32_t default_tz, int64_t* out_ns) {
  const char* p = s.data();
  size_t n = s.size();
  // Fast path: YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+hhmm|+hh:mm)
  if (n >= 20 && p[4] == '-' && p[7] == '-' && p[10] == 'T' && p[13] == ':' && p[16] == ':') {
    bool digits = true;
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) digits &= Digit(p[i]);
    if (digits) {
      int y = D2(p) * 100 + D2(p + 2), mo = D2(p + 5), d = D2(p + 8);
      int h = D2(p + 11), mi = D2(p + 14), sec = D2(p + 17);
      size_t i = 19;
      int64_t frac = 0;
      int nd = 0;
      if (i < n && p[i] == '.') {
        ++i;
        while (i < n && Digit(p[i]) && nd < 9) {
          frac = frac * 10 + (p[i] - '0');
          ++nd;
          ++i;
        }
        if (nd == 0 || (i < n && Digit(p[i]))) return ParseIso8601(s, out_ns, default_tz);
        for (int k = nd; k < 9; ++k) frac *= 10;
      }
      int32_t off;
      bool zone_ok = false;
      if (i + 1 == n && p[i] == 'Z') {
        off = 0;
        zone_ok = true;
      } else if (i + 5 == n && (p[i] == '+' || p[i] == '-') && Digit(p[i + 1]) &&
                 Digit(p[i + 2]) && Digit(p[i + 3]) && Digit(p[i + 4])) {
        off = (D2(p + i + 1) * 3600 + D2(p + i + 3) * 60) * (p[i] == '-' ? -1 : 1);
        zone_ok = D2(p + i + 1) <= 23 && D2(p + i + 3) <= 59;
      } else if (i + 6 == n && (p[i] == '+' || p[i] == '-') && Digit(p[i + 1]) &&
                 Digit(p[i + 2]) && p[i + 3] == ':' && Digit(p[i + 4]) && Digit(p[i + 5])) {
        off = (D2(p + i + 1) * 3600 + D2(p + i + 4) * 60) * (p[i] == '-' ? -1 : 1);
        zone_ok = D2(p + i + 1) <= 23 && D2(p + i + 4) <= 59;
      }
      if (zone_ok) {
        if (!ValidDate(y, mo, d) || h > 23 || mi > 59 || sec > 60) return false;
        if (sec == 60) sec = 59;
        int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
        *out_ns = (days * 86400 + h * 3600 + mi * 60 + sec - off) * kNanosPerSecond + frac;
        return true;
      }
    }
  }
  return ParseIso8601(s, out_ns, default_tz);
}

bool ParseBsdTime(std::string_view s, BsdTime* t, size_t* consumed) {
  if (s.size() < 14) return false;
  const char* p = s.data();
  int month = MonthFromAbbrev(p);
  if (month == 0 || p[3] != ' ') return false;
  size_t i = 4;
  if (p[i] == ' ') ++i;  // "Jan  5"
  if (i >= s.size() || !Digit(p[i])) return false;
  int day = p[i] - '0';
  ++i;
  if (i < s.size() && Digit(p[i])) {
    day = day * 10 + (p[i] - '0');
    ++i;
  }
  if (i >= s.size() || p[i] != ' ') return false;
  ++i;
  int64_t year = 0;
  // "Mmm dd yyyy hh:mm:ss" (Cisco and CEF with a year).
  if (i + 5 <= s.size() && Digit(p[i]) && Digit(p[i + 1]) && Digit(p[i + 2]) &&
      Digit(p[i + 3]) && p[i + 4] == ' ') {
    year = (p[i] - '0') * 1000 + (p[i + 1] - '0') * 100 + (p[i + 2] - '0') * 10 + (p[i + 3] - '0');
    i += 5;
  }
  if (i + 8 > s.size() || !ParseHms(p + i, &t->seconds_of_day)) return false;
  i += 8;
  int64_t nanos = 0;
  if (i < s.size() && (p[i] == '.' || p[i] == ',') && i + 1 < s.size() && Digit(p[i + 1])) {
    ++i;
    int digits = 0;
    while (i < s.size() && Digit(p[i])) {
      if (digits < 9) {
        nanos = nanos * 10 + (p[i] - '0');
        ++digits;
      }
      ++i;
    }
    for (; digits < 9; ++digits) nanos *= 10;
  }
  if (day < 1 || day > 31) return false;
  t->month = month;
  t->day = day;
  t->year = year;
  t->nanos = nanos;
  *consumed = i;
  return true;
}

bool LocalTimeRule::ResolveWithYear(int64_t year, int month, int day, int64_t sod, int64_t nanos,
                                    int64_t* out_ns) const {
  if (!ValidDate(year, month, day)) return false;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  *out_ns = (days * 86400 + sod - tz_seconds) * kNanosPerSecond + nanos;
  return true;
}

bool LocalTimeRule::Resolve(int month, int day, int64_t sod, int64_t nanos, int64_t ingest_ns,
                            int64_t* out_ns) const {
  if (fixed_year != 0) return ResolveWithYear(fixed_year, month, day, sod, nanos, out_ns);
  if (ingest_ns <= 0) return false;
  // The year that puts the stamp nearest to the ingest time: a December line read on 1 January
  // belongs to the previous year, a 1 January line read on 31 December (device clock slightly
  // ahead) to the next. The ingest time's own year is nearest whenever it lands within half a
  // year, which is nearly always: the neighbours are tried only otherwise.
  int64_t y = YearOf(ingest_ns / kNanosPerSecond + tz_seconds);
  constexpr int64_t kHalfYear = 183LL * 86400 * kNanosPerSecond;
  int64_t t;
  if (ResolveWithYear(y, month, day, sod, nanos, &t) &&
      (t > ingest_ns ? t - ingest_ns : ingest_ns - t) <= kHalfYear) {
    *out_ns = t;
    return true;
  }
  bool found = false;
  int64_t best = 0, best_dist = 0;
  for (int64_t cand = y - 1; cand <= y + 1; ++cand) {
    if (!ResolveWithYear(cand, month, day, sod, nanos, &t)) continue;
    int64_t dist = t > ingest_ns ? t - ingest_ns : ingest_ns - t;
    if (!found || dist < best_dist) {
      found = true;
      best = t;
      best_dist = dist;
    }
  }
  if (found) *out_ns = best;
  return found;
}

int64_t LocalTimeRule::YearOf(int64_t local_seconds) const {
  int64_t day = local_seconds / 86400;
  if (day == cached_day_) return cached_year_;
  int64_t y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  cached_day_ = day;
  cached_year_ = y;
  return y;
}

// ---- Bytes -------------------------------------------------------------------------------

bool ValidUtf8(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  size_t i = 0;
  // ASCII fast path, 8 bytes at a time: most log lines never leave it.
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ULL) break;
  }
  for (; i < n && static_cast<unsigned char>(p[i]) < 0x80; ++i) {
  }
  if (i == n) return true;
  return simdjson::validate_utf8(p + i, n - i);
}

namespace {
// One pass over a record (reading whole 16-byte blocks: records are padded): is there a NUL,
// is there any byte >= 0x80 (then UTF-8 needs the full validator)?
void ScanBytes(std::string_view s, bool* nul, bool* high) {
  const char* p = s.data();
  size_t n = s.size();
#if defined(__SSE2__)
  uint32_t zero_bits = 0, high_bits = 0;
  for (size_t i = 0; i < n; i += 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    uint32_t z = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128())));
    uint32_t h = static_cast<uint32_t>(_mm_movemask_epi8(x));
    if (n - i < 16) {
      uint32_t keep = (1u << (n - i)) - 1;
      z &= keep;
      h &= keep;
    }
    zero_bits |= z;
    high_bits |= h;
    if (zero_bits) break;
  }
  *nul = zero_bits != 0;
  *high = high_bits != 0;
#else
  *nul = std::memchr(p, 0, n) != nullptr;
  *high = false;
  for (size_t i = 0; i < n; ++i) *high |= static_cast<unsigned char>(p[i]) >= 0x80;
#endif
}
}  // namespace

bool Precheck(std::string_view value, int64_t max_bytes, bool utf8, DeadLetterReason* reason,
              const char** detail) {
  if (static_cast<int64_t>(value.size()) > max_bytes) {
    *reason = DeadLetterReason::kTooLarge;
    *detail = "record longer than max_event_bytes";
    return false;
  }
  bool nul, high;
  ScanBytes(value, &nul, &high);
  if (nul) {
    *reason = DeadLetterReason::kNulByte;
    *detail = "NUL byte in record";
    return false;
  }
  if (utf8 && high && !simdjson::validate_utf8(value.data(), value.size())) {
    *reason = DeadLetterReason::kInvalidUtf8;
    *detail = "record is not valid UTF-8";
    return false;
  }
  return true;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  size_t n = s.size();
  if (n == 0 || n > 20) return false;
  uint64_t v = 0;
  // 19 digits cannot overflow; only a 20th needs the checked multiply-add.
  size_t fast = n < 19 ? n : 19;
  for (size_t i = 0; i < fast; ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  if (n == 20) {
    unsigned d = static_cast<unsigned char>(s[19]) - '0';
    if (d > 9 || __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v)) {
      return false;
    }
  }
  *out = v;
  return true;
}

bool ParsePort(std::string_view s, uint16_t* out) {
  if (s.empty() || s.size() > 5) return false;
  uint32_t v = 0;
  for (char c : s) {
    unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  if (v > 65535) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

bool ParseIp(std::string_view s, IpAddr* out) {
  size_t n = s.size();
  if (n >= 7 && n <= 15) {
    // Dotted quad without leading zeros (as inet_pton and IpAddr::Parse accept), written
    // straight into the v4-mapped form.
    const char* p = s.data();
    const char* end = p + n;
    uint8_t q[4];
    int parts = 0;
    while (parts < 4) {
      if (p == end) break;
      unsigned d0 = static_cast<unsigned char>(*p) - '0';
      if (d0 > 9) break;
      unsigned part = d0;
      const char* start = p++;
      while (p < end && static_cast<unsigned>(static_cast<unsigned char>(*p) - '0') <= 9) {
        part = part * 10 + static_cast<unsigned>(*p - '0');
        ++p;
      }
      if (p - start > 3 || part > 255 || (p - start > 1 && d0 == 0)) break;
      q[parts++] = static_cast<uint8_t>(part);
      if (parts == 4) break;
      if (p == end || *p != '.') break;
      ++p;
    }
    if (parts == 4 && p == end) {
      static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      std::memcpy(out->bytes, kMapped, 12);
      std::memcpy(out->bytes + 12, q, 4);
      out->valid = true;
      return true;
    }
    if (std::memchr(s.data(), ':', n) == nullptr) {
      *out = IpAddr{};
      return false;
    }
  }
  if (n >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, n - 2);
  return IpAddr::Parse(s, out);
}

// ---- Events ------------------------------------------------------------------------------

bool CheckEventTime(const Event& e, int64_t max_future_skew_ns, DeadLetterReason* reason,
                    const char** detail) {
  if (max_future_skew_ns > 0 && e.ingest_time_ns > 0 &&
      e.event_time_ns > e.ingest_time_ns + max_future_skew_ns) {
    *reason = DeadLetterReason::kFutureTimestamp;
    *detail = "event time is further ahead of the ingest time than max_future_skew";
    return false;
  }
  return true;
}

uint8_t SeverityFromCef(std::string_view s) {
  int v = -1;
  if (s.size() == 1 && s[0] >= '0' && s[0] <= '9') {
    v = s[0] - '0';
  } else if (s == "10") {
    v = 10;
  } else if (EqualsIgnoreCase(s, "low")) {
    v = 2;
  } else if (EqualsIgnoreCase(s, "medium")) {
    v = 5;
  } else if (EqualsIgnoreCase(s, "high")) {
    v = 8;
  } else if (EqualsIgnoreCase(s, "very-high") || EqualsIgnoreCase(s, "very high")) {
    v = 10;
  }
  if (v < 0) return 0;
  // CEF 0-3 Low, 4-6 Medium, 7-8 High, 9-10 Very-High -> Suricata-style 4..1.
  return v <= 3 ? 4 : v <= 6 ? 3 : v <= 8 ? 2 : 1;
}

std::string_view ProtoName(std::string_view s) {
  if (s.empty() || s[0] < '0' || s[0] > '9') return s;
  if (s == "6") return "TCP";
  if (s == "17") return "UDP";
  if (s == "1") return "ICMP";
  if (s == "58") return "IPv6-ICMP";
  if (s == "47") return "GRE";
  if (s == "50") return "ESP";
  if (s == "132") return "SCTP";
  return s;
}

}  // namespace kizashi::decode::internal
