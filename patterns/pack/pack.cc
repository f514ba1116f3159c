#include "patterns/pack/pack.h"

#include <algorithm>
#include <set>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "engine/common/ip.h"
#include "engine/common/strings.h"
#include "engine/config/yaml_util.h"

namespace kizashi::patterns {

namespace {
constexpr std::string_view kKindNames[] = {"attack_pattern", "virus_signature",
                                           "actor_indicator"};
constexpr std::string_view kAttackNames[] = {"unauthorized_access", "dos",        "leak_tampering",
                                             "destruction",         "recon",      "malware",
                                             "preparatory",         "credential_theft"};
constexpr std::string_view kSeverityNames[] = {"info", "low", "medium", "high", "critical"};
constexpr std::string_view kIndicatorNames[] = {"ip", "domain", "url", "md5", "sha1", "sha256"};

template <typename E, size_t N>
bool ParseName(std::string_view s, const std::string_view (&names)[N], E* out) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

template <size_t N>
std::string NameList(const std::string_view (&names)[N]) {
  std::string out;
  for (size_t i = 0; i < N; ++i) StrAppend(&out, i ? ", " : "", names[i]);
  return out;
}

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsHexString(std::string_view s) {
  for (char c : s) {
    if (HexNibble(c) < 0) return false;
  }
  return true;
}

// Entry ids end up in notifications and file names: keep them to a safe alphabet.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '@';
    if (!ok) return false;
  }
  return true;
}

bool ValidDomain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  for (char c : d) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_';
    if (!ok) return false;
  }
  return d.front() != '.' && d.find("..") == std::string_view::npos;
}

}  // namespace

std::string_view EntryKindName(EntryKind k) { return kKindNames[static_cast<size_t>(k)]; }
bool ParseEntryKind(std::string_view s, EntryKind* out) { return ParseName(s, kKindNames, out); }
std::string_view AttackTypeName(AttackType t) {
  return static_cast<size_t>(t) < std::size(kAttackNames) ? kAttackNames[static_cast<size_t>(t)]
                                                          : "unknown";
}
bool ParseAttackType(std::string_view s, AttackType* out) {
  return ParseName(s, kAttackNames, out);
}
std::string_view SeverityName(Severity s) { return kSeverityNames[static_cast<size_t>(s)]; }
bool ParseSeverity(std::string_view s, Severity* out) { return ParseName(s, kSeverityNames, out); }

std::string_view ExprTypeName(ExprType t) {
  switch (t) {
    case ExprType::kRegex: return "regex";
    case ExprType::kLiteral: return "literal";
    case ExprType::kHex: return "hex";
    case ExprType::kRule: return "rule";
    case ExprType::kIndicator: return "indicators";
  }
  return "?";
}

std::string_view StepKindName(StepKind k) {
  switch (k) {
    case StepKind::kContent: return "content";
    case StepKind::kPcre: return "pcre";
    case StepKind::kIsDataAt: return "isdataat";
    case StepKind::kSize: return "size";
  }
  return "?";
}

std::string_view IndicatorTypeName(IndicatorType t) {
  return kIndicatorNames[static_cast<size_t>(t)];
}
bool ParseIndicatorType(std::string_view s, IndicatorType* out) {
  return ParseName(s, kIndicatorNames, out);
}

const std::vector<FieldId>& IndicatorDefaultFields(IndicatorType t) {
  static const std::vector<FieldId> kIp = {FieldId::kSrcIp, FieldId::kDstIp};
  static const std::vector<FieldId> kDomain = {FieldId::kDnsRrname, FieldId::kHttpHostname,
                                               FieldId::kTlsSni};
  static const std::vector<FieldId> kUrl = {FieldId::kHttpUrl};
  static const std::vector<FieldId> kMd5 = {FieldId::kFileMd5};
  static const std::vector<FieldId> kSha1 = {FieldId::kFileSha1};
  static const std::vector<FieldId> kSha256 = {FieldId::kFileSha256};
  switch (t) {
    case IndicatorType::kIp: return kIp;
    case IndicatorType::kDomain: return kDomain;
    case IndicatorType::kUrl: return kUrl;
    case IndicatorType::kMd5: return kMd5;
    case IndicatorType::kSha1: return kSha1;
    case IndicatorType::kSha256: return kSha256;
  }
  return kIp;
}

