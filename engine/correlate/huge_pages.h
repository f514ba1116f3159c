// Memory for the correlator's large, randomly accessed tables (key slots, the key hash
// table) in transparent huge pages.
//
// Why: at a million keys the slots span ~170 MB and the hash table ~50 MB, touched at random
// once or twice per event (Process, then Flush). With 4 KiB pages nearly every touch also
// misses the TLB, and a page walk costs as much as the cache miss itself — more under a
// hypervisor (two-dimensional walks). 2 MiB pages cut the page count 512-fold; the
// correlator then spends its time on the cache misses it cannot avoid. Measured in
// bench/correlate/correlate_bench.cc (docs/benchmarks-correlate.md).
//
// How: regions of whole 2 MiB pages, 2 MiB-aligned, mapped anonymously and advised
// MADV_HUGEPAGE (Linux THP in "madvise" mode, the common default, then backs them with
// huge pages when it can; otherwise they are ordinary pages — correct either way). Small
// allocations stay on the heap, so a small partition does not pin 2 MiB.
//
// Internal to engine/correlate. Thread contract: the functions are thread-safe; an
// allocator instance belongs to its container.
#pragma once

#include <cstddef>
#include <new>

namespace kizashi::correlate {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;
// Allocations from this size on are worth huge pages (a few of them at least).
inline constexpr size_t kHugeAllocMin = size_t{4} << 20;

// `bytes` rounded up to whole huge pages, 2 MiB-aligned, zero-filled, advised
// MADV_HUGEPAGE. nullptr when the mapping fails.
void* HugeAlloc(size_t bytes);
// Frees what HugeAlloc(bytes) returned.
void HugeFree(void* p, size_t bytes);

// std::allocator, except that allocations of kHugeAllocMin bytes or more go to HugeAlloc
// (a hash table's backing array once it holds ~100 k keys).
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: rebinding is implicit
  T* allocate(size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes >= kHugeAllocMin) {
      if (void* p = HugeAlloc(bytes)) return static_cast<T*>(p);
      throw std::bad_alloc();  // as std::allocator: the process cannot go on
    }
    return static_cast<T*>(::operator new(bytes, std::align_val_t(alignof(T))));
  }
  void deallocate(T* p, size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes >= kHugeAllocMin) {
      HugeFree(p, bytes);
      return;
    }
    ::operator delete(p, std::align_val_t(alignof(T)));
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};

}  // namespace kizashi::correlate
