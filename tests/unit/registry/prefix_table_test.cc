// PrefixTable: hand-derived cases for nesting, boundaries and families, and a seeded
// randomized cross-check against a brute-force longest-prefix match.
#include "engine/registry/prefix_table.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine/registry/validate_util.h"

namespace kizashi::registry {
namespace {

Cidr C(const char* s) {
  Cidr c;
  std::string reason;
  EXPECT_TRUE(ParseNetwork(s, &c, &reason)) << s << ": " << reason;
  return c;
}
IpAddr A(const char* s) {
  IpAddr a;
  EXPECT_TRUE(IpAddr::Parse(s, &a)) << s;
  return a;
}

TEST(PrefixTable, NestedPrefixesLongestWins) {
  // 10/8 -> 1, 10.1/16 -> 2, 10.1.2/24 -> 3, 10.1.2.3/32 -> 4 (operator 0 only).
  auto t = PrefixTable::Build(1, {{0, C("10.0.0.0/8"), 1},
                                  {0, C("10.1.2.3/32"), 4},
                                  {0, C("10.1.0.0/16"), 2},
                                  {0, C("10.1.2.0/24"), 3}});
  EXPECT_EQ(t.Lookup(0, A("10.200.0.1")), 1u);
  EXPECT_EQ(t.Lookup(0, A("10.1.0.0")), 2u);
  EXPECT_EQ(t.Lookup(0, A("10.1.255.255")), 2u);
  EXPECT_EQ(t.Lookup(0, A("10.1.2.0")), 3u);
  EXPECT_EQ(t.Lookup(0, A("10.1.2.2")), 3u);
  EXPECT_EQ(t.Lookup(0, A("10.1.2.3")), 4u);
  EXPECT_EQ(t.Lookup(0, A("10.1.2.4")), 3u);
  EXPECT_EQ(t.Lookup(0, A("10.1.3.0")), 2u);
  EXPECT_EQ(t.Lookup(0, A("10.2.0.0")), 1u);
  EXPECT_EQ(t.Lookup(0, A("9.255.255.255")), PrefixTable::kNoValue);
  EXPECT_EQ(t.Lookup(0, A("11.0.0.0")), PrefixTable::kNoValue);
  // Intervals: [0,10.0.0.0) none, 10/8 head, 10.1/16 head, 10.1.2/24 head, .3, .4.., 10.1.3,
  // 10.2.., 11.0.0.0 none = 9 starts.
  EXPECT_EQ(t.IntervalsV4(0).size(), 9u);
}

TEST(PrefixTable, EdgesOfTheAddressSpace) {
  auto t = PrefixTable::Build(3, {{0, C("0.0.0.0/0"), 7},
                                  {0, C("255.255.255.255/32"), 8},
                                  {0, C("0.0.0.0/32"), 9},
                                  {1, C("::/0"), 5},
                                  {1, C("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), 6},
                                  {2, C("2001:db8::1/128"), 3}});
  EXPECT_EQ(t.Lookup(0, A("0.0.0.0")), 9u);
  EXPECT_EQ(t.Lookup(0, A("0.0.0.1")), 7u);
  EXPECT_EQ(t.Lookup(0, A("128.0.0.0")), 7u);
  EXPECT_EQ(t.Lookup(0, A("255.255.255.254")), 7u);
  EXPECT_EQ(t.Lookup(0, A("255.255.255.255")), 8u);
  // 0.0.0.0/0 is IPv4 only.
  EXPECT_EQ(t.Lookup(0, A("2001:db8::1")), PrefixTable::kNoValue);
  // ::/0 is IPv6 only: IPv4 addresses (even written mapped) do not match it.
  EXPECT_EQ(t.Lookup(1, A("2001:db8::1")), 5u);
  EXPECT_EQ(t.Lookup(1, A("::")), 5u);
  EXPECT_EQ(t.Lookup(1, A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")), 5u);
  EXPECT_EQ(t.Lookup(1, A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), 6u);
  EXPECT_EQ(t.Lookup(1, A("10.0.0.1")), PrefixTable::kNoValue);
  EXPECT_EQ(t.Lookup(1, A("::ffff:10.0.0.1")), PrefixTable::kNoValue);
  EXPECT_EQ(t.Lookup(2, A("2001:db8::1")), 3u);
  EXPECT_EQ(t.Lookup(2, A("2001:db8::2")), PrefixTable::kNoValue);
  EXPECT_EQ(t.Lookup(2, A("2001:db8::")), PrefixTable::kNoValue);
}

TEST(PrefixTable, NamespacesAreSeparate) {
  auto t = PrefixTable::Build(2, {{0, C("10.0.0.0/8"), 1}, {1, C("10.0.0.0/8"), 2},
                                  {1, C("10.9.0.0/16"), 3}});
  EXPECT_EQ(t.Lookup(0, A("10.9.1.1")), 1u);
  EXPECT_EQ(t.Lookup(1, A("10.9.1.1")), 3u);
  EXPECT_EQ(t.Lookup(1, A("10.8.1.1")), 2u);
  EXPECT_EQ(t.Lookup(2, A("10.8.1.1")), PrefixTable::kNoValue);  // out of range
  EXPECT_EQ(t.Lookup(0, IpAddr{}), PrefixTable::kNoValue);       // invalid address
}

TEST(PrefixTable, MappedNotationIsIpv4) {
  // ::ffff:10.0.0.0/104 is 10.0.0.0/8; ::ffff:0:0/96 is 0.0.0.0/0.
  auto t = PrefixTable::Build(1, {{0, C("::ffff:10.0.0.0/104"), 1}, {0, C("::ffff:0:0/96"), 2}});
  EXPECT_EQ(t.Lookup(0, A("10.1.1.1")), 1u);
  EXPECT_EQ(t.Lookup(0, A("::ffff:10.1.1.1")), 1u);
  EXPECT_EQ(t.Lookup(0, A("192.0.2.1")), 2u);
  EXPECT_EQ(t.Lookup(0, A("2001:db8::1")), PrefixTable::kNoValue);
}

TEST(PrefixTable, AdjacentAndSameStartPrefixes) {
  // 10.0.0.0/25 and 10.0.0.128/25 cover 10.0.0.0/24 exactly; 10.0.1.0/24 starts where the
  // /24 ends; 10.0.1.0/24 and 10.0.1.0/26 share a start.
  auto t = PrefixTable::Build(1, {{0, C("10.0.0.0/25"), 1},
                                  {0, C("10.0.0.128/25"), 2},
                                  {0, C("10.0.1.0/24"), 3},
                                  {0, C("10.0.1.0/26"), 4}});
  EXPECT_EQ(t.Lookup(0, A("10.0.0.127")), 1u);
  EXPECT_EQ(t.Lookup(0, A("10.0.0.128")), 2u);
  EXPECT_EQ(t.Lookup(0, A("10.0.0.255")), 2u);
  EXPECT_EQ(t.Lookup(0, A("10.0.1.0")), 4u);
  EXPECT_EQ(t.Lookup(0, A("10.0.1.63")), 4u);
  EXPECT_EQ(t.Lookup(0, A("10.0.1.64")), 3u);
  EXPECT_EQ(t.Lookup(0, A("10.0.2.0")), PrefixTable::kNoValue);
  EXPECT_EQ(t.Lookup(0, A("9.255.255.255")), PrefixTable::kNoValue);
}

TEST(PrefixTable, SameValueNeighboursMerge) {
  // Two adjacent /25s with the same value flatten to one interval: none, v, none.
  auto t = PrefixTable::Build(1, {{0, C("10.0.0.0/25"), 1}, {0, C("10.0.0.128/25"), 1}});
  EXPECT_EQ(t.IntervalsV4(0).size(), 3u);
  // A nested prefix with its parent's value adds nothing.
  auto u = PrefixTable::Build(1, {{0, C("10.0.0.0/8"), 1}, {0, C("10.1.0.0/16"), 1}});
  EXPECT_EQ(u.IntervalsV4(0).size(), 3u);
}

TEST(PrefixTable, IdenticalPrefixFirstWins) {
  auto t = PrefixTable::Build(1, {{0, C("10.0.0.0/8"), 1}, {0, C("10.0.0.0/8"), 2}});
  EXPECT_EQ(t.Lookup(0, A("10.0.0.1")), 1u);
}

TEST(PrefixTable, EmptyNamespace) {
  auto t = PrefixTable::Build(2, {{1, C("10.0.0.0/8"), 1}});
  EXPECT_EQ(t.Lookup(0, A("10.0.0.1")), PrefixTable::kNoValue);
  EXPECT_EQ(t.Lookup(0, A("2001:db8::1")), PrefixTable::kNoValue);
}

// Brute force: the value of the longest containing prefix, families kept apart the same way.
uint32_t Naive(const std::vector<PrefixTable::Entry>& es, uint32_t ns, const IpAddr& a) {
  int best_len = -1;
  uint32_t best = PrefixTable::kNoValue;
  for (const auto& e : es) {
    if (e.ns != ns) continue;
    bool v4_prefix = e.cidr.prefix >= 96 && e.cidr.addr.is_v4();
    if (v4_prefix != a.is_v4()) continue;
    if (e.cidr.Contains(a) && e.cidr.prefix > best_len) {
      best_len = e.cidr.prefix;
      best = e.value;
    }
  }
  return best;
}

TEST(PrefixTable, RandomizedAgainstBruteForce) {
  std::mt19937_64 rng(20240601);  // seeded: reproducible
  for (int round = 0; round < 20; ++round) {
    std::vector<PrefixTable::Entry> es;
    const uint32_t kNs = 3;
    // Prefixes drawn around a few bases so that they nest and touch often.
    for (int i = 0; i < 60; ++i) {
      uint32_t ns = static_cast<uint32_t>(rng() % kNs);
      Cidr c;
      if (rng() % 3 != 0) {
        uint32_t base = (rng() % 2 ? 0x0A000000u : 0xC0A80000u) | static_cast<uint32_t>(rng() & 0xFFFF);
        int len = static_cast<int>(rng() % 33);
        uint32_t masked = len == 0 ? 0 : base & ~((len == 32 ? 0u : (0xFFFFFFFFu >> len)));
        c.addr = IpAddr::V4(masked);
        c.prefix = static_cast<uint8_t>(96 + len);
      } else {
        IpAddr a;
        IpAddr::Parse("2001:db8::", &a);
        for (int b = 4; b < 16; ++b) a.bytes[b] = static_cast<uint8_t>(rng() % 4);
        int len = static_cast<int>(rng() % 129);
        for (int bit = len; bit < 128; ++bit) a.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
        c.addr = a;
        c.prefix = static_cast<uint8_t>(len);
      }
      // Skip exact duplicates (the validator rejects conflicting ones).
      bool dup = false;
      for (const auto& e : es) dup = dup || (e.ns == ns && e.cidr.prefix == c.prefix && e.cidr.addr == c.addr);
      if (!dup) es.push_back({ns, c, static_cast<uint32_t>(1 + rng() % 5)});
    }
    auto t = PrefixTable::Build(kNs, es);
    for (int q = 0; q < 3000; ++q) {
      uint32_t ns = static_cast<uint32_t>(rng() % kNs);
      IpAddr a;
      if (rng() % 3 != 0) {
        a = IpAddr::V4((rng() % 2 ? 0x0A000000u : 0xC0A80000u) | static_cast<uint32_t>(rng() & 0x1FFFF));
      } else {
        IpAddr::Parse("2001:db8::", &a);
        for (int b = 4; b < 16; ++b) a.bytes[b] = static_cast<uint8_t>(rng() % 4);
      }
      // Also probe exact prefix starts and ends, where off-by-one errors live.
      if (q % 5 == 0 && !es.empty()) {
        const auto& e = es[rng() % es.size()];
        a = e.cidr.addr;
        if (q % 10 == 0) {
          for (int bit = e.cidr.prefix; bit < 128; ++bit) a.bytes[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
        }
        ns = e.ns;
      }
      ASSERT_EQ(t.Lookup(ns, a), Naive(es, ns, a)) << "round " << round << " ns " << ns << " addr " << a.ToString();
    }
  }
}

}  // namespace
}  // namespace kizashi::registry