bool ParseIndicator(std::string_view text, Indicator* out, std::string* error) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    *error = StrCat("indicator '", text, "' must be written type:value (types: ",
                    NameList(kIndicatorNames), ")");
    return false;
  }
  std::string_view type = StripWhitespace(text.substr(0, colon));
  std::string_view value = StripWhitespace(text.substr(colon + 1));
  if (!ParseIndicatorType(type, &out->type)) {
    *error = StrCat("unknown indicator type '", type, "' (", NameList(kIndicatorNames), ")");
    return false;
  }
  if (value.empty()) {
    *error = StrCat("empty ", type, " indicator");
    return false;
  }
  switch (out->type) {
    case IndicatorType::kIp: {
      Cidr c;
      if (!Cidr::Parse(value, &c, /*allow_host_bits=*/false)) {
        *error = StrCat("'", value, "' is not an IP address or CIDR (host bits must be zero)");
        return false;
      }
      out->value = c.prefix == 128 ? c.addr.ToString() : c.ToString();
      if (c.prefix < 8 || (c.addr.is_v4() && c.prefix < 96 + 8)) {
        *error = StrCat("CIDR '", value, "' is wider than /8: it would match a large part of "
                        "the Internet");
        return false;
      }
      return true;
    }
    case IndicatorType::kDomain: {
      std::string d = AsciiLower(value);
      if (StartsWith(d, "*.")) d.erase(0, 2);
      while (!d.empty() && d.back() == '.') d.pop_back();
      if (!ValidDomain(d) || d.find('.') == std::string::npos) {
        *error = StrCat("'", value, "' is not a domain name (letters, digits, '-', '_', '.'; "
                        "at least two labels)");
        return false;
      }
      out->value = d;
      return true;
    }
    case IndicatorType::kUrl: {
      std::string_view v = value;
      size_t scheme = v.find("://");
      if (scheme != std::string_view::npos) v.remove_prefix(scheme + 3);
      size_t slash = v.find('/');
      std::string_view host = v.substr(0, slash);
      std::string_view path = slash == std::string_view::npos ? "/" : v.substr(slash);
      size_t at = host.rfind('@');
      if (at != std::string_view::npos) host.remove_prefix(at + 1);
      if (!host.empty() && host.front() != '[') {
        size_t port = host.rfind(':');
        if (port != std::string_view::npos) host = host.substr(0, port);
      }
      size_t frag = path.find('#');
      if (frag != std::string_view::npos) path = path.substr(0, frag);
      std::string h = AsciiLower(host);
      while (!h.empty() && h.back() == '.') h.pop_back();
      IpAddr tmp;
      std::string_view bare = h;
      if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') {
        bare = bare.substr(1, bare.size() - 2);
      }
      if (h.empty() || (!ValidDomain(h) && !IpAddr::Parse(bare, &tmp))) {
        *error = StrCat("URL '", value, "' has no valid host");
        return false;
      }
      out->value = StrCat(h, path.empty() ? "/" : path);
      return true;
    }
    case IndicatorType::kMd5:
    case IndicatorType::kSha1:
    case IndicatorType::kSha256: {
      size_t want = out->type == IndicatorType::kMd5 ? 32 : out->type == IndicatorType::kSha1 ? 40
                                                                                              : 64;
      if (value.size() != want || !IsHexString(value)) {
        *error = StrCat("'", value, "' is not a ", type, " (", want, " hex digits)");
        return false;
      }
      out->value = AsciiLower(value);
      return true;
    }
  }
  return false;
}

std::string IndicatorText(const Indicator& i) {
  return StrCat(IndicatorTypeName(i.type), ":", i.value);
}

bool DecodeContent(std::string_view text, std::string* bytes, std::string* error) {
  bytes->clear();
  bool in_hex = false;
  int pending = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_hex) {
      if (c == '|') {
        if (pending >= 0) {
          *error = "odd number of hex digits inside |...|";
          return false;
        }
        in_hex = false;
      } else if (c == ' ') {
        if (pending >= 0) {
          *error = "hex bytes inside |...| must be two digits";
          return false;
        }
      } else {
        int n = HexNibble(c);
        if (n < 0) {
          *error = StrCat("'", std::string(1, c), "' is not a hex digit inside |...|");
          return false;
        }
        if (pending < 0) {
          pending = n;
        } else {
          bytes->push_back(static_cast<char>(pending << 4 | n));
          pending = -1;
        }
      }
      continue;
    }
    if (c == '|') {
      in_hex = true;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) {
        *error = "content ends with a lone backslash";
        return false;
      }
      char n = text[++i];
      if (n != '\\' && n != '|' && n != '"' && n != ';' && n != ':') {
        *error = StrCat("unknown escape '\\", std::string(1, n), "' (use |hex| for bytes)");
        return false;
      }
      bytes->push_back(n);
    } else {
      bytes->push_back(c);
    }
  }
  if (in_hex) {
    *error = "unterminated |hex| block";
    return false;
  }
  return true;
}

