#include "engine/decode/json_string.h"

#include <bit>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kizashi::decode::internal {

static_assert(std::endian::native == std::endian::little,
              "RawKeyLength and the scanners assume a little-endian machine");

namespace {

// Bit i set = byte i of the 16-byte block at p is '\\' or < 0x20.
inline uint32_t SpecialMask16(const char* p) {
#if defined(__SSE2__)
  __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i bs = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
  // x <= 0x1f (unsigned) <=> max(x, 0x1f) == 0x1f
  __m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(bs, ctl)));
#else
  uint32_t m = 0;
  for (int i = 0; i < 16; ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '\\' || c < 0x20) m |= 1u << i;
  }
  return m;
#endif
}

// Offset of the first '\\' or control byte in [p, p+n), or n.
inline size_t FindSpecial(const char* p, size_t n) {
  size_t i = 0;
  for (; i < n; i += 16) {
    uint32_t m = SpecialMask16(p + i);
    if (m != 0) {
      size_t pos = i + static_cast<size_t>(__builtin_ctz(m));
      return pos < n ? pos : n;
    }
  }
  return n;
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

}  // namespace

bool UnescapeJson(std::string_view inner, char* dst, size_t* out_len) {
  const char* s = inner.data();
  size_t n = inner.size();
  size_t i = 0, o = 0;
  while (i < n) {
    const void* bs = std::memchr(s + i, '\\', n - i);
    size_t run = bs == nullptr ? n - i : static_cast<size_t>(static_cast<const char*>(bs) - (s + i));
    std::memcpy(dst + o, s + i, run);
    o += run;
    i += run;
    if (i >= n) break;
    if (i + 1 >= n) return false;
    char c = s[i + 1];
    i += 2;
    switch (c) {
      case '"': dst[o++] = '"'; break;
      case '\\': dst[o++] = '\\'; break;
      case '/': dst[o++] = '/'; break;
      case 'b': dst[o++] = '\b'; break;
      case 'f': dst[o++] = '\f'; break;
      case 'n': dst[o++] = '\n'; break;
      case 'r': dst[o++] = '\r'; break;
      case 't': dst[o++] = '\t'; break;
      case 'u': {
        if (i + 4 > n) return false;
        int cp = Hex4(s + i);
        if (cp < 0) return false;
        i += 4;
        uint32_t code = static_cast<uint32_t>(cp);
        if (code >= 0xD800 && code <= 0xDBFF) {
          // A high surrogate needs a following \uDC00..\uDFFF; a lone one becomes U+FFFD
          // (as Suricata and most producers never write one, this only meets hostile input).
          int lo = (i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') ? Hex4(s + i + 2) : -1;
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            code = 0x10000 + ((code - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00);
            i += 6;
          } else {
            code = 0xFFFD;
          }
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
          code = 0xFFFD;
        }
        // 6 input bytes yield at most 3 output bytes, a 12-byte pair 4: output never outgrows
        // the input.
        o += EncodeUtf8(code, dst + o);
        break;
      }
      default:
        return false;
    }
  }
  *out_len = o;
  return true;
}

JsonStringStatus DecodeJsonString(std::string_view token, Arena* arena, std::string_view* out) {
  size_t n = token.size();
  while (n > 0 && (token[n - 1] == ' ' || token[n - 1] == '\n' || token[n - 1] == '\r' ||
                   token[n - 1] == '\t')) {
    --n;
  }
  if (n < 2 || token[0] != '"' || token[n - 1] != '"') return JsonStringStatus::kNotString;
  const char* inner = token.data() + 1;
  size_t len = n - 2;
  size_t special = FindSpecial(inner, len);
  if (special == len) {
    *out = std::string_view(inner, len);
    return JsonStringStatus::kOk;
  }
  // A control byte anywhere is invalid; check the rest before unescaping.
  for (size_t i = special; i < len; ++i) {
    if (static_cast<unsigned char>(inner[i]) < 0x20) return JsonStringStatus::kControlChar;
  }
  char* dst = arena->Allocate(len == 0 ? 1 : len);
  size_t out_len = 0;
  if (!UnescapeJson(std::string_view(inner, len), dst, &out_len)) {
    return JsonStringStatus::kBadEscape;
  }
  *out = std::string_view(dst, out_len);
  return JsonStringStatus::kOk;
}

}  // namespace kizashi::decode::internal
