// Syslog -> Event. Per record (auto-detected, never from the previous record):
//   [<PRI>]1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]           RFC 5424
//   [<PRI>][*]Mmm dd [yyyy ]hh:mm:ss[.frac][:] [<f.s>] [HOST] [TAG[PID]:] MSG   RFC 3164/BSD
//   [<PRI>]yyyy-mm-ddThh:mm:ss[.frac]zone [HOST] [TAG[PID]:] MSG          RFC 3164 + ISO time
//   [<PRI>]CEF:0|...                                                      bare CEF
//   [<PRI>]date=YYYY-MM-DD time=hh:mm:ss ... key=value                   FortiGate
// RFC 3164 has no year and no zone: DecodeOptions::year and ::timezone decide them (explicit
// configuration, see docs/decoding.md). The MSG then goes through the extractor for its
// program (message_extract.h); CEF in the MSG is parsed as CEF.
#include "engine/decode/syslog_decoder.h"

#include <cstring>

#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/decode/cef.h"
#include "engine/decode/decode_util.h"
#include "engine/decode/message_extract.h"

namespace kizashi::decode {

namespace {

using internal::LocalTimeRule;
using internal::OperatorRule;

struct Failure {
  DeadLetterReason reason = DeadLetterReason::kMalformed;
  const char* detail = "";
  bool Set(DeadLetterReason r, const char* d) {
    reason = r;
    detail = d;
    return false;
  }
};

// Next space-delimited token of `s`; advances `s` past it and one space.
std::string_view Token(std::string_view* s) {
  // Header tokens are short: a plain loop beats a memchr call.
  const char* p = s->data();
  size_t n = s->size(), i = 0;
  while (i < n && p[i] != ' ') ++i;
  std::string_view t(p, i);
  *s = i < n ? std::string_view(p + i + 1, n - i - 1) : std::string_view();
  return t;
}

bool Digit(char c) { return c >= '0' && c <= '9'; }

// Thread contract: Decoder's. Immutable configuration; per-call state only on the stack.
class SyslogDecoder final : public Decoder {
 public:
  SyslogDecoder(const DecodeOptions& o, OperatorRule rule, LocalTimeRule time, bool cef_only)
      : rule_(std::move(rule)),
        time_(time),
        cef_only_(cef_only),
        max_bytes_(o.max_event_bytes),
        require_utf8_(o.require_utf8),
        max_future_skew_ns_(o.max_future_skew_ns) {
    if (rule_.wants_claim()) {
      size_t slash = o.operator_field.find('/');
      if (slash != std::string::npos) {
        sd_id_ = o.operator_field.substr(0, slash);
        sd_param_ = o.operator_field.substr(slash + 1);
      } else {
        cef_key_ = o.operator_field;
      }
    }
  }

 protected:
  void DecodeRecords(Batch& batch, uint32_t begin, uint32_t end) override {
    for (uint32_t i = begin; i < end; ++i) DecodeOne(batch, i);
  }

 private:
  void DecodeOne(Batch& batch, uint32_t idx) {
    const RawRecord& rec = batch.records[idx];
    std::string_view line = internal::StripEol(rec.value);
    Failure f;
    if (!internal::Precheck(line, max_bytes_, require_utf8_, &f.reason, &f.detail)) {
      return internal::DeadLetterRecord(batch, idx, f.reason, f.detail);
    }
    if (line.empty()) {
      return internal::DeadLetterRecord(batch, idx, DeadLetterReason::kMalformed, "empty line");
    }
    Event& e = internal::StartEvent(batch, idx);
    std::string_view claim;
    bool ok = Parse(rec, line, &batch.arena, e, &claim, &f);
    if (ok) {
      ok = rule_.Resolve(rec, claim, &e.operator_id, &f.reason, &f.detail) &&
           internal::CheckEventTime(e, max_future_skew_ns_, &f.reason, &f.detail);
    }
    if (!ok) {
      batch.events.pop_back();
      internal::DeadLetterRecord(batch, idx, f.reason, f.detail);
    }
  }

