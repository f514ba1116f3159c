#include "engine/state/codec.h"

namespace kizashi::state {

void Encoder::Str(std::string_view s) {
  Varint(s.size());
  out_->append(s);
}

void Encoder::Fixed64BE(uint64_t v) {
  for (int i = 7; i >= 0; --i) out_->push_back(static_cast<char>(v >> (i * 8)));
}

bool Decoder::U8(uint8_t* v) {
  if (in_.empty()) return false;
  *v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}

bool Decoder::Varint(uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) return false;
    uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool Decoder::SignedVarint(int64_t* v) {
  uint64_t u;
  if (!Varint(&u)) return false;
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool Decoder::Str(std::string_view* s) {
  uint64_t n;
  if (!Varint(&n) || n > in_.size()) return false;
  *s = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

bool Decoder::Str(std::string* s) {
  std::string_view v;
  if (!Str(&v)) return false;
  s->assign(v);
  return true;
}

bool Decoder::Fixed64BE(uint64_t* v) {
  if (in_.size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r = r << 8 | static_cast<uint8_t>(in_[i]);
  in_.remove_prefix(8);
  *v = r;
  return true;
}

}  // namespace kizashi::state
