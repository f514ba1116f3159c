#include "bench/replay/latency_histogram.h"

#include <gtest/gtest.h>

namespace kizashi::bench {
namespace {

TEST(LatencyHistogram, SmallValuesAreExact) {
  // Below 2^7 = 128 every value has its own bucket.
  EXPECT_EQ(LatencyHistogram::IndexOf(0), 0);
  EXPECT_EQ(LatencyHistogram::IndexOf(127), 127);
  EXPECT_EQ(LatencyHistogram::LowerBound(127), 127u);
  EXPECT_EQ(LatencyHistogram::UpperBound(127), 127u);
}

TEST(LatencyHistogram, BucketBoundsAboveTheLinearRange) {
  // 128..255: shift 0, still exact (bucket 128 + (v - 128)).
  EXPECT_EQ(LatencyHistogram::IndexOf(128), 128);
  EXPECT_EQ(LatencyHistogram::IndexOf(255), 255);
  // 256..511: shift 1, buckets of 2 values: 256,257 -> 256; 258 -> 257.
  EXPECT_EQ(LatencyHistogram::IndexOf(256), 256);
  EXPECT_EQ(LatencyHistogram::IndexOf(257), 256);
  EXPECT_EQ(LatencyHistogram::IndexOf(258), 257);
  EXPECT_EQ(LatencyHistogram::LowerBound(257), 258u);
  EXPECT_EQ(LatencyHistogram::UpperBound(257), 259u);
  // 1,000,000 = 2^19 + ...: shift 12, sub-bucket 1000000 >> 12 = 244 -> index 13*128 + 116.
  int i = LatencyHistogram::IndexOf(1'000'000);
  EXPECT_EQ(i, 13 * 128 + 116);
  EXPECT_EQ(LatencyHistogram::LowerBound(i), 244u << 12);           // 999,424
  EXPECT_EQ(LatencyHistogram::UpperBound(i), (245u << 12) - 1);     // 1,003,519
  // The largest value lands in the last bucket.
  EXPECT_EQ(LatencyHistogram::IndexOf(UINT64_MAX), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogram, QuantilesOfAKnownDistribution) {
  LatencyHistogram h;
  // 1..100 (exact buckets): p50 = 50th smallest = 50; p99 = 99; p100 = 100.
  for (int v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.Quantile(0.5), 50);
  EXPECT_EQ(h.Quantile(0.99), 99);
  EXPECT_EQ(h.Quantile(1.0), 100);
  EXPECT_EQ(h.Quantile(0.0), 1);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 100);
}

TEST(LatencyHistogram, LargeValuesWithinOnePercent) {
  LatencyHistogram h;
  // 999 samples of 1 ms and one of 1 s: p99.9 is the 999th sample (1 ms), max is 1 s.
  for (int i = 0; i < 999; ++i) h.Record(1'000'000);
  h.Record(1'000'000'000);
  int64_t p999 = h.Quantile(0.999);
  EXPECT_GE(p999, 999'424);
  EXPECT_LE(p999, 1'003'519);
  EXPECT_EQ(h.Quantile(1.0), 1'000'000'000);  // clamped to max
  EXPECT_EQ(h.max(), 1'000'000'000);
}

TEST(LatencyHistogram, AddMergesAndNegativeIsZero) {
  LatencyHistogram a, b;
  a.Record(-5);  // a clock step backwards is recorded as 0
  b.Record(10);
  a.Add(b);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.min(), 0);
  EXPECT_EQ(a.max(), 10);
  EXPECT_EQ(a.Quantile(0.5), 0);
  a.Clear();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.Quantile(0.5), 0);
}

}  // namespace
}  // namespace kizashi::bench
