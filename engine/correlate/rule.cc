#include "engine/correlate/rule.h"

#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/config/yaml_util.h"
#include "engine/correlate/key_hash.h"
#include "engine/registry/registry.h"

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

bool ParseFieldRef(std::string_view s, FieldRef* out) {
  out->name = std::string(s);
  static const struct {
    std::string_view name;
    FieldKind kind;
  } kNamed[] = {
      {"src_ip", FieldKind::kSrcIp},         {"dst_ip", FieldKind::kDstIp},
      {"src_port", FieldKind::kSrcPort},     {"dst_port", FieldKind::kDstPort},
      {"host", FieldKind::kHost},            {"sig_id", FieldKind::kSigId},
      {"event_type", FieldKind::kEventType}, {"kind", FieldKind::kEventKind},
      {"proto", FieldKind::kProto},          {"app_proto", FieldKind::kAppProto},
      {"operator", FieldKind::kOperator},    {"target", FieldKind::kTarget},
  };
  for (const auto& n : kNamed) {
    if (n.name == s) {
      out->kind = n.kind;
      return true;
    }
  }
  if (ParseFieldName(s, &out->field)) {
    out->kind = FieldKind::kField;
    return true;
  }
  return false;
}

const IpAddr& FieldIp(const FieldRef& f, const Event& e) {
  bool peer_is_src = e.dst_is_target;
  if (f.kind == FieldKind::kSrcIp) return peer_is_src ? e.src : e.dst;
  return peer_is_src ? e.dst : e.src;
}

int64_t FieldNumber(const FieldRef& f, const Event& e) {
  switch (f.kind) {
    case FieldKind::kSrcPort: return e.dst_is_target ? e.src_port : e.dst_port;
    case FieldKind::kDstPort: return e.dst_is_target ? e.dst_port : e.src_port;
    case FieldKind::kSigId: return e.sig_id;
    default: return 0;
  }
}

std::string_view FieldText(const FieldRef& f, const Event& e, const registry::Registry& reg,
                           std::string* scratch) {
  switch (f.kind) {
    case FieldKind::kSrcIp:
    case FieldKind::kDstIp: {
      const IpAddr& a = FieldIp(f, e);
      if (!a.valid) return {};
      *scratch = a.ToString();
      return *scratch;
    }
    case FieldKind::kSrcPort:
    case FieldKind::kDstPort:
    case FieldKind::kSigId: {
      int64_t v = FieldNumber(f, e);
      if (v == 0) return {};
      scratch->clear();
      StrAppend(scratch, v);
      return *scratch;
    }
    case FieldKind::kHost: return e.host;
    case FieldKind::kEventType: return e.event_type;
    case FieldKind::kEventKind: return EventKindName(e.kind);
    case FieldKind::kProto: return e.proto;
    case FieldKind::kAppProto: return e.app_proto;
    case FieldKind::kOperator: return e.operator_id;
    case FieldKind::kTarget: {
      if (e.target_kind == TargetKind::kCriticalSystem && e.target_ref < reg.systems().size()) {
        return reg.systems()[e.target_ref].id;
      }
      if (e.target_kind == TargetKind::kNonCriticalAsset && e.target_ref < reg.assets().size()) {
        return reg.assets()[e.target_ref].id;
      }
      const IpAddr& t = e.dst_is_target ? e.dst : e.src;
      if (t.valid) {
        *scratch = t.ToString();
        return *scratch;
      }
      return e.host;
    }
    case FieldKind::kField: return e.field(f.field);
  }
  return {};
}