  bool Parse(const RawRecord& rec, std::string_view s, Arena* arena, Event& e,
             std::string_view* claim, Failure* f) {
    e.kind = EventKind::kSyslog;
    if (s[0] == '<') {
      // PRI: "<" 1-3 digits ">", value <= 191.
      size_t i = 1;
      unsigned pri = 0;
      while (i < s.size() && i <= 3 && Digit(s[i])) pri = pri * 10 + static_cast<unsigned>(s[i++] - '0');
      if (i == 1 || i >= s.size() || s[i] != '>' || pri > 191) {
        return f->Set(DeadLetterReason::kMalformed, "bad syslog PRI");
      }
      e.syslog_facility = static_cast<uint8_t>(pri / 8);
      e.syslog_severity = static_cast<uint8_t>(pri % 8);
      s.remove_prefix(i + 1);
    }
    if (s.size() >= 2 && s[0] == '1' && s[1] == ' ') {
      if (!Rfc5424(s.substr(2), arena, e, claim, f)) return false;
    } else if (StartsWith(s, "CEF:")) {
      return BareCef(rec, s, arena, e, claim, f);
    } else if (StartsWith(s, "date=")) {
      if (cef_only_) return f->Set(DeadLetterReason::kMalformed, "not a CEF record");
      return BareKeyValue(s, arena, e, f);
    } else if (!Rfc3164(rec, s, e, f)) {
      return false;
    }
    return Extract(rec, arena, e, claim, f);
  }

  bool Rfc5424(std::string_view s, Arena* arena, Event& e, std::string_view* claim, Failure* f) {
    e.event_type = "syslog5424";
    std::string_view ts = Token(&s);
    if (ts.empty() || ts == "-") {
      return f->Set(DeadLetterReason::kMissingTimestamp, "RFC 5424 record with NILVALUE time");
    }
    if (!ParseIso8601(ts, &e.event_time_ns, time_.tz_seconds)) {
      return f->Set(DeadLetterReason::kBadTimestamp, "RFC 5424 TIMESTAMP is not RFC 3339");
    }
    std::string_view host = Token(&s), app = Token(&s), procid = Token(&s);
    if (s.empty()) return f->Set(DeadLetterReason::kTruncated, "RFC 5424 header incomplete");
    std::string_view msgid = Token(&s);
    if (host != "-") e.host = host;
    if (app != "-") e.set_field(FieldId::kProgram, app);
    if (msgid != "-" && !msgid.empty()) e.set_field(FieldId::kSyslogMsgId, msgid);
    int32_t pid;
    if (procid != "-" && ParseInt(procid, &pid) && pid >= 0) e.pid = pid;
    // STRUCTURED-DATA: "-" or [SD-ID PARAM="VALUE" ...]... (\" \\ \] escaped in values).
    if (s.empty()) return f->Set(DeadLetterReason::kTruncated, "RFC 5424 record without SD");
    if (s[0] == '-') {
      s.remove_prefix(1);
    } else if (s[0] == '[') {
      size_t i = 0;
      while (i < s.size() && s[i] == '[') {
        size_t elem = i;
        bool in_quotes = false;
        ++i;
        while (i < s.size()) {
          char c = s[i];
          if (in_quotes && c == '\\') {
            i += 2;
            continue;
          }
          if (c == '"') in_quotes = !in_quotes;
          if (c == ']' && !in_quotes) break;
          ++i;
        }
        if (i >= s.size()) {
          return f->Set(DeadLetterReason::kTruncated, "unterminated RFC 5424 SD element");
        }
        ++i;
        if (!sd_id_.empty() && claim->empty()) {
          *claim = SdParam(s.substr(elem, i - elem), arena);
        }
      }
      e.set_field(FieldId::kStructuredData, s.substr(0, i));
      s.remove_prefix(i);
    } else {
      return f->Set(DeadLetterReason::kMalformed, "RFC 5424 STRUCTURED-DATA is neither - nor [");
    }
    if (!s.empty()) {
      if (s[0] != ' ') return f->Set(DeadLetterReason::kMalformed, "no space before RFC 5424 MSG");
      s.remove_prefix(1);
    }
    if (StartsWith(s, "\xEF\xBB\xBF")) s.remove_prefix(3);  // UTF-8 BOM
    e.set_field(FieldId::kMessage, s);
    return true;
  }

