// Stable hashes. Anything that leaves the process (incident ids, notification ids, state keys,
// pseudonyms) must hash identically on every run and every instance, so absl::Hash (seeded
// per process) is never used for those; it is fine for in-memory tables.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kizashi {

// 64-bit FNV-1a. Cheap; for stable in-process keys such as state-key prefixes.
uint64_t Fnv1a64(std::string_view s, uint64_t seed = 0xcbf29ce484222325ULL);

// SHA-256 of `s` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view s);
// SHA-256 of `s`, raw 32 bytes.
std::string Sha256Raw(std::string_view s);
// HMAC-SHA-256(key, s) as hex.
std::string HmacSha256Hex(std::string_view key, std::string_view s);

std::string HexEncode(std::string_view bytes);
// Returns false on odd length or a non-hex character.
bool HexDecode(std::string_view hex, std::string* out);

// Builds a deterministic id from parts: SHA-256 over the length-prefixed parts, first
// `hex_chars` hex characters. Length prefixes make ("ab","c") differ from ("a","bc").
class IdBuilder {
 public:
  IdBuilder& Add(std::string_view part);
  IdBuilder& Add(int64_t v);
  std::string Finish(size_t hex_chars = 32) const;

 private:
  std::string buf_;
};

}  // namespace kizashi