std::string EncodeContent(std::string_view bytes) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  bool in_hex = false;
  for (unsigned char c : bytes) {
    bool plain = c >= 0x20 && c < 0x7f && c != '|' && c != '\\' && c != '"' && c != ';';
    if (plain) {
      if (in_hex) out.push_back('|');
      in_hex = false;
      out.push_back(static_cast<char>(c));
    } else {
      if (!in_hex) {
        out.push_back('|');
      } else {
        out.push_back(' ');
      }
      in_hex = true;
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  if (in_hex) out.push_back('|');
  return out;
}

bool ParsePcreOption(std::string_view text, std::string* body, PcreFlags* flags,
                     std::string* error) {
  *flags = PcreFlags{};
  if (text.size() < 2 || text.front() != '/') {
    *error = "pcre must be written /pattern/flags";
    return false;
  }
  size_t end = text.rfind('/');
  if (end == 0) {
    *error = "pcre has no closing '/'";
    return false;
  }
  *body = std::string(text.substr(1, end - 1));
  for (char c : text.substr(end + 1)) {
    switch (c) {
      case 'i': flags->caseless = true; break;
      case 's': flags->dotall = true; break;
      case 'm': flags->multiline = true; break;
      case 'x': flags->extended = true; break;
      case 'A': flags->anchored = true; break;
      case 'E': flags->dollar_endonly = true; break;
      case 'G': flags->ungreedy = true; break;
      case 'R': flags->relative = true; break;
      case 'O': break;  // Suricata: override match limits; kizashi's limits are global
      default:
        *error = StrCat("unsupported pcre modifier '", std::string(1, c),
                        "' (allowed: i s m x A E G R O; name the field instead of U/H/P/...)");
        return false;
    }
  }
  if (body->empty()) {
    *error = "empty pcre";
    return false;
  }
  return true;
}

std::string PcreOptionText(std::string_view body, const PcreFlags& f) {
  std::string out = StrCat("/", body, "/");
  if (f.caseless) out += 'i';
  if (f.dotall) out += 's';
  if (f.multiline) out += 'm';
  if (f.extended) out += 'x';
  if (f.anchored) out += 'A';
  if (f.dollar_endonly) out += 'E';
  if (f.ungreedy) out += 'G';
  if (f.relative) out += 'R';
  return out;
}

bool ParseSizeSpec(std::string_view text, SizeOp* op, int64_t* a, int64_t* b) {
  std::string_view s = StripWhitespace(text);
  size_t range = s.find("<>");
  if (range != std::string_view::npos) {
    *op = SizeOp::kRange;
    return ParseInt(StripWhitespace(s.substr(0, range)), a) &&
           ParseInt(StripWhitespace(s.substr(range + 2)), b) && *a >= 0 && *a < *b;
  }
  *b = 0;
  if (StartsWith(s, "<=")) {
    *op = SizeOp::kLe;
    s.remove_prefix(2);
  } else if (StartsWith(s, ">=")) {
    *op = SizeOp::kGe;
    s.remove_prefix(2);
  } else if (StartsWith(s, "<")) {
    *op = SizeOp::kLt;
    s.remove_prefix(1);
  } else if (StartsWith(s, ">")) {
    *op = SizeOp::kGt;
    s.remove_prefix(1);
  } else {
    *op = SizeOp::kEq;
    if (StartsWith(s, "=")) s.remove_prefix(1);
  }
  return ParseInt(StripWhitespace(s), a) && *a >= 0;
}

std::string SizeSpecText(SizeOp op, int64_t a, int64_t b) {
  switch (op) {
    case SizeOp::kEq: return StrCat(a);
    case SizeOp::kLt: return StrCat("<", a);
    case SizeOp::kLe: return StrCat("<=", a);
    case SizeOp::kGt: return StrCat(">", a);
    case SizeOp::kGe: return StrCat(">=", a);
    case SizeOp::kRange: return StrCat(a, "<>", b);
  }
  return "";
}

// ---- parser --------------------------------------------------------------------------------

namespace {

bool ReadI32(yaml::Reader& r, const char* key, std::optional<int32_t>* out, int64_t min,
             int64_t max) {
  int64_t v;
  if (!r.Int(key, &v, min, max)) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

void ParseStep(const YAML::Node& n, std::string_view file, const std::string& entry_id,
               Diagnostics* d, RuleSpec* rule, bool* ok) {
  yaml::Reader r(n, file, entry_id, d);
  if (!n.IsMap()) {
    r.Error("a rule step must be a map with 'field' and one of content, pcre, isdataat, size");
    *ok = false;
    return;
  }
  size_t before = d->error_count();
  RuleStep s;
  s.line = r.line();
  std::string field;
  if (r.Str("field", &field, true) && !ParseFieldName(field, &s.field)) {
    r.Error(n["field"], StrCat("unknown event field '", field, "'"));
  }
  int kinds = 0;
  std::string text;
  if (r.Str("content", &text)) {
    ++kinds;
    s.kind = StepKind::kContent;
    std::string err;
    if (!DecodeContent(text, &s.content, &err)) {
      r.Error(n["content"], StrCat("bad content: ", err));
    } else if (s.content.empty()) {
      r.Error(n["content"], "empty content");
    }
  }
  if (r.Str("pcre", &text)) {
    ++kinds;
    s.kind = StepKind::kPcre;
    std::string err;
    if (!ParsePcreOption(text, &s.pcre, &s.pcre_flags, &err)) r.Error(n["pcre"], err);
  }
  int64_t v = 0;
  if (r.Int("isdataat", &v, 0, 1 << 24)) {
    ++kinds;
    s.kind = StepKind::kIsDataAt;
    s.isdataat = static_cast<int32_t>(v);
  }
  if (r.Str("size", &text)) {
    ++kinds;
    s.kind = StepKind::kSize;
    if (!ParseSizeSpec(text, &s.size_op, &s.size_a, &s.size_b)) {
      r.Error(n["size"], StrCat("bad size '", text, "' (N, <N, <=N, >N, >=N or N<>M)"));
    }
  }
  if (kinds != 1) r.Error("a rule step needs exactly one of content, pcre, isdataat, size");
  r.Bool("negated", &s.negated);
  r.Bool("dotprefix", &s.dotprefix);
  switch (s.kind) {
    case StepKind::kContent: {
      r.RejectUnknown({"field", "content", "negated", "dotprefix", "nocase", "startswith",
                       "endswith", "fast_pattern", "fast_pattern_part", "offset", "depth",
                       "distance", "within"});
      r.Bool("nocase", &s.nocase);
      r.Bool("startswith", &s.startswith);
      r.Bool("endswith", &s.endswith);
      r.Bool("fast_pattern", &s.fast_pattern);
      constexpr int64_t kMax = 1 << 20;
      ReadI32(r, "offset", &s.offset, 0, kMax);
      ReadI32(r, "depth", &s.depth, 1, kMax);
      ReadI32(r, "distance", &s.distance, -kMax, kMax);
      ReadI32(r, "within", &s.within, 1, kMax);
      std::vector<std::string> part;
      if (r.StrList("fast_pattern_part", &part)) {
        int64_t po, pl;
        if (part.size() != 2 || !ParseInt(part[0], &po) || !ParseInt(part[1], &pl) || po < 0 ||
            pl < 1 || static_cast<size_t>(po + pl) > s.content.size()) {
          r.Error(n["fast_pattern_part"],
                  "fast_pattern_part must be [offset, length] inside the content");
        } else {
          s.fast_pattern_offset = static_cast<int32_t>(po);
          s.fast_pattern_length = static_cast<int32_t>(pl);
          s.fast_pattern = true;
        }
      }
      bool absolute = s.offset || s.depth;
      bool relative = s.distance || s.within;
      if (absolute && relative) {
        r.Error("offset/depth (absolute) cannot be combined with distance/within (relative)");
      }
      if (s.startswith && (absolute || relative)) {
        r.Error("startswith cannot be combined with offset, depth, distance or within");
      }
      if (s.negated && s.fast_pattern) r.Error("a negated content cannot be the fast pattern");
      size_t len = s.content.size();
      if (s.depth && static_cast<size_t>(*s.depth) < len) {
        r.Error(StrCat("depth ", *s.depth, " is shorter than the content (", len,
                       " bytes): the step can never match"));
      }
      if (s.within && static_cast<size_t>(*s.within) < len) {
        r.Error(StrCat("within ", *s.within, " is shorter than the content (", len,
                       " bytes): the step can never match"));
      }
      break;
    }
    case StepKind::kPcre:
      r.RejectUnknown({"field", "pcre", "negated", "dotprefix"});
      break;
    case StepKind::kIsDataAt:
      r.RejectUnknown({"field", "isdataat", "negated", "dotprefix", "relative"});
      r.Bool("relative", &s.relative);
      break;
    case StepKind::kSize:
      r.RejectUnknown({"field", "size", "dotprefix"});
      break;
  }
  if (d->error_count() != before) {
    *ok = false;
    return;
  }
  rule->steps.push_back(std::move(s));
}

void ParseRule(const YAML::Node& n, std::string_view file, const std::string& entry_id,
               Diagnostics* d, RuleSpec* rule, bool* ok) {
  yaml::Reader r(n, file, entry_id, d);
  if (!n.IsMap()) {
    r.Error("'rule' must be a map with a 'match' list");
    *ok = false;
    return;
  }
  r.RejectUnknown({"app_proto", "match"});
  r.Str("app_proto", &rule->app_proto);
  YAML::Node steps = n["match"];
  if (!steps.IsDefined() || !steps.IsSequence() || steps.size() == 0) {
    r.Error("'rule.match' must be a non-empty list of steps");
    *ok = false;
    return;
  }
  if (steps.size() > 256) {
    r.Error(steps, StrCat("rule has ", steps.size(), " steps; the limit is 256"));
    *ok = false;
    return;
  }
  for (const auto& s : steps) ParseStep(s, file, entry_id, d, rule, ok);
  // A transform applies to the whole buffer: every step on a field must agree.
  for (const auto& a : rule->steps) {
    for (const auto& b : rule->steps) {
      if (a.field == b.field && a.dotprefix != b.dotprefix) {
        r.Error(StrCat("steps on field ", FieldName(a.field),
                       " disagree on dotprefix (a transform applies to the whole field)"));
        *ok = false;
        return;
      }
    }
  }
}

}  // namespace

Pack ParsePackText(std::string_view text, std::string_view file, Diagnostics* d) {
  Pack pack;
  pack.file = std::string(file);
  pack.content_hash = Sha256Hex(text);
  auto root = yaml::LoadText(text, file, d);
  if (!root) return pack;
  try {
    yaml::Reader r(*root, file, "", d);
    if (!root->IsMap()) {
      r.Error("a pack must be a YAML map with pack and entries");
      return pack;
    }
    r.RejectUnknown({"pack", "entries"});
    YAML::Node meta = (*root)["pack"];
    if (!meta.IsDefined() || !meta.IsMap()) {
      r.Error("missing 'pack' header (id, version, issued_at, issuer)");
    } else {
      yaml::Reader m(meta, file, "pack", d);
      m.RejectUnknown({"id", "version", "issued_at", "issuer", "format", "description"});
      if (m.Str("id", &pack.id, true) && !ValidId(pack.id)) {
        m.Error(meta["id"], "pack id must be 1-128 characters of [A-Za-z0-9._:/@-]");
      }
      m.Str("version", &pack.version, true);
      m.Str("issued_at", &pack.issued_at);
      m.Str("issuer", &pack.issuer, true);
      m.Str("description", &pack.description);
      int64_t format = kPackFormatVersion;
      if (m.Int("format", &format, 1, 1000) && format != kPackFormatVersion) {
        m.Error(meta["format"], StrCat("pack format ", format, " is not supported (this build "
                                       "reads format ", kPackFormatVersion, ")"));
      }
    }
    YAML::Node entries = (*root)["entries"];
    if (!entries.IsDefined() || !entries.IsSequence()) {
      r.Error("missing 'entries' list");
      return pack;
    }
    std::set<std::string> seen;
    for (const auto& n : entries) {
      PackEntry e;
      yaml::Reader er(n, file, "?", d);
      if (!n.IsMap()) {
        er.Error("an entry must be a map");
        continue;
      }
      size_t errors_before = d->error_count();
      if (er.Str("id", &e.id, true) && !ValidId(e.id)) {
        er.Error(n["id"], "entry id must be 1-128 characters of [A-Za-z0-9._:/@-]");
      }
      er.set_id(e.id);
      e.line = er.line();
      er.RejectUnknown({"id", "kind", "regex", "literal", "hex", "rule", "indicators", "flags",
                        "fields", "attack_type", "severity", "may_disrupt_critical_systems",
                        "actor", "references", "tags", "title", "recommended_action"});
      if (!e.id.empty() && !seen.insert(e.id).second) er.Error("duplicate entry id");
      std::string kind = "attack_pattern";
      er.Str("kind", &kind);
      if (!ParseEntryKind(kind, &e.kind)) {
        er.Error(n["kind"], StrCat("unknown kind '", kind, "' (", NameList(kKindNames), ")"));
      }
      int exprs = 0;
      if (er.Str("regex", &e.expression)) { e.expr_type = ExprType::kRegex; ++exprs; }
      if (er.Str("literal", &e.expression)) { e.expr_type = ExprType::kLiteral; ++exprs; }
      if (er.Str("hex", &e.expression)) { e.expr_type = ExprType::kHex; ++exprs; }
      if (n["rule"].IsDefined()) {
        e.expr_type = ExprType::kRule;
        ++exprs;
        bool ok = true;
        ParseRule(n["rule"], file, e.id, d, &e.rule, &ok);
      }
      std::vector<std::string> indicators;
      if (er.StrList("indicators", &indicators)) {
        e.expr_type = ExprType::kIndicator;
        ++exprs;
        if (indicators.empty()) er.Error(n["indicators"], "'indicators' is empty");
        int bad = 0;
        for (const auto& text : indicators) {
          Indicator ind;
          std::string err;
          if (!ParseIndicator(text, &ind, &err)) {
            // Report the first few precisely; a feed with thousands of bad values gets a count.
            if (++bad <= 20) er.Error(n["indicators"], err);
            continue;
          }
          e.indicators.push_back(std::move(ind));
        }
        if (bad > 20) er.Error(n["indicators"], StrCat(bad - 20, " more bad indicators"));
      }
      if (exprs != 1) {
        er.Error("exactly one of 'regex', 'literal', 'hex', 'rule' or 'indicators' is required");
      }
      std::vector<std::string> flags;
      if (er.StrList("flags", &flags)) {
        for (const auto& f : flags) {
          if (f == "caseless") e.flags.caseless = true;
          else if (f == "dotall") e.flags.dotall = true;
          else if (f == "multiline") e.flags.multiline = true;
          else if (f == "utf8") e.flags.utf8 = true;
          else if (f == "ucp") e.flags.ucp = true;
          else er.Error(n["flags"], StrCat("unknown flag '", f,
                                           "' (caseless, dotall, multiline, utf8, ucp)"));
        }
        bool regex_only = e.flags.dotall || e.flags.multiline || e.flags.utf8 || e.flags.ucp;
        if (e.expr_type == ExprType::kLiteral && regex_only) {
          er.Error(n["flags"], "a literal takes only the 'caseless' flag");
        }
        if ((e.expr_type == ExprType::kHex || e.expr_type == ExprType::kRule ||
             e.expr_type == ExprType::kIndicator) &&
            !flags.empty()) {
          er.Error(n["flags"], StrCat("'flags' does not apply to ", ExprTypeName(e.expr_type),
                                      " entries (rules carry nocase / pcre modifiers per step)"));
        }
        if (e.flags.ucp && !e.flags.utf8) er.Error(n["flags"], "flag 'ucp' requires 'utf8'");
      }
      std::vector<std::string> fields;
      if (er.StrList("fields", &fields)) {
        if (e.expr_type == ExprType::kRule) {
          er.Error(n["fields"], "a rule names its field in each step; remove 'fields'");
        }
        if (fields.empty()) er.Error(n["fields"], "'fields' is empty");
        for (const auto& f : fields) {
          FieldId id;
          if (!ParseFieldName(f, &id)) {
            er.Error(n["fields"], StrCat("unknown event field '", f, "'"));
            continue;
          }
          if (std::find(e.fields.begin(), e.fields.end(), id) == e.fields.end()) {
            e.fields.push_back(id);
          }
        }
      } else if (e.expr_type == ExprType::kHex) {
        e.fields = {FieldId::kPayload};
      } else if (e.expr_type == ExprType::kRegex || e.expr_type == ExprType::kLiteral) {
        e.fields = {FieldId::kMessage, FieldId::kPayload};
      }
      if (e.expr_type == ExprType::kIndicator && !e.fields.empty()) {
        // Every indicator type present must be able to match on one of the given fields.
        for (const auto& ind : e.indicators) {
          const auto& allowed = IndicatorDefaultFields(ind.type);
          bool any = std::any_of(e.fields.begin(), e.fields.end(), [&](FieldId f) {
            return std::find(allowed.begin(), allowed.end(), f) != allowed.end();
          });
          if (!any) {
            er.Error(n["fields"], StrCat(IndicatorTypeName(ind.type),
                                         " indicators cannot match on the listed fields"));
            break;
          }
        }
      }
      if (e.expr_type == ExprType::kIndicator) {
        for (FieldId f : e.fields) {
          bool any = std::any_of(e.indicators.begin(), e.indicators.end(), [&](const auto& i) {
            const auto& allowed = IndicatorDefaultFields(i.type);
            return std::find(allowed.begin(), allowed.end(), f) != allowed.end();
          });
          if (!any && !e.indicators.empty()) {
            er.Error(n["fields"], StrCat("no indicator of this entry can match on field ",
                                         FieldName(f)));
          }
        }
      } else if (e.expr_type != ExprType::kRule) {
        for (FieldId f : e.fields) {
          if (f == FieldId::kSrcIp || f == FieldId::kDstIp) {
            er.Error(n["fields"], StrCat("field ", FieldName(f), " holds an address: use an "
                                         "'ip:' indicator, not a text expression"));
          }
        }
      }
      std::string at = "unauthorized_access";
      if (er.Str("attack_type", &at) && !ParseAttackType(at, &e.attack_type)) {
        er.Error(n["attack_type"], StrCat("unknown attack_type '", at, "' (",
                                          NameList(kAttackNames), ")"));
      }
      std::string sev = "medium";
      if (er.Str("severity", &sev) && !ParseSeverity(sev, &e.severity)) {
        er.Error(n["severity"], StrCat("unknown severity '", sev, "' (",
                                       NameList(kSeverityNames), ")"));
      }
      er.Bool("may_disrupt_critical_systems", &e.may_disrupt_critical_systems);
      er.Str("actor", &e.actor);
      er.StrList("references", &e.references);
      er.StrList("tags", &e.tags);
      er.Str("title", &e.title);
      er.Str("recommended_action", &e.recommended_action);
      if (e.kind == EntryKind::kActorIndicator && e.actor.empty()) {
        er.Error("an actor_indicator entry must name its 'actor' (Annex 4 (d))");
      }
      if (d->error_count() == errors_before) pack.entries.push_back(std::move(e));
    }
  } catch (const YAML::Exception& ex) {
    d->Error(file, ex.mark.line + 1, "", StrCat("YAML: ", ex.msg));
  }
  return pack;
}

Pack ParsePackFile(const std::string& path, Diagnostics* d) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    d->Error(path, 0, "", std::string(text.status().message()));
    Pack p;
    p.file = path;
    return p;
  }
  return ParsePackText(*text, path, d);
}

