#include "engine/decode/fastlog_decoder.h"

#include <cstring>

#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/decode/decode_util.h"

namespace kizashi::decode {

namespace {

using internal::LocalTimeRule;
using internal::OperatorRule;

bool Digit(char c) { return c >= '0' && c <= '9'; }
int D2(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

// "src[:port]" as Suricata/Snort print it: IPv4 "1.2.3.4:80"; IPv6 written out in full with the
// port as a ninth group ("0000:...:0001:3000"), or "[2001:db8::1]:80"; no port for ICMP.
bool ParseEndpoint(std::string_view s, IpAddr* ip, uint16_t* port) {
  if (!s.empty() && s[0] == '[') {
    size_t rb = s.find(']');
    if (rb == std::string_view::npos || !internal::ParseIp(s.substr(1, rb - 1), ip)) return false;
    if (rb + 1 < s.size()) return s[rb + 1] == ':' && internal::ParsePort(s.substr(rb + 2), port);
    return true;
  }
  size_t colons = 0;
  for (char c : s) colons += c == ':';
  size_t last = s.rfind(':');
  if (colons == 1 || colons == 8) {
    return internal::ParseIp(s.substr(0, last), ip) && internal::ParsePort(s.substr(last + 1), port);
  }
  return internal::ParseIp(s, ip);
}

// Thread contract: Decoder's. Immutable configuration.
class FastlogDecoder final : public Decoder {
 public:
  FastlogDecoder(const DecodeOptions& o, OperatorRule rule, LocalTimeRule time)
      : rule_(std::move(rule)),
        time_(time),
        max_bytes_(o.max_event_bytes),
        require_utf8_(o.require_utf8),
        max_future_skew_ns_(o.max_future_skew_ns) {}

 protected:
  void DecodeRecords(Batch& batch, uint32_t begin, uint32_t end) override {
    for (uint32_t i = begin; i < end; ++i) DecodeOne(batch, i);
  }

 private:
  void DecodeOne(Batch& batch, uint32_t idx) {
    const RawRecord& rec = batch.records[idx];
    std::string_view line = internal::StripEol(rec.value);
    DeadLetterReason reason;
    const char* detail;
    if (!internal::Precheck(line, max_bytes_, require_utf8_, &reason, &detail)) {
      return internal::DeadLetterRecord(batch, idx, reason, detail);
    }
    Event& e = internal::StartEvent(batch, idx);
    bool ok = Parse(rec, line, e, &reason, &detail) &&
              rule_.Resolve(rec, {}, &e.operator_id, &reason, &detail) &&
              internal::CheckEventTime(e, max_future_skew_ns_, &reason, &detail);
    if (!ok) {
      batch.events.pop_back();
      internal::DeadLetterRecord(batch, idx, reason, detail);
    }
  }

  static bool Fail(DeadLetterReason r, const char* d, DeadLetterReason* reason,
                   const char** detail) {
    *reason = r;
    *detail = d;
    return false;
  }

  bool Parse(const RawRecord& rec, std::string_view s, Event& e, DeadLetterReason* reason,
             const char** detail) {
    e.kind = EventKind::kFastlog;
    e.event_type = "fastlog";
    if (s.empty()) return Fail(DeadLetterReason::kMalformed, "empty line", reason, detail);
    // Time: MM/DD/YYYY-HH:MM:SS[.frac] or MM/DD-HH:MM:SS[.frac].
    const char* p = s.data();
    if (s.size() < 14 || !Digit(p[0]) || !Digit(p[1]) || p[2] != '/' || !Digit(p[3]) ||
        !Digit(p[4])) {
      return Fail(Digit(p[0]) ? DeadLetterReason::kBadTimestamp
                              : DeadLetterReason::kMissingTimestamp,
                  "fast.log line does not start with MM/DD", reason, detail);
    }
    int month = D2(p), day = D2(p + 3);
    int64_t year = 0;
    size_t i = 5;
    if (p[5] == '/') {
      if (s.size() < 26 || !Digit(p[6]) || !Digit(p[7]) || !Digit(p[8]) || !Digit(p[9])) {
        return Fail(DeadLetterReason::kBadTimestamp, "bad fast.log year", reason, detail);
      }
      year = D2(p + 6) * 100 + D2(p + 8);
      i = 10;
    }
    if (i + 9 > s.size() || p[i] != '-' || !Digit(p[i + 1]) || !Digit(p[i + 2]) ||
        p[i + 3] != ':' || !Digit(p[i + 4]) || !Digit(p[i + 5]) || p[i + 6] != ':' ||
        !Digit(p[i + 7]) || !Digit(p[i + 8])) {
      return Fail(DeadLetterReason::kBadTimestamp, "bad fast.log time", reason, detail);
    }
    int h = D2(p + i + 1), mi = D2(p + i + 4), sec = D2(p + i + 7);
    if (h > 23 || mi > 59 || sec > 60) {
      return Fail(DeadLetterReason::kBadTimestamp, "fast.log time out of range", reason, detail);
    }
    i += 9;
    int64_t nanos = 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      int digits = 0;
      while (i < s.size() && Digit(s[i])) {
        if (digits < 9) {
          nanos = nanos * 10 + (s[i] - '0');
          ++digits;
        }
        ++i;
      }
      for (; digits < 9; ++digits) nanos *= 10;
    }
    int64_t sod = h * 3600 + mi * 60 + std::min(sec, 59);
    bool ok = year != 0 ? time_.ResolveWithYear(year, month, day, sod, nanos, &e.event_time_ns)
                        : time_.Resolve(month, day, sod, nanos, rec.timestamp_ns,
                                        &e.event_time_ns);
    if (!ok) {
      return Fail(DeadLetterReason::kBadTimestamp,
                  year == 0 ? "fast.log time has no year and the record no ingest time: set year"
                            : "fast.log date does not exist",
                  reason, detail);
    }
    std::string_view r = s.substr(i);
    while (!r.empty() && r[0] == ' ') r.remove_prefix(1);
    // [**] [gid:sid:rev] msg [**]
    if (!StartsWith(r, "[**] [")) {
      return Fail(DeadLetterReason::kMalformed, "fast.log line without [**] [gid:sid:rev]",
                  reason, detail);
    }
    r.remove_prefix(6);
    size_t rb = r.find(']');
    if (rb == std::string_view::npos) {
      return Fail(DeadLetterReason::kTruncated, "fast.log [gid:sid:rev] not closed", reason,
                  detail);
    }
    std::string_view ids = r.substr(0, rb);
    size_t c1 = ids.find(':'), c2 = ids.rfind(':');
    uint64_t sid, rev;
    if (c1 == std::string_view::npos || c1 == c2 ||
        !internal::ParseU64(ids.substr(c1 + 1, c2 - c1 - 1), &sid) ||
        !internal::ParseU64(ids.substr(c2 + 1), &rev) || sid > INT64_MAX || rev > INT32_MAX) {
      return Fail(DeadLetterReason::kMalformed, "bad fast.log [gid:sid:rev]", reason, detail);
    }
    e.sig_id = static_cast<int64_t>(sid);
    e.sig_rev = static_cast<int32_t>(rev);
    r.remove_prefix(rb + 1);
    if (!r.empty() && r[0] == ' ') r.remove_prefix(1);
    size_t end = r.find(" [**]");
    if (end == std::string_view::npos) {
      return Fail(DeadLetterReason::kTruncated, "fast.log message not closed by [**]", reason,
                  detail);
    }
    std::string_view msg = r.substr(0, end);
    e.set_field(FieldId::kSignature, msg);
    e.set_field(FieldId::kMessage, msg);
    r.remove_prefix(end + 5);
    if (StartsWith(r, " [Classification: ")) {
      size_t cb = r.find(']');
      if (cb != std::string_view::npos) {
        e.set_field(FieldId::kCategory, r.substr(18, cb - 18));
        r.remove_prefix(cb + 1);
      }
    }
    if (StartsWith(r, " [Priority: ")) {
      size_t pb = r.find(']');
      uint64_t prio;
      if (pb != std::string_view::npos && internal::ParseU64(r.substr(12, pb - 12), &prio)) {
        e.ids_severity = static_cast<uint8_t>(std::min<uint64_t>(prio, 255));
        r.remove_prefix(pb + 1);
      }
    }
    // {PROTO} src[:port] -> dst[:port]
    size_t lb = r.find('{');
    size_t cbr = r.find('}');
    if (lb == std::string_view::npos || cbr == std::string_view::npos || cbr < lb) {
      return Fail(DeadLetterReason::kTruncated, "fast.log line without {PROTO}", reason, detail);
    }
    e.proto = internal::ProtoName(r.substr(lb + 1, cbr - lb - 1));
    r.remove_prefix(cbr + 1);
    while (!r.empty() && r[0] == ' ') r.remove_prefix(1);
    size_t arrow = r.find(" -> ");
    if (arrow == std::string_view::npos) {
      return Fail(DeadLetterReason::kTruncated, "fast.log line without src -> dst", reason,
                  detail);
    }
    std::string_view dst = r.substr(arrow + 4);
    while (!dst.empty() && dst.back() == ' ') dst.remove_suffix(1);
    if (!ParseEndpoint(r.substr(0, arrow), &e.src, &e.src_port) ||
        !ParseEndpoint(dst, &e.dst, &e.dst_port)) {
      return Fail(DeadLetterReason::kMalformed, "fast.log address is not ip[:port]", reason,
                  detail);
    }
    return true;
  }

  OperatorRule rule_;
  LocalTimeRule time_;
  int64_t max_bytes_;
  bool require_utf8_;
  int64_t max_future_skew_ns_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> NewFastlogDecoder(const DecodeOptions& o) {
  KZ_ASSIGN_OR_RETURN(OperatorRule rule, OperatorRule::Make(o));
  if (rule.from() == internal::OperatorFrom::kField) {
    return absl::InvalidArgumentError(
        "fast.log lines carry no operator: use operator_from key, header, topic or fixed");
  }
  LocalTimeRule time;
  if (!internal::ParseUtcOffset(o.timezone, &time.tz_seconds)) {
    return absl::InvalidArgumentError(
        StrCat("timezone '", o.timezone, "' is not a UTC offset like +09:00"));
  }
  time.fixed_year = o.year;
  return std::unique_ptr<Decoder>(new FastlogDecoder(o, std::move(rule), time));
}

}  // namespace kizashi::decode
