#include "connectors/kafka/merger.h"

namespace kizashi::connectors::kafka {

void PartitionMerger::Push(size_t input, const MergeItem& item) {
  Input& in = in_[input];
  in.items.push_back(item);
  in.bytes += item.bytes;
  in.eof = false;
}

void PartitionMerger::SetEof(size_t input) { in_[input].eof = true; }

bool PartitionMerger::Next(size_t* input) const {
  const MergeItem* best = nullptr;
  size_t best_i = 0;
  for (size_t i = 0; i < in_.size(); ++i) {
    const Input& in = in_[i];
    if (in.items.empty()) {
      if (!in.eof) return false;  // records may exist that sort before every buffered one
      continue;
    }
    const MergeItem& h = in.items.front();
    // Ties on the timestamp: the lower input index first (the loop order), then offset
    // order within the input.
    if (best == nullptr || h.timestamp < best->timestamp) {
      best = &h;
      best_i = i;
    }
  }
  if (best == nullptr) return false;
  *input = best_i;
  return true;
}

MergeItem PartitionMerger::Pop(size_t input) {
  Input& in = in_[input];
  MergeItem item = in.items.front();
  in.items.pop_front();
  in.bytes -= item.bytes;
  return item;
}

void PartitionMerger::Clear(const std::function<void(void*)>& release) {
  for (auto& in : in_) {
    for (auto& it : in.items) {
      if (release) release(it.handle);
    }
    in.items.clear();
    in.bytes = 0;
    in.eof = false;
  }
}

size_t PartitionMerger::buffered_bytes() const {
  size_t n = 0;
  for (const auto& in : in_) n += in.bytes;
  return n;
}

bool PartitionMerger::empty() const {
  for (const auto& in : in_) {
    if (!in.items.empty()) return false;
  }
  return true;
}

bool PartitionMerger::all_caught_up() const {
  for (const auto& in : in_) {
    if (!in.items.empty() || !in.eof) return false;
  }
  return true;
}

}  // namespace kizashi::connectors::kafka