// ---- writer --------------------------------------------------------------------------------

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0.
size_t Utf8Len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  return n;
}

// YAML double-quoted scalar. Callers pass text; invalid UTF-8 becomes U+FFFD (binary data is
// carried as content |hex| or hex entries, never as raw bytes in YAML).
std::string Q(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
      ++i;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else {
      size_t n = Utf8Len(s, i);
      if (n == 0) {
        out += "\xef\xbf\xbd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
    }
  }
  out.push_back('"');
  return out;
}

std::string QList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) StrAppend(&out, i ? ", " : "", Q(v[i]));
  out.push_back(']');
  return out;
}

void WriteStep(const RuleStep& s, std::string* out) {
  StrAppend(out, "        - {field: ", FieldName(s.field));
  switch (s.kind) {
    case StepKind::kContent:
      StrAppend(out, ", content: ", Q(EncodeContent(s.content)));
      if (s.negated) StrAppend(out, ", negated: true");
      if (s.nocase) StrAppend(out, ", nocase: true");
      if (s.startswith) StrAppend(out, ", startswith: true");
      if (s.endswith) StrAppend(out, ", endswith: true");
      if (s.fast_pattern_offset) {
        StrAppend(out, ", fast_pattern_part: [", *s.fast_pattern_offset, ", ",
                  *s.fast_pattern_length, "]");
      } else if (s.fast_pattern) {
        StrAppend(out, ", fast_pattern: true");
      }
      if (s.offset) StrAppend(out, ", offset: ", *s.offset);
      if (s.depth) StrAppend(out, ", depth: ", *s.depth);
      if (s.distance) StrAppend(out, ", distance: ", *s.distance);
      if (s.within) StrAppend(out, ", within: ", *s.within);
      break;
    case StepKind::kPcre:
      StrAppend(out, ", pcre: ", Q(PcreOptionText(s.pcre, s.pcre_flags)));
      if (s.negated) StrAppend(out, ", negated: true");
      break;
    case StepKind::kIsDataAt:
      StrAppend(out, ", isdataat: ", s.isdataat);
      if (s.relative) StrAppend(out, ", relative: true");
      if (s.negated) StrAppend(out, ", negated: true");
      break;
    case StepKind::kSize:
      StrAppend(out, ", size: ", Q(SizeSpecText(s.size_op, s.size_a, s.size_b)));
      break;
  }
  if (s.dotprefix) StrAppend(out, ", dotprefix: true");
  StrAppend(out, "}\n");
}

}  // namespace

