#include "patterns/cli/sample_events.h"

#include <simdjson.h>

#include "engine/common/strings.h"

namespace kizashi::patterns {

bool ParseSampleFormat(std::string_view s, SampleFormat* out) {
  if (s == "lines") *out = SampleFormat::kLines;
  else if (s == "syslog") *out = SampleFormat::kSyslog;
  else if (s == "eve") *out = SampleFormat::kEve;
  else return false;
  return true;
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Length of a leading RFC 3164 timestamp "Mmm d hh:mm:ss " (day one or two digits, space-
// padded or not), or 0.
size_t Bsd3164Time(std::string_view s) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (s.size() < 15) return 0;
  bool month = false;
  for (size_t m = 0; m < 12; ++m) month |= s.substr(0, 3) == kMonths.substr(m * 3, 3);
  if (!month || s[3] != ' ') return 0;
  size_t i = 4;
  if (s[i] == ' ') ++i;
  if (!IsDigit(s[i])) return 0;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i + 10 > s.size() || s[i] != ' ') return 0;
  std::string_view t = s.substr(i + 1, 8);
  if (!IsDigit(t[0]) || t[2] != ':' || t[5] != ':' || s[i + 9] != ' ') return 0;
  return i + 10;
}

// "host tag[pid]: msg", "host tag: msg", "host tag[pid] msg" -> msg; `program` = tag.
std::string_view AfterHostTag(std::string_view rest, std::string_view* program) {
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos) return rest;
  std::string_view after_host = rest.substr(sp + 1);
  size_t end = after_host.find(' ');
  std::string_view tok = after_host.substr(0, end);
  std::string_view msg = end == std::string_view::npos ? std::string_view()
                                                       : after_host.substr(end + 1);
  bool colon = !tok.empty() && tok.back() == ':';
  if (colon) tok.remove_suffix(1);
  bool pid = !tok.empty() && tok.back() == ']' && tok.find('[') != std::string_view::npos;
  bool name_ok = !tok.empty();
  for (char c : tok.substr(0, pid ? tok.find('[') : tok.size())) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' ||
              c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
    name_ok &= ok;
  }
  if (name_ok && (colon || pid)) {
    *program = tok.substr(0, tok.find_first_of("[("));
    return msg;
  }
  // No tag right after the host: the message starts after the host.
  return after_host;
}

}  // namespace

std::string_view SyslogMessage(std::string_view line, std::string_view* program) {
  *program = {};
  std::string_view s = line;
  if (!s.empty() && s[0] == '<') {
    size_t gt = s.find('>');
    if (gt != std::string_view::npos && gt <= 4) s.remove_prefix(gt + 1);
  }
  // RFC 5424: VERSION SP TIMESTAMP SP HOST SP APP SP PROCID SP MSGID SP SD [SP MSG]
  if (s.size() > 2 && s[0] == '1' && s[1] == ' ') {
    std::string_view r = s.substr(2);
    std::string_view tok[5];
    for (auto& t : tok) {
      size_t sp = r.find(' ');
      t = r.substr(0, sp);
      r = sp == std::string_view::npos ? std::string_view() : r.substr(sp + 1);
    }
    if (tok[2] != "-") *program = tok[2];
    // Structured data: "-" or one or more [..] elements.
    if (StartsWith(r, "- ")) return r.substr(2);
    if (r == "-") return {};
    if (StartsWith(r, "[")) {
      size_t i = 0;
      while (i < r.size() && r[i] == '[') {
        bool quote = false;
        for (++i; i < r.size(); ++i) {
          if (r[i] == '\\') { ++i; continue; }
          if (r[i] == '"') quote = !quote;
          if (r[i] == ']' && !quote) { ++i; break; }
        }
      }
      return i < r.size() && r[i] == ' ' ? r.substr(i + 1) : r.substr(i);
    }
    return r;
  }
  if (size_t n = Bsd3164Time(s); n > 0) return AfterHostTag(s.substr(n), program);
  // ISO-8601 timestamp then host: "2024-03-01T10:00:00(.fff)?(Z|+hh:mm)? host tag: msg"
  if (s.size() > 20 && IsDigit(s[0]) && s[4] == '-' && s[7] == '-' && s[10] == 'T') {
    size_t sp = s.find(' ');
    if (sp != std::string_view::npos) return AfterHostTag(s.substr(sp + 1), program);
  }
  return line;
}

