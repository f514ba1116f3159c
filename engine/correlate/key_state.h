// Hot per-key correlation state, kept compact (docs/correlation.md#state).
//
// One KeyState per (operator, target, rule, group-by values), identified by a 128-bit
// fingerprint (key_hash.h). Condition state is a short array of Ev records (24 bytes each)
// whose meaning depends on the condition type:
//   event_count       pending events, sorted by event time (at most count-1 in order)
//   value_count       latest event per distinct value, sorted by time; value fingerprints in
//                     Extra::vals (parallel)
//   temporal          one slot per step: its latest occurrence (t == kNoTime: none yet)
//   temporal_ordered  partial sequences: row i (i+1 events) at offset i*(i+1)/2, i < steps-1
//   absence           pending triggers, sorted by time; Extra::desc describes the key
// The first kInline events live inside the struct (no allocation for count <= 5).
//
// Internal to engine/correlate. Thread contract: owned by one PartitionCorrelator (single
// thread).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/correlate/key_hash.h"

namespace kizashi::correlate {

inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

// One matched event as kept in key state. Everything else about it (pattern attributes,
// source name, IPv6 peer) is interned in the partition's Dictionary.
struct Ev {
  int64_t t = kNoTime;
  uint64_t pos = 0;   // low 48 bits: offset (Kafka offset or file line); high 16: source code
  uint32_t hits = 0;  // low 28 bits: hit-set code (0 = none); high 4: flags (below)
  uint32_t peer = 0;  // IPv4 address (host order), or dictionary code of an IPv6 address

  static constexpr uint32_t kHitsMask = (1u << 28) - 1;
  static constexpr uint32_t kExternal = 1u << 28;
  static constexpr uint32_t kInternal = 1u << 29;
  static constexpr uint32_t kPeerV4 = 1u << 30;
  static constexpr uint32_t kPeerV6 = 1u << 31;
  static constexpr uint64_t kOffsetMask = (uint64_t{1} << 48) - 1;

  int64_t offset() const { return static_cast<int64_t>(pos & kOffsetMask); }
  uint16_t source() const { return static_cast<uint16_t>(pos >> 48); }
  uint32_t hit_code() const { return hits & kHitsMask; }
};
static_assert(sizeof(Ev) == 24);

class IncidentRec;

// Rarely needed extras, allocated only for the condition types that use them.
struct KeyExtra {
  std::vector<uint64_t> vals;  // value_count: value fingerprints, parallel to the events
  std::string desc;            // absence: encoded KeyDescriptor (the incident's identity)
  int64_t timer_ns = kNoTime;  // absence: deadline currently scheduled
};

struct KeyState {
  static constexpr uint16_t kInline = 4;
  // flags
  static constexpr uint8_t kLive = 1;    // slot in use
  static constexpr uint8_t kRef = 2;     // touched since the clock hand passed (eviction)
  static constexpr uint8_t kDirty = 4;   // changed since the last Flush

  Fp fp;
  int64_t expires_ns = kNoTime;         // state is empty once the watermark passes this
  int64_t suppress_until_ns = kNoTime;  // matches until then update `incident`
  IncidentRec* incident = nullptr;      // open incident absorbing matches, if any
  uint32_t gen = 0;                     // slot generation (validates expiry-heap entries)
  uint32_t slot = 0;                    // index of this slot
  uint16_t n = 0;
  uint16_t cap = kInline;
  uint8_t type = 0;  // ConditionType the state layout belongs to
  uint8_t flags = 0;
  std::unique_ptr<KeyExtra> extra;
  union {
    Ev inl[kInline];
    Ev* ptr;
  };

  KeyState() : inl{} {}
  ~KeyState() { ReleaseEvents(); }
  KeyState(const KeyState&) = delete;
  KeyState& operator=(const KeyState&) = delete;

  Ev* evs() { return cap > kInline ? ptr : inl; }
  const Ev* evs() const { return cap > kInline ? ptr : inl; }
  Ev& operator[](size_t i) { return evs()[i]; }
  const Ev& operator[](size_t i) const { return evs()[i]; }

  void Reserve(size_t want) {
    if (want <= cap) return;
    size_t nc = cap * 2u;
    while (nc < want) nc *= 2;
    if (nc > 65535) nc = 65535;
    Ev* p = static_cast<Ev*>(std::malloc(nc * sizeof(Ev)));
    std::memcpy(static_cast<void*>(p), evs(), n * sizeof(Ev));
    ReleaseEvents();
    ptr = p;
    cap = static_cast<uint16_t>(nc);
  }
  void Insert(size_t at, const Ev& e) {
    Reserve(n + 1u);
    Ev* d = evs();
    std::memmove(static_cast<void*>(d + at + 1), d + at, (n - at) * sizeof(Ev));
    d[at] = e;
    ++n;
  }
  void Erase(size_t from, size_t to) {
    Ev* d = evs();
    std::memmove(static_cast<void*>(d + from), d + to, (n - to) * sizeof(Ev));
    n = static_cast<uint16_t>(n - (to - from));
  }
  void Resize(size_t m) {
    Reserve(m);
    for (size_t i = n; i < m; ++i) evs()[i] = Ev{};
    n = static_cast<uint16_t>(m);
  }
  // Drops the condition state (events, extras), keeping identity and suppression.
  void ClearEvents() {
    ReleaseEvents();
    cap = kInline;
    n = 0;
    if (extra) {
      extra->vals.clear();
      extra->vals.shrink_to_fit();
    }
  }
  // Back to a free slot.
  void Reset() {
    ClearEvents();
    extra.reset();
    fp = Fp{};
    expires_ns = kNoTime;
    suppress_until_ns = kNoTime;
    incident = nullptr;
    type = 0;
    flags = 0;
  }
  size_t heap_bytes() const {
    size_t b = cap > kInline ? cap * sizeof(Ev) + 16 : 0;
    if (extra) b += sizeof(KeyExtra) + 16 + extra->vals.capacity() * 8 + extra->desc.capacity();
    return b;
  }

 private:
  void ReleaseEvents() {
    if (cap > kInline) std::free(ptr);
    cap = kInline;
  }
};

}  // namespace kizashi::correlate
