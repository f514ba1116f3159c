// STIX 2.1 bundle -> indicator entries.
//
// An `indicator` object with pattern_type "stix" becomes one entry when its pattern is a
// disjunction of equality comparisons on values kizashi can look up:
//   [ipv4-addr:value = '203.0.113.5' OR ipv4-addr:value ISSUBSET '198.51.100.0/24']
//   OR [domain-name:value = 'evil.example'] OR [url:value = 'http://x/y']
//   OR [file:hashes.'SHA-256' = '...'] (MD5, SHA-1, SHA-256)
// AND, FOLLOWEDBY, qualifiers (WITHIN, REPEATS, START/STOP), other operators and other object
// types make the indicator refused with the construct named. The actor (Annex 4 (d)) is the
// name of a threat-actor or intrusion-set the indicator "indicates"; malware names become
// tags.
#include <simdjson.h>

#include <map>
#include <set>

#include "engine/common/strings.h"
#include "patterns/import/import.h"

namespace kizashi::patterns {

namespace {

struct Token {
  enum Kind { kWord, kString, kLBracket, kRBracket, kLParen, kRParen, kOp, kEnd } kind;
  std::string text;
};

bool Lex(std::string_view s, std::vector<Token>* out, std::string* error) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '[') { out->push_back({Token::kLBracket, "["}); ++i; continue; }
    if (c == ']') { out->push_back({Token::kRBracket, "]"}); ++i; continue; }
    if (c == '(') { out->push_back({Token::kLParen, "("}); ++i; continue; }
    if (c == ')') { out->push_back({Token::kRParen, ")"}); ++i; continue; }
    if (c == '=' || c == '!' || c == '<' || c == '>') {
      std::string op(1, c);
      if (i + 1 < s.size() && s[i + 1] == '=') op.push_back('=');
      out->push_back({Token::kOp, op});
      i += op.size();
      continue;
    }
    if (c == '\'') {
      std::string v;
      ++i;
      while (i < s.size() && s[i] != '\'') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        v.push_back(s[i++]);
      }
      if (i >= s.size()) {
        *error = "unterminated string in STIX pattern";
        return false;
      }
      ++i;
      out->push_back({Token::kString, v});
      continue;
    }
    // A word: keyword, or an object path that may contain quoted segments (hashes.'SHA-256').
    std::string w;
    while (i < s.size()) {
      char d = s[i];
      if (d == '\'' && !w.empty() && w.back() == '.') {
        size_t close = s.find('\'', i + 1);
        if (close == std::string_view::npos) {
          *error = "unterminated quoted path segment";
          return false;
        }
        w.append(s.substr(i + 1, close - i - 1));
        i = close + 1;
        continue;
      }
      if (d == ' ' || d == '\t' || d == '\n' || d == '[' || d == ']' || d == '(' || d == ')' ||
          d == '=' || d == '!' || d == '<' || d == '>' || d == '\'') {
        break;
      }
      w.push_back(d);
      ++i;
    }
    if (w.empty()) {
      *error = StrCat("unexpected character '", std::string(1, c), "' in STIX pattern");
      return false;
    }
    out->push_back({Token::kWord, w});
  }
  out->push_back({Token::kEnd, ""});
  return true;
}

bool MapPath(std::string_view path, std::string_view op, std::string* type, std::string* why) {
  std::string p = AsciiLower(path);
  if (p == "ipv4-addr:value" || p == "ipv6-addr:value") {
    *type = "ip";
    if (op == "=" || op == "ISSUBSET") return true;
  } else if (p == "domain-name:value") {
    *type = "domain";
    if (op == "=") return true;
  } else if (p == "url:value") {
    *type = "url";
    if (op == "=") return true;
  } else if (p == "file:hashes.md5") {
    *type = "md5";
    if (op == "=") return true;
  } else if (p == "file:hashes.sha-1" || p == "file:hashes.sha1") {
    *type = "sha1";
    if (op == "=") return true;
  } else if (p == "file:hashes.sha-256" || p == "file:hashes.sha256") {
    *type = "sha256";
    if (op == "=") return true;
  } else {
    *why = StrCat("object path ", path, " cannot be matched on events");
    return false;
  }
  *why = StrCat("operator ", op, " on ", path, " (only = and ISSUBSET for addresses)");
  return false;
}

