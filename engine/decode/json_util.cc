#include "engine/decode/json_util.h"

#include <cstring>

namespace kizashi::decode {

namespace {
int Hex4(const char* p) {
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    char c = p[i];
    int n;
    if (c >= '0' && c <= '9') n = c - '0';
    else if (c >= 'a' && c <= 'f') n = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') n = c - 'A' + 10;
    else return -1;
    v = v << 4 | n;
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

bool JsonStringToken(std::string_view raw, Arena* arena, std::string_view* out) {
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' ||
                          raw.back() == '\r')) {
    raw.remove_suffix(1);
  }
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return false;
  std::string_view inner = raw.substr(1, raw.size() - 2);
  const void* bs = std::memchr(inner.data(), '\\', inner.size());
  if (bs == nullptr) {
    *out = inner;
    return true;
  }
  char* dst = arena->Allocate(inner.size());
  size_t n = 0;
  for (size_t i = 0; i < inner.size(); ++i) {
    char c = inner[i];
    if (c != '\\') {
      dst[n++] = c;
      continue;
    }
    if (++i >= inner.size()) return false;
    switch (inner[i]) {
      case '"': dst[n++] = '"'; break;
      case '\\': dst[n++] = '\\'; break;
      case '/': dst[n++] = '/'; break;
      case 'b': dst[n++] = '\b'; break;
      case 'f': dst[n++] = '\f'; break;
      case 'n': dst[n++] = '\n'; break;
      case 'r': dst[n++] = '\r'; break;
      case 't': dst[n++] = '\t'; break;
      case 'u': {
        if (i + 4 >= inner.size()) return false;
        int cp = Hex4(inner.data() + i + 1);
        if (cp < 0) return false;
        i += 4;
        uint32_t code = static_cast<uint32_t>(cp);
        if (code >= 0xD800 && code <= 0xDBFF) {
          // High surrogate: needs a following \uDC00..DFFF.
          if (i + 6 < inner.size() && inner[i + 1] == '\\' && inner[i + 2] == 'u') {
            int lo = Hex4(inner.data() + i + 3);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              code = 0x10000 + ((code - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00);
              i += 6;
            } else {
              code = 0xFFFD;
            }
          } else {
            code = 0xFFFD;
          }
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
          code = 0xFFFD;
        }
        // Escaped code points may need more bytes than the 6-char escape; 4 bytes of UTF-8
        // come from a 12-char surrogate pair, so the output never outgrows the input.
        n += EncodeUtf8(code, dst + n);
        break;
      }
      default:
        return false;
    }
  }
  *out = std::string_view(dst, n);
  return true;
}

}  // namespace kizashi::decode
