// Stage 2 of registry load: every cross-object rule, all problems collected with file:line,
// object id and a reason that says how to fix it. The rules are listed in docs/registry.md
// ("Validation"); each check below names the rule it implements.
#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/common/strings.h"
#include "engine/registry/registry.h"
#include "engine/registry/validate_util.h"

namespace kizashi::registry {

namespace {

std::string At(const std::string& file, int line) { return StrCat(file, ":", line); }

// IPv4 and IPv6 are separate spaces (prefix_table.h): a prefix is IPv4 when it lies in the
// IPv4-mapped block.
bool IsV4Prefix(const Cidr& c) { return c.prefix >= 96 && c.addr.is_v4(); }

// Rule: ids are well-formed and unique within their namespace.
template <typename T>
absl::flat_hash_map<std::string, uint32_t> IndexIds(const std::vector<T>& items,
                                                    std::string_view what, Diagnostics* d) {
  absl::flat_hash_map<std::string, uint32_t> index;
  for (uint32_t i = 0; i < items.size(); ++i) {
    const T& t = items[i];
    if (t.id.empty()) continue;  // reported by the reader as a missing field
    if (!IsValidId(t.id)) {
      d->Error(t.file, t.line, t.id,
               StrCat(what, " id '", t.id, "' must be 1-64 characters of letters, digits, "
                      "'.', '_' or '-', starting with a letter or digit"));
    }
    auto [it, inserted] = index.emplace(t.id, i);
    if (!inserted) {
      const T& first = items[it->second];
      d->Error(t.file, t.line, t.id,
               StrCat("duplicate ", what, " id '", t.id, "' (first defined at ",
                      At(first.file, first.line), ")"));
    }
  }
  return index;
}

std::string KnownIds(const absl::flat_hash_map<std::string, uint32_t>& index) {
  std::vector<std::string> ids;
  for (const auto& [id, i] : index) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  if (ids.size() > 20) {
    ids.resize(20);
    ids.push_back("...");
  }
  return ids.empty() ? "none defined" : Join(ids, ", ");
}

// A network or host name of one target, with where it was written.
struct TargetRef {
  bool asset = false;
  uint32_t index = 0;
  int line = 0;
};

// One validation pass over one RegistryData; lives on the loading thread for one call.
struct Validator {
  const RegistryData& data;
  Diagnostics* d;
  absl::flat_hash_map<std::string, uint32_t> ministries, sectors, operators, providers;

  std::string TargetId(const TargetRef& t) const {
    return t.asset ? data.assets[t.index].id : data.systems[t.index].id;
  }
  const std::string& TargetFile(const TargetRef& t) const {
    return t.asset ? data.assets[t.index].file : data.systems[t.index].file;
  }
  std::string TargetKindName(const TargetRef& t) const {
    return t.asset ? "asset" : "critical system";
  }

  void Ministries() {
    // Rule: at most one Cabinet Secretariat; none is a warning (route fails closed).
    const Ministry* cas = nullptr;
    for (const auto& m : data.ministries) {
      if (!m.is_cabinet_secretariat) continue;
      if (cas != nullptr) {
        d->Error(m.file, m.line, m.id,
                 StrCat("more than one ministry is marked cabinet_secretariat (also '", cas->id,
                        "' at ", At(cas->file, cas->line), ")"));
      } else {
        cas = &m;
      }
    }
    if (cas == nullptr && !data.sectors.empty()) {
      const Sector& s = data.sectors.front();
      d->Warning(s.file, 0, "",
                 "no ministry is marked cabinet_secretariat: reports cannot be forwarded to "
                 "the Cabinet Secretariat and routing will hold them");
    }
  }

  void Sectors() {
    // Rule: a sector names a known competent ministry.
    for (const auto& s : data.sectors) {
      if (s.ministry.empty()) continue;  // reader reported it missing
      if (!ministries.contains(s.ministry)) {
        d->Error(s.file, s.line, s.id,
                 StrCat("unknown ministry '", s.ministry, "' (known: ", KnownIds(ministries),
                        ")"));
      }
    }
  }

