#include "engine/decode/cef.h"

#include <cstring>

#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::decode::internal {

namespace {

// Undoes header escapes (\| and \\) into the arena when present.
std::string_view HeaderValue(std::string_view v, Arena* arena) {
  if (std::memchr(v.data(), '\\', v.size()) == nullptr) return v;
  char* d = arena->Allocate(v.size());
  size_t o = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == '|' || v[i + 1] == '\\')) ++i;
    d[o++] = v[i];
  }
  return {d, o};
}

// Undoes extension escapes (\= \\ \n \r) into the arena when present.
std::string_view ExtensionValue(std::string_view v, Arena* arena) {
  if (std::memchr(v.data(), '\\', v.size()) == nullptr) return v;
  char* d = arena->Allocate(v.size());
  size_t o = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      char c = v[i + 1];
      if (c == '=' || c == '\\') {
        d[o++] = c;
        ++i;
        continue;
      }
      if (c == 'n' || c == 'r') {
        d[o++] = c == 'n' ? '\n' : '\r';
        ++i;
        continue;
      }
    }
    d[o++] = v[i];
  }
  return {d, o};
}

bool IsExtKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '[' || c == ']';
}

bool AllHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return !s.empty();
}

void Apply(std::string_view key, std::string_view val, std::string_view claim_key, Event* e,
           CefExtras* x) {
  if (!claim_key.empty() && key == claim_key) x->claim = val;
  switch (key.size()) {
    case 2:
      if (key == "rt") x->rt = val;
      break;
    case 3:
      if (key == "src") {
        ParseIp(val, &e->src);
      } else if (key == "dst") {
        ParseIp(val, &e->dst);
      } else if (key == "spt") {
        ParsePort(val, &e->src_port);
      } else if (key == "dpt") {
        ParsePort(val, &e->dst_port);
      } else if (key == "act") {
        e->set_field(FieldId::kAction, val);
      } else if (key == "end") {
        x->end = val;
      } else if (key == "dvc") {
        if (e->host.empty()) e->host = val;
      } else if (key == "app") {
        e->app_proto = val;
      } else if (key == "cat") {
        e->set_field(FieldId::kCategory, val);
      } else if (key == "msg") {
        // The message field keeps the whole CEF text; msg is part of it.
      }
      break;
    case 5:
      if (key == "proto") {
        e->proto = ProtoName(val);
      } else if (key == "start") {
        x->start = val;
      } else if (key == "suser") {
        e->set_field(FieldId::kUser, val);
      } else if (key == "duser") {
        if (e->field(FieldId::kUser).empty()) e->set_field(FieldId::kUser, val);
      } else if (key == "fname") {
        e->set_field(FieldId::kFileName, val);
      }
      break;
    case 7:
      if (key == "dvchost") {
        e->host = val;
      } else if (key == "request") {
        e->set_field(FieldId::kHttpUrl, val);
      }
      break;
    case 8:
      if (key == "fileHash" && AllHex(val)) {
        FieldId f = val.size() == 32 ? FieldId::kFileMd5
                    : val.size() == 40 ? FieldId::kFileSha1
                    : val.size() == 64 ? FieldId::kFileSha256
                                       : FieldId::kCount;
        if (f != FieldId::kCount) e->set_field(f, val);
      }
      break;
    case 13:
      if (key == "requestMethod") e->set_field(FieldId::kHttpMethod, val);
      break;
    case 24:
      if (key == "requestClientApplication") e->set_field(FieldId::kHttpUserAgent, val);
      break;
    default:
      break;
  }
}

}  // namespace

