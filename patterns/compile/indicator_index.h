// IndicatorIndex: exact-value indicators (IP/CIDR, domain, URL, file hash) matched by lookup,
// not regex — the shape most government sharing (STIX, MISP) takes.
//
//   ip      hash set of exact addresses, plus one hash table per distinct CIDR prefix length
//           (mask, then look up): a handful of probes per address whatever the list size;
//   domain  the event's name and each parent at a label boundary (a.b.evil.example,
//           b.evil.example, evil.example) are looked up: an indicator covers its subdomains;
//   url     host (lowercased, no port) + path/query, exact;
//   md5/sha1/sha256  lowercase hex, exact.
// Every hit yields Match{entry, field}; an entry hits a field at most once per event.
//
// Ownership: built at compile time, owned by the PatternSet, immutable and shared; Lookup is
// const and thread-safe (callers pass their own scratch).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/event/event.h"
#include "patterns/pack/pack.h"

namespace kizashi::patterns {

class IndicatorIndex {
 public:
  // One indicator value of an entry, with the fields (bit i = FieldId i) it may match on.
  struct Item {
    Indicator indicator;
    uint32_t entry = 0;
    uint32_t field_mask = 0;
  };

  void Add(const Item& item);
  // Call once after the last Add.
  void Finish();

  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  const std::vector<Item>& items() const { return items_; }

  // Appends the matches of `event` to `out`. `scratch` is reused for lowercasing.
  void Lookup(const Event& event, std::vector<Match>* out, std::string* scratch) const;

 private:
  struct Hit {
    uint32_t entry;
    uint32_t field_mask;
  };
  struct SvHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct SvEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };
  using StrMap = std::unordered_map<std::string, std::vector<Hit>, SvHash, SvEq>;
  struct IpKey {
    uint64_t hi, lo;
    bool operator==(const IpKey& o) const { return hi == o.hi && lo == o.lo; }
  };
  struct IpKeyHash {
    size_t operator()(const IpKey& k) const { return k.hi * 0x9e3779b97f4a7c15ULL ^ k.lo; }
  };
  using IpMap = std::unordered_map<IpKey, std::vector<Hit>, IpKeyHash>;

  void LookupIp(const IpAddr& a, FieldId field, std::vector<Match>* out) const;
  void LookupStr(const StrMap& map, std::string_view key, FieldId field,
                 std::vector<Match>* out) const;
  void LookupDomain(std::string_view name, FieldId field, std::vector<Match>* out,
                    std::string* scratch) const;

  std::vector<Item> items_;
  size_t count_ = 0;
  // prefix length (0..128 in the mapped space) -> table; `prefixes_` lists the used lengths.
  std::vector<std::pair<uint8_t, IpMap>> ip_by_prefix_;
  StrMap domains_, urls_, md5_, sha1_, sha256_;
  uint32_t fields_used_ = 0;
};

}  // namespace kizashi::patterns
