#include "engine/correlate/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace kizashi::correlate {

namespace {
size_t RoundUp(size_t bytes) { return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1); }
}  // namespace

void* HugeAlloc(size_t bytes) {
  size_t size = RoundUp(bytes);
  // Over-map by one huge page, then unmap the unaligned head and the tail.
  size_t span = size + kHugePageBytes;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  uintptr_t begin = reinterpret_cast<uintptr_t>(raw);
  uintptr_t aligned = (begin + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  if (aligned > begin) munmap(raw, aligned - begin);
  uintptr_t end = begin + span;
  if (end > aligned + size) munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
  void* p = reinterpret_cast<void*>(aligned);
  // Advice only: without THP (or with it disabled) the region is ordinary pages.
  (void)madvise(p, size, MADV_HUGEPAGE);
  return p;
}

void HugeFree(void* p, size_t bytes) {
  if (p != nullptr) munmap(p, RoundUp(bytes));
}

}  // namespace kizashi::correlate
