// MISP CSV export -> indicator entries, one per attribute.
//
// Types matched by lookup: ip-src, ip-dst (and their |port forms), domain, hostname,
// domain|ip, url, md5, sha1, sha256 and filename|<hash> / malware-sample. ip-src / ip-dst
// keep their direction (src_ip / dst_ip). Every other type (email, regkey, mutex, yara, snort,
// text ...) is refused with its type named. Attributes with to_ids=0 are context, not
// detection, in MISP: they are skipped unless ImportOptions::include_non_ids.
#include <set>

#include "engine/common/strings.h"
#include "patterns/import/import.h"

namespace kizashi::patterns {

namespace {

// RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines.
std::vector<std::vector<std::string>> ParseCsv(std::string_view s, std::vector<int>* lines) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  int line = 1, row_line = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      if (!(row.size() == 1 && row[0].empty())) {
        rows.push_back(std::move(row));
        lines->push_back(row_line);
      }
      row.clear();
      row_line = ++line;
    } else {
      field.push_back(c);
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
    lines->push_back(row_line);
  }
  return rows;
}

}  // namespace

void ImportMispCsv(std::string_view csv, std::string_view file, const ImportOptions& o,
                   Pack* pack, ImportReport* report) {
  if (report->format.empty()) report->format = "misp-csv";
  std::vector<int> lines;
  auto rows = ParseCsv(csv, &lines);
  if (rows.empty()) return;
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < rows[0].size(); ++i) col[AsciiLower(StripWhitespace(rows[0][i]))] = i;
  if (!col.count("type") || !col.count("value")) {
    report->Refuse(file, 1, "", "MISP CSV header",
                   "the first row must name the columns (type and value are required)");
    return;
  }
  auto get = [&](const std::vector<std::string>& r, const char* name) -> std::string {
    auto it = col.find(name);
    return it != col.end() && it->second < r.size() ? r[it->second] : "";
  };
  std::set<std::string> ids;
  for (const auto& e : pack->entries) ids.insert(e.id);
  for (size_t n = 1; n < rows.size(); ++n) {
    const auto& r = rows[n];
    const int line = lines[n];
    std::string type = AsciiLower(StripWhitespace(get(r, "type")));
    std::string value(StripWhitespace(get(r, "value")));
    std::string uuid(StripWhitespace(get(r, "uuid")));
    std::string to_ids = get(r, "to_ids");
    std::string label = uuid.empty() ? StrCat("row ", n) : uuid;
    if (!to_ids.empty() && to_ids != "1" && AsciiLower(to_ids) != "true" &&
        !o.include_non_ids) {
      ++report->skipped;
      continue;
    }
    ++report->seen;
    std::vector<std::string> values;
    std::vector<FieldId> fields;
    auto part = [&](size_t k) {
      std::vector<std::string_view> p = Split(value, '|');
      return k < p.size() ? std::string(p[k]) : std::string();
    };
    if (type == "ip-src" || type == "ip-dst") {
      values.push_back(StrCat("ip:", value));
      fields = {type == "ip-src" ? FieldId::kSrcIp : FieldId::kDstIp};
    } else if (type == "ip-src|port" || type == "ip-dst|port") {
      values.push_back(StrCat("ip:", part(0)));
      fields = {type == "ip-src|port" ? FieldId::kSrcIp : FieldId::kDstIp};
      ++report->ignored["port of ip|port"];
    } else if (type == "domain" || type == "hostname") {
      values.push_back(StrCat("domain:", value));
    } else if (type == "domain|ip") {
      values.push_back(StrCat("domain:", part(0)));
      values.push_back(StrCat("ip:", part(1)));
    } else if (type == "url") {
      values.push_back(StrCat("url:", value));
    } else if (type == "md5" || type == "sha1" || type == "sha256") {
      values.push_back(StrCat(type, ":", value));
    } else if (type == "filename|md5" || type == "filename|sha1" || type == "filename|sha256") {
      values.push_back(StrCat(type.substr(9), ":", part(1)));
    } else if (type == "malware-sample") {
      values.push_back(StrCat("md5:", part(1)));
    } else {
      report->Refuse(file, line, label, StrCat("MISP type ", type),
                     StrCat("attribute type '", type, "' cannot be matched on events",
                            type == "snort" ? " here (import the rule text with the suricata "
                                              "importer)"
                                            : ""));
      continue;
    }
    PackEntry e;
    e.expr_type = ExprType::kIndicator;
    e.line = line;
    std::string why;
    bool bad = false;
    bool hashes = true;
    for (const auto& v : values) {
      Indicator ind;
      if (!ParseIndicator(v, &ind, &why)) {
        report->Refuse(file, line, label, "bad value", why);
        bad = true;
        break;
      }
      hashes &= ind.type == IndicatorType::kMd5 || ind.type == IndicatorType::kSha1 ||
                ind.type == IndicatorType::kSha256;
      e.indicators.push_back(std::move(ind));
    }
    if (bad) continue;
    e.fields = fields;
    e.id = StrCat(o.id_prefix.empty() ? "misp-" : o.id_prefix, label);
    for (char& c : e.id) {
      if (c == ' ') c = '-';
    }
    if (!ids.insert(e.id).second) {
      report->Refuse(file, line, label, "duplicate id", "attribute uuid repeated");
      continue;
    }
    std::string comment(StripWhitespace(get(r, "comment")));
    std::string category(StripWhitespace(get(r, "category")));
    std::string event_id(StripWhitespace(get(r, "event_id")));
    e.title = !comment.empty() ? comment : StrCat("MISP ", type, " ", category);
    if (!event_id.empty()) e.references.push_back(StrCat("misp-event:", event_id));
    if (!uuid.empty()) e.references.push_back(StrCat("misp-attribute:", uuid));
    if (!category.empty()) e.tags.push_back(StrCat("misp-category:", category));
    e.actor = o.actor;
    e.kind = !e.actor.empty() ? EntryKind::kActorIndicator
             : hashes         ? EntryKind::kVirusSignature
                              : EntryKind::kAttackPattern;
    e.attack_type = hashes ? AttackType::kMalware : o.attack_type;
    e.severity = o.severity;
    ++report->shapes[StrCat("indicator (", type, ")")];
    pack->entries.push_back(std::move(e));
    ++report->imported;
  }
  report->ignored_why["port of ip|port"] = "the address is looked up; the port is not checked";
}

}  // namespace kizashi::patterns
