// The critical-infrastructure registry: ministries, sectors, operators, their critical systems
// and non-critical assets, contacts and consent — the facts Annex 4 and routing turn on.
//
// Load -> validate (every error, file:line, object id) -> build an immutable Registry ->
// publish it in a snapshot (engine/registry/loader.h). Lookups are lock-free reads of
// immutable data. Format and rules: docs/registry.md; JSON Schema:
// docs/schemas/registry.schema.json.
//
// Ownership: a Registry is immutable after Build and shared via shared_ptr<const Registry> in
// the runtime snapshot. Thread contract: all const methods may be called from any thread;
// none allocates or locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/common/diag.h"
#include "engine/common/ip.h"
#include "engine/event/event.h"
#include "engine/registry/prefix_table.h"

namespace kizashi::registry {

// How a ministry forwards reportable notifications to the Cabinet Secretariat.
enum class ForwardingPolicy : uint8_t { kImmediate = 0, kAfterAcknowledgement };

enum class ContactMeansType : uint8_t { kPhone, kFax, kEmail, kOther };
std::string_view ContactMeansTypeName(ContactMeansType t);
bool ParseContactMeansType(std::string_view s, ContactMeansType* out);

struct ContactMeans {
  ContactMeansType type = ContactMeansType::kPhone;
  std::string value;
  int line = 0;
};

// 2(4): fixed in advance between operator and ministry. `means` must hold at least two
// *distinct* means: two that differ both in type and in (normalised) value — see
// DistinctContactMeans and docs/registry.md.
struct Contact {
  std::string person;
  std::vector<ContactMeans> means;
};

struct Ministry {
  std::string id;           // "fsa", "mlit", ..., "cas" (Cabinet Secretariat)
  std::string name_ja;
  std::string name_en;
  std::string destination;  // sink name its notifications go to (see route config)
  ForwardingPolicy forwarding = ForwardingPolicy::kImmediate;
  bool is_cabinet_secretariat = false;
  std::string file;
  int line = 0;
};

struct Sector {
  std::string id;          // "finance", "railway", ...
  std::string name_ja;
  std::string name_en;
  std::string ministry;    // competent ministry id (所管省庁)
  // Optional industry body through which the sector's information flows (Annex 2: finance
  // via 全銀協/FISC, electricity and gas via their associations). Informational text.
  std::string relay_body;
  std::vector<std::string> threats;          // Annex 1 column 2, informational
  std::vector<std::string> example_systems;  // Annex 1 column 4, informational
  std::string file;
  int line = 0;
};

struct Consent {
  bool share_identity = false;  // operator name may appear in advisories/campaign views
  bool share_sector = false;    // sector name may appear
  // Where the consent is documented (e.g. "MoU 2024-03-01 §4"); cited as the basis of every
  // disclosure that uses it (disclosure ledger).
  std::string record;
};

struct SoftwareItem {
  std::string name;
  std::string version;
  std::string patch_status;  // e.g. "current", "2024-02 cumulative missing"
};

// Annex 4 names these as not-reportable targets.
enum class AssetRole : uint8_t {
  kInternetFirewall = 0,
  kAdvertisingWeb,
  kOfficeMail,
  kOther,
};
std::string_view AssetRoleName(AssetRole r);
bool ParseAssetRole(std::string_view s, AssetRole* out);

struct CriticalSystem {
  std::string id;
  std::string operator_id;
  std::string name;
  std::string category;     // "core_banking", "train_traffic_control", "plant_control", ...
  bool internal_only = false;  // on an internal network that should be unreachable from outside
  std::vector<Cidr> networks;
  std::vector<int> network_lines;      // parallel to networks: source line of each
  std::vector<std::string> hostnames;  // lower-cased, trailing dot removed
  std::vector<int> hostname_lines;     // parallel to hostnames
  std::string hardware;
  std::vector<SoftwareItem> software;
  std::string service;      // the infrastructure service it carries (report "impact")
  std::string run_by;       // IT-service provider id, if one runs it for the operator
  std::string file;
  int line = 0;
};

struct Asset {
  std::string id;
  std::string operator_id;
  std::string name;
  AssetRole role = AssetRole::kOther;
  std::vector<Cidr> networks;
  std::vector<int> network_lines;
  std::vector<std::string> hostnames;
  std::vector<int> hostname_lines;
  std::string file;
  int line = 0;
};

struct Operator {
  std::string id;
  std::string name;
  std::string sector;
  std::vector<Cidr> home_networks;  // what counts as "internal" for this operator
  std::vector<int> home_network_lines;
  Consent consent;
  Contact contact;
  std::string observation_destination;  // sink for not-reportable observations (optional)
  // Sink for sanitised advisories about *other* operators' incidents (optional; without it
  // the operator receives no advisories — engine/advisory).
  std::string advisory_destination;
  std::vector<uint32_t> systems;  // indexes into Registry::systems() (filled by Build)
  std::vector<uint32_t> assets;   // indexes into Registry::assets() (filled by Build)
  std::string file;
  int line = 0;
};

// An IT-service provider running systems for operators: its reports go through them
// (framework 2(1)). A system names its provider with `run_by`.
struct ItProvider {
  std::string id;
  std::string name;
  std::vector<std::string> serves;  // operator ids
  std::string file;
  int line = 0;
};

// What an (operator, address or host) resolves to.
//   kCriticalSystem / kNonCriticalAsset: `index` into systems() / assets();
//   kUnknownAsset: the operator is known, the address/host is not in its registry;
//   kUnresolved: no lookup possible (operator index out of range, invalid address, empty host).
struct Resolution {
  TargetKind kind = TargetKind::kUnresolved;
  uint32_t index = kNone;
};

// A source file read into RegistryData: path and SHA-256 of its bytes (the registry version
// is derived from these).
struct SourceFile {
  std::string path;
  std::string sha256;
};

// The source files a registry is built from, plain data (stage 1 of load).
struct RegistryData {
  std::vector<Ministry> ministries;
  std::vector<Sector> sectors;
  std::vector<Operator> operators;
  std::vector<CriticalSystem> systems;
  std::vector<Asset> assets;
  std::vector<ItProvider> providers;
  std::vector<SourceFile> sources;
};

// Parses registry YAML files (each may hold any of ministries/sectors/operators/
// it_providers). Syntax, type and field-level errors (unknown keys, malformed addresses,
// malformed host names) go to `diags`; cross-object rules are checked by Build.
void ParseRegistryFile(const std::string& path, RegistryData* data, Diagnostics* diags);
void ParseRegistryText(std::string_view text, std::string_view file, RegistryData* data,
                       Diagnostics* diags);

// Expands files and directories (non-recursive; *.yaml and *.yml, sorted by name) into the
// list of registry files. Missing paths and empty directories are errors.
std::vector<std::string> ExpandRegistryPaths(const std::vector<std::string>& paths,
                                             Diagnostics* diags);

// Every cross-object rule of docs/registry.md ("Validation"), all errors collected. Build
// calls it; exposed for `kizashi check` and tests.
void ValidateRegistry(const RegistryData& data, Diagnostics* diags);

// The number of pairwise-distinct contact means (see Contact): the size of the largest set
// of means in which every two differ in type and in normalised value. Phone and fax numbers
// are normalised to digits (+81 -> 0), e-mail addresses and other values to lower case.
int DistinctContactMeans(const Contact& c);

class Registry {
 public:
  // Validates `data` (collecting every error) and builds the lookup structures. Returns
  // nullptr when `diags` gained errors. Do not Build data whose parsing reported errors
  // (dropped fields would go unnoticed): Load runs ValidateRegistry alone in that case.
  static std::shared_ptr<const Registry> Build(RegistryData data, Diagnostics* diags);
  // Loads files or directories (ExpandRegistryPaths) and builds. On any error returns
  // InvalidArgument listing every diagnostic (also left in `diags`).
  static absl::StatusOr<std::shared_ptr<const Registry>> Load(
      const std::vector<std::string>& paths, Diagnostics* diags);