  // The value of PARAM `sd_param_` in the SD element `elem` ("[id k="v" ...]") if its SD-ID is
  // `sd_id_`, unescaped.
  std::string_view SdParam(std::string_view elem, Arena* arena) const {
    std::string_view body = elem.substr(1, elem.size() - 2);
    std::string_view id = body.substr(0, body.find(' '));
    if (id != sd_id_) return {};
    size_t i = id.size();
    while (i < body.size()) {
      while (i < body.size() && body[i] == ' ') ++i;
      size_t eq = body.find('=', i);
      if (eq == std::string_view::npos || eq + 1 >= body.size() || body[eq + 1] != '"') return {};
      std::string_view name = body.substr(i, eq - i);
      size_t j = eq + 2;
      bool esc = false;
      while (j < body.size() && body[j] != '"') {
        if (body[j] == '\\') {
          esc = true;
          ++j;
        }
        ++j;
      }
      std::string_view val = body.substr(eq + 2, std::min(j, body.size()) - eq - 2);
      if (name == sd_param_) {
        if (!esc) return val;
        char* d = arena->Allocate(val.size());
        size_t o = 0;
        for (size_t k = 0; k < val.size(); ++k) {
          if (val[k] == '\\' && k + 1 < val.size()) ++k;
          d[o++] = val[k];
        }
        return {d, o};
      }
      i = j + 1;
    }
    return {};
  }

