// Compact binary encoding for state values (varints, length-prefixed strings), and
// order-preserving key building. Values written by one version must be read by the next:
// every encoded value starts with a format byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kizashi::state {

class Encoder {
 public:
  explicit Encoder(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  // Inline, one append per varint: incidents and dictionary entries encode dozens of
  // them per write-behind flush.
  void Varint(uint64_t v) {
    char b[10];
    size_t n = 0;
    while (v >= 0x80) {
      b[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    b[n++] = static_cast<char>(v);
    out_->append(b, n);
  }
  void SignedVarint(int64_t v) { Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Str(std::string_view s);
  void Fixed64BE(uint64_t v);  // big-endian: sorts numerically in keys

 private:
  std::string* out_;
};

// Reads what Encoder wrote. Every getter returns false on truncated/corrupt input (state
// files are trusted less than memory: a corrupt value is reported, never crashes).
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v);
  bool Varint(uint64_t* v);
  bool SignedVarint(int64_t* v);
  bool Str(std::string_view* s);
  bool Str(std::string* s);
  bool Fixed64BE(uint64_t* v);
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace kizashi::state