namespace {

std::string_view Keep(SampleEvents* out, std::string_view v) {
  out->storage.emplace_back(v);
  return out->storage.back();
}

void EveField(simdjson::dom::element obj, const char* a, const char* b, Event* e, FieldId f,
              SampleEvents* out) {
  std::string_view v;
  simdjson::dom::element sub;
  if (b == nullptr) {
    if (obj[a].get_string().get(v) == simdjson::SUCCESS) e->set_field(f, Keep(out, v));
    return;
  }
  if (obj[a].get(sub) == simdjson::SUCCESS && sub[b].get_string().get(v) == simdjson::SUCCESS) {
    e->set_field(f, Keep(out, v));
  }
}

}  // namespace

absl::Status ReadSampleEvents(std::string_view text, SampleFormat format, FieldId line_field,
                              SampleEvents* out) {
  simdjson::dom::parser parser;
  int lineno = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (StripWhitespace(line).empty() || (format != SampleFormat::kLines && line[0] == '#')) {
      ++out->skipped;
      continue;
    }
    Event e;
    e.pos.offset = lineno;
    switch (format) {
      case SampleFormat::kLines:
        e.set_field(line_field, Keep(out, line));
        break;
      case SampleFormat::kSyslog: {
        std::string_view raw = Keep(out, line);
        std::string_view program;
        e.set_field(FieldId::kRaw, raw);
        e.set_field(FieldId::kMessage, SyslogMessage(raw, &program));
        if (!program.empty()) e.set_field(FieldId::kProgram, program);
        e.kind = EventKind::kSyslog;
        break;
      }
      case SampleFormat::kEve: {
        simdjson::dom::element obj;
        if (parser.parse(line.data(), line.size()).get(obj) != simdjson::SUCCESS ||
            !obj.is_object()) {
          ++out->skipped;
          continue;
        }
        e.set_field(FieldId::kRaw, Keep(out, line));
        std::string_view v;
        if (obj["event_type"].get_string().get(v) == simdjson::SUCCESS) {
          e.event_type = Keep(out, v);
        }
        if (obj["app_proto"].get_string().get(v) == simdjson::SUCCESS) {
          e.app_proto = Keep(out, v);
        }
        if (obj["src_ip"].get_string().get(v) == simdjson::SUCCESS) IpAddr::Parse(v, &e.src);
        if (obj["dest_ip"].get_string().get(v) == simdjson::SUCCESS) IpAddr::Parse(v, &e.dst);
        EveField(obj, "alert", "signature", &e, FieldId::kSignature, out);
        EveField(obj, "alert", "category", &e, FieldId::kCategory, out);
        EveField(obj, "payload_printable", nullptr, &e, FieldId::kPayload, out);
        EveField(obj, "http", "url", &e, FieldId::kHttpUrl, out);
        EveField(obj, "http", "hostname", &e, FieldId::kHttpHostname, out);
        EveField(obj, "http", "http_user_agent", &e, FieldId::kHttpUserAgent, out);
        EveField(obj, "http", "http_method", &e, FieldId::kHttpMethod, out);
        EveField(obj, "dns", "rrname", &e, FieldId::kDnsRrname, out);
        EveField(obj, "tls", "sni", &e, FieldId::kTlsSni, out);
        simdjson::dom::element tls, ja3;
        if (obj["tls"].get(tls) == simdjson::SUCCESS && tls["ja3"].get(ja3) == simdjson::SUCCESS &&
            ja3["hash"].get_string().get(v) == simdjson::SUCCESS) {
          e.set_field(FieldId::kTlsJa3, Keep(out, v));
        }
        EveField(obj, "fileinfo", "filename", &e, FieldId::kFileName, out);
        EveField(obj, "fileinfo", "magic", &e, FieldId::kFileMagic, out);
        EveField(obj, "fileinfo", "md5", &e, FieldId::kFileMd5, out);
        EveField(obj, "fileinfo", "sha1", &e, FieldId::kFileSha1, out);
        EveField(obj, "fileinfo", "sha256", &e, FieldId::kFileSha256, out);
        simdjson::dom::element ssh, client;
        if (obj["ssh"].get(ssh) == simdjson::SUCCESS &&
            ssh["client"].get(client) == simdjson::SUCCESS &&
            client["software_version"].get_string().get(v) == simdjson::SUCCESS) {
          e.set_field(FieldId::kSshClient, Keep(out, v));
        }
        break;
      }
    }
    out->bytes += line.size();
    out->events.push_back(e);
    out->lines.push_back(lineno);
  }
  return absl::OkStatus();
}

}  // namespace kizashi::patterns
