#include "engine/common/ip.h"

#include <arpa/inet.h>

#include <cstdio>

namespace kizashi {

namespace {
constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool ParseV4(std::string_view s, uint8_t out[4]) {
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    if (i >= s.size()) return false;
    unsigned v = 0;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (v > 255 || i - start >= 3) return false;
      ++i;
    }
    if (i == start) return false;
    if (i - start > 1 && s[start] == '0') return false;  // no octal-looking leading zeros
    out[part++] = static_cast<uint8_t>(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}
}  // namespace

bool IpAddr::is_v4() const { return std::memcmp(bytes, kMappedPrefix, 12) == 0; }

bool IpAddr::Parse(std::string_view s, IpAddr* out) {
  *out = IpAddr{};
  if (s.empty() || s.size() > 64) return false;
  if (s.find(':') == std::string_view::npos) {
    uint8_t v4[4];
    if (!ParseV4(s, v4)) return false;
    std::memcpy(out->bytes, kMappedPrefix, 12);
    std::memcpy(out->bytes + 12, v4, 4);
    out->valid = true;
    return true;
  }
  size_t pct = s.find('%');
  if (pct != std::string_view::npos) s = s.substr(0, pct);
  char buf[65];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (inet_pton(AF_INET6, buf, out->bytes) != 1) return false;
  out->valid = true;
  return true;
}

IpAddr IpAddr::V4(uint32_t h) {
  IpAddr a;
  std::memcpy(a.bytes, kMappedPrefix, 12);
  a.bytes[12] = static_cast<uint8_t>(h >> 24);
  a.bytes[13] = static_cast<uint8_t>(h >> 16);
  a.bytes[14] = static_cast<uint8_t>(h >> 8);
  a.bytes[15] = static_cast<uint8_t>(h);
  a.valid = true;
  return a;
}

std::string IpAddr::ToString() const {
  if (!valid) return "";
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
    return buf;
  }
  inet_ntop(AF_INET6, bytes, buf, sizeof buf);
  return buf;
}

uint64_t IpAddr::hi() const {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | bytes[i];
  return v;
}
uint64_t IpAddr::lo() const {
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | bytes[i];
  return v;
}

bool Cidr::Parse(std::string_view s, Cidr* out, bool allow_host_bits) {
  *out = Cidr{};
  size_t slash = s.find('/');
  std::string_view a = s.substr(0, slash);
  if (!IpAddr::Parse(a, &out->addr)) return false;
  int max = out->addr.is_v4() ? 32 : 128;
  int len = max;
  if (slash != std::string_view::npos) {
    std::string_view l = s.substr(slash + 1);
    if (l.empty() || l.size() > 3) return false;
    len = 0;
    for (char c : l) {
      if (c < '0' || c > '9') return false;
      len = len * 10 + (c - '0');
    }
    if (len > max) return false;
  }
  int mapped = out->addr.is_v4() ? len + 96 : len;
  // Clear (or check) host bits.
  for (int bit = mapped; bit < 128; ++bit) {
    uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if (out->addr.bytes[bit / 8] & mask) {
      if (!allow_host_bits) return false;
      out->addr.bytes[bit / 8] &= static_cast<uint8_t>(~mask);
    }
  }
  out->prefix = static_cast<uint8_t>(mapped);
  return true;
}

bool Cidr::Contains(const IpAddr& a) const {
  if (!a.valid) return false;
  int full = prefix / 8;
  if (std::memcmp(a.bytes, addr.bytes, static_cast<size_t>(full)) != 0) return false;
  int rem = prefix % 8;
  if (rem == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rem));
  return (a.bytes[full] & mask) == (addr.bytes[full] & mask);
}

int Cidr::display_prefix() const { return addr.is_v4() ? prefix - 96 : prefix; }

std::string Cidr::ToString() const {
  return addr.ToString() + "/" + std::to_string(display_prefix());
}

}  // namespace kizashi