  const std::vector<Ministry>& ministries() const { return data_.ministries; }
  const std::vector<Sector>& sectors() const { return data_.sectors; }
  const std::vector<Operator>& operators() const { return data_.operators; }
  const std::vector<CriticalSystem>& systems() const { return data_.systems; }
  const std::vector<Asset>& assets() const { return data_.assets; }
  const std::vector<ItProvider>& providers() const { return data_.providers; }
  const std::vector<SourceFile>& sources() const { return data_.sources; }

  // Index lookups by id; kNone when absent. No allocation.
  uint32_t FindOperator(std::string_view id) const;
  uint32_t FindSector(std::string_view id) const;
  uint32_t FindMinistry(std::string_view id) const;
  uint32_t FindProvider(std::string_view id) const;
  // The Cabinet Secretariat's ministry entry, kNone if the registry has none.
  uint32_t cabinet_secretariat() const { return cabinet_secretariat_; }

  // Convenience for routing: the sector / competent ministry of operator `op`, kNone if
  // `op` is out of range (Build guarantees both exist for every operator).
  uint32_t SectorOf(uint32_t op) const;
  uint32_t MinistryOf(uint32_t op) const;

  // Longest-prefix match of `addr` within operator `op`'s systems and assets.
  Resolution ResolveAddress(uint32_t op, const IpAddr& addr) const {
    if (op >= operator_count_ || !addr.valid) return {};
    return Decode(targets_.Lookup(op, addr));
  }
  // Exact host-name match within operator `op`: ASCII case-insensitive, one trailing dot
  // ignored. A host that is an IP literal and matches no host name resolves by address.
  Resolution ResolveHost(uint32_t op, std::string_view host) const;
  // Whether `addr` is inside operator `op`'s home networks (longest-prefix semantics are
  // irrelevant here: any containing home network makes it internal).
  bool IsInternal(uint32_t op, const IpAddr& addr) const {
    return home_.Lookup(op, addr) != PrefixTable::kNoValue;
  }