  bool Rfc3164(const RawRecord& rec, std::string_view s, Event& e, Failure* f) {
    e.event_type = "syslog3164";
    if (!s.empty() && (s[0] == '*' || s[0] == '.')) s.remove_prefix(1);  // Cisco sync marker
    if (s.size() >= 11 && Digit(s[0]) && Digit(s[3]) && s[4] == '-' && s[7] == '-') {
      // High-precision variant: RFC 3339 in place of the BSD stamp (rsyslog, MikroTik).
      std::string_view ts = Token(&s);
      if (!ParseIso8601(ts, &e.event_time_ns, time_.tz_seconds)) {
        return f->Set(DeadLetterReason::kBadTimestamp, "unparseable ISO 8601 syslog timestamp");
      }
    } else {
      internal::BsdTime t;
      size_t used;
      if (!internal::ParseBsdTime(s, &t, &used)) {
        bool looks_like_time = s.size() >= 3 && (internal::MonthFromAbbrev(s.data()) != 0 ||
                                                 Digit(s[0]));
        return looks_like_time
                   ? f->Set(DeadLetterReason::kBadTimestamp, "unparseable RFC 3164 timestamp")
                   : f->Set(DeadLetterReason::kMissingTimestamp, "syslog record without timestamp");
      }
      s.remove_prefix(used);
      if (!s.empty() && s[0] == ':') s.remove_prefix(1);  // "Mar  1 18:46:11: %SYS-..."
      // A year written after the time ("Jan  5 08:52:35 2015 host").
      if (t.year == 0 && s.size() >= 5 && s[0] == ' ' && Digit(s[1]) && Digit(s[2]) &&
          Digit(s[3]) && Digit(s[4]) && (s.size() == 5 || s[5] == ' ')) {
        t.year = (s[1] - '0') * 1000 + (s[2] - '0') * 100 + (s[3] - '0') * 10 + (s[4] - '0');
        s.remove_prefix(5);
      }
      bool ok = t.year != 0 ? time_.ResolveWithYear(t.year, t.month, t.day, t.seconds_of_day,
                                                     t.nanos, &e.event_time_ns)
                            : time_.Resolve(t.month, t.day, t.seconds_of_day, t.nanos,
                                            rec.timestamp_ns, &e.event_time_ns);
      if (!ok) {
        return f->Set(DeadLetterReason::kBadTimestamp,
                      t.year == 0 && time_.fixed_year == 0 && rec.timestamp_ns <= 0
                          ? "RFC 3164 time has no year and the record no ingest time: set year"
                          : "RFC 3164 date does not exist");
      }
    }
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    // FreeBSD syslogd -v: "<facility.severity>" after the time.
    if (!s.empty() && s[0] == '<') {
      size_t gt = s.find('>');
      size_t dot = s.find('.');
      unsigned fac, sev;
      if (gt != std::string_view::npos && dot < gt && ParseInt(s.substr(1, dot - 1), &fac) &&
          ParseInt(s.substr(dot + 1, gt - dot - 1), &sev) && fac < 24 && sev < 8) {
        e.syslog_facility = static_cast<uint8_t>(fac);
        e.syslog_severity = static_cast<uint8_t>(sev);
        s.remove_prefix(gt + 1);
        while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
      }
    }
    // HOSTNAME is optional: a first token that is a TAG ("sshd[1]:", "kernel:") means none.
    std::string_view rest = s;
    std::string_view first = Token(&rest);
    if (!IsTag(first) && !StartsWith(s, "CEF:")) {
      e.host = first;
      s = rest;
    }
    if (StartsWith(s, "CEF:")) {
      e.set_field(FieldId::kMessage, s);
      return true;
    }
    rest = s;
    std::string_view tag = Token(&rest);
    if (IsTag(tag)) {
      tag.remove_suffix(1);  // ':'
      if (tag.size() >= 3 && tag.back() == ']') {
        size_t lb = tag.rfind('[');
        int32_t pid;
        if (lb != std::string_view::npos &&
            ParseInt(tag.substr(lb + 1, tag.size() - lb - 2), &pid) && pid >= 0) {
          e.pid = pid;
          tag = tag.substr(0, lb);
        }
      }
      e.set_field(FieldId::kProgram, tag);
      s = rest;
    }
    e.set_field(FieldId::kMessage, s);
    return true;
  }

  // "prog:", "prog[123]:", "%ASA-6-302013:", "postfix/smtpd[1]:" — no '=', short.
  static bool IsTag(std::string_view t) {
    if (t.size() < 2 || t.size() > 64 || t.back() != ':') return false;
    for (char c : t) {
      if (c == '=' || c == '"') return false;
    }
    return true;
  }

  bool BareCef(const RawRecord& rec, std::string_view s, Arena* arena, Event& e,
               std::string_view* claim, Failure* f) {
    internal::CefExtras x;
    if (!internal::ParseCef(s, cef_key_, arena, &e, &x, &f->detail)) {
      return f->Set(DeadLetterReason::kMalformed, f->detail);
    }
    *claim = x.claim;
    return CefTime(rec, x, false, e, f);
  }

  bool CefTime(const RawRecord& rec, const internal::CefExtras& x, bool have_header_time,
               Event& e, Failure* f) {
    std::string_view t = !x.rt.empty() ? x.rt : !x.end.empty() ? x.end : x.start;
    if (t.empty()) {
      return have_header_time ||
             f->Set(DeadLetterReason::kMissingTimestamp, "CEF record without rt/end/start time");
    }
    if (!internal::ParseCefTime(t, time_, rec.timestamp_ns, &e.event_time_ns)) {
      return f->Set(DeadLetterReason::kBadTimestamp, "unparseable CEF time");
    }
    return true;
  }

