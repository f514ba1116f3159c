#include "engine/common/json_writer.h"

#include <cmath>
#include <cstdio>

namespace kizashi {

void JsonWriter::Separator() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    uint64_t bit = 1ULL << (depth_ & 63);
    if (has_elem_ & bit) out_->push_back(',');
    has_elem_ |= bit;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  Separator();
  out_->push_back('{');
  ++depth_;
  has_elem_ &= ~(1ULL << (depth_ & 63));
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  --depth_;
  return *this;
}
JsonWriter& JsonWriter::BeginArray() {
  Separator();
  out_->push_back('[');
  ++depth_;
  has_elem_ &= ~(1ULL << (depth_ & 63));
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  --depth_;
  return *this;
}
JsonWriter& JsonWriter::Key(std::string_view k) {
  Separator();
  AppendQuoted(out_, k);
  out_->push_back(':');
  after_key_ = true;
  return *this;
}
JsonWriter& JsonWriter::String(std::string_view v) {
  Separator();
  AppendQuoted(out_, v);
  return *this;
}
JsonWriter& JsonWriter::Int(int64_t v) {
  Separator();
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out_->append(buf, static_cast<size_t>(n));
  return *this;
}
JsonWriter& JsonWriter::Uint(uint64_t v) {
  Separator();
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  out_->append(buf, static_cast<size_t>(n));
  return *this;
}
JsonWriter& JsonWriter::Double(double v) {
  Separator();
  if (!std::isfinite(v)) {
    out_->append("null");
    return *this;
  }
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.17g", v);
  out_->append(buf, static_cast<size_t>(n));
  return *this;
}
JsonWriter& JsonWriter::Bool(bool v) {
  Separator();
  out_->append(v ? "true" : "false");
  return *this;
}
JsonWriter& JsonWriter::Null() {
  Separator();
  out_->append("null");
  return *this;
}
JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separator();
  out_->append(json);
  return *this;
}

namespace {
// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SeqLen(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}
}  // namespace

void JsonWriter::AppendQuoted(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Fast path: run of plain ASCII.
    size_t j = i;
    while (j < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[j]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++j;
    }
    out->append(s.data() + i, j - i);
    i = j;
    if (i >= s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8SeqLen(s, i);
      if (n == 0) {
        out->append("\xEF\xBF\xBD");  // U+FFFD
        ++i;
      } else {
        out->append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
    ++i;
  }
  out->push_back('"');
}

}  // namespace kizashi
