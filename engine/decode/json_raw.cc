#include "engine/decode/json_raw.h"

#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kizashi::decode::internal {

static_assert(std::endian::native == std::endian::little,
              "the scanners assume a little-endian machine");

namespace {

// Bit i set = byte i of the 16 bytes at p is '\\' or < 0x20 (and '"' when `quote`).
template <bool quote>
inline uint32_t Mask16(const char* p) {
#if defined(__SSE2__)
  __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i m = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
  // x <= 0x1f (unsigned) <=> max(x, 0x1f) == 0x1f
  m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f)));
  if constexpr (quote) m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
  // With `quote`, bytes >= 0x80 stop the scan too (high bit = the sign bit movemask reads):
  // ASCII strings never see them, non-ASCII ones are UTF-8-checked by the caller.
  if constexpr (quote) m = _mm_or_si128(m, x);
  return static_cast<uint32_t>(_mm_movemask_epi8(m));
#else
  uint32_t m = 0;
  for (int i = 0; i < 16; ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '\\' || c < 0x20 || (quote && (c == '"' || c >= 0x80))) m |= 1u << i;
  }
  return m;
#endif
}

int Hex4(const char* p) {
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    char c = p[i];
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return -1;
    }
    v = v << 4 | d;
  }
  return v;
}

size_t EncodeUtf8(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | cp >> 6);
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | cp >> 12);
    out[1] = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | cp >> 18);
  out[1] = static_cast<char>(0x80 | (cp >> 12 & 0x3F));
  out[2] = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Length of the valid UTF-8 sequence starting with the non-ASCII byte at q (2..4), or 0
// (overlong forms, surrogates, > U+10FFFF, truncated and stray bytes are invalid).
size_t Utf8SeqLen(const char* q, const char* end) {
  auto u = [&](int i) { return static_cast<unsigned char>(q[i]); };
  auto cont = [&](int i) { return (u(i) & 0xC0) == 0x80; };
  unsigned c = u(0);
  size_t avail = static_cast<size_t>(end - q);
  if (c < 0xC2 || c > 0xF4) return 0;
  if (c < 0xE0) return avail >= 2 && cont(1) ? 2 : 0;
  if (c < 0xF0) {
    if (avail < 3 || !cont(1) || !cont(2)) return 0;
    if ((c == 0xE0 && u(1) < 0xA0) || (c == 0xED && u(1) > 0x9F)) return 0;
    return 3;
  }
  if (avail < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
  if ((c == 0xF0 && u(1) < 0x90) || (c == 0xF4 && u(1) > 0x8F)) return 0;
  return 4;
}

bool EscapeChar(char c) {
  return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
         c == 't' || c == 'u';
}

bool Digit(char c) { return c >= '0' && c <= '9'; }

RawStatus ScanLiteral(const char* p, const char* end, const char* lit, size_t n,
                      const char** after) {
  if (static_cast<size_t>(end - p) < n) return RawStatus::kTruncated;
  if (std::memcmp(p, lit, n) != 0 || !ScalarEnds(p + n, end)) return RawStatus::kMalformed;
  *after = p + n;
  return RawStatus::kOk;
}

}  // namespace

RawStatus ScanNumber(const char* p, const char* end, const char** after) {
  const char* q = p;
  if (q < end && *q == '-') ++q;
  if (q >= end) return RawStatus::kTruncated;
  if (*q == '0') {
    ++q;
  } else if (Digit(*q)) {
    while (q < end && Digit(*q)) ++q;
  } else {
    return RawStatus::kMalformed;
  }
  if (q < end && *q == '.') {
    ++q;
    if (q >= end || !Digit(*q)) return q >= end ? RawStatus::kTruncated : RawStatus::kMalformed;
    while (q < end && Digit(*q)) ++q;
  }
  if (q < end && (*q == 'e' || *q == 'E')) {
    ++q;
    if (q < end && (*q == '+' || *q == '-')) ++q;
    if (q >= end || !Digit(*q)) return q >= end ? RawStatus::kTruncated : RawStatus::kMalformed;
    while (q < end && Digit(*q)) ++q;
  }
  if (!ScalarEnds(q, end)) return RawStatus::kMalformed;
  *after = q;
  return RawStatus::kOk;
}


