// JSON string tokens -> string views (internal to engine/decode).
//
// The JSON decoders never let simdjson unescape strings into its own buffer: a string without
// escapes (nearly all of them) is returned as a view into the record, and only a string with
// escapes is unescaped, once, into the batch arena.
//
// Every function may read up to 16 bytes past the end of its input: callers pass bytes of a
// record that is followed by decode::kRecordPadding readable bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "engine/common/arena.h"

namespace kizashi::decode::internal {

enum class JsonStringStatus : uint8_t {
  kOk,
  kNotString,     // the token is not a string
  kBadEscape,     // an invalid escape sequence
  kControlChar,   // a raw byte < 0x20 inside the string (JSON requires it escaped)
};

// `token` is a JSON string token as simdjson's raw_json_token() returns it (opening quote,
// contents, closing quote, possibly trailing whitespace). Sets `out` to the unescaped contents.
JsonStringStatus DecodeJsonString(std::string_view token, Arena* arena, std::string_view* out);

// Unescapes the contents of a JSON string (between the quotes) into `dst`, which must have
// room for inner.size() bytes (unescaping never grows a string). Returns false on a bad escape.
bool UnescapeJson(std::string_view inner, char* dst, size_t* out_len);

// Length of a JSON object key whose text starts at `k` (just after the opening quote), and
// whether it contains a backslash (then the length is not computed: `*escaped` = true and the
// caller takes the slow path). Relies on the key being closed (simdjson's stage 1 checked it).
inline size_t RawKeyLength(const char* k, bool* escaped) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  size_t i = 0;
  while (true) {
    uint64_t w;
    std::memcpy(&w, k + i, 8);
    uint64_t q = w ^ (kOnes * '"');
    uint64_t b = w ^ (kOnes * '\\');
    uint64_t m = ((q - kOnes) & ~q & kHigh) | ((b - kOnes) & ~b & kHigh);
    if (m != 0) {
      size_t pos = i + static_cast<size_t>(__builtin_ctzll(m)) / 8;
      *escaped = k[pos] == '\\';
      return pos;
    }
    i += 8;
  }
}

}  // namespace kizashi::decode::internal