bool ParseCef(std::string_view s, std::string_view claim_key, Arena* arena, Event* e,
              CefExtras* x, const char** detail) {
  if (!StartsWith(s, "CEF:")) {
    *detail = "not a CEF record";
    return false;
  }
  std::string_view h[7];
  size_t start = 4, field = 0, i = 4;
  while (field < 7 && i < s.size()) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      i += 2;
      continue;
    }
    if (c == '|') {
      h[field++] = s.substr(start, i - start);
      start = i + 1;
    }
    ++i;
  }
  if (field < 7) {
    *detail = "CEF header has fewer than 8 fields";
    return false;
  }
  uint64_t version;
  if (!ParseU64(h[0], &version) || version > 1) {
    *detail = "CEF version is not 0 or 1";
    return false;
  }
  e->kind = EventKind::kCef;
  e->event_type = "cef";
  e->set_field(FieldId::kDeviceVendor, HeaderValue(h[1], arena));
  e->set_field(FieldId::kDeviceProduct, HeaderValue(h[2], arena));
  std::string_view sig = HeaderValue(h[4], arena);
  uint64_t sid;
  if (ParseU64(sig, &sid) && sid <= static_cast<uint64_t>(INT64_MAX)) {
    e->sig_id = static_cast<int64_t>(sid);
  }
  e->set_field(FieldId::kSignature, HeaderValue(h[5], arena));
  e->ids_severity = SeverityFromCef(h[6]);
  e->set_field(FieldId::kMessage, s);

  // Extension: key=value ... ; a value ends at the space before the next unescaped `key=`.
  std::string_view ext = s.substr(start);
  size_t n = ext.size();
  const char* p = ext.data();
  size_t pos = 0;
  while (pos < n) {
    while (pos < n && p[pos] == ' ') ++pos;
    size_t ks = pos;
    while (pos < n && IsExtKeyChar(p[pos])) ++pos;
    if (pos >= n || p[pos] != '=' || pos == ks) break;  // trailing text that is not key=value
    std::string_view key(p + ks, pos - ks);
    size_t vs = pos + 1;
    // Find the next unescaped '=' whose key is preceded by a space: the value ends there.
    size_t ve = n, next = n;
    size_t q = vs;
    while (q < n) {
      const void* eq = std::memchr(p + q, '=', n - q);
      if (eq == nullptr) break;
      size_t e_pos = static_cast<size_t>(static_cast<const char*>(eq) - p);
      if (e_pos > 0 && p[e_pos - 1] == '\\') {
        q = e_pos + 1;
        continue;
      }
      size_t k2 = e_pos;
      while (k2 > vs && IsExtKeyChar(p[k2 - 1])) --k2;
      if (k2 > vs && k2 < e_pos && p[k2 - 1] == ' ') {
        ve = k2 - 1;
        next = k2;
        break;
      }
      q = e_pos + 1;
    }
    std::string_view raw(p + vs, ve - vs);
    while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
    Apply(key, ExtensionValue(raw, arena), claim_key, e, x);
    pos = next;
  }
  return true;
}

bool ParseCefTime(std::string_view s, const LocalTimeRule& rule, int64_t ingest_ns,
                  int64_t* out_ns) {
  if (s.empty()) return false;
  uint64_t ms;
  if (ParseU64(s, &ms)) {
    if (ms > static_cast<uint64_t>(INT64_MAX / 1'000'000)) return false;
    *out_ns = static_cast<int64_t>(ms) * 1'000'000;
    return true;
  }
  BsdTime t;
  size_t used;
  if (ParseBsdTime(s, &t, &used)) {
    std::string_view zone = s.substr(used);
    while (!zone.empty() && zone.front() == ' ') zone.remove_prefix(1);
    LocalTimeRule r = rule;
    if (!zone.empty()) {
      int32_t tz;
      if (zone == "JST") {
        tz = 9 * 3600;
      } else if (!ParseUtcOffset(zone, &tz)) {
        return false;  // an abbreviation we cannot place: never guess
      }
      r.tz_seconds = tz;
    }
    return t.year != 0
               ? r.ResolveWithYear(t.year, t.month, t.day, t.seconds_of_day, t.nanos, out_ns)
               : r.Resolve(t.month, t.day, t.seconds_of_day, t.nanos, ingest_ns, out_ns);
  }
  return ParseIso8601(s, out_ns, rule.tz_seconds);
}

}  // namespace kizashi::decode::internal