// From just after an opening quote: the position of the closing quote, validating escapes
// and control bytes. `*escaped` says whether a backslash was seen.
namespace {

RawStatus FindStringEndSse2(const char* s, const char* end, const char** close, bool* escaped) {
  *escaped = false;
  const char* q = s;
  while (true) {
    if (q >= end) return RawStatus::kTruncated;
    uint32_t m = Mask16<true>(q);
    if (m == 0) {
      q += 16;
      continue;
    }
    q += __builtin_ctz(m);
    if (q >= end) return RawStatus::kTruncated;
    char c = *q;
    if (c == '"') {
      *close = q;
      return RawStatus::kOk;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      size_t n = Utf8SeqLen(q, end);
      if (n == 0) return RawStatus::kInvalidUtf8;
      q += n;
      continue;
    }
    if (c != '\\') return RawStatus::kControlChar;
    *escaped = true;
    if (q + 1 >= end) return RawStatus::kTruncated;
    if (!EscapeChar(q[1])) return RawStatus::kBadEscape;
    if (q[1] == 'u') {
      if (q + 6 > end || Hex4(q + 2) < 0) return RawStatus::kBadEscape;
      q += 6;
    } else {
      q += 2;
    }
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KZ_HAVE_AVX2_SCAN 1
// The same scan 32 bytes at a time, for CPUs with AVX2 (chosen once at run time): long
// skipped strings (rule text, base64 payloads) are most of the bytes of rich alerts.
__attribute__((target("avx2"))) RawStatus FindStringEndAvx2(const char* s, const char* end,
                                                            const char** close,
                                                            bool* escaped) {
  *escaped = false;
  const char* q = s;
  while (true) {
    if (q >= end) return RawStatus::kTruncated;
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
    __m256i sp = _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('"')),
                                 _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\\')));
    sp = _mm256_or_si256(sp, _mm256_cmpeq_epi8(_mm256_max_epu8(x, _mm256_set1_epi8(0x1f)),
                                               _mm256_set1_epi8(0x1f)));
    uint32_t m = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(sp, x)));
    if (m == 0) {
      q += 32;
      continue;
    }
    q += __builtin_ctz(m);
    if (q >= end) return RawStatus::kTruncated;
    char c = *q;
    if (c == '"') {
      *close = q;
      return RawStatus::kOk;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      size_t n = Utf8SeqLen(q, end);
      if (n == 0) return RawStatus::kInvalidUtf8;
      q += n;
      continue;
    }
    if (c != '\\') return RawStatus::kControlChar;
    *escaped = true;
    if (q + 1 >= end) return RawStatus::kTruncated;
    if (!EscapeChar(q[1])) return RawStatus::kBadEscape;
    if (q[1] == 'u') {
      if (q + 6 > end || Hex4(q + 2) < 0) return RawStatus::kBadEscape;
      q += 6;
    } else {
      q += 2;
    }
  }
}
#endif

}  // namespace

RawStatus FindStringEnd(const char* s, const char* end, const char** close, bool* escaped) {
#ifdef KZ_HAVE_AVX2_SCAN
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return FindStringEndAvx2(s, end, close, escaped);
#endif
  return FindStringEndSse2(s, end, close, escaped);
}

RawStatus ReadStringSlow(const char* p, const char* q, const char* end, Arena* arena,
                         const char** data, size_t* size, const char** after) {
  const char* s = p + 1;
  uint32_t m;
  // Up to the first escape: non-ASCII is validated and the string may still be a view.
  while (true) {
    if (q >= end) return RawStatus::kTruncated;
    m = Mask16<true>(q);
    if (m == 0) {
      q += 16;
      continue;
    }
    q += __builtin_ctz(m);
    if (q >= end) return RawStatus::kTruncated;
    if (*q == '"') {
      *data = s;
      *size = static_cast<size_t>(q - s);
      *after = q + 1;
      return RawStatus::kOk;
    }
    if (static_cast<unsigned char>(*q) < 0x80) break;
    size_t n = Utf8SeqLen(q, end);
    if (n == 0) return RawStatus::kInvalidUtf8;
    q += n;
  }
  if (*q != '\\') return RawStatus::kControlChar;
  // Slow path, one pass: unescape into the arena. The output is never longer than what is
  // left of the record, so that much is reserved and the unused tail handed back.
  size_t room = static_cast<size_t>(end - s) + 16;
  char* dst = arena->Allocate(room);
  size_t o = static_cast<size_t>(q - s);
  std::memcpy(dst, s, o);
  while (true) {
    // q is at '\\' here.
    if (q + 1 >= end) return RawStatus::kTruncated;
    char c = q[1];
    switch (c) {
      case '"': dst[o++] = '"'; q += 2; break;
      case '\\': dst[o++] = '\\'; q += 2; break;
      case '/': dst[o++] = '/'; q += 2; break;
      case 'b': dst[o++] = '\b'; q += 2; break;
      case 'f': dst[o++] = '\f'; q += 2; break;
      case 'n': dst[o++] = '\n'; q += 2; break;
      case 'r': dst[o++] = '\r'; q += 2; break;
      case 't': dst[o++] = '\t'; q += 2; break;
      case 'u': {
        if (q + 6 > end) return RawStatus::kTruncated;
        int cp = Hex4(q + 2);
        if (cp < 0) return RawStatus::kBadEscape;
        uint32_t code = static_cast<uint32_t>(cp);
        q += 6;
        if (code >= 0xD800 && code <= 0xDBFF) {
          // A high surrogate needs a following \uDC00..\uDFFF; a lone surrogate becomes
          // U+FFFD (producers never write one, only hostile input does).
          int lo = (q + 6 <= end && q[0] == '\\' && q[1] == 'u') ? Hex4(q + 2) : -1;
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            code = 0x10000 + ((code - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00);
            q += 6;
          } else {
            code = 0xFFFD;
          }
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
          code = 0xFFFD;
        }
        o += EncodeUtf8(code, dst + o);
        break;
      }
      default:
        return RawStatus::kBadEscape;
    }
    // Copy up to the next escape or the closing quote, 16 bytes at a time (non-ASCII
    // sequences are validated and copied as they come).
    while (true) {
      if (q >= end) return RawStatus::kTruncated;
      m = Mask16<true>(q);
      std::memcpy(dst + o, q, 16);
      if (m == 0) {
        q += 16;
        o += 16;
        continue;
      }
      size_t k = static_cast<size_t>(__builtin_ctz(m));
      q += k;
      o += k;
      if (q >= end) return RawStatus::kTruncated;
      if (static_cast<unsigned char>(*q) < 0x80) break;
      size_t n = Utf8SeqLen(q, end);
      if (n == 0) return RawStatus::kInvalidUtf8;
      std::memcpy(dst + o, q, n);
      q += n;
      o += n;
    }
    if (*q == '"') break;
    if (*q != '\\') return RawStatus::kControlChar;
  }
  arena->GiveBack(dst + o, room - o);
  *data = dst;
  *size = o;
  *after = q + 1;
  return RawStatus::kOk;
}


