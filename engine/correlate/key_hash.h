// KeyHasher: a fast, stable 128-bit fingerprint for correlation state keys.
//
// State keys (operator | target | rule | group-by values) are identified by this fingerprint
// in memory and in RocksDB, so it must be identical on every run, instance and restart
// (absl::Hash is seeded per process and cannot be used). It is not cryptographic: a crafted
// collision would merge two keys' counters (no crash, no leak across operators, since the
// operator id is part of the hashed input and outputs carry ids from IdBuilder/SHA-256).
// Hash-table placement uses absl::Hash of the fingerprint, so flooding is not a concern.
//
// Parts are length-prefixed: ("ab","c") and ("a","bc") differ. Assumes a little-endian host
// (kizashi targets x86-64; the value is persisted, so a big-endian port must byte-swap).
//
// Thread contract: a value type; use one per thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace kizashi::correlate {

struct Fp {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const Fp& o) const { return hi == o.hi && lo == o.lo; }
  bool operator!=(const Fp& o) const { return !(*this == o); }
  bool operator<(const Fp& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
  template <typename H>
  friend H AbslHashValue(H h, const Fp& f) {
    return H::combine(std::move(h), f.hi, f.lo);
  }
};

class KeyHasher {
 public:
  KeyHasher() = default;
  KeyHasher(uint64_t seed_hi, uint64_t seed_lo) : a_(seed_hi), b_(seed_lo) {}

  KeyHasher& Add(std::string_view s) {
    Word(s.size() ^ 0x5bd1e9955bd1e995ULL);
    const char* p = s.data();
    size_t n = s.size();
    while (n >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      Word(w);
      p += 8;
      n -= 8;
    }
    if (n > 0) {
      uint64_t w = 0;
      std::memcpy(&w, p, n);
      Word(w);
    }
    return *this;
  }
  KeyHasher& Add(uint64_t v) {
    Word(v);
    return *this;
  }
  Fp Finish() const {
    uint64_t lo = Mix(a_ ^ (b_ >> 7) ^ n_);
    uint64_t hi = Mix(b_ + lo + 0x9e3779b97f4a7c15ULL);
    return Fp{hi, lo};
  }

 private:
  static uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static uint64_t Mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
  }
  void Word(uint64_t w) {
    a_ = Rotl((a_ ^ w) * 0x9e3779b97f4a7c15ULL, 31);
    b_ = Rotl((b_ + w) * 0xc2b2ae3d27d4eb4fULL, 29) ^ a_;
    ++n_;
  }
  uint64_t a_ = 0x243f6a8885a308d3ULL;
  uint64_t b_ = 0x13198a2e03707344ULL;
  uint64_t n_ = 0;
};

}  // namespace kizashi::correlate