  void Contact(const Operator& o) {
    // Rule (framework 2(4)): a contact person and at least two distinct means.
    if (o.contact.person.empty() && o.contact.means.empty()) {
      d->Error(o.file, o.line, o.id,
               "missing 'contact': a person and at least two distinct means (phone, fax, "
               "email, other) fixed in advance with the ministry (framework 2(4))");
      return;
    }
    if (o.contact.person.empty()) {
      d->Error(o.file, o.line, o.id, "contact has no 'person' (the contact person is mandatory)");
    }
    for (const auto& m : o.contact.means) {
      std::string reason;
      if (!CheckContactValue(m, &reason)) {
        d->Error(o.file, m.line > 0 ? m.line : o.line, o.id,
                 StrCat("malformed contact means: ", reason));
      }
    }
    int distinct = DistinctContactMeans(o.contact);
    if (distinct < 2) {
      d->Error(o.file, o.line, o.id,
               StrCat("operator '", o.id, "' has ", distinct,
                      " distinct contact means; the framework requires at least two that "
                      "differ in type and value (e.g. phone and e-mail, not two phone numbers "
                      "or a phone and a fax on the same number)"));
    }
  }

  void Operators() {
    for (const auto& o : data.operators) {
      // Rule: the operator's sector exists.
      if (!o.sector.empty() && !sectors.contains(o.sector)) {
        d->Error(o.file, o.line, o.id,
                 StrCat("unknown sector '", o.sector, "' (known: ", KnownIds(sectors), ")"));
      }
      Contact(o);
      DuplicateNetworks(o.home_networks, o.home_network_lines, o.file, o.id, "home_networks");
    }
  }

  void DuplicateNetworks(const std::vector<Cidr>& nets, const std::vector<int>& lines,
                         const std::string& file, const std::string& id, const char* key) {
    for (size_t i = 0; i < nets.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (nets[i].prefix == nets[j].prefix && nets[i].addr == nets[j].addr) {
          d->Warning(file, i < lines.size() ? lines[i] : 0, id,
                     StrCat("network ", nets[i].ToString(), " is listed twice in '", key, "'"));
          break;
        }
      }
    }
  }

  // Rules for systems and assets of every operator: ids unique within the operator; at least
  // one network or host name; a host name names one target; an identical prefix does not
  // name two targets (with CIDRs, two different prefixes are either disjoint or nested, and
  // then the more specific one decides — so an identical prefix is the only overlap no
  // longer prefix can decide).
  void Targets() {
    struct PerOperator {
      absl::flat_hash_map<std::string, TargetRef> ids;
      absl::flat_hash_map<std::string, TargetRef> hosts;
      // (prefix bytes + length) -> first target that claimed it.
      absl::flat_hash_map<std::string, TargetRef> prefixes;
    };
    std::vector<PerOperator> per(data.operators.size());
    auto visit = [&](const auto& t, bool asset, uint32_t index) {
      const std::string oid = StrCat(t.operator_id, "/", t.id);
      const char* kind = asset ? "asset" : "critical system";
      const char* a_kind = asset ? "an asset" : "a critical system";
      if (!t.id.empty() && !IsValidId(t.id)) {
        d->Error(t.file, t.line, oid,
                 StrCat(kind, " id '", t.id, "' must be 1-64 characters of letters, digits, "
                        "'.', '_' or '-', starting with a letter or digit"));
      }
      if (t.networks.empty() && t.hostnames.empty()) {
        d->Error(t.file, t.line, oid,
                 StrCat(a_kind, " needs at least one network or host name to be "
                        "recognised in events"));
      }
      DuplicateNetworks(t.networks, t.network_lines, t.file, oid, "networks");
      auto op_it = operators.find(t.operator_id);
      if (op_it == operators.end()) return;  // operator id missing or invalid: reported
      PerOperator& p = per[op_it->second];
      TargetRef self{asset, index, t.line};
      if (!t.id.empty()) {
        auto [it, inserted] = p.ids.emplace(t.id, self);
        if (!inserted) {
          d->Error(t.file, t.line, oid,
                   StrCat("duplicate system/asset id '", t.id, "' within operator '",
                          t.operator_id, "' (first defined as a ", TargetKindName(it->second),
                          " at ", At(TargetFile(it->second), it->second.line), ")"));
        }
      }
      for (size_t h = 0; h < t.hostnames.size(); ++h) {
        TargetRef ref{asset, index, h < t.hostname_lines.size() ? t.hostname_lines[h] : t.line};
        auto [it, inserted] = p.hosts.emplace(t.hostnames[h], ref);
        if (!inserted && (it->second.asset != asset || it->second.index != index)) {
          d->Error(t.file, ref.line, oid,
                   StrCat("host name '", t.hostnames[h], "' is already assigned to ",
                          TargetKindName(it->second), " '", TargetId(it->second), "' (",
                          At(TargetFile(it->second), it->second.line),
                          "); a host name must name one target"));
        }
      }
      for (size_t n = 0; n < t.networks.size(); ++n) {
        const Cidr& c = t.networks[n];
        TargetRef ref{asset, index, n < t.network_lines.size() ? t.network_lines[n] : t.line};
        std::string key(reinterpret_cast<const char*>(c.addr.bytes), 16);
        key.push_back(static_cast<char>(c.prefix));
        auto [it, inserted] = p.prefixes.emplace(std::move(key), ref);
        if (!inserted && (it->second.asset != asset || it->second.index != index)) {
          d->Error(t.file, ref.line, oid,
                   StrCat("network ", c.ToString(), " maps to both ", TargetKindName(it->second),
                          " '", TargetId(it->second), "' (",
                          At(TargetFile(it->second), it->second.line), ") and ", kind, " '",
                          t.id, "' of operator '", t.operator_id,
                          "' with no more specific prefix deciding; give each target its own "
                          "prefix"));
        }
      }
    };
    for (uint32_t i = 0; i < data.systems.size(); ++i) visit(data.systems[i], false, i);
    for (uint32_t i = 0; i < data.assets.size(); ++i) visit(data.assets[i], true, i);
  }

