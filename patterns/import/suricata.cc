// Suricata 5+ / Snort 2.9 rules -> `rule` entries.
//
// A rule becomes exactly one entry whose steps are its content / pcre / isdataat / size
// options on the event fields their buffers map to. What cannot be evaluated on a decoded
// event refuses the whole rule with the keyword and why (matching without it would be a
// different, looser rule). Keywords that carry no matching meaning for events (flow
// direction, thresholds, flowbits set) are accepted and counted in the report.
#include <algorithm>
#include <set>

#include "engine/common/strings.h"
#include "patterns/import/import.h"

namespace kizashi::patterns {

namespace {

struct Buffer {
  bool ok = false;
  FieldId field = FieldId::kPayload;
  std::string why;  // when !ok
};

Buffer Field(FieldId f) { return Buffer{true, f, ""}; }
Buffer NoField(std::string_view name, std::string_view what) {
  return Buffer{false, FieldId::kPayload,
                StrCat("buffer ", name, " (", what, ") has no field in kizashi's event model")};
}

// Sticky buffers (Suricata 5 dotted names and the older underscore stickies) and content
// modifiers (Snort / Suricata 4), to the event field they inspect.
Buffer MapBuffer(std::string_view b) {
  if (b == "http.uri" || b == "http_uri" || b == "http.uri.raw" || b == "http_raw_uri" ||
      b == "uricontent") {
    return Field(FieldId::kHttpUrl);
  }
  if (b == "http.method" || b == "http_method") return Field(FieldId::kHttpMethod);
  if (b == "http.user_agent" || b == "http_user_agent") return Field(FieldId::kHttpUserAgent);
  if (b == "http.host" || b == "http_host" || b == "http.host.raw" || b == "http_raw_host") {
    return Field(FieldId::kHttpHostname);
  }
  if (b == "dns.query" || b == "dns_query") return Field(FieldId::kDnsRrname);
  if (b == "tls.sni" || b == "tls_sni") return Field(FieldId::kTlsSni);
  if (b == "ja3.hash" || b == "ja3_hash") return Field(FieldId::kTlsJa3);
  if (b == "file.name") return Field(FieldId::kFileName);
  if (b == "pkt_data") return Field(FieldId::kPayload);
  if (b == "file_data" || b == "file.data" || b == "http.response_body" ||
      b == "http_server_body") {
    return NoField(b, "HTTP response / file body; EVE events do not carry it");
  }
  if (b == "http.request_body" || b == "http_client_body") {
    return NoField(b, "HTTP request body; EVE events do not carry it");
  }
  if (b == "http.header" || b == "http_header" || b == "http.header.raw" ||
      b == "http_raw_header" || b == "http.header_names" || b == "http_header_names") {
    return NoField(b, "raw HTTP headers; EVE logs selected headers only");
  }
  if (b == "http.cookie" || b == "http_cookie" || b == "http_raw_cookie") {
    return NoField(b, "HTTP cookie");
  }
  if (b == "tls.certs" || StartsWith(b, "tls.cert") || StartsWith(b, "tls_cert")) {
    return NoField(b, "TLS certificate data");
  }
  if (StartsWith(b, "http") || StartsWith(b, "ja3") || StartsWith(b, "tls") ||
      StartsWith(b, "dns") || StartsWith(b, "ssh") || StartsWith(b, "smb") ||
      StartsWith(b, "krb5") || StartsWith(b, "sip") || StartsWith(b, "quic") ||
      StartsWith(b, "ftp") || StartsWith(b, "smtp") || StartsWith(b, "file")) {
    return NoField(b, "not logged as an event field");
  }
  return Buffer{false, FieldId::kPayload, StrCat("unknown buffer ", b)};
}

bool IsBufferKeyword(std::string_view k) {
  static const std::set<std::string_view> kSticky = {
      "http.uri", "http.uri.raw", "http.method", "http.user_agent", "http.host",
      "http.host.raw", "dns.query", "dns_query", "tls.sni", "tls_sni", "ja3.hash", "ja3_hash",
      "file.name", "pkt_data", "file_data", "file.data", "http.response_body",
      "http.request_body", "http.header", "http.header.raw", "http.header_names",
      "http.cookie", "tls.certs", "ja3.string", "ja3s.hash", "ja3s.string", "ssh.proto",
      "ssh_proto", "ssh.software", "ssh_software", "http.stat_code", "http.stat_msg",
      "http.content_type", "http.content_len", "http.referer", "http.start", "http.protocol",
      "http.request_line", "http.response_line", "http.server", "http.location",
      "http.accept", "http.accept_enc", "http.accept_lang", "http.connection",
      "tls.cert_subject", "tls.cert_issuer", "tls.cert_serial", "tls.cert_fingerprint",
      "http.request_header", "http.response_header", "smb.named_pipe", "smb.share",
      "krb5_cname", "krb5_sname", "http2.header_name", "quic.sni", "quic.ua", "sip.method",
      "sip.uri", "dns.answer.name", "dns.queries.rrname", "smtp.helo", "ftp.command"};
  return kSticky.count(k) > 0;
}

bool IsContentModifier(std::string_view k) {
  static const std::set<std::string_view> kMods = {
      "http_uri", "http_raw_uri", "http_method", "http_user_agent", "http_host",
      "http_raw_host", "http_header", "http_raw_header", "http_cookie", "http_raw_cookie",
      "http_client_body", "http_server_body", "http_stat_code", "http_stat_msg",
      "http_header_names", "http_accept", "http_accept_enc", "http_accept_lang",
      "http_connection", "http_content_type", "http_content_len", "http_referer",
      "http_protocol", "http_request_line", "http_response_line", "http_start"};
  return kMods.count(k) > 0;
}

// Keywords refused with a reason, by family.
std::string RefusedKeyword(std::string_view k) {
  static const std::set<std::string_view> kBytes = {"byte_test", "byte_jump", "byte_extract",
                                                    "byte_math", "entropy", "asn1"};
  static const std::set<std::string_view> kPacket = {
      "ttl", "tos", "id", "ipopts", "fragbits", "fragoffset", "flags", "ack", "seq", "window",
      "itype", "icode", "icmp_id", "icmp_seq", "ip_proto", "sameip", "tcp.mss", "tcp.flags",
      "stream_size", "rpc", "icmpv6.mtu", "tcp.hdr", "udp.hdr", "ipv4.hdr", "ipv6.hdr"};
  static const std::set<std::string_view> kState = {"flowint", "xbits", "hostbits", "ssl_state",
                                                    "ssl_version", "tls.version", "tls.store",
                                                    "tls_cert_notbefore", "tls_cert_notafter",
                                                    "tls_cert_expired", "tls_cert_valid",
                                                    "tls.fingerprint", "tls.subject",
                                                    "tls.issuerdn", "dns.opcode", "dns_opcode"};
  static const std::set<std::string_view> kFile = {"filemagic", "filename", "fileext",
                                                   "filemd5", "filesha1", "filesha256",
                                                   "filesize", "file.magic"};
  if (kBytes.count(k)) return "binary field extraction from the packet (EVE carries printable payload text, not the packet)";
  if (kPacket.count(k)) return "packet-header keyword (the matcher sees decoded events, not packets)";
  if (kState.count(k)) return "depends on protocol or flow state kizashi's matcher does not keep";
  if (kFile.count(k)) return "file-inspection keyword (not evaluated on events)";
  if (k == "base64_decode" || k == "base64_data") return "decodes the payload before matching (base64 transform not supported)";
  if (k == "lua" || k == "luajit") return "Lua scripts are not imported";
  if (k == "dataset" || k == "datarep" || k == "iprep") return "external data/reputation set (import the list as indicators instead)";
  if (k == "replace") return "IPS payload rewrite";
  if (k == "app-layer-event" || k == "decode-event" || k == "stream-event" ||
      k == "engine-event") {
    return "engine event (produced by Suricata's decoders, not by content)";
  }
  if (k == "to_lowercase" || k == "strip_whitespace" || k == "compress_whitespace" ||
      k == "url_decode" || k == "to_md5" || k == "to_sha1" || k == "to_sha256" ||
      k == "pcrexform" || k == "xor" || k == "header_lowercase" || k == "strip_pseudo_headers" ||
      k == "to_uppercase") {
    return "buffer transform (only dotprefix is supported)";
  }
  return "";
}

// Splits "k1: v1; k2; k3: "a;b";" on unquoted, unescaped ';'.
std::vector<std::pair<std::string, std::string>> SplitOptions(std::string_view body, bool* ok) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string cur;
  bool quote = false;
  *ok = true;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\\' && i + 1 < body.size()) {
      cur.push_back(c);
      cur.push_back(body[++i]);
      continue;
    }
    if (c == '"') quote = !quote;
    if (c == ';' && !quote) {
      std::string_view opt = StripWhitespace(cur);
      if (!opt.empty()) {
        size_t colon = opt.find(':');
        if (colon == std::string_view::npos) {
          out.emplace_back(std::string(opt), "");
        } else {
          out.emplace_back(std::string(StripWhitespace(opt.substr(0, colon))),
                           std::string(StripWhitespace(opt.substr(colon + 1))));
        }
      }
      cur.clear();
      continue;
    }
    cur.push_back(c);
  }
  if (quote || !StripWhitespace(cur).empty()) *ok = false;
  return out;
}