  // Content hash of the source files (first 12 hex digits of SHA-256 over their SHA-256s,
  // in load order): shown in metrics and notifications. "unversioned" for a registry built
  // from data without sources.
  const std::string& version() const { return version_; }

  // Size of the lookup structures, for metrics and the benchmark.
  size_t lookup_memory_bytes() const;

 private:
  Registry() = default;

  // Target encoding in the prefix table: bit 31 set = asset, low bits = index + 1.
  static constexpr uint32_t kAssetBit = 0x80000000u;
  static uint32_t Encode(TargetKind kind, uint32_t index) {
    return (index + 1) | (kind == TargetKind::kNonCriticalAsset ? kAssetBit : 0u);
  }
  static Resolution Decode(uint32_t v) {
    if (v == PrefixTable::kNoValue) return Resolution{TargetKind::kUnknownAsset, kNone};
    return Resolution{(v & kAssetBit) ? TargetKind::kNonCriticalAsset : TargetKind::kCriticalSystem,
                      (v & ~kAssetBit) - 1};
  }

  RegistryData data_;
  uint32_t operator_count_ = 0;
  // Keys are ids; absl's string hashing gives heterogeneous lookup without a copy.
  absl::flat_hash_map<std::string, uint32_t> op_index_, sector_index_, ministry_index_,
      provider_index_;
  std::vector<uint32_t> op_sector_;  // operator -> sector index
  PrefixTable targets_;              // namespace = operator; value = Encode(target)
  PrefixTable home_;                 // namespace = operator; value = 1 if inside
  // Key: 4 bytes of operator index, then the lower-cased host name. One table for all
  // operators keeps lookups to one probe sequence; values are Encode(target).
  absl::flat_hash_map<std::string, uint32_t> hosts_;
  uint32_t cabinet_secretariat_ = kNone;
  std::string version_;
};

}  // namespace kizashi::registry
