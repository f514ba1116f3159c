// LatencyHistogram: a fixed-size log-bucketed histogram of non-negative integer values
// (nanoseconds), in the style of HdrHistogram: values below 2^kSubBits are exact; above,
// each power-of-two range is split into 2^kSubBits linear sub-buckets, so any recorded value
// is reported within 1 / 2^kSubBits (0.8 %) of its true value, over the full 64-bit range,
// in 58 KiB and with O(1), allocation-free recording.
//
// Why not a prometheus histogram: the replay benchmark needs p99.9 of millions of samples
// with bounded relative error, not a handful of fixed buckets.
//
// Ownership: plain value. Thread contract: not thread-safe; one recorder thread (merge
// per-thread histograms with Add).
#pragma once

#include <array>
#include <cstdint>

namespace kizashi::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr int kBuckets = static_cast<int>((64 - kSubBits + 1) * kSub);

  void Record(int64_t value);
  void Add(const LatencyHistogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0 : static_cast<double>(sum_) / static_cast<double>(count_); }
  // The value at quantile q in [0, 1]: the midpoint of the bucket holding the
  // ceil(q * count)-th smallest sample, clamped to [min, max]. 0 when empty.
  int64_t Quantile(double q) const;

  // Bucket arithmetic, exposed for tests.
  static int IndexOf(uint64_t v);
  static uint64_t LowerBound(int index);
  static uint64_t UpperBound(int index);  // inclusive

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
};

}  // namespace kizashi::bench