// "!"value"" -> negated + unquoted text.
std::string Unquote(std::string_view v, bool* negated) {
  v = StripWhitespace(v);
  *negated = false;
  if (!v.empty() && v.front() == '!') {
    *negated = true;
    v = StripWhitespace(v.substr(1));
  }
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

const std::map<std::string, int>& BuiltinClassification() {
  // Standard Snort / ET classtypes and their default priorities (1 = highest).
  static const std::map<std::string, int> kTable = {
      {"not-suspicious", 3}, {"unknown", 3}, {"bad-unknown", 2}, {"attempted-recon", 2},
      {"successful-recon-limited", 2}, {"successful-recon-largescale", 2},
      {"attempted-dos", 2}, {"successful-dos", 2}, {"attempted-user", 1},
      {"unsuccessful-user", 1}, {"successful-user", 1}, {"attempted-admin", 1},
      {"successful-admin", 1}, {"rpc-portmap-decode", 2}, {"shellcode-detect", 1},
      {"string-detect", 3}, {"suspicious-filename-detect", 2}, {"suspicious-login", 2},
      {"system-call-detect", 2}, {"tcp-connection", 4}, {"trojan-activity", 1},
      {"unusual-client-port-connection", 2}, {"network-scan", 3}, {"denial-of-service", 2},
      {"non-standard-protocol", 2}, {"protocol-command-decode", 3},
      {"web-application-activity", 2}, {"web-application-attack", 1}, {"misc-activity", 3},
      {"misc-attack", 2}, {"icmp-event", 3}, {"inappropriate-content", 1},
      {"policy-violation", 1}, {"default-login-attempt", 2}, {"targeted-activity", 1},
      {"exploit-kit", 1}, {"external-ip-check", 2}, {"domain-c2", 1}, {"pup-activity", 2},
      {"credential-theft", 1}, {"social-engineering", 2}, {"coin-mining", 2},
      {"command-and-control", 1}};
  return kTable;
}

AttackType AttackTypeForClasstype(std::string_view c) {
  if (c == "attempted-dos" || c == "successful-dos" || c == "denial-of-service") {
    return AttackType::kDos;
  }
  if (c == "attempted-recon" || c == "successful-recon-limited" ||
      c == "successful-recon-largescale" || c == "network-scan" || c == "rpc-portmap-decode" ||
      c == "icmp-event" || c == "not-suspicious" || c == "unknown" || c == "misc-activity" ||
      c == "policy-violation" || c == "protocol-command-decode" || c == "string-detect" ||
      c == "non-standard-protocol" || c == "bad-unknown" || c == "external-ip-check") {
    return AttackType::kRecon;
  }
  if (c == "trojan-activity" || c == "command-and-control" || c == "domain-c2" ||
      c == "exploit-kit" || c == "coin-mining" || c == "pup-activity" ||
      c == "shellcode-detect" || c == "targeted-activity") {
    return AttackType::kMalware;
  }
  if (c == "credential-theft" || c == "default-login-attempt" || c == "suspicious-login" ||
      c == "social-engineering") {
    return AttackType::kCredentialTheft;
  }
  return AttackType::kUnauthorizedAccess;
}

Severity SeverityForPriority(int p) {
  switch (p) {
    case 1: return Severity::kHigh;
    case 2: return Severity::kMedium;
    case 3: return Severity::kLow;
    default: return Severity::kInfo;
  }
}

// Pcre option text (with buffer modifiers) -> body, flags and the field it applies to.
bool ParseRulePcre(std::string_view text, std::string* body, PcreFlags* flags,
                   std::optional<FieldId>* field, std::string* category, std::string* detail) {
  if (text.size() < 2 || text.front() != '/') {
    *category = "pcre syntax";
    *detail = "pcre must be written \"/pattern/flags\"";
    return false;
  }
  size_t end = text.rfind('/');
  if (end == 0) {
    *category = "pcre syntax";
    *detail = "pcre has no closing '/'";
    return false;
  }
  std::string flag_text;
  for (char c : text.substr(end + 1)) {
    Buffer b;
    bool buffer = true;
    switch (c) {
      case 'U': case 'I': b = Field(FieldId::kHttpUrl); break;
      case 'M': b = Field(FieldId::kHttpMethod); break;
      case 'V': b = Field(FieldId::kHttpUserAgent); break;
      case 'W': case 'Z': b = Field(FieldId::kHttpHostname); break;
      case 'H': case 'D': b = MapBuffer("http.header"); break;
      case 'C': case 'K': b = MapBuffer("http.cookie"); break;
      case 'P': b = MapBuffer("http.request_body"); break;
      case 'Q': b = MapBuffer("file_data"); break;
      case 'S': b = MapBuffer("http.stat_code"); break;
      case 'Y': b = MapBuffer("http.stat_msg"); break;
      case 'B': case 'O': case 'T': buffer = false; c = 0; break;  // rawbytes / limits: no-op
      default: buffer = false; break;
    }
    if (buffer) {
      if (!b.ok) {
        *category = StrCat("pcre modifier ", std::string(1, c));
        *detail = b.why;
        return false;
      }
      *field = b.field;
      continue;
    }
    if (c != 0) flag_text.push_back(c);
  }
  std::string err;
  if (!ParsePcreOption(StrCat(text.substr(0, end + 1), flag_text), body, flags, &err)) {
    *category = "pcre modifier";
    *detail = err;
    return false;
  }
  return true;
}

// Escapes bytes >= 0x80 in a pcre body so it is valid UTF-8 in the YAML pack and still
// matches the same bytes (PCRE reads \xHH as that byte without UTF mode).
std::string AsciiPcre(std::string_view body) {
  std::string out;
  static const char kHex[] = "0123456789abcdef";
  for (unsigned char c : body) {
    if (c >= 0x80 || c < 0x20) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

struct RuleContext {
  std::string_view file;
  int line;
  const ImportOptions& o;
  ImportReport* report;
};

// Converts one rule; returns false (after recording the refusal) when it cannot be imported.
bool ConvertRule(std::string_view rule, const RuleContext& ctx, PackEntry* e,
                 std::vector<std::string>* ignored) {
  std::string sid = "?";
  auto refuse = [&](std::string_view category, std::string_view detail) {
    ctx.report->Refuse(ctx.file, ctx.line, StrCat("sid:", sid), category, detail);
    return false;
  };
  size_t open = rule.find('(');
  size_t close = rule.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return refuse("parse error", "rule has no (options) part");
  }
  std::vector<std::string_view> header = Split(StripWhitespace(rule.substr(0, open)), ' ', true);
  bool ok = true;
  auto options = SplitOptions(rule.substr(open + 1, close - open - 1), &ok);
  for (const auto& [k, v] : options) {
    if (k == "sid") sid = v;
  }
  if (sid == "?") {
    // Options did not split (unbalanced quotes): still name the rule if its sid is legible.
    size_t at = rule.rfind("sid:");
    if (at != std::string_view::npos) {
      size_t b = at + 4;
      while (b < rule.size() && rule[b] == ' ') ++b;
      size_t e = b;
      while (e < rule.size() && rule[e] >= '0' && rule[e] <= '9') ++e;
      if (e > b) sid = std::string(rule.substr(b, e - b));
    }
  }
  if (!ok) return refuse("parse error", "unbalanced quotes or an option not ended by ';'");
  if (header.size() < 7) {
    return refuse("parse error", StrCat("header has ", header.size(),
                                        " fields (action proto src port dir dst port)"));
  }
  std::string_view action = header[0];
  if (action == "pass") return refuse("pass rule", "pass rules suppress alerts; not a pattern");
  if (action != "alert" && action != "drop" && action != "reject" && action != "rejectsrc" &&
      action != "rejectdst" && action != "rejectboth" && action != "log") {
    return refuse("parse error", StrCat("unknown action '", action, "'"));
  }
  int64_t sid_num = 0;
  if (sid == "?" || !ParseInt(sid, &sid_num)) return refuse("parse error", "rule has no sid");

  RuleSpec spec;
  std::string msg, classtype, rev, gid;
  int priority = 0;
  std::vector<std::string> refs, tags;
  std::optional<FieldId> sticky;         // current sticky buffer
  std::string sticky_name;
  int last_content = -1;                 // index in spec.steps of the last content
  std::set<FieldId> dotprefix_fields;
  std::string metadata_severity;
  for (const auto& [key, value] : options) {
    const std::string& k = key;
    if (k == "msg") {
      bool neg;
      msg = Unquote(value, &neg);
      continue;
    }
    if (k == "sid") continue;
    if (k == "rev") { rev = value; continue; }
    if (k == "gid") { gid = value; continue; }
    if (k == "classtype") { classtype = value; continue; }
    if (k == "priority") {
      int64_t p;
      if (ParseInt(value, &p)) priority = static_cast<int>(p);
      continue;
    }
    if (k == "reference") {
      size_t comma = value.find(',');
      std::string type = AsciiLower(StripWhitespace(value.substr(0, comma)));
      std::string val = comma == std::string::npos
                            ? ""
                            : std::string(StripWhitespace(value.substr(comma + 1)));
      if (type == "cve") {
        refs.push_back(StrCat("cve:", StartsWith(AsciiLower(val), "cve-") ? "" : "CVE-", val));
      } else {
        refs.push_back(StrCat(type, ":", val));
      }
      continue;
    }
    if (k == "metadata") {
      for (std::string_view item : Split(value, ',', true)) {
        item = StripWhitespace(item);
        size_t sp = item.find(' ');
        if (sp == std::string_view::npos) continue;
        std::string_view mk = item.substr(0, sp), mv = StripWhitespace(item.substr(sp + 1));
        if (mk == "signature_severity") metadata_severity = std::string(mv);
        if (mk == "mitre_technique_id" || mk == "mitre_tactic_id" || mk == "attack_target" ||
            mk == "malware_family" || mk == "former_category") {
          tags.push_back(StrCat(mk, ":", mv));
        }
      }
      continue;
    }
    if (k == "target" || k == "tag" || k == "rawbytes" || k == "filestore") {
      continue;  // no matching meaning for an event
    }
    if (k == "flow") {
      ignored->push_back("flow");
      continue;
    }
    if (k == "threshold" || k == "detection_filter") {
      ignored->push_back(k);
      continue;
    }
    if (k == "noalert") return refuse("noalert", "noalert: the rule only sets flow state");
    if (k == "flowbits") {
      std::string_view cmd = StripWhitespace(Split(value, ',')[0]);
      if (cmd == "noalert") return refuse("noalert", "flowbits:noalert: the rule only sets flow state");
      if (cmd == "isset" || cmd == "isnotset") {
        return refuse("flowbits isset/isnotset",
                      "depends on flow state set by other rules (flowbits), which the matcher "
                      "does not keep");
      }
      ignored->push_back("flowbits set/unset/toggle");
      continue;
    }
    if (k == "app-layer-protocol") {
      std::string p = AsciiLower(StripWhitespace(value));
      if (p == "failed" || p == "!failed") return refuse("app-layer-protocol failed", "protocol detection failure is an engine event");
      spec.app_proto = p;
      continue;
    }
    if (IsBufferKeyword(k) && value.empty()) {
      Buffer b = MapBuffer(k);
      if (!b.ok) return refuse(StrCat("buffer ", k), b.why);
      sticky = b.field;
      sticky_name = k;
      continue;
    }
    if (k == "dotprefix") {
      dotprefix_fields.insert(sticky.value_or(FieldId::kPayload));
      continue;
    }
    if (k == "content" || k == "uricontent") {
      RuleStep s;
      s.kind = StepKind::kContent;
      s.line = ctx.line;
      bool neg;
      std::string text = Unquote(value, &neg);
      s.negated = neg;
      std::string err;
      if (!DecodeContent(text, &s.content, &err)) return refuse("content syntax", err);
      if (s.content.empty()) return refuse("content syntax", "empty content");
      s.field = k == "uricontent" ? FieldId::kHttpUrl : sticky.value_or(FieldId::kPayload);
      spec.steps.push_back(std::move(s));
      last_content = static_cast<int>(spec.steps.size()) - 1;
      continue;
    }
    if (IsContentModifier(k)) {
      if (last_content < 0) return refuse("parse error", StrCat(k, " without a preceding content"));
      Buffer b = MapBuffer(k);
      if (!b.ok) return refuse(StrCat("buffer ", k), b.why);
      spec.steps[static_cast<size_t>(last_content)].field = b.field;
      continue;
    }
    if (k == "nocase" || k == "depth" || k == "offset" || k == "distance" || k == "within" ||
        k == "fast_pattern" || k == "startswith" || k == "endswith" || k == "bsize") {
      if (k == "bsize") {
        RuleStep s;
        s.kind = StepKind::kSize;
        s.line = ctx.line;
        s.field = sticky.value_or(FieldId::kPayload);
        if (!ParseSizeSpec(value, &s.size_op, &s.size_a, &s.size_b)) {
          return refuse("bsize syntax", StrCat("bad bsize '", value, "'"));
        }
        spec.steps.push_back(std::move(s));
        continue;
      }
      if (last_content < 0) return refuse("parse error", StrCat(k, " without a preceding content"));
      RuleStep& s = spec.steps[static_cast<size_t>(last_content)];
      if (k == "nocase") { s.nocase = true; continue; }
      if (k == "startswith") { s.startswith = true; continue; }
      if (k == "endswith") { s.endswith = true; continue; }
      if (k == "fast_pattern") {
        if (value.empty() || value == "only") {
          s.fast_pattern = true;
        } else {
          std::vector<std::string_view> parts = Split(value, ',');
          int32_t po, pl;
          if (parts.size() != 2 || !ParseInt(StripWhitespace(parts[0]), &po) ||
              !ParseInt(StripWhitespace(parts[1]), &pl) || po < 0 || pl < 1 ||
              static_cast<size_t>(po + pl) > s.content.size()) {
            return refuse("fast_pattern syntax", StrCat("bad fast_pattern '", value, "'"));
          }
          s.fast_pattern = true;
          s.fast_pattern_offset = po;
          s.fast_pattern_length = pl;
        }
        continue;
      }
      int32_t n;
      if (!ParseInt(value, &n)) {
        return refuse(StrCat(k, " variable"),
                      StrCat(k, ":", value, " (byte_extract variables are not supported)"));
      }
      if (k == "depth") s.depth = n;
      if (k == "offset") s.offset = n;
      if (k == "distance") s.distance = n;
      if (k == "within") s.within = n;
      continue;
    }
    if (k == "pcre") {
      RuleStep s;
      s.kind = StepKind::kPcre;
      s.line = ctx.line;
      bool neg;
      std::string text = Unquote(value, &neg);
      s.negated = neg;
      std::optional<FieldId> field;
      std::string category, detail;
      if (!ParseRulePcre(text, &s.pcre, &s.pcre_flags, &field, &category, &detail)) {
        return refuse(category, detail);
      }
      s.pcre = AsciiPcre(s.pcre);
      s.field = field.value_or(sticky.value_or(FieldId::kPayload));
      spec.steps.push_back(std::move(s));
      continue;
    }
    if (k == "isdataat") {
      RuleStep s;
      s.kind = StepKind::kIsDataAt;
      s.line = ctx.line;
      std::string_view v = StripWhitespace(value);
      if (!v.empty() && v.front() == '!') {
        s.negated = true;
        v.remove_prefix(1);
      }
      std::vector<std::string_view> parts = Split(v, ',');
      int32_t n;
      if (!ParseInt(StripWhitespace(parts[0]), &n) || n < 0) {
        return refuse("isdataat syntax", StrCat("isdataat:", value));
      }
      s.isdataat = n;
      for (size_t i = 1; i < parts.size(); ++i) {
        std::string_view p = StripWhitespace(parts[i]);
        if (p == "relative") s.relative = true;
        else if (p != "rawbytes") return refuse("isdataat syntax", StrCat("isdataat:", value));
      }
      s.field = sticky.value_or(FieldId::kPayload);
      spec.steps.push_back(std::move(s));
      continue;
    }
    if (k == "urilen" || k == "dsize") {
      RuleStep s;
      s.kind = StepKind::kSize;
      s.line = ctx.line;
      s.field = k == "urilen" ? FieldId::kHttpUrl : FieldId::kPayload;
      std::string v = std::string(StripWhitespace(Split(value, ',')[0]));
      if (!ParseSizeSpec(v, &s.size_op, &s.size_a, &s.size_b)) {
        return refuse(StrCat(k, " syntax"), StrCat(k, ":", value));
      }
      spec.steps.push_back(std::move(s));
      continue;
    }
    std::string why = RefusedKeyword(k);
    if (!why.empty()) return refuse(StrCat("keyword ", k), why);
    if (IsBufferKeyword(k) || k.find('.') != std::string::npos) {
      Buffer b = MapBuffer(k);
      return refuse(StrCat("buffer ", k), b.why);
    }
    return refuse(StrCat("keyword ", k), "not supported by the importer");
  }
  if (spec.steps.empty()) {
    return refuse("no content or pcre",
                  "header-only rule (addresses/ports only): import address lists as ip "
                  "indicators instead");
  }
  for (auto& s : spec.steps) {
    if (dotprefix_fields.count(s.field)) s.dotprefix = true;
    // Suricata rejects these combinations too; refuse rather than guess.
    bool absolute = s.offset || s.depth;
    bool relative = s.distance || s.within;
    if (s.kind == StepKind::kContent && absolute && relative) {
      return refuse("offset/depth with distance/within",
                    "absolute and relative modifiers on one content");
    }
    if (s.kind == StepKind::kContent && s.depth && static_cast<size_t>(*s.depth) < s.content.size()) {
      return refuse("depth shorter than content", "the content can never match");
    }
    if (s.kind == StepKind::kContent && s.within && static_cast<size_t>(*s.within) < s.content.size()) {
      return refuse("within shorter than content", "the content can never match");
    }
    if (s.kind == StepKind::kContent && s.negated && s.fast_pattern) s.fast_pattern = false;
  }

  e->id = StrCat(ctx.o.id_prefix.empty() ? "sid-" : ctx.o.id_prefix,
                 gid.empty() || gid == "1" ? "" : StrCat(gid, "-"), sid);
  e->expr_type = ExprType::kRule;
  e->rule = std::move(spec);
  e->title = msg;
  e->line = ctx.line;
  e->references.push_back(StrCat("sid:", sid));
  if (!msg.empty()) e->references.push_back(StrCat("msg:", msg));
  if (!classtype.empty()) e->references.push_back(StrCat("classtype:", classtype));
  for (auto& r : refs) e->references.push_back(std::move(r));
  if (!rev.empty()) tags.push_back(StrCat("rev:", rev));
  e->tags = std::move(tags);
  e->attack_type = AttackTypeForClasstype(classtype);
  if (priority == 0) {
    const auto& table = ctx.o.classification.empty() ? BuiltinClassification()
                                                     : ctx.o.classification;
    auto it = table.find(classtype);
    priority = it == table.end() ? 3 : it->second;
  }
  e->severity = SeverityForPriority(priority);
  if (metadata_severity == "Critical") e->severity = Severity::kCritical;
  if (metadata_severity == "Major" && e->severity < Severity::kHigh) e->severity = Severity::kHigh;
  if (metadata_severity == "Informational") e->severity = Severity::kInfo;
  e->kind = EntryKind::kAttackPattern;
  if (!ctx.o.actor.empty()) {
    e->actor = ctx.o.actor;
    e->kind = EntryKind::kActorIndicator;
  }
  return true;
}

}  // namespace

std::map<std::string, int> ParseClassificationConfig(std::string_view text) {
  std::map<std::string, int> out;
  for (std::string_view line : Split(text, '\n')) {
    line = StripWhitespace(line);
    if (!StartsWith(line, "config classification:")) continue;
    std::vector<std::string_view> parts = Split(line.substr(22), ',');
    int64_t prio;
    if (parts.size() == 3 && ParseInt(StripWhitespace(parts[2]), &prio)) {
      out[std::string(StripWhitespace(parts[0]))] = static_cast<int>(prio);
    }
  }
  return out;
}

void ImportSuricataRules(std::string_view text, std::string_view file, const ImportOptions& o,
                         Pack* pack, ImportReport* report) {
  if (report->format.empty()) report->format = "suricata";
  report->ignored_why["flow"] =
      "direction/state: the event type and field already say which side and transaction";
  report->ignored_why["threshold"] = "rate limiting belongs to the correlation rulebook";
  report->ignored_why["detection_filter"] = "rate limiting belongs to the correlation rulebook";
  report->ignored_why["flowbits set/unset/toggle"] =
      "only sets state for other rules; the match itself is unaffected";
  std::set<std::string> ids;
  for (const auto& e : pack->entries) ids.insert(e.id);
  std::vector<std::string_view> lines = Split(text, '\n');
  std::string joined;
  int start_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view raw = lines[i];
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (joined.empty()) start_line = static_cast<int>(i) + 1;
    // Multi-line rules end their lines with a backslash.
    if (!raw.empty() && raw.back() == '\\') {
      joined.append(raw.substr(0, raw.size() - 1));
      continue;
    }
    joined.append(raw);
    std::string_view line = StripWhitespace(joined);
    bool disabled = false;
    if (StartsWith(line, "#")) {
      std::string_view rest = StripWhitespace(line.substr(1));
      bool is_rule = StartsWith(rest, "alert ") || StartsWith(rest, "drop ") ||
                     StartsWith(rest, "reject ") || StartsWith(rest, "pass ");
      if (!is_rule) {
        joined.clear();
        continue;
      }
      disabled = true;
      line = rest;
    }
    if (line.empty()) {
      joined.clear();
      continue;
    }
    if (disabled && o.enabled_only) {
      ++report->skipped;
      joined.clear();
      continue;
    }
    ++report->seen;
    PackEntry e;
    std::vector<std::string> ignored;
    RuleContext ctx{file, start_line, o, report};
    if (ConvertRule(line, ctx, &e, &ignored)) {
      if (!ids.insert(e.id).second) {
        report->Refuse(file, start_line, e.id, "duplicate sid",
                       "an earlier rule has the same gid:sid");
      } else {
        std::sort(ignored.begin(), ignored.end());
        ignored.erase(std::unique(ignored.begin(), ignored.end()), ignored.end());
        for (const auto& k : ignored) ++report->ignored[k];
        pack->entries.push_back(std::move(e));
        ++report->imported;
      }
    }
    joined.clear();
  }
}

}  // namespace kizashi::patterns
