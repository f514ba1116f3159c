#include "engine/registry/registry.h"

#include <algorithm>
#include <cstring>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "engine/registry/validate_util.h"

namespace kizashi::registry {

namespace {

// Host-table key: operator index (4 bytes, native order) then the host name. Writes into
// `buf` (at least 4 + kMaxHostnameLength bytes) lower-casing on the way; returns the key
// length, or 0 if the host cannot be a registered name (too long or empty).
size_t HostKey(uint32_t op, std::string_view host, char* buf) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > kMaxHostnameLength) return 0;
  std::memcpy(buf, &op, 4);
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    buf[4 + i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return 4 + host.size();
}

template <typename Map>
uint32_t FindIn(const Map& m, std::string_view id) {
  auto it = m.find(absl::string_view(id.data(), id.size()));
  return it == m.end() ? kNone : it->second;
}

}  // namespace

std::shared_ptr<const Registry> Registry::Build(RegistryData data, Diagnostics* d) {
  const size_t errors_before = d->error_count();
  ValidateRegistry(data, d);
  if (d->error_count() > errors_before) return nullptr;

  auto reg = std::shared_ptr<Registry>(new Registry());
  // Indexes. Validation guarantees unique, well-formed ids and resolvable references.
  for (uint32_t i = 0; i < data.ministries.size(); ++i) {
    reg->ministry_index_.emplace(data.ministries[i].id, i);
    if (data.ministries[i].is_cabinet_secretariat) reg->cabinet_secretariat_ = i;
  }
  for (uint32_t i = 0; i < data.sectors.size(); ++i) reg->sector_index_.emplace(data.sectors[i].id, i);
  for (uint32_t i = 0; i < data.operators.size(); ++i) reg->op_index_.emplace(data.operators[i].id, i);
  for (uint32_t i = 0; i < data.providers.size(); ++i) {
    reg->provider_index_.emplace(data.providers[i].id, i);
  }
  reg->operator_count_ = static_cast<uint32_t>(data.operators.size());
  reg->op_sector_.resize(data.operators.size(), kNone);
  for (uint32_t i = 0; i < data.operators.size(); ++i) {
    reg->op_sector_[i] = FindIn(reg->sector_index_, data.operators[i].sector);
  }

  // Lookup structures.
  std::vector<PrefixTable::Entry> targets, home;
  char key[4 + kMaxHostnameLength];
  auto attach = [&](auto& vec, TargetKind kind, auto member) {
    for (uint32_t i = 0; i < vec.size(); ++i) {
      const auto& t = vec[i];
      uint32_t op = FindIn(reg->op_index_, t.operator_id);
      if (op == kNone) continue;  // impossible after validation
      (data.operators[op].*member).push_back(i);
      const uint32_t v = Encode(kind, i);
      for (const auto& c : t.networks) targets.push_back({op, c, v});
      for (const auto& h : t.hostnames) {
        size_t n = HostKey(op, h, key);
        if (n > 0) reg->hosts_.emplace(std::string(key, n), v);
      }
    }
  };
  attach(data.systems, TargetKind::kCriticalSystem, &Operator::systems);
  attach(data.assets, TargetKind::kNonCriticalAsset, &Operator::assets);
  for (uint32_t op = 0; op < data.operators.size(); ++op) {
    for (const auto& c : data.operators[op].home_networks) home.push_back({op, c, 1});
  }
  reg->targets_ = PrefixTable::Build(reg->operator_count_, targets);
  reg->home_ = PrefixTable::Build(reg->operator_count_, home);

  if (data.sources.empty()) {
    reg->version_ = "unversioned";
  } else {
    std::string digests;
    for (const auto& s : data.sources) digests += s.sha256;
    reg->version_ = Sha256Hex(digests).substr(0, 12);
  }
  reg->data_ = std::move(data);
  return reg;
}

absl::StatusOr<std::shared_ptr<const Registry>> Registry::Load(
    const std::vector<std::string>& paths, Diagnostics* diags) {
  RegistryData data;
  const size_t errors_before = diags->error_count();
  for (const auto& f : ExpandRegistryPaths(paths, diags)) ParseRegistryFile(f, &data, diags);
  // Cross-object validation runs even after reader errors, so one pass reports everything.
  std::shared_ptr<const Registry> reg;
  if (diags->error_count() > errors_before) {
    ValidateRegistry(data, diags);
  } else {
    reg = Build(std::move(data), diags);
  }
  if (reg == nullptr) return diags->ToStatus("registry");
  return reg;
}

uint32_t Registry::FindOperator(std::string_view id) const { return FindIn(op_index_, id); }
uint32_t Registry::FindSector(std::string_view id) const { return FindIn(sector_index_, id); }
uint32_t Registry::FindMinistry(std::string_view id) const { return FindIn(ministry_index_, id); }
uint32_t Registry::FindProvider(std::string_view id) const { return FindIn(provider_index_, id); }

uint32_t Registry::SectorOf(uint32_t op) const {
  return op < op_sector_.size() ? op_sector_[op] : kNone;
}

uint32_t Registry::MinistryOf(uint32_t op) const {
  uint32_t s = SectorOf(op);
  if (s == kNone) return kNone;
  return FindMinistry(data_.sectors[s].ministry);
}

Resolution Registry::ResolveHost(uint32_t op, std::string_view host) const {
  if (op >= operator_count_ || host.empty()) return {};
  char key[4 + kMaxHostnameLength];
  if (size_t n = HostKey(op, host, key); n > 0) {
    auto it = hosts_.find(absl::string_view(key, n));
    if (it != hosts_.end()) return Decode(it->second);
  }
  // Syslog "host names" are often addresses.
  IpAddr a;
  if (host.size() <= 64 && IpAddr::Parse(host, &a)) return ResolveAddress(op, a);
  return Resolution{TargetKind::kUnknownAsset, kNone};
}

size_t Registry::lookup_memory_bytes() const {
  size_t hosts = 0;
  for (const auto& [k, v] : hosts_) hosts += k.capacity() + sizeof(uint32_t) + 1;
  return targets_.MemoryBytes() + home_.MemoryBytes() + hosts;
}

}  // namespace kizashi::registry
