// Longest-prefix match over many small, independent prefix sets.
//
// The registry has one prefix set per operator (operators' address spaces are separate
// namespaces: two operators may both use 10.0.0.0/8), each a few hundred prefixes, and the
// enrich stage asks "which value does (namespace, address) map to?" once or twice per event.
//
// Design: each namespace's prefixes are flattened at build time into the sorted list of
// *elementary intervals* of the address line — maximal runs of addresses whose longest
// matching prefix is the same — stored as two parallel arrays (interval start key, value).
// A lookup is a branch-free binary search for the last start <= address: ~log2(2n+1)
// dependent loads over a small contiguous array, no pointers, no allocation, no per-lookup
// branch mispredictions. IPv4 intervals are kept apart with 32-bit keys (an operator's
// whole IPv4 table of 200 prefixes is < 2 KiB, i.e. in L1), IPv6 with 128-bit keys.
//
// Why not a multibit trie / Poptrie / DIR-24-8: those win for one large routing table (a
// million prefixes, one namespace), where constant-depth lookups amortise a big table.
// Here we have thousands of *small* tables: a trie per operator costs a fixed number of
// nodes (kilobytes) even for a handful of prefixes, and a 128-bit trie needs up to 16
// levels for IPv6, while the interval array of a 200-prefix set is a couple of KiB and
// resolves in ~9 cache-resident steps. bench/registry_bench.cc measures it against a
// std::map of ranges and against a linear scan.
//
// Address families are separate: an IPv4 address (including one written as IPv4-mapped
// IPv6, ::ffff:a.b.c.d) is matched only by IPv4 prefixes (a.b.c.d/n, or ::ffff:a.b.c.d/96+n);
// IPv6 prefixes never match IPv4 addresses, not even ::/0.
//
// Ownership: built once, immutable afterwards, owned by the Registry. Thread contract: Lookup
// is const and may be called from any number of threads concurrently.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/common/ip.h"

namespace kizashi::registry {

// Lookup turns network-order bytes into integer keys with byte swaps.
static_assert(std::endian::native == std::endian::little, "PrefixTable assumes little-endian");

class PrefixTable {
 public:
  // Returned by Lookup when no prefix of the namespace contains the address.
  static constexpr uint32_t kNoValue = 0;

  struct Entry {
    uint32_t ns = 0;     // namespace (operator index)
    Cidr cidr;           // host bits clear (Cidr::Parse guarantees it)
    uint32_t value = 0;  // anything but kNoValue
  };

  PrefixTable() = default;

  // Builds the table for namespaces [0, namespaces). Entries naming a namespace out of range
  // are ignored. Entries with an identical (ns, prefix) and different values are ambiguous:
  // the registry's validator rejects them before building; here the first one given wins.
  static PrefixTable Build(uint32_t namespaces, const std::vector<Entry>& entries);

  // The value of the longest prefix of namespace `ns` that contains `a`; kNoValue when
  // none does, when `ns` is out of range or when `a` is not valid.
  uint32_t Lookup(uint32_t ns, const IpAddr& a) const {
    if (ns >= spans_.size() || !a.valid) return kNoValue;
    const Span& s = spans_[ns];
    if (IsV4(a)) {
      uint32_t key;
      std::memcpy(&key, a.bytes + 12, 4);
      key = __builtin_bswap32(key);
      return vals4_[s.off4 + Search(keys4_.data() + s.off4, s.n4, key)];
    }
    return vals6_[s.off6 + Search(keys6_.data() + s.off6, s.n6, Key6(a))];
  }

  size_t namespaces() const { return spans_.size(); }
  // Number of elementary intervals stored (IPv4 + IPv6), for sizing reports.
  size_t interval_count() const { return keys4_.size() + keys6_.size(); }
  size_t MemoryBytes() const;

  using U128 = unsigned __int128;

  // Exposed for tests and benchmarks: the elementary intervals of one namespace, as
  // (start key, value) pairs in ascending key order; the first start is always 0.
  std::vector<std::pair<uint32_t, uint32_t>> IntervalsV4(uint32_t ns) const;
  std::vector<std::pair<U128, uint32_t>> IntervalsV6(uint32_t ns) const;

 private:
  struct Span {
    uint32_t off4 = 0, n4 = 0, off6 = 0, n6 = 0;
  };

  static bool IsV4(const IpAddr& a) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(a.bytes, kMapped, 12) == 0;
  }
  static U128 Key6(const IpAddr& a) {
    uint64_t hi, lo;
    std::memcpy(&hi, a.bytes, 8);
    std::memcpy(&lo, a.bytes + 8, 8);
    return (U128{__builtin_bswap64(hi)} << 64) | __builtin_bswap64(lo);
  }
  // Index of the last key <= `key` in keys[0, n). keys[0] is always 0 and n >= 1, so the
  // answer exists. The loop body compiles to a conditional move: no data-dependent branch.
  template <typename K>
  static uint32_t Search(const K* keys, uint32_t n, K key) {
    const K* base = keys;
    while (n > 1) {
      uint32_t half = n / 2;
      base = (base[half] <= key) ? base + half : base;
      n -= half;
    }
    return static_cast<uint32_t>(base - keys);
  }

  std::vector<Span> spans_;
  std::vector<uint32_t> keys4_, vals4_;
  std::vector<U128> keys6_;
  std::vector<uint32_t> vals6_;
};

}  // namespace kizashi::registry
