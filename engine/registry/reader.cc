// Stage 1 of registry load: YAML files -> RegistryData. Reports syntax, type and field-level
// problems (unknown keys, malformed addresses and host names) with file:line and object id;
// cross-object rules are in validate.cc.
#include <algorithm>
#include <filesystem>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "engine/config/yaml_util.h"
#include "engine/registry/registry.h"
#include "engine/registry/validate_util.h"

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

bool ParseContactMeansType(std::string_view s, ContactMeansType* out) {
  if (s == "phone") *out = ContactMeansType::kPhone;
  else if (s == "fax") *out = ContactMeansType::kFax;
  else if (s == "email") *out = ContactMeansType::kEmail;
  else if (s == "other") *out = ContactMeansType::kOther;
  else return false;
  return true;
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

// Iterates the scalar items of list `key` (a single scalar counts as a one-item list),
// calling fn(item node). Reports a wrong shape.
template <typename Fn>
void EachScalar(Reader& r, const char* key, Fn&& fn) {
  YAML::Node n = r.node()[key];
  if (!n.IsDefined() || n.IsNull()) return;
  if (n.IsScalar()) {
    fn(n);
    return;
  }
  if (!n.IsSequence()) {
    r.Error(n, StrCat("'", key, "' must be a list of strings"));
    return;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      r.Error(item, StrCat("'", key, "' items must be strings"));
      continue;
    }
    fn(item);
  }
}

void ReadNetworks(Reader& r, const char* key, std::vector<Cidr>* out, std::vector<int>* lines) {
  EachScalar(r, key, [&](const YAML::Node& item) {
    const std::string& s = item.Scalar();
    std::string reason;
    Cidr c;
    if (!ParseNetwork(s, &c, &reason)) {
      r.Error(item, StrCat("malformed network '", s, "' in '", key, "': ", reason));
      return;
    }
    out->push_back(c);
    lines->push_back(yaml::Line(item));
  });
}

void ReadHostnames(Reader& r, std::vector<std::string>* out, std::vector<int>* lines) {
  EachScalar(r, "hostnames", [&](const YAML::Node& item) {
    const std::string& s = item.Scalar();
    std::string norm;
    std::string reason;
    if (!NormaliseHostname(s, &norm, &reason)) {
      r.Error(item, StrCat("malformed host name '", s, "': ", reason));
      return;
    }
    out->push_back(std::move(norm));
    lines->push_back(yaml::Line(item));
  });
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
  ReadNetworks(r, "networks", &s.networks, &s.network_lines);
  ReadHostnames(r, &s.hostnames, &s.hostname_lines);
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
          ir.Error("a software item must be a map {name, version, patch_status}");
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
  std::string role;
  if (r.Str("role", &role, true) && !ParseAssetRole(role, &a.role)) {
    r.Error(n["role"], StrCat("unknown asset role '", role,
                              "' (internet_firewall, advertising_web, office_mail, other)"));
  }
  ReadNetworks(r, "networks", &a.networks, &a.network_lines);
  ReadHostnames(r, &a.hostnames, &a.hostname_lines);
  a.operator_id = op;
  a.file = std::string(file);
  a.line = r.line();
  data->assets.push_back(std::move(a));
}

void ParseContact(const YAML::Node& contact, std::string_view file, Reader& opr, Operator* o,
                  Diagnostics* d) {
  if (!contact.IsDefined() || contact.IsNull()) return;  // the validator reports it missing
  if (!contact.IsMap()) {
    opr.Error(contact, "'contact' must be a map {person, means}");
    return;
  }
  Reader cr(contact, file, o->id, d);
  cr.RejectUnknown({"person", "means"});
  cr.Str("person", &o->contact.person);
  YAML::Node means = contact["means"];
  if (!means.IsDefined() || means.IsNull()) return;
  if (!means.IsSequence()) {
    cr.Error(means, "'means' must be a list of {type, value}");
    return;
  }
  for (const auto& m : means) {
    Reader mr(m, file, o->id, d);
    if (!m.IsMap()) {
      mr.Error("a contact means must be a map {type, value}");
      continue;
    }
    mr.RejectUnknown({"type", "value"});
    std::string type;
    ContactMeans cm;
    bool ok = mr.Str("type", &type, true);
    ok = mr.Str("value", &cm.value, true) && ok;
    if (!ok) continue;
    if (!ParseContactMeansType(type, &cm.type)) {
      mr.Error(m["type"], StrCat("unknown contact means type '", type,
                                 "' (phone, fax, email, other)"));
      continue;
    }
    cm.line = mr.line();
    o->contact.means.push_back(std::move(cm));
  }
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
                   "observation_destination", "advisory_destination", "critical_systems",
                   "assets"});
  r.Str("name", &o.name, true);
  r.Str("sector", &o.sector, true);
  ReadNetworks(r, "home_networks", &o.home_networks, &o.home_network_lines);
  r.Str("observation_destination", &o.observation_destination);
  r.Str("advisory_destination", &o.advisory_destination);
  if (YAML::Node c = n["consent"]; c.IsDefined() && !c.IsNull()) {
    if (!c.IsMap()) {
      r.Error(c, "'consent' must be a map {share_identity, share_sector, record}");
    } else {
      Reader cr(c, file, o.id, d);
      cr.RejectUnknown({"share_identity", "share_sector", "record"});
      cr.Bool("share_identity", &o.consent.share_identity);
      cr.Bool("share_sector", &o.consent.share_sector);
      cr.Str("record", &o.consent.record);
    }
  }
  ParseContact(n["contact"], file, r, &o, d);
  o.file = std::string(file);
  o.line = r.line();
  const std::string op_id = o.id.empty() ? "?" : o.id;
  if (YAML::Node cs = n["critical_systems"]; cs.IsDefined() && !cs.IsNull()) {
    if (!cs.IsSequence()) r.Error(cs, "'critical_systems' must be a list");
    else for (const auto& s : cs) ParseSystem(s, file, op_id, data, d);
  }
  if (YAML::Node as = n["assets"]; as.IsDefined() && !as.IsNull()) {
    if (!as.IsSequence()) r.Error(as, "'assets' must be a list");
    else for (const auto& a : as) ParseAsset(a, file, op_id, data, d);
  }
  data->operators.push_back(std::move(o));
}

