// Arena: a bump allocator for the bytes of one batch.
//
// Raw records are copied into the batch's arena once; decoded events hold string_views into
// it, and decoders that must unescape a string write the result here too. Clearing the arena
// keeps its largest block so a steady stream of batches allocates nothing.
//
// Ownership: one Arena per Batch. Thread contract: not thread-safe; used by the one worker
// that owns the batch.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace kizashi {

class Arena {
 public:
  explicit Arena(size_t block_size = 1 << 20) : block_size_(block_size) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;

  // Returns `n` bytes aligned to `align`, valid until Clear().
  char* Allocate(size_t n, size_t align = 1) {
    size_t p = (pos_ + align - 1) & ~(align - 1);
    if (cur_ == nullptr || p + n > cur_size_) {
      NewBlock(n + align);
      p = (pos_ + align - 1) & ~(align - 1);
    }
    char* out = cur_ + p;
    pos_ = p + n;
    return out;
  }

  // Returns the last `n` bytes of the most recent Allocate() (which ended at p + n) to the
  // arena, e.g. when a decoder reserved a worst case and used less. No-op otherwise.
  void GiveBack(const char* p, size_t n) {
    if (cur_ != nullptr && p + n == cur_ + pos_ && n <= pos_) pos_ -= n;
  }

  std::string_view Copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = Allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Forgets every allocation; keeps the largest block for reuse.
  void Clear();

  size_t bytes_used() const { return used_before_ + pos_; }

 private:
  void NewBlock(size_t min_size);

  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  size_t block_size_;
  std::vector<Block> blocks_;
  char* cur_ = nullptr;
  size_t cur_size_ = 0;
  size_t pos_ = 0;
  size_t used_before_ = 0;
};

}  // namespace kizashi
