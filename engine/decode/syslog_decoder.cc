// Syslog -> Event. Auto-detects per line:
//   RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD...] MSG
//   RFC 3164: [<PRI>]Mmm dd hh:mm:ss [HOSTNAME] TAG[PID]: MSG   (year and zone from config)
// Then pulls the addresses real devices put in the message: sshd "from A.B.C.D", iptables
// "SRC=/DST=", key=value firewalls "srcip=/dstip=".
#include "engine/decode/syslog_decoder.h"

#include <cstring>

#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/decode/operator_id.h"

namespace kizashi::decode {

namespace {

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool ParseOffset(std::string_view s, int32_t* out) {
  if (s == "Z" || s == "UTC" || s.empty()) {
    *out = 0;
    return true;
  }
  if (s.size() < 5 || (s[0] != '+' && s[0] != '-')) return false;
  int h, m;
  std::string_view hh = s.substr(1, 2), mm = s.substr(s[3] == ':' ? 4 : 3, 2);
  if (!ParseInt(hh, &h) || !ParseInt(mm, &m) || h > 23 || m > 59) return false;
  *out = (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
  return true;
}

// Next space-delimited token; advances `s`.
std::string_view Token(std::string_view* s) {
  size_t sp = s->find(' ');
  std::string_view t = s->substr(0, sp);
  *s = sp == std::string_view::npos ? std::string_view() : s->substr(sp + 1);
  return t;
}

// Value after `key` up to a delimiter (space, comma, quote), e.g. "SRC=" -> "1.2.3.4".
std::string_view ValueAfter(std::string_view msg, std::string_view key) {
  size_t p = 0;
  while ((p = msg.find(key, p)) != std::string_view::npos) {
    // Must start a token (beginning or after a space/comma) to avoid "xSRC=".
    if (p == 0 || msg[p - 1] == ' ' || msg[p - 1] == ',') {
      std::string_view rest = msg.substr(p + key.size());
      if (!rest.empty() && rest[0] == '"') rest.remove_prefix(1);
      size_t end = rest.find_first_of(" ,\"");
      return rest.substr(0, end);
    }
    p += key.size();
  }
  return {};
}

class SyslogDecoder final : public Decoder {
 public:
  SyslogDecoder(const DecodeOptions& o, int32_t tz) : opts_(o), tz_(tz) {}

  void Decode(Batch& batch, uint32_t begin, uint32_t end) override {
    for (uint32_t i = begin; i < end; ++i) DecodeOne(batch, i);
  }

 private:
  void DecodeOne(Batch& batch, uint32_t idx) {
    const RawRecord& rec = batch.records[idx];
    auto dead = [&](DeadLetterReason r, const char* detail) {
      batch.dead_letters.push_back(DeadLetter{idx, r, detail});
    };
    std::string_view line = rec.value;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (static_cast<int64_t>(line.size()) > opts_.max_event_bytes) {
      return dead(DeadLetterReason::kTooLarge, "record exceeds max_event_bytes");
    }
    if (std::memchr(line.data(), '\0', line.size()) != nullptr) {
      return dead(DeadLetterReason::kNulByte, "NUL byte in record");
    }
    if (line.empty()) return dead(DeadLetterReason::kMalformed, "empty line");
    Event e;
    e.pos = rec.pos;
    e.record = idx;
    e.kind = EventKind::kSyslog;
    e.ingest_time_ns = rec.timestamp_ns;
    e.set_field(FieldId::kRaw, rec.value);
    std::string_view s = line;
    if (s[0] == '<') {
      size_t gt = s.find('>');
      int pri;
      if (gt == std::string_view::npos || gt > 4 || !ParseInt(s.substr(1, gt - 1), &pri) ||
          pri > 191) {
        return dead(DeadLetterReason::kMalformed, "bad PRI");
      }
      e.syslog_facility = static_cast<uint8_t>(pri / 8);
      e.syslog_severity = static_cast<uint8_t>(pri % 8);
      s.remove_prefix(gt + 1);
    }
    bool ok = (s.size() > 2 && s[0] == '1' && s[1] == ' ') ? Rfc5424(s.substr(2), &e)
                                                           : Rfc3164(s, rec, &e);
    if (!ok) return dead(failure_, failure_detail_);
    ExtractAddresses(&e);
    DeadLetterReason reason;
    if (!ResolveOperator(opts_, rec, {}, &e.operator_id, &reason)) {
      return dead(reason, "no operator for record");
    }
    batch.events.push_back(e);
  }

  bool Fail(DeadLetterReason r, const char* d) {
    failure_ = r;
    failure_detail_ = d;
    return false;
  }

  bool Rfc5424(std::string_view s, Event* e) {
    e->event_type = "syslog5424";
    std::string_view ts = Token(&s);
    if (ts.empty()) return Fail(DeadLetterReason::kMissingTimestamp, "no timestamp");
    if (ts == "-") return Fail(DeadLetterReason::kMissingTimestamp, "nil timestamp");
    if (!ParseIso8601(ts, &e->event_time_ns)) {
      return Fail(DeadLetterReason::kBadTimestamp, "unparseable RFC 5424 timestamp");
    }
    std::string_view host = Token(&s), app = Token(&s), procid = Token(&s), msgid = Token(&s);
    if (msgid.empty()) return Fail(DeadLetterReason::kTruncated, "RFC 5424 header incomplete");
    if (host != "-") e->host = host;
    if (app != "-") e->set_field(FieldId::kProgram, app);
    int32_t pid;
    if (procid != "-" && ParseInt(procid, &pid)) e->pid = pid;
    // Structured data: "-" or one or more [id k="v" ...] elements (']' inside values is
    // escaped as \]).
    if (!s.empty() && s[0] == '[') {
      size_t i = 0;
      while (i < s.size() && s[i] == '[') {
        bool in_quotes = false;
        ++i;
        while (i < s.size()) {
          char c = s[i];
          if (c == '\\' && in_quotes) {
            i += 2;
            continue;
          }
          if (c == '"') in_quotes = !in_quotes;
          if (c == ']' && !in_quotes) break;
          ++i;
        }
        if (i >= s.size()) return Fail(DeadLetterReason::kTruncated, "unterminated SD element");
        ++i;
      }
      s = s.substr(i);
      if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    } else if (!s.empty() && s[0] == '-') {
      s.remove_prefix(s.size() > 1 && s[1] == ' ' ? 2 : 1);
    }
    if (StartsWith(s, "\xEF\xBB\xBF")) s.remove_prefix(3);  // BOM
    e->set_field(FieldId::kMessage, s);
    return true;
  }

  bool Rfc3164(std::string_view s, const RawRecord& rec, Event* e) {
    e->event_type = "syslog3164";
    // "Mmm dd hh:mm:ss" (day space-padded), optionally followed by " YYYY".
    if (s.size() < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':') {
      return Fail(DeadLetterReason::kBadTimestamp, "no RFC 3164 timestamp");
    }
    int month = -1;
    for (int m = 0; m < 12; ++m) {
      if (s.substr(0, 3) == kMonths[m]) month = m + 1;
    }
    int day, h, mi, sec;
    std::string_view dd = s.substr(4, 2);
    if (dd[0] == ' ') dd.remove_prefix(1);
    if (month < 0 || !ParseInt(dd, &day) || !ParseInt(s.substr(7, 2), &h) ||
        !ParseInt(s.substr(10, 2), &mi) || !ParseInt(s.substr(13, 2), &sec) || day < 1 ||
        day > 31 || h > 23 || mi > 59 || sec > 60) {
      return Fail(DeadLetterReason::kBadTimestamp, "bad RFC 3164 timestamp");
    }
    s.remove_prefix(15);
    int64_t year = opts_.syslog_year;
    if (s.size() >= 5 && s[0] == ' ' && ParseInt(s.substr(1, 4), &year) &&
        (s.size() == 5 || s[5] == ' ')) {
      s.remove_prefix(5);  // some devices append the year
    } else if (year == 0) {
      int64_t ref = rec.timestamp_ns;
      int64_t y;
      unsigned m, d;
      CivilFromDays(ref / kNanosPerSecond / 86400, &y, &m, &d);
      year = y;
      if (month > static_cast<int>(m) + 1) --year;  // December line read in January
    }
    int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    e->event_time_ns =
        ((days * 86400 + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec)) - tz_) * kNanosPerSecond;
    if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    // HOSTNAME is optional: if the next token ends with ':' or contains '[', it is the tag.
    std::string_view first = s.substr(0, s.find(' '));
    bool first_is_tag = first.empty() || first.back() == ':' ||
                        first.find('[') != std::string_view::npos;
    if (!first_is_tag) {
      e->host = first;
      s.remove_prefix(std::min(s.size(), first.size() + 1));
    }
    // TAG[PID]: MSG
    size_t colon = s.find(": ");
    std::string_view tag = colon == std::string_view::npos ? std::string_view() : s.substr(0, colon);
    if (!tag.empty() && tag.find(' ') == std::string_view::npos && tag.size() <= 64) {
      size_t lb = tag.find('[');
      if (lb != std::string_view::npos && tag.back() == ']') {
        int32_t pid;
        if (ParseInt(tag.substr(lb + 1, tag.size() - lb - 2), &pid)) e->pid = pid;
        tag = tag.substr(0, lb);
      }
      e->set_field(FieldId::kProgram, tag);
      s.remove_prefix(colon + 2);
    }
    e->set_field(FieldId::kMessage, s);
    return true;
  }

  static void ExtractAddresses(Event* e) {
    std::string_view msg = e->field(FieldId::kMessage);
    std::string_view v;
    if (!(v = ValueAfter(msg, "SRC=")).empty()) IpAddr::Parse(v, &e->src);
    if (!(v = ValueAfter(msg, "DST=")).empty()) IpAddr::Parse(v, &e->dst);
    if (!e->src.valid && !(v = ValueAfter(msg, "srcip=")).empty()) IpAddr::Parse(v, &e->src);
    if (!e->dst.valid && !(v = ValueAfter(msg, "dstip=")).empty()) IpAddr::Parse(v, &e->dst);
    if (!e->src.valid) {
      // sshd / pam: "... from 203.0.113.7 port 52144 ssh2", "rhost=203.0.113.7"
      if (!(v = ValueAfter(msg, "from ")).empty()) IpAddr::Parse(v, &e->src);
      if (!e->src.valid && !(v = ValueAfter(msg, "rhost=")).empty()) IpAddr::Parse(v, &e->src);
    }
    if (!(v = ValueAfter(msg, "user ")).empty() || !(v = ValueAfter(msg, "for ")).empty()) {
      if (v != "invalid") e->set_field(FieldId::kUser, v);
    }
  }

  DecodeOptions opts_;
  int32_t tz_;
  DeadLetterReason failure_ = DeadLetterReason::kMalformed;
  const char* failure_detail_ = "";
};

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> NewSyslogDecoder(const DecodeOptions& options) {
  int32_t tz;
  if (!ParseOffset(options.syslog_timezone, &tz)) {
    return absl::InvalidArgumentError(
        StrCat("syslog_timezone '", options.syslog_timezone, "' is not an offset like +09:00"));
  }
  return std::unique_ptr<Decoder>(new SyslogDecoder(options, tz));
}

}  // namespace kizashi::decode