  void SystemsAndProviders() {
    for (const auto& s : data.systems) {
      const std::string oid = StrCat(s.operator_id, "/", s.id);
      // Rule: run_by names a known IT-service provider that serves this operator.
      if (!s.run_by.empty()) {
        auto p = providers.find(s.run_by);
        if (p == providers.end()) {
          d->Error(s.file, s.line, oid,
                   StrCat("run_by names unknown IT-service provider '", s.run_by,
                          "' (known: ", KnownIds(providers), ")"));
        } else {
          const auto& serves = data.providers[p->second].serves;
          if (std::find(serves.begin(), serves.end(), s.operator_id) == serves.end()) {
            d->Error(s.file, s.line, oid,
                     StrCat("run_by provider '", s.run_by, "' does not list operator '",
                            s.operator_id, "' in 'serves'; its reports go through the "
                            "operators it serves (framework 2(1))"));
          }
        }
      }
      // Advice: an internal_only system should sit inside its operator's home networks,
      // else "an access attempt from outside" cannot be told from inside traffic.
      auto op = operators.find(s.operator_id);
      if (!s.internal_only || op == operators.end()) continue;
      const Operator& o = data.operators[op->second];
      if (o.home_networks.empty()) {
        d->Warning(s.file, s.line, oid,
                   StrCat("internal_only system of operator '", o.id,
                          "' which declares no home_networks: every peer will count as "
                          "external"));
        continue;
      }
      for (size_t n = 0; n < s.networks.size(); ++n) {
        const Cidr& c = s.networks[n];
        bool inside = std::any_of(o.home_networks.begin(), o.home_networks.end(),
                                  [&](const Cidr& h) {
                                    return h.prefix <= c.prefix && IsV4Prefix(h) == IsV4Prefix(c) &&
                                           h.Contains(c.addr);
                                  });
        if (!inside) {
          d->Warning(s.file, n < s.network_lines.size() ? s.network_lines[n] : s.line, oid,
                     StrCat("internal_only system network ", c.ToString(),
                            " is not inside operator '", o.id, "' home_networks"));
        }
      }
    }
    // Rule: a provider serves known operators.
    for (const auto& p : data.providers) {
      for (size_t i = 0; i < p.serves.size(); ++i) {
        const auto& op = p.serves[i];
        if (!operators.contains(op)) {
          d->Error(p.file, p.line, p.id, StrCat("serves unknown operator '", op, "'"));
        } else if (std::find(p.serves.begin(), p.serves.begin() + static_cast<long>(i), op) !=
                   p.serves.begin() + static_cast<long>(i)) {
          d->Warning(p.file, p.line, p.id, StrCat("operator '", op, "' is listed twice"));
        }
      }
    }
  }

  void Run() {
    ministries = IndexIds(data.ministries, "ministry", d);
    sectors = IndexIds(data.sectors, "sector", d);
    operators = IndexIds(data.operators, "operator", d);
    providers = IndexIds(data.providers, "IT-service provider", d);
    Ministries();
    Sectors();
    Operators();
    Targets();
    SystemsAndProviders();
  }
};

}  // namespace

void ValidateRegistry(const RegistryData& data, Diagnostics* diags) {
  Validator{data, diags, {}, {}, {}, {}}.Run();
}

}  // namespace kizashi::registry
