// Reading and validating JSON values straight from the record bytes (internal to
// engine/decode).
//
// The JSON decoders walk each record once over its bytes: a string is a view into the record
// (unescaped into the arena only when it holds escapes; its UTF-8 validated as it is scanned),
// an integer is parsed in place, and a value kizashi does not read is validated by one forward
// scan (ScanValue). Every byte of a record is visited once: bytes outside strings are JSON
// grammar (ASCII), so UTF-8 and NUL checks need no separate pass.
//
// Every function is bounded by `end` (the end of the record) and may read up to 16 bytes past
// a position < end: records are followed by decode::kRecordPadding readable bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "engine/common/arena.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kizashi::decode::internal {

enum class RawStatus : uint8_t {
  kOk,
  kMalformed,    // not valid JSON
  kTruncated,    // the record ends inside the value
  kTooDeep,      // containers nested deeper than the limit
  kControlChar,  // a raw byte < 0x20 inside a string
  kBadEscape,
  kInvalidUtf8,  // a string holds bytes that are not UTF-8
};

inline bool JsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
inline const char* SkipSpace(const char* p, const char* end) {
  while (p < end && JsonSpace(*p)) ++p;
  return p;
}
// True if `p` is where a scalar must end: whitespace, ',', '}', ']' or the end.
inline bool ScalarEnds(const char* p, const char* end) {
  return p >= end || JsonSpace(*p) || *p == ',' || *p == '}' || *p == ']';
}

// Validates the JSON value at `p` (any type; containers with their whole contents: grammar,
// string escapes, numbers, literals, and nesting: `depth` is the value's own depth, containers
// deeper than `max_depth` fail with kTooDeep). On success `*after` is just past the value.
RawStatus ScanValue(const char* p, const char* end, int depth, int max_depth,
                    const char** after);

// The string whose opening quote is at `p`: a view into the record, or an unescaped copy in
// `arena`. `*after` is just past the closing quote. The common case (no escape, ASCII) is
// inline so that `out` stays in registers: returning it through memory cost a store-forwarding
// stall per string on real EVE records.
RawStatus ReadStringSlow(const char* p, const char* q, const char* end, Arena* arena,
                         const char** data, size_t* size, const char** after);
inline uint32_t StringStopMask16(const char* p) {
#if defined(__SSE2__)
  __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\\')),
                           _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
  m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f)));
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(m, x)));
#else
  uint32_t m = 0;
  for (int i = 0; i < 16; ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '\\' || c < 0x20 || c == '"' || c >= 0x80) m |= 1u << i;
  }
  return m;
#endif
}
// `data`/`size` rather than a string_view: two 8-byte outputs the caller reads back as such.
inline RawStatus ReadString(const char* p, const char* end, Arena* arena, const char** data,
                            size_t* size, const char** after) {
  const char* s = p + 1;
  const char* q = s;
  while (q < end) {
    uint32_t m = StringStopMask16(q);
    if (m == 0) {
      q += 16;
      continue;
    }
    q += __builtin_ctz(m);
    if (q < end && *q == '"') {
      *data = s;
      *size = static_cast<size_t>(q - s);
      *after = q + 1;
      return RawStatus::kOk;
    }
    break;
  }
  return ReadStringSlow(p, s, end, arena, data, size, after);
}
inline RawStatus ReadString(const char* p, const char* end, Arena* arena, std::string_view* out,
                            const char** after) {
  const char* d;
  size_t n;
  RawStatus r = ReadString(p, end, arena, &d, &n, after);
  if (r == RawStatus::kOk) *out = std::string_view(d, n);
  return r;
}

// From just after a string's opening quote: its closing quote (`*close`), validating escapes,
// UTF-8 and refusing raw control bytes; `*escaped` says whether it holds a backslash.
RawStatus FindStringEnd(const char* s, const char* end, const char** close, bool* escaped);

// The number at `p` as written (validated against the JSON grammar); `*after` past it.
RawStatus ScanNumber(const char* p, const char* end, const char** after);
inline RawStatus ReadNumber(const char* p, const char* end, const char** data, size_t* size,
                            const char** after) {
  RawStatus r = ScanNumber(p, end, after);
  *data = p;
  *size = static_cast<size_t>(*after - p);
  return r;
}

}  // namespace kizashi::decode::internal