  bool BareKeyValue(std::string_view s, Arena* arena, Event& e, Failure* f) {
    e.event_type = "kv";
    e.set_field(FieldId::kMessage, s);
    internal::KvTime kt;
    internal::ExtractKeyValues(s, arena, &e, &kt);
    // date=2024-10-14 time=13:46:40 [tz="-0700"]
    std::string_view d = kt.date, t = kt.time;
    if (d.empty() || t.empty()) {
      return f->Set(DeadLetterReason::kMissingTimestamp, "key=value record without date/time");
    }
    int y, mo, dd;
    if (d.size() != 10 || d[4] != '-' || d[7] != '-' || !ParseInt(d.substr(0, 4), &y) ||
        !ParseInt(d.substr(5, 2), &mo) || !ParseInt(d.substr(8, 2), &dd) || t.size() != 8 ||
        t[2] != ':' || t[5] != ':') {
      return f->Set(DeadLetterReason::kBadTimestamp, "unparseable date=/time=");
    }
    int h, mi, sec;
    if (!ParseInt(t.substr(0, 2), &h) || !ParseInt(t.substr(3, 2), &mi) ||
        !ParseInt(t.substr(6, 2), &sec) || h > 23 || mi > 59 || sec > 60) {
      return f->Set(DeadLetterReason::kBadTimestamp, "unparseable time=");
    }
    LocalTimeRule r = time_;
    if (!kt.tz.empty() && !internal::ParseUtcOffset(kt.tz, &r.tz_seconds)) {
      return f->Set(DeadLetterReason::kBadTimestamp, "unparseable tz=");
    }
    if (!r.ResolveWithYear(y, mo, dd, h * 3600 + mi * 60 + std::min(sec, 59), 0,
                           &e.event_time_ns)) {
      return f->Set(DeadLetterReason::kBadTimestamp, "date= does not exist");
    }
    return true;
  }

  bool Extract(const RawRecord& rec, Arena* arena, Event& e, std::string_view* claim,
               Failure* f) {
    std::string_view msg = e.field(FieldId::kMessage);
    if (StartsWith(msg, "CEF:")) {
      internal::CefExtras x;
      const char* detail;
      if (!internal::ParseCef(msg, cef_key_, arena, &e, &x, &detail)) {
        if (cef_only_) return f->Set(DeadLetterReason::kMalformed, detail);
      } else {
        if (!x.claim.empty()) *claim = x.claim;
        return CefTime(rec, x, true, e, f);
      }
    }
    if (cef_only_) return f->Set(DeadLetterReason::kMalformed, "not a CEF record");
    std::string_view prog = e.field(FieldId::kProgram);
    if (StartsWith(prog, "sshd")) {
      internal::ExtractSshd(msg, arena, &e);
    } else if (prog == "kernel") {
      internal::ExtractKeyValues(msg, arena, &e);
    } else if (prog == "sudo") {
      internal::ExtractSudo(msg, arena, &e);
    } else if (prog == "filterlog") {
      internal::ExtractFilterlog(msg, &e);
    } else if (StartsWith(prog, "%ASA-") || StartsWith(prog, "%FTD-") ||
               StartsWith(prog, "%PIX-")) {
      internal::ExtractCiscoAsa(prog, msg, &e);
    } else if (!internal::ExtractPaloAlto(msg, arena, &e)) {
      internal::ExtractGeneric(msg, arena, &e);
    }
    return true;
  }

  OperatorRule rule_;
  LocalTimeRule time_;
  bool cef_only_;
  int64_t max_bytes_;
  bool require_utf8_;
  int64_t max_future_skew_ns_;
  std::string sd_id_, sd_param_, cef_key_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> NewSyslogDecoder(const DecodeOptions& o, bool cef_only) {
  KZ_ASSIGN_OR_RETURN(OperatorRule rule, OperatorRule::Make(o));
  LocalTimeRule time;
  if (!internal::ParseUtcOffset(o.timezone, &time.tz_seconds)) {
    return absl::InvalidArgumentError(
        StrCat("timezone '", o.timezone, "' is not a UTC offset like +09:00"));
  }
  time.fixed_year = o.year;
  return std::unique_ptr<Decoder>(new SyslogDecoder(o, std::move(rule), time, cef_only));
}

}  // namespace kizashi::decode
