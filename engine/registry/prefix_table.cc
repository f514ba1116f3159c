#include "engine/registry/prefix_table.h"

#include <algorithm>
#include <limits>

namespace kizashi::registry {

namespace {

using U128 = PrefixTable::U128;

template <typename K>
struct Item {
  K start;
  K end;          // inclusive
  uint8_t len;    // prefix length in this family's space; orders nested prefixes
  uint32_t value;
  uint32_t order;  // input position: the first of two identical prefixes wins
};

template <typename K>
K MaskBelow(int bits) {  // a K with the low `bits` bits set, bits in [0, width]
  constexpr int kWidth = std::numeric_limits<K>::digits;
  if (bits <= 0) return K{0};
  if (bits >= kWidth) return ~K{0};
  return (K{1} << bits) - 1;
}

// Appends the elementary intervals of `items` (one namespace, one family) to keys/vals.
// Prefixes are nested or disjoint, so sorting by (start asc, length asc) yields a
// pre-order walk of the containment tree; a stack holds the chain of open prefixes and each
// opening or closing of a prefix starts a new interval whose value is the innermost open
// prefix's. Adjacent intervals with equal values are merged.
template <typename K>
void Flatten(std::vector<Item<K>>& items, std::vector<K>* keys, std::vector<uint32_t>* vals) {
  std::sort(items.begin(), items.end(), [](const Item<K>& a, const Item<K>& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.len != b.len) return a.len < b.len;
    return a.order < b.order;
  });
  const size_t first = keys->size();
  auto emit = [&](K pos, uint32_t v) {
    if (keys->size() > first && keys->back() == pos) {
      vals->back() = v;  // a prefix opening where another closes: the later event decides
      if (keys->size() > first + 1 && (*vals)[vals->size() - 2] == v) {
        keys->pop_back();
        vals->pop_back();
      }
      return;
    }
    if (keys->size() > first && vals->back() == v) return;
    keys->push_back(pos);
    vals->push_back(v);
  };
  emit(K{0}, PrefixTable::kNoValue);
  struct Open {
    K end;
    uint32_t value;
  };
  std::vector<Open> stack;
  auto close_until = [&](bool all, K next_start) {
    while (!stack.empty() && (all || stack.back().end < next_start)) {
      K end = stack.back().end;
      stack.pop_back();
      if (end == ~K{0}) continue;  // closes at the top of the space: nothing follows
      emit(end + 1, stack.empty() ? PrefixTable::kNoValue : stack.back().value);
    }
  };
  const Item<K>* prev = nullptr;
  for (const auto& it : items) {
    if (prev != nullptr && prev->start == it.start && prev->len == it.len) continue;  // dup
    prev = &it;
    close_until(false, it.start);
    emit(it.start, it.value);
    stack.push_back(Open{it.end, it.value});
  }
  close_until(true, K{0});
}

}  // namespace

PrefixTable PrefixTable::Build(uint32_t namespaces, const std::vector<Entry>& entries) {
  PrefixTable t;
  t.spans_.resize(namespaces);
  // Bucket entry positions by namespace, keeping input order within each.
  std::vector<uint32_t> count(namespaces + 1, 0);
  for (const auto& e : entries) {
    if (e.ns < namespaces) ++count[e.ns + 1];
  }
  for (uint32_t i = 0; i < namespaces; ++i) count[i + 1] += count[i];
  std::vector<uint32_t> order(count[namespaces]);
  {
    std::vector<uint32_t> fill(count.begin(), count.end() - 1);
    for (uint32_t i = 0; i < entries.size(); ++i) {
      if (entries[i].ns < namespaces) order[fill[entries[i].ns]++] = i;
    }
  }
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  std::vector<Item<uint32_t>> v4;
  std::vector<Item<U128>> v6;
  for (uint32_t ns = 0; ns < namespaces; ++ns) {
    v4.clear();
    v6.clear();
    for (uint32_t k = count[ns]; k < count[ns + 1]; ++k) {
      const Entry& e = entries[order[k]];
      if (e.value == kNoValue) continue;
      const Cidr& c = e.cidr;
      const bool mapped = c.prefix >= 96 && std::memcmp(c.addr.bytes, kMapped, 12) == 0;
      if (mapped) {
        uint32_t start;
        std::memcpy(&start, c.addr.bytes + 12, 4);
        start = __builtin_bswap32(start);
        const int len = c.prefix - 96;
        v4.push_back({start, start | MaskBelow<uint32_t>(32 - len), static_cast<uint8_t>(len),
                      e.value, k});
      } else {
        // IPv6 prefixes also enter the IPv6 table when they contain the IPv4-mapped block:
        // harmless, since IPv4 addresses are never looked up there.
        U128 start = Key6(c.addr);
        v6.push_back({start, start | MaskBelow<U128>(128 - c.prefix), c.prefix, e.value, k});
      }
    }
    Span& s = t.spans_[ns];
    s.off4 = static_cast<uint32_t>(t.keys4_.size());
    Flatten(v4, &t.keys4_, &t.vals4_);
    s.n4 = static_cast<uint32_t>(t.keys4_.size()) - s.off4;
    s.off6 = static_cast<uint32_t>(t.keys6_.size());
    Flatten(v6, &t.keys6_, &t.vals6_);
    s.n6 = static_cast<uint32_t>(t.keys6_.size()) - s.off6;
  }
  t.keys4_.shrink_to_fit();
  t.vals4_.shrink_to_fit();
  t.keys6_.shrink_to_fit();
  t.vals6_.shrink_to_fit();
  return t;
}

size_t PrefixTable::MemoryBytes() const {
  return spans_.size() * sizeof(Span) + keys4_.size() * sizeof(uint32_t) +
         vals4_.size() * sizeof(uint32_t) + keys6_.size() * sizeof(U128) +
         vals6_.size() * sizeof(uint32_t);
}

std::vector<std::pair<uint32_t, uint32_t>> PrefixTable::IntervalsV4(uint32_t ns) const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  if (ns >= spans_.size()) return out;
  const Span& s = spans_[ns];
  for (uint32_t i = 0; i < s.n4; ++i) out.emplace_back(keys4_[s.off4 + i], vals4_[s.off4 + i]);
  return out;
}

std::vector<std::pair<U128, uint32_t>> PrefixTable::IntervalsV6(uint32_t ns) const {
  std::vector<std::pair<U128, uint32_t>> out;
  if (ns >= spans_.size()) return out;
  const Span& s = spans_[ns];
  for (uint32_t i = 0; i < s.n6; ++i) out.emplace_back(keys6_[s.off6 + i], vals6_[s.off6 + i]);
  return out;
}

}  // namespace kizashi::registry
