#include "engine/telemetry/counter_map.h"

#include "engine/common/strings.h"

namespace kizashi::telemetry {

void JoinLabels(std::initializer_list<std::string_view> values, std::string* out) {
  out->clear();
  bool first = true;
  for (std::string_view v : values) {
    if (!first) out->push_back(kLabelSeparator);
    out->append(v);
    first = false;
  }
}

std::vector<std::string> SplitLabels(std::string_view key) {
  std::vector<std::string> out;
  for (std::string_view part : Split(key, kLabelSeparator)) out.emplace_back(part);
  return out;
}

LocalCounter* LocalCounterMap::Find(std::string_view key) {
  auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  return Create(key);
}

LocalCounter* LocalCounterMap::Create(std::string_view key) {
  if (index_.size() >= max_keys_) {
    if (overflow_ == nullptr) {
      std::string other;
      for (size_t i = 0; i < labels_; ++i) {
        if (i > 0) other.push_back(kLabelSeparator);
        other += "_other";
      }
      std::lock_guard<std::mutex> lock(mu_);
      overflow_ = &cells_.emplace_back(std::move(other)).counter;
    }
    return overflow_;
  }
  LocalCounter* c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    c = &cells_.emplace_back(std::string(key)).counter;
  }
  index_.emplace(std::string(key), c);
  return c;
}

void LocalCounterMap::ForEach(
    const std::function<void(std::string_view key, uint64_t value)>& fn) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& cell : cells_) fn(cell.key, cell.counter.Get());
}

}  // namespace kizashi::telemetry
