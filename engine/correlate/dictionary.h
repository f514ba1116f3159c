// Dictionary: the strings a partition's correlation state refers to by small integer codes —
// pattern hits (an entry with every attribute verdicts need), sets of hits, source names
// (topics, files) and IPv6 peer addresses — so that per-key state stays a few fixed-size
// records (key_state.h).
//
// Codes are assigned in first-use order, which is a function of the partition's input, so
// they are identical after a restart (new entries are written to the state delta with the
// batch that created them) and across instances replaying the same input. Each kind has its
// own code space. Entries are never removed: the number of distinct pattern entries, sources
// and hit combinations is small; IPv6 peers are bounded by `max_entries` (beyond it new
// addresses are not interned and the peer is shown as absent — counted in stats).
//
// Stored in the `dictionary` column family: partition | kind | code (big-endian) -> payload.
//
// Ownership: one per PartitionCorrelator. Thread contract: single thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "engine/state/state_store.h"

namespace kizashi::correlate {

class Dictionary {
 public:
  enum Kind : uint8_t { kEntry = 0, kMulti, kSource, kAddr, kKinds };

  explicit Dictionary(size_t max_entries = 1 << 22) : max_entries_(max_entries) {}

  // The code of (kind, payload), interning it if new. Returns 0 if the dictionary is full
  // (never for kEntry/kMulti/kSource below 2^16 entries each).
  uint32_t Intern(Kind kind, std::string_view payload);
  // The payload of a code ("" if unknown).
  std::string_view Get(Kind kind, uint32_t code) const;
  size_t size(Kind kind) const { return by_code_[kind].size(); }
  size_t bytes() const { return bytes_; }

  // Restores entries of `partition` from the store.
  absl::Status Load(const state::StateStore& store, std::string_view prefix);
  // Writes entries added since the last call.
  void Flush(std::string_view prefix, state::StateDelta* delta);

 private:
  size_t max_entries_;
  std::vector<std::string> by_code_[kKinds];  // code c at index c-1
  absl::flat_hash_map<std::string, uint32_t> by_value_[kKinds];
  size_t flushed_[kKinds] = {};
  size_t bytes_ = 0;
};

}  // namespace kizashi::correlate
