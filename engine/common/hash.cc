#include "engine/common/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace kizashi {

uint64_t Fnv1a64(std::string_view s, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string Sha256Raw(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Sha256Hex(std::string_view s) { return HexEncode(Sha256Raw(s)); }

std::string HmacSha256Hex(std::string_view key, std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(s.data()), s.size(), md, &len);
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
}

std::string HexEncode(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2) return false;
  out->clear();
  out->reserve(hex.size() / 2);
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int a = nib(hex[i]), b = nib(hex[i + 1]);
    if (a < 0 || b < 0) return false;
    out->push_back(static_cast<char>(a << 4 | b));
  }
  return true;
}

IdBuilder& IdBuilder::Add(std::string_view part) {
  buf_ += std::to_string(part.size());
  buf_.push_back(':');
  buf_.append(part);
  return *this;
}

IdBuilder& IdBuilder::Add(int64_t v) { return Add(std::to_string(v)); }

std::string IdBuilder::Finish(size_t hex_chars) const {
  std::string h = Sha256Hex(buf_);
  if (hex_chars < h.size()) h.resize(hex_chars);
  return h;
}

}  // namespace kizashi