RawStatus ScanValue(const char* p, const char* end, int depth, int max_depth,
                    const char** after) {
  // A pushdown automaton over the bytes; the stack holds one bit per open container
  // (1 = array), so nesting is limited to 64 below `depth` (max_depth is at most 64).
  enum class St : uint8_t { kValue, kFirstKeyOrClose, kKey, kColon, kFirstValueOrClose, kNext };
  uint64_t stack = 0;
  int open = 0;
  St st = St::kValue;
  const char* q = p;
  RawStatus r = RawStatus::kOk;
  while (true) {
    q = SkipSpace(q, end);
    if (q >= end) return RawStatus::kTruncated;
    char c = *q;
    switch (st) {
      case St::kFirstValueOrClose:
        if (c == ']') goto close;
        st = St::kValue;
        [[fallthrough]];
      case St::kValue:
        switch (c) {
          case '{':
          case '[':
            if (depth + open > max_depth || open >= 64) return RawStatus::kTooDeep;
            stack = stack << 1 | (c == '[' ? 1 : 0);
            ++open;
            ++q;
            st = c == '[' ? St::kFirstValueOrClose : St::kFirstKeyOrClose;
            continue;
          case '"': {
            const char* close;
            bool escaped;
            if ((r = FindStringEnd(q + 1, end, &close, &escaped)) != RawStatus::kOk) return r;
            q = close + 1;
            break;
          }

          case 't': r = ScanLiteral(q, end, "true", 4, &q); break;
          case 'f': r = ScanLiteral(q, end, "false", 5, &q); break;
          case 'n': r = ScanLiteral(q, end, "null", 4, &q); break;
          default:
            if (c != '-' && !Digit(c)) return RawStatus::kMalformed;
            r = ScanNumber(q, end, &q);
            break;
        }
        if (r != RawStatus::kOk) return r;
        if (open == 0) {
          *after = q;
          return RawStatus::kOk;
        }
        st = St::kNext;
        continue;
      case St::kFirstKeyOrClose:
        if (c == '}') goto close;
        [[fallthrough]];
      case St::kKey: {
        if (c != '"') return RawStatus::kMalformed;
        const char* close;
        bool escaped;
        if ((r = FindStringEnd(q + 1, end, &close, &escaped)) != RawStatus::kOk) return r;
        q = close + 1;
        st = St::kColon;
        continue;
      }
      case St::kColon:
        if (c != ':') return RawStatus::kMalformed;
        ++q;
        st = St::kValue;
        continue;
      case St::kNext:
        if (c == ',') {
          ++q;
          st = (stack & 1) ? St::kValue : St::kKey;
          continue;
        }
        if (c == '}' || c == ']') goto close;
        return RawStatus::kMalformed;
    }
  close:
    if ((c == ']') != ((stack & 1) != 0)) return RawStatus::kMalformed;
    stack >>= 1;
    --open;
    ++q;
    if (open == 0) {
      *after = q;
      return RawStatus::kOk;
    }
    st = St::kNext;
  }
}

}  // namespace kizashi::decode::internal