std::string WritePackYaml(const Pack& p) {
  std::string out;
  StrAppend(&out, "pack:\n  id: ", Q(p.id), "\n  version: ", Q(p.version), "\n");
  if (!p.issued_at.empty()) StrAppend(&out, "  issued_at: ", Q(p.issued_at), "\n");
  StrAppend(&out, "  issuer: ", Q(p.issuer), "\n  format: ", kPackFormatVersion, "\n");
  if (!p.description.empty()) StrAppend(&out, "  description: ", Q(p.description), "\n");
  StrAppend(&out, p.entries.empty() ? "entries: []\n" : "entries:\n");
  for (const auto& e : p.entries) {
    StrAppend(&out, "  - id: ", Q(e.id), "\n    kind: ", EntryKindName(e.kind), "\n");
    if (!e.title.empty()) StrAppend(&out, "    title: ", Q(e.title), "\n");
    switch (e.expr_type) {
      case ExprType::kRegex: StrAppend(&out, "    regex: ", Q(e.expression), "\n"); break;
      case ExprType::kLiteral: StrAppend(&out, "    literal: ", Q(e.expression), "\n"); break;
      case ExprType::kHex: StrAppend(&out, "    hex: ", Q(e.expression), "\n"); break;
      case ExprType::kRule:
        StrAppend(&out, "    rule:\n");
        if (!e.rule.app_proto.empty()) {
          StrAppend(&out, "      app_proto: ", Q(e.rule.app_proto), "\n");
        }
        StrAppend(&out, "      match:\n");
        for (const auto& s : e.rule.steps) WriteStep(s, &out);
        break;
      case ExprType::kIndicator: {
        StrAppend(&out, "    indicators:\n");
        for (const auto& i : e.indicators) StrAppend(&out, "      - ", Q(IndicatorText(i)), "\n");
        break;
      }
    }
    std::vector<std::string> flags;
    if (e.flags.caseless) flags.push_back("caseless");
    if (e.flags.dotall) flags.push_back("dotall");
    if (e.flags.multiline) flags.push_back("multiline");
    if (e.flags.utf8) flags.push_back("utf8");
    if (e.flags.ucp) flags.push_back("ucp");
    if (!flags.empty()) StrAppend(&out, "    flags: [", Join(flags, ", "), "]\n");
    if (e.expr_type != ExprType::kRule && !e.fields.empty()) {
      std::vector<std::string> f;
      for (FieldId id : e.fields) f.emplace_back(FieldName(id));
      StrAppend(&out, "    fields: [", Join(f, ", "), "]\n");
    }
    StrAppend(&out, "    attack_type: ", AttackTypeName(e.attack_type), "\n");
    StrAppend(&out, "    severity: ", SeverityName(e.severity), "\n");
    if (e.may_disrupt_critical_systems) {
      StrAppend(&out, "    may_disrupt_critical_systems: true\n");
    }
    if (!e.actor.empty()) StrAppend(&out, "    actor: ", Q(e.actor), "\n");
    if (!e.references.empty()) StrAppend(&out, "    references: ", QList(e.references), "\n");
    if (!e.tags.empty()) StrAppend(&out, "    tags: ", QList(e.tags), "\n");
    if (!e.recommended_action.empty()) {
      StrAppend(&out, "    recommended_action: ", Q(e.recommended_action), "\n");
    }
  }
  return out;
}

}  // namespace kizashi::patterns
