#include "engine/registry/registry.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "engine/config/yaml_util.h"

namespace kizashi::registry {

std::string_view ContactMeansTypeName(ContactMeansType t) {
  switch (t) {
    case ContactMeansType::kPhone: return "phone";
    case ContactMeansType::kFax: return "fax";
    case ContactMeansType::kEmail: return "email";
    case ContactMeansType::kOther: return "other";
  }
  return "other";
}

std::string_view AssetRoleName(AssetRole r) {
  switch (r) {
    case AssetRole::kInternetFirewall: return "internet_firewall";
    case AssetRole::kAdvertisingWeb: return "advertising_web";
    case AssetRole::kOfficeMail: return "office_mail";
    case AssetRole::kOther: return "other";
  }
  return "other";
}

bool ParseAssetRole(std::string_view s, AssetRole* out) {
  if (s == "internet_firewall") *out = AssetRole::kInternetFirewall;
  else if (s == "advertising_web") *out = AssetRole::kAdvertisingWeb;
  else if (s == "office_mail") *out = AssetRole::kOfficeMail;
  else if (s == "other") *out = AssetRole::kOther;
  else return false;
  return true;
}

namespace {

using yaml::Reader;

void ReadCidrs(Reader& r, const char* key, std::vector<Cidr>* out) {
  std::vector<std::string> list;
  if (!r.StrList(key, &list)) return;
  for (const auto& s : list) {
    Cidr c;
    if (!Cidr::Parse(s, &c)) {
      r.Error(r.node()[key], StrCat("malformed network '", s, "' in '", key,
                                    "' (expected an address or CIDR with host bits clear)"));
      continue;
    }
    out->push_back(c);
  }
}

void ReadHostnames(Reader& r, std::vector<std::string>* out) {
  if (r.StrList("hostnames", out)) {
    for (auto& h : *out) h = AsciiLower(h);
  }
}

void ParseSystem(const YAML::Node& n, std::string_view file, const std::string& op,
                 RegistryData* data, Diagnostics* d) {
  CriticalSystem s;
  Reader r(n, file, op + "/?", d);
  if (!n.IsMap()) {
    r.Error("a critical system must be a map");
    return;
  }
  r.Str("id", &s.id, true);
  r.set_id(op + "/" + s.id);
  r.RejectUnknown({"id", "name", "category", "internal_only", "networks", "hostnames",
                   "hardware", "software", "service", "run_by"});
  r.Str("name", &s.name);
  r.Str("category", &s.category);
  r.Bool("internal_only", &s.internal_only);
  ReadCidrs(r, "networks", &s.networks);
  ReadHostnames(r, &s.hostnames);
  r.Str("hardware", &s.hardware);
  r.Str("service", &s.service);
  r.Str("run_by", &s.run_by);
  if (YAML::Node sw = n["software"]; sw.IsDefined() && !sw.IsNull()) {
    if (!sw.IsSequence()) {
      r.Error(sw, "'software' must be a list of {name, version, patch_status}");
    } else {
      for (const auto& item : sw) {
        Reader ir(item, file, op + "/" + s.id, d);
        SoftwareItem si;
        if (!item.IsMap()) {
          ir.Error("a software item must be a map");
          continue;
        }
        ir.RejectUnknown({"name", "version", "patch_status"});
        ir.Str("name", &si.name, true);
        ir.Str("version", &si.version);
        ir.Str("patch_status", &si.patch_status);
        s.software.push_back(std::move(si));
      }
    }
  }
  if (s.networks.empty() && s.hostnames.empty()) {
    r.Error("a critical system needs at least one network or hostname to be recognised");
  }
  s.operator_id = op;
  s.file = std::string(file);
  s.line = r.line();
  data->systems.push_back(std::move(s));
}

void ParseAsset(const YAML::Node& n, std::string_view file, const std::string& op,
                RegistryData* data, Diagnostics* d) {
  Asset a;
  Reader r(n, file, op + "/?", d);
  if (!n.IsMap()) {
    r.Error("an asset must be a map");
    return;
  }
  r.Str("id", &a.id, true);
  r.set_id(op + "/" + a.id);
  r.RejectUnknown({"id", "name", "role", "networks", "hostnames"});
  r.Str("name", &a.name);
  std::string role = "other";
  r.Str("role", &role);
  if (!ParseAssetRole(role, &a.role)) {
    r.Error(n["role"], StrCat("unknown asset role '", role,
                              "' (internet_firewall, advertising_web, office_mail, other)"));
  }
  ReadCidrs(r, "networks", &a.networks);
  ReadHostnames(r, &a.hostnames);
  a.operator_id = op;
  a.file = std::string(file);
  a.line = r.line();
  data->assets.push_back(std::move(a));
}

void ParseOperator(const YAML::Node& n, std::string_view file, RegistryData* data,
                   Diagnostics* d) {
  Operator o;
  Reader r(n, file, "?", d);
  if (!n.IsMap()) {
    r.Error("an operator must be a map");
    return;
  }
  r.Str("id", &o.id, true);
  r.set_id(o.id);
  r.RejectUnknown({"id", "name", "sector", "home_networks", "consent", "contact",
                   "observation_destination", "critical_systems", "assets"});
  r.Str("name", &o.name, true);
  r.Str("sector", &o.sector, true);
  ReadCidrs(r, "home_networks", &o.home_networks);
  r.Str("observation_destination", &o.observation_destination);
  if (YAML::Node c = n["consent"]; c.IsDefined() && !c.IsNull()) {
    Reader cr(c, file, o.id, d);
    cr.RejectUnknown({"share_identity", "share_sector"});
    cr.Bool("share_identity", &o.consent.share_identity);
    cr.Bool("share_sector", &o.consent.share_sector);
  }
  YAML::Node contact = n["contact"];
  if (!contact.IsDefined() || !contact.IsMap()) {
    r.Error("missing 'contact' (a person and at least two means: phone, fax, email, other)");
  } else {
    Reader cr(contact, file, o.id, d);
    cr.RejectUnknown({"person", "means"});
    cr.Str("person", &o.contact.person, true);
    YAML::Node means = contact["means"];
    if (means.IsDefined() && means.IsSequence()) {
      for (const auto& m : means) {
        Reader mr(m, file, o.id, d);
        if (!m.IsMap()) {
          mr.Error("a contact means must be {type, value}");
          continue;
        }
        mr.RejectUnknown({"type", "value"});
        std::string type;
        ContactMeans cm;
        mr.Str("type", &type, true);
        mr.Str("value", &cm.value, true);
        if (type == "phone") cm.type = ContactMeansType::kPhone;
        else if (type == "fax") cm.type = ContactMeansType::kFax;
        else if (type == "email") cm.type = ContactMeansType::kEmail;
        else if (type == "other") cm.type = ContactMeansType::kOther;
        else {
          mr.Error(m["type"], StrCat("unknown contact means type '", type,
                                     "' (phone, fax, email, other)"));
          continue;
        }
        if (!cm.value.empty()) o.contact.means.push_back(std::move(cm));
      }
    } else if (means.IsDefined()) {
      cr.Error(means, "'means' must be a list");
    }
  }
  o.file = std::string(file);
  o.line = r.line();
  if (YAML::Node cs = n["critical_systems"]; cs.IsDefined() && !cs.IsNull()) {
    if (!cs.IsSequence()) r.Error(cs, "'critical_systems' must be a list");
    else for (const auto& s : cs) ParseSystem(s, file, o.id, data, d);
  }
  if (YAML::Node as = n["assets"]; as.IsDefined() && !as.IsNull()) {
    if (!as.IsSequence()) r.Error(as, "'assets' must be a list");
    else for (const auto& a : as) ParseAsset(a, file, o.id, data, d);
  }
  data->operators.push_back(std::move(o));
}

void ParseRoot(const YAML::Node& root, std::string_view file, RegistryData* data,
               Diagnostics* d) {
  Reader rr(root, file, "", d);
  if (!root.IsMap()) {
    if (!root.IsNull()) rr.Error("a registry file must be a map");
    return;
  }
  rr.RejectUnknown({"ministries", "sectors", "operators", "it_providers"});
  auto each = [&](const char* key, auto&& fn) {
    YAML::Node list = root[key];
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
      rr.Error(list, StrCat("'", key, "' must be a list"));
      return;
    }
    for (const auto& item : list) fn(item);
  };
  each("ministries", [&](const YAML::Node& n) {
    Ministry m;
    Reader r(n, file, "?", d);
    if (!n.IsMap()) return r.Error("a ministry must be a map");
    r.Str("id", &m.id, true);
    r.set_id(m.id);
    r.RejectUnknown({"id", "name_ja", "name_en", "destination", "forwarding",
                     "cabinet_secretariat"});
    r.Str("name_ja", &m.name_ja);
    r.Str("name_en", &m.name_en);
    r.Str("destination", &m.destination, true);
    r.Bool("cabinet_secretariat", &m.is_cabinet_secretariat);
    std::string fwd = "immediate";
    r.Str("forwarding", &fwd);
    if (fwd == "immediate") m.forwarding = ForwardingPolicy::kImmediate;
    else if (fwd == "after_acknowledgement") m.forwarding = ForwardingPolicy::kAfterAcknowledgement;
    else r.Error(n["forwarding"], StrCat("unknown forwarding policy '", fwd,
                                         "' (immediate, after_acknowledgement)"));
    m.file = std::string(file);
    m.line = r.line();
    data->ministries.push_back(std::move(m));
  });
  each("sectors", [&](const YAML::Node& n) {
    Sector s;
    Reader r(n, file, "?", d);
    if (!n.IsMap()) return r.Error("a sector must be a map");
    r.Str("id", &s.id, true);
    r.set_id(s.id);
    r.RejectUnknown({"id", "name_ja", "name_en", "ministry", "relay_body"});
    r.Str("name_ja", &s.name_ja);
    r.Str("name_en", &s.name_en, true);
    r.Str("ministry", &s.ministry, true);
    r.Str("relay_body", &s.relay_body);
    s.file = std::string(file);
    s.line = r.line();
    data->sectors.push_back(std::move(s));
  });
  each("operators", [&](const YAML::Node& n) { ParseOperator(n, file, data, d); });
  each("it_providers", [&](const YAML::Node& n) {
    ItProvider p;
    Reader r(n, file, "?", d);
    if (!n.IsMap()) return r.Error("an IT-service provider must be a map");
    r.Str("id", &p.id, true);
    r.set_id(p.id);
    r.RejectUnknown({"id", "name", "serves"});
    r.Str("name", &p.name);
    r.StrList("serves", &p.serves, true);
    p.file = std::string(file);
    p.line = r.line();
    data->providers.push_back(std::move(p));
  });
}

}  // namespace

