#include "engine/correlate/rule.h"

#include <algorithm>
#include <set>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/config/yaml_util.h"

namespace kizashi::correlate {

std::string_view ConditionTypeName(ConditionType t) {
  switch (t) {
    case ConditionType::kSingle: return "single";
    case ConditionType::kEventCount: return "event_count";
    case ConditionType::kValueCount: return "value_count";
    case ConditionType::kTemporal: return "temporal";
    case ConditionType::kTemporalOrdered: return "temporal_ordered";
    case ConditionType::kAbsence: return "absence";
  }
  return "?";
}

namespace {

bool ParseKeySpec(std::string_view s, KeySpec* out) {
  out->name = std::string(s);
  if (s == "src_ip") out->kind = KeyField::kSrcIp;
  else if (s == "dst_ip") out->kind = KeyField::kDstIp;
  else if (s == "host") out->kind = KeyField::kHost;
  else if (s == "user") out->kind = KeyField::kUser;
  else if (s == "program") out->kind = KeyField::kProgram;
  else if (s == "sig_id") out->kind = KeyField::kSigId;
  else if (ParseFieldName(s, &out->field)) out->kind = KeyField::kField;
  else return false;
  return true;
}

void ParseRule(const YAML::Node& n, std::string_view file, std::vector<Rule>* out,
               Diagnostics* d) {
  Rule r;
  yaml::Reader rd(n, file, "?", d);
  if (!n.IsMap()) {
    rd.Error("a rule must be a map");
    return;
  }
  size_t errors_before = d->error_count();
  rd.Str("id", &r.id, true);
  rd.set_id(r.id);
  r.file = std::string(file);
  r.line = rd.line();
  rd.RejectUnknown({"id", "title", "description", "match", "group_by", "condition", "suppress",
                    "quiet"});
  rd.Str("title", &r.title);
  rd.Str("description", &r.description);
  rd.Duration("suppress", &r.suppress_ns);
  rd.Duration("quiet", &r.quiet_ns);
  YAML::Node m = n["match"];
  if (!m.IsDefined() || !m.IsMap()) {
    rd.Error("missing 'match' (which pattern entries, targets and sources the rule counts)");
  } else {
    yaml::Reader mr(m, file, r.id, d);
    mr.RejectUnknown({"entries", "kinds", "attack_types", "tags", "target", "internal_only",
                      "asset_roles", "source"});
    mr.StrList("entries", &r.match.entries);
    std::vector<std::string> list;
    if (mr.StrList("kinds", &list)) {
      for (const auto& k : list) {
        patterns::EntryKind kind;
        if (patterns::ParseEntryKind(k, &kind)) r.match.kinds.push_back(kind);
        else mr.Error(m["kinds"], StrCat("unknown entry kind '", k, "'"));
      }
    }
    if (mr.StrList("attack_types", &list)) {
      for (const auto& k : list) {
        patterns::AttackType t;
        if (patterns::ParseAttackType(k, &t)) r.match.attack_types.push_back(t);
        else mr.Error(m["attack_types"], StrCat("unknown attack type '", k, "'"));
      }
    }
    mr.StrList("tags", &r.match.tags);
    std::string target = "any";
    mr.Str("target", &target);
    if (target == "any") r.match.target = TargetFilter::kAny;
    else if (target == "critical_system") r.match.target = TargetFilter::kCriticalSystem;
    else if (target == "non_critical_asset") r.match.target = TargetFilter::kNonCriticalAsset;
    else if (target == "unknown_asset") r.match.target = TargetFilter::kUnknownAsset;
    else mr.Error(m["target"], StrCat("unknown target '", target,
                                      "' (any, critical_system, non_critical_asset, unknown_asset)"));
    bool io;
    if (mr.Bool("internal_only", &io)) r.match.internal_only = io ? 1 : 0;
    mr.StrList("asset_roles", &r.match.asset_roles);
    std::string source = "any";
    mr.Str("source", &source);
    if (source == "any") r.match.source = SourceFilter::kAny;
    else if (source == "external") r.match.source = SourceFilter::kExternal;
    else if (source == "internal") r.match.source = SourceFilter::kInternal;
    else mr.Error(m["source"], StrCat("unknown source '", source, "' (any, external, internal)"));
    if (!m["entries"].IsDefined() && !m["kinds"].IsDefined() && !m["attack_types"].IsDefined() &&
        !m["tags"].IsDefined()) {
      mr.Error("'match' needs at least one of entries, kinds, attack_types, tags");
    }
  }
  std::vector<std::string> gb;
  if (rd.StrList("group_by", &gb)) {
    for (const auto& g : gb) {
      KeySpec ks;
      if (ParseKeySpec(g, &ks)) r.group_by.push_back(ks);
      else rd.Error(n["group_by"], StrCat("unknown group_by field '", g, "'"));
    }
  }
  YAML::Node c = n["condition"];
  if (!c.IsDefined() || !c.IsMap()) {
    rd.Error("missing 'condition' (type: single | event_count | value_count | ...)");
  } else {
    yaml::Reader cr(c, file, r.id, d);
    cr.RejectUnknown({"type", "count", "window", "field"});
    std::string type;
    cr.Str("type", &type, true);
    if (type == "single") r.condition.type = ConditionType::kSingle;
    else if (type == "event_count") r.condition.type = ConditionType::kEventCount;
    else if (type == "value_count") r.condition.type = ConditionType::kValueCount;
    else if (!type.empty()) {
      cr.Error(c["type"], StrCat("unsupported condition type '", type, "'"));
    }
    if (r.condition.type != ConditionType::kSingle) {
      cr.Int("count", &r.condition.count, 1, 1'000'000, true);
      cr.Duration("window", &r.condition.window_ns, true);
      if (r.condition.window_ns <= 0 && d->error_count() == errors_before) {
        cr.Error(c["window"], "window must be positive");
      }
    }
    if (r.condition.type == ConditionType::kValueCount) {
      std::string f;
      if (cr.Str("field", &f, true) && !ParseKeySpec(f, &r.condition.distinct)) {
        cr.Error(c["field"], StrCat("unknown field '", f, "'"));
      }
    }
  }
  if (r.quiet_ns == 0) r.quiet_ns = r.suppress_ns;
  if (d->error_count() == errors_before) out->push_back(std::move(r));
}

}  // namespace

std::vector<Rule> ParseRulesText(std::string_view text, std::string_view file, Diagnostics* d) {
  std::vector<Rule> out;
  auto root = yaml::LoadText(text, file, d);
  if (!root) return out;
  try {
    yaml::Reader r(*root, file, "", d);
    if (!root->IsMap() || !(*root)["rules"].IsSequence()) {
      r.Error("a rules file must be a map with a 'rules' list");
      return out;
    }
    r.RejectUnknown({"rules"});
    std::set<std::string> seen;
    for (const auto& n : (*root)["rules"]) {
      size_t before = out.size();
      ParseRule(n, file, &out, d);
      if (out.size() > before && !seen.insert(out.back().id).second) {
        d->Error(file, out.back().line, out.back().id, "duplicate rule id");
      }
    }
  } catch (const YAML::Exception& e) {
    d->Error(file, e.mark.line + 1, "", StrCat("YAML: ", e.msg));
  }
  return out;
}

std::vector<Rule> ParseRulesFile(const std::string& path, Diagnostics* d) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    d->Error(path, 0, "", std::string(text.status().message()));
    return {};
  }
  return ParseRulesText(*text, path, d);
}

