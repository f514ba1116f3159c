// Worker-local metric cells: written by one thread without locks, summed at scrape time.
//
// The hot path takes no mutex and allocates nothing for metrics (DESIGN.md §2). Each worker
// owns its cells; the probe that owns the prometheus-cpp families adds every worker's cells
// up when Prometheus scrapes (Metrics::AddScrapeHook) and exports the growth since the
// previous scrape (CounterExport, HistogramExport).
//
// A cell is written by its owning thread only, so an update is a relaxed load and a relaxed
// store — a plain move on x86, no locked read-modify-write. The scrape thread reads with
// relaxed loads: it sees each cell at some recent value, which is all a monotonic counter
// needs. Two cells of one worker may be read at slightly different moments; the next scrape
// catches up.
//
// Ownership: cells live in a probe's per-worker block. Thread contract: Add/Set/Observe from
// the owning thread only; Get/Read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace prometheus {
class Counter;
class Histogram;
}  // namespace prometheus

namespace kizashi::telemetry {

class LocalCounter {
 public:
  void Add(uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // Mirrors a counter the owner already keeps cumulatively (e.g. WorkerStats).
  void Set(uint64_t v) { v_.store(v, std::memory_order_relaxed); }
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Bucket upper bounds (ascending, +Inf implied) shared by every cell of one histogram.
using Buckets = std::vector<double>;
// 100 µs .. ~100 s, ×~3 per step: stage and batch durations.
const Buckets& DurationBuckets();
// 1 .. 65536 records, ×4 per step: batch sizes.
const Buckets& BatchSizeBuckets();

class LocalHistogram {
 public:
  // `bounds` must outlive the histogram (use the shared bucket sets above).
  explicit LocalHistogram(const Buckets* bounds);
  void Observe(double value);
  const Buckets& bounds() const { return *bounds_; }
  // Adds this cell's per-bucket counts (bounds().size() + 1 entries, the last is +Inf; not
  // cumulative) and sum into `counts` / `sum`.
  void AddTo(std::vector<uint64_t>* counts, double* sum) const;

 private:
  const Buckets* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Exports a total summed at scrape time through a prometheus-cpp counter, which can only be
// incremented: each Update adds the growth since the previous one. Thread contract: Update
// from the scrape thread only (scrapes are serialised by Metrics).
class CounterExport {
 public:
  explicit CounterExport(prometheus::Counter* counter) : counter_(counter) {}
  void Update(uint64_t total);

 private:
  prometheus::Counter* counter_;
  uint64_t last_ = 0;
};

// Same for histograms: exports the per-bucket growth with ObserveMultiple.
class HistogramExport {
 public:
  HistogramExport(prometheus::Histogram* histogram, const Buckets* bounds);
  // `counts` as filled by LocalHistogram::AddTo.
  void Update(const std::vector<uint64_t>& counts, double sum);

 private:
  prometheus::Histogram* histogram_;
  std::vector<uint64_t> last_;
  double last_sum_ = 0;
  std::vector<double> increments_;  // reused
};

}  // namespace kizashi::telemetry