void ParseRegistryText(std::string_view text, std::string_view file, RegistryData* data,
                       Diagnostics* diags) {
  auto root = yaml::LoadText(text, file, diags);
  if (!root) return;
  try {
    ParseRoot(*root, file, data, diags);
  } catch (const YAML::Exception& e) {
    diags->Error(file, e.mark.line + 1, "", StrCat("YAML: ", e.msg));
  }
}

void ParseRegistryFile(const std::string& path, RegistryData* data, Diagnostics* diags) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    diags->Error(path, 0, "", std::string(text.status().message()));
    return;
  }
  ParseRegistryText(*text, path, data, diags);
}

std::shared_ptr<const Registry> Registry::Build(RegistryData data, Diagnostics* d) {
  auto reg = std::shared_ptr<Registry>(new Registry());
  size_t errors_before = d->error_count();

  auto index = [&](auto& vec, auto& map, std::string_view what) {
    for (uint32_t i = 0; i < vec.size(); ++i) {
      auto [it, inserted] = map.emplace(vec[i].id, i);
      if (!inserted) {
        const auto& first = vec[it->second];
        d->Error(vec[i].file, vec[i].line, vec[i].id,
                 StrCat("duplicate ", what, " id (first defined at ", first.file, ":", first.line,
                        ")"));
      }
    }
  };
  index(data.ministries, reg->ministry_index_, "ministry");
  index(data.sectors, reg->sector_index_, "sector");
  index(data.operators, reg->op_index_, "operator");

  for (uint32_t i = 0; i < data.ministries.size(); ++i) {
    if (!data.ministries[i].is_cabinet_secretariat) continue;
    if (reg->cabinet_secretariat_ != kNone) {
      d->Error(data.ministries[i].file, data.ministries[i].line, data.ministries[i].id,
               "more than one ministry is marked cabinet_secretariat");
    }
    reg->cabinet_secretariat_ = i;
  }
  for (const auto& s : data.sectors) {
    if (!s.ministry.empty() && !reg->ministry_index_.contains(s.ministry)) {
      d->Error(s.file, s.line, s.id, StrCat("unknown ministry '", s.ministry, "'"));
    }
  }
  for (const auto& o : data.operators) {
    if (!o.sector.empty() && !reg->sector_index_.contains(o.sector)) {
      d->Error(o.file, o.line, o.id, StrCat("unknown sector '", o.sector, "'"));
    }
    std::set<ContactMeansType> types;
    for (const auto& m : o.contact.means) types.insert(m.type);
    if (types.size() < 2) {
      d->Error(o.file, o.line, o.id,
               StrCat("contact needs at least two distinct means (phone, fax, email, other); "
                      "found ", types.size()));
    }
  }
  absl::flat_hash_map<std::string, uint32_t> provider_index;
  index(data.providers, provider_index, "IT-service provider");
  for (const auto& p : data.providers) {
    for (const auto& op : p.serves) {
      if (!reg->op_index_.contains(op)) {
        d->Error(p.file, p.line, p.id, StrCat("serves unknown operator '", op, "'"));
      }
    }
  }

  // Attach systems and assets to operators; check ids unique per operator.
  reg->prefixes_.resize(data.operators.size());
  reg->hosts_.resize(data.operators.size());
  std::vector<absl::flat_hash_map<std::string, std::string>> target_ids(data.operators.size());
  auto attach = [&](auto& vec, TargetKind kind, auto member) {
    for (uint32_t i = 0; i < vec.size(); ++i) {
      auto& t = vec[i];
      auto it = reg->op_index_.find(t.operator_id);
      if (it == reg->op_index_.end()) continue;
      uint32_t op = it->second;
      auto [ti, inserted] =
          target_ids[op].emplace(t.id, StrCat(t.file, ":", t.line));
      if (!inserted) {
        d->Error(t.file, t.line, StrCat(t.operator_id, "/", t.id),
                 StrCat("duplicate system/asset id within operator (first defined at ",
                        ti->second, ")"));
      }
      (data.operators[op].*member).push_back(i);
      for (const auto& c : t.networks) reg->prefixes_[op].push_back({c, Resolution{kind, i}});
      for (const auto& h : t.hostnames) {
        auto [hi, hins] = reg->hosts_[op].emplace(h, Resolution{kind, i});
        if (!hins && !(hi->second.kind == kind && hi->second.index == i)) {
          d->Error(t.file, t.line, StrCat(t.operator_id, "/", t.id),
                   StrCat("hostname '", h, "' is already assigned to another system or asset"));
        }
      }
      if constexpr (std::is_same_v<std::decay_t<decltype(t)>, CriticalSystem>) {
        if (!t.run_by.empty() && !provider_index.contains(t.run_by)) {
          d->Error(t.file, t.line, StrCat(t.operator_id, "/", t.id),
                   StrCat("run_by names unknown IT-service provider '", t.run_by, "'"));
        }
      }
    }
  };
  attach(data.systems, TargetKind::kCriticalSystem, &Operator::systems);
  attach(data.assets, TargetKind::kNonCriticalAsset, &Operator::assets);

  // Identical prefixes mapping to different targets are ambiguous. (Nested prefixes are not:
  // the more specific one decides.) CIDRs are either nested or disjoint, so equality is the
  // only conflict.
  for (uint32_t op = 0; op < reg->prefixes_.size(); ++op) {
    auto& pf = reg->prefixes_[op];
    std::stable_sort(pf.begin(), pf.end(), [](const PrefixEntry& a, const PrefixEntry& b) {
      if (a.cidr.prefix != b.cidr.prefix) return a.cidr.prefix > b.cidr.prefix;
      return std::memcmp(a.cidr.addr.bytes, b.cidr.addr.bytes, 16) < 0;
    });
    for (size_t i = 1; i < pf.size(); ++i) {
      const auto& a = pf[i - 1];
      const auto& b = pf[i];
      if (a.cidr.prefix == b.cidr.prefix && a.cidr.addr == b.cidr.addr &&
          !(a.target.kind == b.target.kind && a.target.index == b.target.index)) {
        auto describe = [&](const Resolution& r) -> std::pair<std::string, std::string> {
          if (r.kind == TargetKind::kCriticalSystem) {
            const auto& s = data.systems[r.index];
            return {s.id, StrCat(s.file, ":", s.line)};
          }
          const auto& s = data.assets[r.index];
          return {s.id, StrCat(s.file, ":", s.line)};
        };
        auto [ida, posa] = describe(a.target);
        auto [idb, posb] = describe(b.target);
        const auto& o = data.operators[op];
        d->Error(o.file, o.line, o.id,
                 StrCat("network ", a.cidr.ToString(), " maps to both '", ida, "' (", posa,
                        ") and '", idb, "' (", posb, ") with no more specific prefix deciding"));
      }
    }
  }

  if (d->error_count() > errors_before) return nullptr;
  // Version: digest of the canonical content (file order independent of directory listing).
  std::string digest_src;
  for (const auto& o : data.operators) StrAppend(&digest_src, o.file, ":", o.line, ";");
  for (const auto& o : data.systems) StrAppend(&digest_src, o.file, ":", o.line, ";");
  reg->data_ = std::move(data);
  reg->version_ = Sha256Hex(digest_src).substr(0, 12);
  return reg;
}