std::shared_ptr<const Rulebook> Rulebook::Compile(std::vector<Rule> rules,
                                                  const patterns::PatternSet& ps,
                                                  Diagnostics* d) {
  auto rb = std::make_shared<Rulebook>();
  size_t errors_before = d->error_count();
  const auto& entries = ps.entries();
  rb->by_entry_.resize(entries.size());
  std::set<std::string> ids;
  std::string digest;
  for (uint32_t ri = 0; ri < rules.size(); ++ri) {
    const Rule& r = rules[ri];
    if (!ids.insert(r.id).second) d->Error(r.file, r.line, r.id, "duplicate rule id");
    StrAppend(&digest, r.file, ":", r.line, ":", r.id, ";");
    // Entry references must resolve.
    for (const auto& ref : r.match.entries) {
      bool found = false;
      for (const auto& e : entries) {
        if (ref == e.entry_id || ref == StrCat(e.pack_id, "/", e.entry_id)) found = true;
      }
      if (!found) {
        d->Error(r.file, r.line, r.id,
                 StrCat("match.entries names '", ref, "', which no pack in service defines"));
      }
    }
    for (uint32_t ei = 0; ei < entries.size(); ++ei) {
      const auto& e = entries[ei];
      auto in = [](const auto& list, const auto& v) {
        return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
      };
      bool entry_ok = r.match.entries.empty();
      for (const auto& ref : r.match.entries) {
        if (ref == e.entry_id || ref == StrCat(e.pack_id, "/", e.entry_id)) entry_ok = true;
      }
      bool tag_ok = r.match.tags.empty();
      for (const auto& t : r.match.tags) {
        if (std::find(e.tags.begin(), e.tags.end(), t) != e.tags.end()) tag_ok = true;
      }
      if (entry_ok && tag_ok && in(r.match.kinds, e.kind) &&
          in(r.match.attack_types, e.attack_type)) {
        rb->by_entry_[ei].push_back(ri);
      }
    }
  }
  if (d->error_count() > errors_before) return nullptr;
  rb->rules_ = std::move(rules);
  rb->pattern_serial_ = ps.serial();
  rb->version_ = Sha256Hex(digest).substr(0, 12);
  return rb;
}

}  // namespace kizashi::correlate
