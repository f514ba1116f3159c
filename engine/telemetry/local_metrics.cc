#include "engine/telemetry/local_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <algorithm>

namespace kizashi::telemetry {

const Buckets& DurationBuckets() {
  static const Buckets b = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                            0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10,
                            25,     50,      100};
  return b;
}

const Buckets& BatchSizeBuckets() {
  static const Buckets b = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536};
  return b;
}

LocalHistogram::LocalHistogram(const Buckets* bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void LocalHistogram::Observe(double value) {
  // Prometheus buckets are "less than or equal": the first bound >= value.
  size_t i = static_cast<size_t>(std::lower_bound(bounds_->begin(), bounds_->end(), value) -
                                 bounds_->begin());
  counts_[i].store(counts_[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  sum_.store(sum_.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
}

void LocalHistogram::AddTo(std::vector<uint64_t>* counts, double* sum) const {
  counts->resize(bounds_->size() + 1, 0);
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    (*counts)[i] += counts_[i].load(std::memory_order_relaxed);
  }
  *sum += sum_.load(std::memory_order_relaxed);
}

void CounterExport::Update(uint64_t total) {
  if (total > last_) counter_->Increment(static_cast<double>(total - last_));
  last_ = std::max(last_, total);
}

HistogramExport::HistogramExport(prometheus::Histogram* histogram, const Buckets* bounds)
    : histogram_(histogram), last_(bounds->size() + 1, 0), increments_(bounds->size() + 1, 0) {}

void HistogramExport::Update(const std::vector<uint64_t>& counts, double sum) {
  bool any = false;
  for (size_t i = 0; i < last_.size() && i < counts.size(); ++i) {
    uint64_t grown = counts[i] > last_[i] ? counts[i] - last_[i] : 0;
    increments_[i] = static_cast<double>(grown);
    any |= grown > 0;
    last_[i] = std::max(last_[i], counts[i]);
  }
  if (!any) return;
  histogram_->ObserveMultiple(increments_, sum - last_sum_);
  last_sum_ = sum;
}

}  // namespace kizashi::telemetry