absl::StatusOr<std::shared_ptr<const Registry>> Registry::Load(
    const std::vector<std::string>& paths, Diagnostics* diags) {
  namespace fs = std::filesystem;
  RegistryData data;
  std::string content_digest;
  for (const auto& p : paths) {
    std::vector<std::string> files;
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::directory_iterator(p, ec)) {
        std::string ext = e.path().extension().string();
        if (ext == ".yaml" || ext == ".yml") files.push_back(e.path().string());
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(p);
    }
    for (const auto& f : files) {
      auto text = ReadFile(f);
      if (!text.ok()) {
        diags->Error(f, 0, "", std::string(text.status().message()));
        continue;
      }
      content_digest += Sha256Hex(*text);
      ParseRegistryText(*text, f, &data, diags);
    }
  }
  if (diags->has_errors()) return diags->ToStatus("registry");
  auto reg = Build(std::move(data), diags);
  if (reg == nullptr) return diags->ToStatus("registry");
  const_cast<Registry*>(reg.get())->version_ = Sha256Hex(content_digest).substr(0, 12);
  return reg;
}

uint32_t Registry::FindOperator(std::string_view id) const {
  auto it = op_index_.find(std::string(id));
  return it == op_index_.end() ? kNone : it->second;
}
uint32_t Registry::FindSector(std::string_view id) const {
  auto it = sector_index_.find(std::string(id));
  return it == sector_index_.end() ? kNone : it->second;
}
uint32_t Registry::FindMinistry(std::string_view id) const {
  auto it = ministry_index_.find(std::string(id));
  return it == ministry_index_.end() ? kNone : it->second;
}

Resolution Registry::ResolveAddress(uint32_t op, const IpAddr& addr) const {
  if (op >= prefixes_.size() || !addr.valid) return {};
  for (const auto& e : prefixes_[op]) {
    if (e.cidr.Contains(addr)) return e.target;
  }
  return Resolution{TargetKind::kUnknownAsset, kNone};
}

Resolution Registry::ResolveHost(uint32_t op, std::string_view host) const {
  if (op >= hosts_.size() || host.empty()) return {};
  auto it = hosts_[op].find(AsciiLower(host));
  if (it == hosts_[op].end()) return Resolution{TargetKind::kUnknownAsset, kNone};
  return it->second;
}

bool Registry::IsInternal(uint32_t op, const IpAddr& addr) const {
  if (op >= data_.operators.size() || !addr.valid) return false;
  for (const auto& c : data_.operators[op].home_networks) {
    if (c.Contains(addr)) return true;
  }
  return false;
}

}  // namespace kizashi::registry