namespace {

bool NocaseEq(std::string_view a, std::string_view lower) { return EqualsIgnoreCase(a, lower); }

bool NocaseContains(std::string_view hay, std::string_view lower_needle) {
  if (lower_needle.size() > hay.size()) return false;
  for (size_t i = 0; i + lower_needle.size() <= hay.size(); ++i) {
    if (EqualsIgnoreCase(hay.substr(i, lower_needle.size()), lower_needle)) return true;
  }
  return false;
}

bool TestPredicate(const FieldPredicate& p, const Event& e, const registry::Registry& reg) {
  using Op = FieldPredicate::Op;
  bool r = false;
  switch (p.op) {
    case Op::kCidr: {
      const IpAddr& a = FieldIp(p.field, e);
      if (a.valid) {
        for (const auto& c : p.cidrs) {
          if (c.Contains(a)) {
            r = true;
            break;
          }
        }
      }
      break;
    }
    case Op::kGte: r = FieldNumber(p.field, e) >= p.number; break;
    case Op::kLte: r = FieldNumber(p.field, e) <= p.number; break;
    case Op::kExists:
      if (p.field.is_ip()) r = FieldIp(p.field, e).valid;
      else if (p.field.is_number()) r = FieldNumber(p.field, e) != 0;
      else {
        std::string scratch;
        r = !FieldText(p.field, e, reg, &scratch).empty();
      }
      break;
    default: {
      std::string scratch;
      std::string_view v = FieldText(p.field, e, reg, &scratch);
      if (p.op == Op::kRegex) {
        r = RE2::PartialMatch(re2::StringPiece(v.data(), v.size()), *p.re);
        break;
      }
      for (const auto& x : p.values) {
        switch (p.op) {
          case Op::kEquals: r = p.nocase ? NocaseEq(v, x) : v == x; break;
          case Op::kPrefix:
            r = v.size() >= x.size() && (p.nocase ? NocaseEq(v.substr(0, x.size()), x)
                                                  : v.substr(0, x.size()) == x);
            break;
          case Op::kSuffix:
            r = v.size() >= x.size() &&
                (p.nocase ? NocaseEq(v.substr(v.size() - x.size()), x)
                          : v.substr(v.size() - x.size()) == x);
            break;
          case Op::kContains:
            r = p.nocase ? NocaseContains(v, x) : v.find(x) != std::string_view::npos;
            break;
          default: break;
        }
        if (r) break;
      }
    }
  }
  return r != p.negate;
}

// ---- parsing ---------------------------------------------------------------------------

void ParsePredicate(const YAML::Node& n, std::string_view file, std::string_view id,
                    std::vector<FieldPredicate>* out, Diagnostics* d) {
  yaml::Reader r(n, file, id, d);
  if (!n.IsMap()) {
    r.Error("a 'where' predicate must be a map like {field: user, equals: root}");
    return;
  }
  size_t before = d->error_count();
  r.RejectUnknown({"field", "equals", "in", "prefix", "suffix", "contains", "regex", "cidr",
                   "exists", "gte", "lte", "not", "nocase"});
  FieldPredicate p;
  p.line = yaml::Line(n);
  std::string field;
  if (r.Str("field", &field, true) && !ParseFieldRef(field, &p.field)) {
    r.Error(n["field"], StrCat("unknown field '", field, "' (see docs/rules.md#fields)"));
  }
  r.Bool("not", &p.negate);
  r.Bool("nocase", &p.nocase);
  using Op = FieldPredicate::Op;
  static const struct {
    const char* key;
    Op op;
  } kOps[] = {{"equals", Op::kEquals}, {"in", Op::kEquals},         {"prefix", Op::kPrefix},
              {"suffix", Op::kSuffix}, {"contains", Op::kContains}, {"regex", Op::kRegex},
              {"cidr", Op::kCidr},     {"exists", Op::kExists},     {"gte", Op::kGte},
              {"lte", Op::kLte}};
  int nops = 0;
  for (const auto& o : kOps) {
    if (!n[o.key].IsDefined()) continue;
    ++nops;
    p.op = o.op;
    switch (o.op) {
      case Op::kEquals:
      case Op::kPrefix:
      case Op::kSuffix:
      case Op::kContains:
        if (r.StrList(o.key, &p.values) && p.values.empty()) {
          r.Error(n[o.key], StrCat("'", o.key, "' needs at least one value"));
        }
        break;
      case Op::kRegex: {
        std::string re;
        if (r.Str("regex", &re)) {
          RE2::Options opts;
          opts.set_log_errors(false);
          opts.set_case_sensitive(!p.nocase);
          auto compiled = std::make_shared<RE2>(re, opts);
          if (!compiled->ok()) {
            r.Error(n["regex"], StrCat("regex does not compile (RE2 syntax): ", compiled->error()));
          }
          p.re = std::move(compiled);
        }
        break;
      }
      case Op::kCidr: {
        std::vector<std::string> list;
        if (r.StrList("cidr", &list)) {
          for (const auto& c : list) {
            Cidr cidr;
            if (!Cidr::Parse(c, &cidr)) {
              r.Error(n["cidr"], StrCat("'", c, "' is not a network like 10.0.0.0/8"));
            } else {
              p.cidrs.push_back(cidr);
            }
          }
        }
        break;
      }
      case Op::kExists: {
        bool b = true;
        if (r.Bool("exists", &b)) p.negate = p.negate != !b;
        break;
      }
      case Op::kGte:
      case Op::kLte:
        r.Int(o.key, &p.number, INT64_MIN, INT64_MAX);
        break;
    }
  }
  if (nops != 1) {
    r.Error(StrCat("a predicate needs exactly one test (equals, in, prefix, suffix, contains, "
                   "regex, cidr, exists, gte, lte); found ", nops));
  }
  if (d->error_count() > before) return;
  if (p.op == Op::kCidr && !p.field.is_ip()) {
    r.Error(n["cidr"], StrCat("'cidr' applies to src_ip or dst_ip, not '", p.field.name, "'"));
    return;
  }
  if ((p.op == Op::kGte || p.op == Op::kLte) && !p.field.is_number()) {
    r.Error(StrCat("'gte'/'lte' apply to src_port, dst_port or sig_id, not '", p.field.name, "'"));
    return;
  }
  if (p.nocase) {
    for (auto& v : p.values) v = AsciiLower(v);
  }
  out->push_back(std::move(p));
}

template <typename T, typename F>
void ParseEnumList(yaml::Reader& r, const YAML::Node& m, const char* key, std::vector<T>* out,
                   F parse, std::string_view what) {
  std::vector<std::string> list;
  if (!r.StrList(key, &list)) return;
  for (const auto& k : list) {
    T v;
    if (parse(k, &v)) out->push_back(v);
    else r.Error(m[key], StrCat("unknown ", what, " '", k, "'"));
  }
}

// Parses a `match:` block. `step` blocks accept the same keys.
void ParseMatch(const YAML::Node& m, std::string_view file, std::string_view id, RuleMatch* out,
                Diagnostics* d) {
  yaml::Reader mr(m, file, id, d);
  out->line = yaml::Line(m);
  mr.RejectUnknown({"entries", "kinds", "attack_types", "tags", "min_severity", "target",
                    "internal_only", "asset_roles", "source", "operators", "where"});
  mr.StrList("entries", &out->entries);
  ParseEnumList(mr, m, "kinds", &out->kinds, patterns::ParseEntryKind, "entry kind");
  ParseEnumList(mr, m, "attack_types", &out->attack_types, patterns::ParseAttackType,
                "attack type");
  mr.StrList("tags", &out->tags);
  std::string sev;
  if (mr.Str("min_severity", &sev)) {
    patterns::Severity s;
    if (patterns::ParseSeverity(sev, &s)) out->min_severity = static_cast<int>(s);
    else mr.Error(m["min_severity"], StrCat("unknown severity '", sev, "'"));
  }
  std::string target = "any";
  if (mr.Str("target", &target)) {
    if (target == "any") out->target = TargetFilter::kAny;
    else if (target == "critical_system") out->target = TargetFilter::kCriticalSystem;
    else if (target == "non_critical_asset") out->target = TargetFilter::kNonCriticalAsset;
    else if (target == "unknown_asset") out->target = TargetFilter::kUnknownAsset;
    else {
      mr.Error(m["target"], StrCat("unknown target '", target,
                                   "' (any, critical_system, non_critical_asset, unknown_asset)"));
    }
  }
  bool io;
  if (mr.Bool("internal_only", &io)) out->internal_only = io ? 1 : 0;
  if (mr.StrList("asset_roles", &out->asset_roles)) {
    for (const auto& role : out->asset_roles) {
      registry::AssetRole ar;
      if (!registry::ParseAssetRole(role, &ar)) {
        mr.Error(m["asset_roles"], StrCat("unknown asset role '", role, "'"));
      }
    }
  }
  std::string source = "any";
  if (mr.Str("source", &source)) {
    if (source == "any") out->source = SourceFilter::kAny;
    else if (source == "external") out->source = SourceFilter::kExternal;
    else if (source == "internal") out->source = SourceFilter::kInternal;
    else mr.Error(m["source"], StrCat("unknown source '", source, "' (any, external, internal)"));
  }
  mr.StrList("operators", &out->operators);
  YAML::Node w = m["where"];
  if (w.IsDefined() && !w.IsNull()) {
    if (!w.IsSequence()) {
      mr.Error(w, "'where' must be a list of predicates like - {field: user, equals: root}");
    } else {
      for (const auto& p : w) ParsePredicate(p, file, id, &out->where, d);
    }
  }
  if (out->internal_only >= 0 && out->target != TargetFilter::kAny &&
      out->target != TargetFilter::kCriticalSystem) {
    mr.Error(m["internal_only"], "'internal_only' applies to critical systems only");
  }
  if (!out->asset_roles.empty() && out->target != TargetFilter::kAny &&
      out->target != TargetFilter::kNonCriticalAsset) {
    mr.Error(m["asset_roles"], "'asset_roles' applies to non-critical assets only");
  }
}

void ParseSteps(const YAML::Node& list, std::string_view file, const std::string& rule_id,
                std::vector<Step>* out, Diagnostics* d) {
  yaml::Reader r(list, file, rule_id, d);
  if (!list.IsSequence()) {
    r.Error("'steps' must be a list of {id, match}");
    return;
  }
  std::set<std::string> ids;
  for (const auto& s : list) {
    yaml::Reader sr(s, file, rule_id, d);
    if (!s.IsMap()) {
      sr.Error("a step must be a map {id: ..., match: {...}}");
      continue;
    }
    sr.RejectUnknown({"id", "match"});
    Step st;
    st.line = yaml::Line(s);
    sr.Str("id", &st.id, true);
    if (!st.id.empty() && !ids.insert(st.id).second) {
      sr.Error(s["id"], StrCat("duplicate step id '", st.id, "'"));
    }
    YAML::Node m = s["match"];
    if (!m.IsDefined() || !m.IsMap()) {
      sr.Error(StrCat("step '", st.id, "' needs a 'match' map"));
    } else {
      ParseMatch(m, file, rule_id, &st.match, d);
    }
    out->push_back(std::move(st));
  }
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
  rd.RejectUnknown({"id", "title", "description", "enabled", "match", "group_by", "condition",
                    "suppress", "quiet"});
  rd.Str("title", &r.title);
  rd.Str("description", &r.description);
  rd.Bool("enabled", &r.enabled);
  if (rd.Duration("suppress", &r.suppress_ns) && r.suppress_ns <= 0) {
    rd.Error(n["suppress"], "'suppress' must be positive");
  }
  if (rd.Duration("quiet", &r.quiet_ns) && r.quiet_ns <= 0) {
    rd.Error(n["quiet"], "'quiet' must be positive");
  }
  YAML::Node m = n["match"];
  if (m.IsDefined() && !m.IsMap()) {
    rd.Error(m, "'match' must be a map");
  } else if (m.IsDefined()) {
    ParseMatch(m, file, r.id, &r.match, d);
  }
  std::vector<std::string> gb;
  if (rd.StrList("group_by", &gb)) {
    std::set<std::string> seen;
    for (const auto& g : gb) {
      FieldRef f;
      if (!ParseFieldRef(g, &f)) {
        rd.Error(n["group_by"], StrCat("unknown group_by field '", g, "'"));
      } else if (f.kind == FieldKind::kOperator || f.kind == FieldKind::kTarget) {
        rd.Error(n["group_by"], StrCat("'", g, "' is always part of the key; remove it"));
      } else if (!seen.insert(g).second) {
        rd.Error(n["group_by"], StrCat("group_by names '", g, "' twice"));
      } else {
        r.group_by.push_back(f);
      }
    }
  }
  YAML::Node c = n["condition"];
  if (!c.IsDefined() || !c.IsMap()) {
    rd.Error("missing 'condition' (type: single | event_count | value_count | temporal | "
             "temporal_ordered | absence)");
  } else {
    yaml::Reader cr(c, file, r.id, d);
    cr.RejectUnknown({"type", "count", "window", "field", "steps", "trigger", "expect"});
    std::string type;
    cr.Str("type", &type, true);
    Condition& cd = r.condition;
    if (type == "single") cd.type = ConditionType::kSingle;
    else if (type == "event_count") cd.type = ConditionType::kEventCount;
    else if (type == "value_count") cd.type = ConditionType::kValueCount;
    else if (type == "temporal") cd.type = ConditionType::kTemporal;
    else if (type == "temporal_ordered") cd.type = ConditionType::kTemporalOrdered;
    else if (type == "absence") cd.type = ConditionType::kAbsence;
    else if (!type.empty()) {
      cr.Error(c["type"], StrCat("unsupported condition type '", type,
                                 "' (single, event_count, value_count, temporal, "
                                 "temporal_ordered, absence)"));
      type.clear();
    }
    auto forbid = [&](const char* key, std::string_view why) {
      if (c[key].IsDefined()) cr.Error(c[key], StrCat("'", key, "' ", why));
    };
    if (!type.empty()) {
      if (cd.type == ConditionType::kSingle) {
        forbid("window", "does not apply to single");
      } else {
        if (cr.Duration("window", &cd.window_ns, true) && cd.window_ns <= 0) {
          cr.Error(c["window"], "window must be positive");
        }
      }
      if (cd.type == ConditionType::kEventCount) {
        cr.Int("count", &cd.count, 1, kMaxEventCount, true);
      } else if (cd.type == ConditionType::kValueCount) {
        cr.Int("count", &cd.count, 2, kMaxValueCount, true);
        std::string f;
        if (cr.Str("field", &f, true) && !ParseFieldRef(f, &cd.distinct)) {
          cr.Error(c["field"], StrCat("unknown field '", f, "'"));
        }
      } else {
        forbid("count", StrCat("does not apply to ", type));
      }
      if (cd.type != ConditionType::kValueCount) forbid("field", "applies to value_count only");
      if (cd.type == ConditionType::kTemporal || cd.type == ConditionType::kTemporalOrdered) {
        if (!c["steps"].IsDefined()) {
          cr.Error(StrCat(type, " needs 'steps' (a list of {id, match})"));
        } else {
          ParseSteps(c["steps"], file, r.id, &cd.steps, d);
          if (cd.steps.size() < 2 || cd.steps.size() > kMaxSteps) {
            cr.Error(c["steps"], StrCat(type, " needs 2..", kMaxSteps, " steps, got ",
                                        cd.steps.size()));
          }
        }
      } else {
        forbid("steps", "applies to temporal and temporal_ordered only");
      }
      if (cd.type == ConditionType::kAbsence) {
        for (const char* key : {"trigger", "expect"}) {
          YAML::Node s = c[key];
          Step st;
          st.id = key;
          st.line = yaml::Line(s);
          if (!s.IsDefined() || !s.IsMap()) {
            cr.Error(StrCat("absence needs '", key, "' (a match block)"));
          } else {
            ParseMatch(s, file, r.id, &st.match, d);
          }
          cd.steps.push_back(std::move(st));
        }
      } else {
        forbid("trigger", "applies to absence only");
        forbid("expect", "applies to absence only");
      }
    }
  }
  if (!m.IsDefined() && r.condition.steps.empty()) {
    rd.Error("missing 'match' (which pattern entries, targets and sources the rule counts)");
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
    for (const auto& n : (*root)["rules"]) ParseRule(n, file, &out, d);
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

bool Rulebook::SelectsEntry(const RuleMatch& m, const patterns::EntryInfo& e) {
  auto in = [](const auto& list, const auto& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  bool entry_ok = m.entries.empty();
  for (const auto& ref : m.entries) {
    if (ref == e.entry_id ||
        (ref.size() == e.pack_id.size() + 1 + e.entry_id.size() && StartsWith(ref, e.pack_id) &&
         ref[e.pack_id.size()] == '/' && EndsWith(ref, e.entry_id))) {
      entry_ok = true;
      break;
    }
  }
  if (!entry_ok) return false;
  bool tag_ok = m.tags.empty();
  for (const auto& t : m.tags) {
    if (std::find(e.tags.begin(), e.tags.end(), t) != e.tags.end()) {
      tag_ok = true;
      break;
    }
  }
  return tag_ok && in(m.kinds, e.kind) && in(m.attack_types, e.attack_type) &&
         (m.min_severity < 0 || static_cast<int>(e.severity) >= m.min_severity);
}

bool Rulebook::Accepts(const RuleMatch& rm, const Event& e, const registry::Registry& reg) {
  if (!rm.operators.empty() &&
      std::find(rm.operators.begin(), rm.operators.end(), e.operator_id) == rm.operators.end()) {
    return false;
  }
  switch (rm.target) {
    case TargetFilter::kAny: break;
    case TargetFilter::kCriticalSystem:
      if (e.target_kind != TargetKind::kCriticalSystem) return false;
      break;
    case TargetFilter::kNonCriticalAsset:
      if (e.target_kind != TargetKind::kNonCriticalAsset) return false;
      break;
    case TargetFilter::kUnknownAsset:
      if (e.target_kind != TargetKind::kUnknownAsset) return false;
      break;
  }
  if (rm.internal_only >= 0) {
    if (e.target_kind != TargetKind::kCriticalSystem || e.target_ref >= reg.systems().size()) {
      return false;
    }
    if (reg.systems()[e.target_ref].internal_only != (rm.internal_only == 1)) return false;
  }
  if (!rm.asset_roles.empty()) {
    if (e.target_kind != TargetKind::kNonCriticalAsset || e.target_ref >= reg.assets().size()) {
      return false;
    }
    std::string_view role = registry::AssetRoleName(reg.assets()[e.target_ref].role);
    if (std::find(rm.asset_roles.begin(), rm.asset_roles.end(), role) == rm.asset_roles.end()) {
      return false;
    }
  }
  if (rm.source != SourceFilter::kAny) {
    const IpAddr& peer = e.dst_is_target ? e.src : e.dst;
    if (!peer.valid) return false;
    if ((rm.source == SourceFilter::kExternal) == e.src_internal) return false;
  }
  for (const auto& p : rm.where) {
    if (!TestPredicate(p, e, reg)) return false;
  }
  return true;
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
  for (const auto& r : rules) {
    if (!ids.insert(r.id).second) {
      d->Error(r.file, r.line, r.id, "duplicate rule id (rule ids must be unique across files)");
    }
  }
  // Disabled rules are validated but not compiled.
  rules.erase(std::remove_if(rules.begin(), rules.end(), [](const Rule& r) { return !r.enabled; }),
              rules.end());
  for (uint32_t ri = 0; ri < rules.size(); ++ri) {
    const Rule& r = rules[ri];
    StrAppend(&digest, r.file, ":", r.line, ":", r.id, ":", ConditionTypeName(r.condition.type),
              ":", r.condition.count, ":", r.condition.window_ns, ":", r.suppress_ns, ":",
              r.quiet_ns, ";");
    // The matches that select events: the rule's own for single-step conditions, the rule's
    // AND the step's for multi-step ones.
    std::vector<const RuleMatch*> step_matches;
    if (r.condition.steps.empty()) {
      step_matches.push_back(&r.match);
    } else {
      for (const auto& s : r.condition.steps) step_matches.push_back(&s.match);
    }
    auto check_entries = [&](const RuleMatch& m, int line) {
      for (const auto& ref : m.entries) {
        bool found = false;
        for (const auto& e : entries) {
          if (ref == e.entry_id || ref == StrCat(e.pack_id, "/", e.entry_id)) {
            found = true;
            break;
          }
        }
        if (!found) {
          d->Error(r.file, line, r.id,
                   StrCat("match.entries names '", ref, "', which no pack in service defines"));
        }
      }
    };
    check_entries(r.match, r.match.line ? r.match.line : r.line);
    for (const auto& s : r.condition.steps) check_entries(s.match, s.line);

    std::vector<RuleRef> refs_by_entry(entries.size());
    uint32_t unindexed_steps = 0;
    for (uint32_t si = 0; si < step_matches.size(); ++si) {
      const RuleMatch& sm = *step_matches[si];
      bool selective = r.match.has_pattern_selector() || sm.has_pattern_selector();
      if (!selective) {
        unindexed_steps |= 1u << si;
        continue;
      }
      uint32_t hits = 0;
      for (uint32_t ei = 0; ei < entries.size(); ++ei) {
        bool ok = SelectsEntry(r.match, entries[ei]) &&
                  (&sm == &r.match || SelectsEntry(sm, entries[ei]));
        if (ok) {
          refs_by_entry[ei].steps |= 1u << si;
          ++hits;
        }
      }
      if (hits == 0) {
        std::string what = r.condition.steps.empty()
                               ? std::string("the rule's match")
                               : StrCat("step '", r.condition.steps[si].id, "'");
        d->Warning(r.file, r.condition.steps.empty() ? r.line : r.condition.steps[si].line, r.id,
                   StrCat(what, " selects no pattern entry of the packs in service: it cannot "
                                "fire until a pack provides one"));
      }
    }
    for (uint32_t ei = 0; ei < entries.size(); ++ei) {
      if (refs_by_entry[ei].steps != 0) {
        rb->by_entry_[ei].push_back(RuleRef{ri, refs_by_entry[ei].steps});
      }
    }
    if (unindexed_steps != 0) {
      rb->unindexed_.push_back(RuleRef{ri, unindexed_steps});
      d->Warning(r.file, r.line, r.id,
                 "no pattern selector (entries, kinds, attack_types, tags, min_severity): the rule "
                 "is evaluated for every event, matched or not");
    }
    CompiledRule cr;
    Fp seed = KeyHasher().Add("rule").Add(r.id).Finish();
    cr.seed_hi = seed.hi;
    cr.seed_lo = seed.lo;
    cr.all_steps = r.condition.steps.empty()
                       ? 1u
                       : static_cast<uint32_t>((1u << r.condition.steps.size()) - 1);
    cr.rule = r;
    rb->rules_.push_back(std::move(cr));
  }
  if (d->error_count() > errors_before) return nullptr;
  rb->plain_ = std::move(rules);
  rb->pattern_serial_ = ps.serial();
  rb->version_ = Sha256Hex(digest).substr(0, 12);
  return rb;
}

std::shared_ptr<const Rulebook> LoadRulebook(const std::vector<std::string>& files,
                                             const patterns::PatternSet& patterns,
                                             Diagnostics* diags) {
  std::vector<Rule> rules;
  size_t before = diags->error_count();
  for (const auto& f : files) {
    auto r = ParseRulesFile(f, diags);
    for (auto& x : r) rules.push_back(std::move(x));
  }
  auto rb = Rulebook::Compile(std::move(rules), patterns, diags);
  if (diags->error_count() > before) return nullptr;
  return rb;
}

}  // namespace kizashi::correlate
