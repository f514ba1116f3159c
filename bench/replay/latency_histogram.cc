#include "bench/replay/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace kizashi::bench {

int LatencyHistogram::IndexOf(uint64_t v) {
  if (v < kSub) return static_cast<int>(v);
  int e = 63 - __builtin_clzll(v);  // v in [2^e, 2^(e+1)), e >= kSubBits
  int shift = e - kSubBits;
  return static_cast<int>((static_cast<uint64_t>(shift) + 1) * kSub + ((v >> shift) - kSub));
}

uint64_t LatencyHistogram::LowerBound(int index) {
  uint64_t i = static_cast<uint64_t>(index);
  if (i < kSub) return i;
  uint64_t shift = i / kSub - 1;
  return (kSub + i % kSub) << shift;
}

uint64_t LatencyHistogram::UpperBound(int index) {
  uint64_t i = static_cast<uint64_t>(index);
  if (i < kSub) return i;
  uint64_t shift = i / kSub - 1;
  return LowerBound(index) + ((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::Record(int64_t value) {
  if (value < 0) value = 0;
  ++buckets_[static_cast<size_t>(IndexOf(static_cast<uint64_t>(value)))];
  ++count_;
  sum_ += static_cast<uint64_t>(value);
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::Add(const LatencyHistogram& o) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

void LatencyHistogram::Clear() { *this = LatencyHistogram(); }

int64_t LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[static_cast<size_t>(i)];
    if (seen >= rank) {
      uint64_t lo = LowerBound(i), hi = UpperBound(i);
      int64_t mid = static_cast<int64_t>(lo + (hi - lo) / 2);
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace kizashi::bench
