// The critical-infrastructure registry: ministries, sectors, operators, their critical systems
// and non-critical assets, contacts and consent — the facts Annex 4 and routing turn on.
//
// Load -> validate (every error, file:line) -> build an immutable Registry -> publish it in a
// snapshot. Lookups are lock-free reads of immutable data.
//
// Ownership: a Registry is immutable after Build and shared via shared_ptr<const Registry> in
// the runtime snapshot. Thread contract: all const methods may be called from any thread.
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

namespace kizashi::registry {

// How a ministry forwards reportable notifications to the Cabinet Secretariat.
enum class ForwardingPolicy : uint8_t { kImmediate = 0, kAfterAcknowledgement };

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
  std::string ministry;    // competent ministry id
  std::string relay_body;  // optional industry body that relays reports
  std::string file;
  int line = 0;
};

enum class ContactMeansType : uint8_t { kPhone, kFax, kEmail, kOther };
std::string_view ContactMeansTypeName(ContactMeansType t);

struct ContactMeans {
  ContactMeansType type = ContactMeansType::kPhone;
  std::string value;
};

struct Contact {
  std::string person;
  std::vector<ContactMeans> means;  // the framework requires at least two distinct means
};

struct Consent {
  bool share_identity = false;  // operator name may appear in advisories/campaign views
  bool share_sector = false;    // sector name may appear
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
  std::vector<std::string> hostnames;  // lower-cased
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
  std::vector<std::string> hostnames;
  std::string file;
  int line = 0;
};

struct Operator {
  std::string id;
  std::string name;
  std::string sector;
  std::vector<Cidr> home_networks;  // what counts as "internal" for this operator
  Consent consent;
  Contact contact;
  std::string observation_destination;  // sink for not-reportable observations (optional)
  std::vector<uint32_t> systems;  // indexes into Registry::systems()
  std::vector<uint32_t> assets;   // indexes into Registry::assets()
  std::string file;
  int line = 0;
};

// An IT-service provider running systems for operators: its reports go through them.
struct ItProvider {
  std::string id;
  std::string name;
  std::vector<std::string> serves;  // operator ids
  std::string file;
  int line = 0;
};

// What an (operator, address or host) resolves to.
struct Resolution {
  TargetKind kind = TargetKind::kUnresolved;
  uint32_t index = kNone;  // into systems() or assets() according to kind
};

// The source files a registry is built from, plain data (stage 1 of load).
struct RegistryData {
  std::vector<Ministry> ministries;
  std::vector<Sector> sectors;
  std::vector<Operator> operators;
  std::vector<CriticalSystem> systems;
  std::vector<Asset> assets;
  std::vector<ItProvider> providers;
};

// Parses registry YAML files (each may hold any of ministries/sectors/operators/
// it_providers). Syntax and type errors go to `diags`.
void ParseRegistryFile(const std::string& path, RegistryData* data, Diagnostics* diags);
void ParseRegistryText(std::string_view text, std::string_view file, RegistryData* data,
                       Diagnostics* diags);

class Registry {
 public:
  // Validates `data` (collecting every error) and builds the lookup structures. Returns
  // nullptr when diags has errors.
  static std::shared_ptr<const Registry> Build(RegistryData data, Diagnostics* diags);
  // Loads files or directories (*.yaml, sorted) and builds.
  static absl::StatusOr<std::shared_ptr<const Registry>> Load(
      const std::vector<std::string>& paths, Diagnostics* diags);

  const std::vector<Ministry>& ministries() const { return data_.ministries; }
  const std::vector<Sector>& sectors() const { return data_.sectors; }
  const std::vector<Operator>& operators() const { return data_.operators; }
  const std::vector<CriticalSystem>& systems() const { return data_.systems; }
  const std::vector<Asset>& assets() const { return data_.assets; }
  const std::vector<ItProvider>& providers() const { return data_.providers; }

  uint32_t FindOperator(std::string_view id) const;
  uint32_t FindSector(std::string_view id) const;
  uint32_t FindMinistry(std::string_view id) const;
  // The Cabinet Secretariat's ministry entry, kNone if the registry has none.
  uint32_t cabinet_secretariat() const { return cabinet_secretariat_; }

  // Longest-prefix match of `addr` within the operator's systems and assets.
  Resolution ResolveAddress(uint32_t op, const IpAddr& addr) const;
  // Exact (case-insensitive) hostname match within the operator.
  Resolution ResolveHost(uint32_t op, std::string_view host) const;
  // Whether `addr` is inside the operator's home networks.
  bool IsInternal(uint32_t op, const IpAddr& addr) const;

  // Content hash of the source data (version shown in metrics and notifications).
  const std::string& version() const { return version_; }

 private:
  struct PrefixEntry {
    Cidr cidr;
    Resolution target;
  };
  RegistryData data_;
  absl::flat_hash_map<std::string, uint32_t> op_index_, sector_index_, ministry_index_;
  // Per operator: prefixes sorted by length descending (first Contains wins).
  std::vector<std::vector<PrefixEntry>> prefixes_;
  // Per operator: lower-cased hostname -> target.
  std::vector<absl::flat_hash_map<std::string, Resolution>> hosts_;
  uint32_t cabinet_secretariat_ = kNone;
  std::string version_;
};

}  // namespace kizashi::registry