// Parses the supported subset into "type:value" strings.
bool ParsePattern(std::string_view pattern, std::vector<std::string>* values,
                  std::string* category, std::string* why) {
  std::vector<Token> t;
  if (!Lex(pattern, &t, why)) {
    *category = "STIX pattern syntax";
    return false;
  }
  size_t i = 0;
  auto unsupported = [&](std::string_view what) {
    *category = StrCat("STIX ", what);
    *why = StrCat("unsupported STIX pattern construct: ", what,
                  " (only OR of equality comparisons is matched by lookup)");
    return false;
  };
  while (true) {
    if (t[i].kind != Token::kLBracket) {
      if (t[i].kind == Token::kLParen) return unsupported("parenthesised observation");
      *category = "STIX pattern syntax";
      *why = StrCat("expected '[' at '", t[i].text, "'");
      return false;
    }
    ++i;
    while (true) {
      if (t[i].kind == Token::kWord && (t[i].text == "NOT")) return unsupported("NOT");
      if (t[i].kind != Token::kWord) {
        *category = "STIX pattern syntax";
        *why = "expected an object path";
        return false;
      }
      std::string path = t[i++].text;
      std::string op;
      if (t[i].kind == Token::kOp) {
        op = t[i++].text;
      } else if (t[i].kind == Token::kWord) {
        op = t[i++].text;
      }
      if (t[i].kind != Token::kString) {
        if (op == "IN") return unsupported("IN (set)");
        *category = "STIX pattern syntax";
        *why = StrCat("expected a quoted value after ", path, " ", op);
        return false;
      }
      std::string value = t[i++].text;
      std::string type;
      if (!MapPath(path, op, &type, why)) {
        *category = StrCat("STIX ", op == "=" || op == "ISSUBSET" ? "object type" : "operator ",
                           op == "=" || op == "ISSUBSET" ? "" : op);
        return false;
      }
      values->push_back(StrCat(type, ":", value));
      if (t[i].kind == Token::kRBracket) {
        ++i;
        break;
      }
      if (t[i].kind == Token::kWord && t[i].text == "OR") {
        ++i;
        continue;
      }
      if (t[i].kind == Token::kWord && t[i].text == "AND") return unsupported("AND");
      *category = "STIX pattern syntax";
      *why = StrCat("unexpected '", t[i].text, "'");
      return false;
    }
    if (t[i].kind == Token::kEnd) return true;
    if (t[i].kind == Token::kWord && t[i].text == "OR") {
      ++i;
      continue;
    }
    if (t[i].kind == Token::kWord) return unsupported(t[i].text);
    *category = "STIX pattern syntax";
    *why = StrCat("unexpected '", t[i].text, "'");
    return false;
  }
}

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return "";
  return std::string(v);
}

}  // namespace

