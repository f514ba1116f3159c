#include "patterns/pack/pack.h"

#include <set>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
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
    r.RejectUnknown({"pack", "entries", "signature"});
    YAML::Node meta = (*root)["pack"];
    if (!meta.IsDefined() || !meta.IsMap()) {
      r.Error("missing 'pack' header (id, version, issued_at, issuer)");
    } else {
      yaml::Reader m(meta, file, "pack", d);
      m.RejectUnknown({"id", "version", "issued_at", "issuer", "format"});
      m.Str("id", &pack.id, true);
      m.Str("version", &pack.version, true);
      m.Str("issued_at", &pack.issued_at);
      m.Str("issuer", &pack.issuer, true);
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
      er.Str("id", &e.id, true);
      er.set_id(e.id);
      e.line = er.line();
      er.RejectUnknown({"id", "kind", "regex", "literal", "hex", "flags", "fields", "attack_type",
                        "severity", "may_disrupt_critical_systems", "actor", "references", "tags",
                        "title", "recommended_action"});
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
      if (exprs != 1) er.Error("exactly one of 'regex', 'literal' or 'hex' is required");
      std::vector<std::string> flags;
      if (er.StrList("flags", &flags)) {
        for (const auto& f : flags) {
          if (f == "caseless") e.flags.caseless = true;
          else if (f == "dotall") e.flags.dotall = true;
          else if (f == "multiline") e.flags.multiline = true;
          else if (f == "utf8") e.flags.utf8 = true;
          else er.Error(n["flags"], StrCat("unknown flag '", f, "' (caseless, dotall, multiline, utf8)"));
        }
      }
      std::vector<std::string> fields;
      if (er.StrList("fields", &fields)) {
        for (const auto& f : fields) {
          FieldId id;
          if (!ParseFieldName(f, &id)) {
            er.Error(n["fields"], StrCat("unknown event field '", f, "'"));
            continue;
          }
          e.fields.push_back(id);
        }
      } else {
        e.fields = {FieldId::kMessage, FieldId::kPayload};
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

}  // namespace kizashi::patterns
