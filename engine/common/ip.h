// IP addresses and prefixes. IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
// so one 128-bit representation serves longest-prefix matching for both families.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace kizashi {

struct IpAddr {
  uint8_t bytes[16] = {};
  bool valid = false;

  bool is_v4() const;
  // Parses dotted-quad IPv4 or RFC 4291 IPv6 (with an optional %zone, which is dropped).
  static bool Parse(std::string_view s, IpAddr* out);
  static IpAddr V4(uint32_t host_order);
  std::string ToString() const;
  uint64_t hi() const;
  uint64_t lo() const;
  bool operator==(const IpAddr& o) const {
    return valid == o.valid && std::memcmp(bytes, o.bytes, 16) == 0;
  }
};

struct Cidr {
  IpAddr addr;         // network address, host bits cleared
  uint8_t prefix = 0;  // 0..128 in the mapped space (an IPv4 /24 is stored as /120)

  // "10.0.0.0/8", "2001:db8::/32", or a bare address (host prefix). Rejects host bits set
  // unless `allow_host_bits`.
  static bool Parse(std::string_view s, Cidr* out, bool allow_host_bits = false);
  bool Contains(const IpAddr& a) const;
  // The prefix length as written (IPv4 /24, not /120).
  int display_prefix() const;
  std::string ToString() const;
};

}  // namespace kizashi