void ParseMinistry(const YAML::Node& n, std::string_view file, RegistryData* data,
                   Diagnostics* d) {
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
  std::string fwd;
  if (r.Str("forwarding", &fwd)) {
    if (fwd == "immediate") m.forwarding = ForwardingPolicy::kImmediate;
    else if (fwd == "after_acknowledgement") m.forwarding = ForwardingPolicy::kAfterAcknowledgement;
    else r.Error(n["forwarding"], StrCat("unknown forwarding policy '", fwd,
                                         "' (immediate, after_acknowledgement)"));
  }
  m.file = std::string(file);
  m.line = r.line();
  data->ministries.push_back(std::move(m));
}

void ParseSector(const YAML::Node& n, std::string_view file, RegistryData* data,
                 Diagnostics* d) {
  Sector s;
  Reader r(n, file, "?", d);
  if (!n.IsMap()) return r.Error("a sector must be a map");
  r.Str("id", &s.id, true);
  r.set_id(s.id);
  r.RejectUnknown({"id", "name_ja", "name_en", "ministry", "relay_body", "threats",
                   "example_systems"});
  r.Str("name_ja", &s.name_ja);
  r.Str("name_en", &s.name_en, true);
  r.Str("ministry", &s.ministry, true);
  r.Str("relay_body", &s.relay_body);
  r.StrList("threats", &s.threats);
  r.StrList("example_systems", &s.example_systems);
  s.file = std::string(file);
  s.line = r.line();
  data->sectors.push_back(std::move(s));
}

void ParseProvider(const YAML::Node& n, std::string_view file, RegistryData* data,
                   Diagnostics* d) {
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
}

void ParseRoot(const YAML::Node& root, std::string_view file, RegistryData* data,
               Diagnostics* d) {
  Reader rr(root, file, "", d);
  if (!root.IsMap()) {
    if (!root.IsNull()) rr.Error("a registry file must be a map with any of: ministries, "
                                 "sectors, operators, it_providers");
    return;
  }
  rr.RejectUnknown({"ministries", "sectors", "operators", "it_providers"});
  auto each = [&](const char* key, void (*fn)(const YAML::Node&, std::string_view,
                                              RegistryData*, Diagnostics*)) {
    YAML::Node list = root[key];
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
      rr.Error(list, StrCat("'", key, "' must be a list"));
      return;
    }
    for (const auto& item : list) fn(item, file, data, d);
  };
  each("ministries", &ParseMinistry);
  each("sectors", &ParseSector);
  each("operators", &ParseOperator);
  each("it_providers", &ParseProvider);
}

}  // namespace

void ParseRegistryText(std::string_view text, std::string_view file, RegistryData* data,
                       Diagnostics* diags) {
  data->sources.push_back(SourceFile{std::string(file), Sha256Hex(text)});
  auto root = yaml::LoadText(text, file, diags);
  if (!root) return;
  try {
    ParseRoot(*root, file, data, diags);
  } catch (const YAML::Exception& e) {
    diags->Error(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", StrCat("YAML: ", e.msg));
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

std::vector<std::string> ExpandRegistryPaths(const std::vector<std::string>& paths,
                                             Diagnostics* diags) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  if (paths.empty()) {
    diags->Error("", 0, "registry.paths", "no registry files or directories configured");
  }
  for (const auto& p : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      diags->Error(p, 0, "", "registry path does not exist");
      continue;
    }
    if (!fs::is_directory(st)) {
      out.push_back(p);
      continue;
    }
    std::vector<std::string> files;
    // Explicit increment(ec): range-for would throw on a read error.
    for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
      std::string ext = it->path().extension().string();
      std::error_code fec;
      if ((ext == ".yaml" || ext == ".yml") && !fs::is_directory(it->path(), fec)) {
        files.push_back(it->path().string());
      }
    }
    if (ec) {
      diags->Error(p, 0, "", StrCat("cannot list registry directory: ", ec.message()));
      continue;
    }
    if (files.empty()) {
      diags->Error(p, 0, "", "registry directory holds no *.yaml or *.yml file");
      continue;
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

}  // namespace kizashi::registry