void ImportStix(std::string_view json, std::string_view file, const ImportOptions& o,
                Pack* pack, ImportReport* report) {
  if (report->format.empty()) report->format = "stix";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::padded_string padded(json);
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    report->Refuse(file, 0, "", "JSON syntax", "the file is not valid JSON");
    return;
  }
  simdjson::dom::array objects;
  if (doc["objects"].get_array().get(objects) != simdjson::SUCCESS) {
    report->Refuse(file, 0, "", "STIX bundle", "no 'objects' array (not a STIX 2.1 bundle)");
    return;
  }
  // Names of actors / malware by id, and which of them each indicator indicates.
  std::map<std::string, std::pair<std::string, std::string>> named;  // id -> (type, name)
  std::multimap<std::string, std::string> indicates;                 // indicator -> target
  for (simdjson::dom::element obj : objects) {
    std::string type = Str(obj, "type");
    if (type == "threat-actor" || type == "intrusion-set" || type == "malware" ||
        type == "campaign") {
      named[Str(obj, "id")] = {type, Str(obj, "name")};
    } else if (type == "relationship" && Str(obj, "relationship_type") == "indicates") {
      indicates.emplace(Str(obj, "source_ref"), Str(obj, "target_ref"));
    }
  }
  std::set<std::string> ids;
  for (const auto& e : pack->entries) ids.insert(e.id);
  for (simdjson::dom::element obj : objects) {
    if (Str(obj, "type") != "indicator") continue;
    ++report->seen;
    std::string sid = Str(obj, "id");
    std::string ptype = Str(obj, "pattern_type");
    if (!ptype.empty() && ptype != "stix") {
      report->Refuse(file, 0, sid, StrCat("pattern_type ", ptype),
                     "only STIX patterns are imported (Snort/YARA/Sigma patterns: use the "
                     "matching importer)");
      continue;
    }
    std::vector<std::string> values;
    std::string category, why;
    if (!ParsePattern(Str(obj, "pattern"), &values, &category, &why)) {
      report->Refuse(file, 0, sid, category, why);
      continue;
    }
    PackEntry e;
    e.expr_type = ExprType::kIndicator;
    bool bad = false;
    bool all_hashes = true;
    for (const auto& v : values) {
      Indicator ind;
      if (!ParseIndicator(v, &ind, &why)) {
        report->Refuse(file, 0, sid, "bad value", why);
        bad = true;
        break;
      }
      all_hashes &= ind.type == IndicatorType::kMd5 || ind.type == IndicatorType::kSha1 ||
                    ind.type == IndicatorType::kSha256;
      e.indicators.push_back(std::move(ind));
    }
    if (bad) continue;
    std::string uuid = sid;
    size_t dash = uuid.find("--");
    if (dash != std::string::npos) uuid = uuid.substr(dash + 2);
    e.id = StrCat(o.id_prefix.empty() ? "stix-" : o.id_prefix, uuid);
    if (!ids.insert(e.id).second) {
      report->Refuse(file, 0, sid, "duplicate id", "indicator id repeated in the bundle");
      continue;
    }
    e.title = Str(obj, "name");
    if (e.title.empty()) e.title = Str(obj, "description");
    e.references.push_back(StrCat("stix:", sid));
    simdjson::dom::array ext;
    if (obj["external_references"].get_array().get(ext) == simdjson::SUCCESS) {
      for (simdjson::dom::element r : ext) {
        std::string src = AsciiLower(Str(r, "source_name"));
        std::string ext_id = Str(r, "external_id");
        if (src == "cve" && !ext_id.empty()) e.references.push_back(StrCat("cve:", ext_id));
        else if (!Str(r, "url").empty()) e.references.push_back(StrCat("url:", Str(r, "url")));
      }
    }
    std::string valid_until = Str(obj, "valid_until");
    if (!valid_until.empty()) e.tags.push_back(StrCat("valid_until:", valid_until));
    e.actor = o.actor;
    auto [lo, hi] = indicates.equal_range(sid);
    for (auto it = lo; it != hi; ++it) {
      auto n = named.find(it->second);
      if (n == named.end()) continue;
      const auto& [type, name] = n->second;
      if ((type == "threat-actor" || type == "intrusion-set") && e.actor.empty()) e.actor = name;
      if (type == "malware") e.tags.push_back(StrCat("malware:", name));
      if (type == "campaign") e.tags.push_back(StrCat("campaign:", name));
    }
    e.kind = !e.actor.empty() ? EntryKind::kActorIndicator
             : all_hashes     ? EntryKind::kVirusSignature
                              : EntryKind::kAttackPattern;
    e.attack_type = all_hashes ? AttackType::kMalware : o.attack_type;
    e.severity = o.severity;
    ++report->shapes[StrCat(values.size() == 1 ? "single" : "multi", "-value indicator")];
    pack->entries.push_back(std::move(e));
    ++report->imported;
  }
}

}  // namespace kizashi::patterns
