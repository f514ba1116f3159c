#include "engine/common/arena.h"

#include <algorithm>

namespace kizashi {

void Arena::NewBlock(size_t min_size) {
  used_before_ += pos_;
  size_t size = std::max(block_size_, min_size);
  blocks_.push_back(Block{std::unique_ptr<char[]>(new char[size]), size});
  cur_ = blocks_.back().data.get();
  cur_size_ = size;
  pos_ = 0;
}

void Arena::Clear() {
  if (blocks_.size() > 1) {
    auto largest = std::max_element(blocks_.begin(), blocks_.end(),
                                    [](const Block& a, const Block& b) { return a.size < b.size; });
    Block keep = std::move(*largest);
    blocks_.clear();
    blocks_.push_back(std::move(keep));
  }
  if (!blocks_.empty()) {
    cur_ = blocks_.back().data.get();
    cur_size_ = blocks_.back().size;
  }
  pos_ = 0;
  used_before_ = 0;
}

}  // namespace kizashi
