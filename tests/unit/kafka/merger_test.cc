// PartitionMerger: the deterministic merge of a partition group's inputs. Expected orders are
// derived by hand from the (timestamp, input, offset) rule and the end-of-partition rule.
#include "connectors/kafka/merger.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kizashi::connectors::kafka {
namespace {

MergeItem Item(int64_t ts, int64_t offset) { return MergeItem{ts, offset, 10, nullptr}; }

// Pops while the merger allows; returns "input:offset" in release order.
std::vector<std::string> Drain(PartitionMerger& m) {
  std::vector<std::string> out;
  size_t in;
  while (m.Next(&in)) {
    MergeItem it = m.Pop(in);
    out.push_back(std::to_string(in) + ":" + std::to_string(it.offset));
  }
  return out;
}

TEST(PartitionMerger, WaitsForAnInputThatMayStillHaveEarlierRecords) {
  PartitionMerger m(2);
  m.Push(0, Item(100, 0));
  // Input 1 has neither records nor an end-of-partition: it might hold a record at ts < 100.
  EXPECT_TRUE(Drain(m).empty());
  m.SetEof(1);
  EXPECT_EQ(Drain(m), (std::vector<std::string>{"0:0"}));
}

TEST(PartitionMerger, MergesByTimestampThenInputThenOffset) {
  PartitionMerger m(2);
  m.Push(0, Item(10, 0));
  m.Push(0, Item(20, 1));
  m.Push(0, Item(20, 2));
  m.Push(1, Item(15, 0));
  m.Push(1, Item(20, 1));
  m.SetEof(0);
  m.SetEof(1);
  // 10 (in0) < 15 (in1) < 20: ties go to the lower input, then offset order within input 0.
  EXPECT_EQ(Drain(m), (std::vector<std::string>{"0:0", "1:0", "0:1", "0:2", "1:1"}));
  EXPECT_TRUE(m.all_caught_up());
}

TEST(PartitionMerger, StopsWhenAnInputRunsDryWithoutEof) {
  PartitionMerger m(2);
  m.Push(0, Item(10, 0));
  m.Push(0, Item(30, 1));
  m.Push(1, Item(20, 0));
  // 0:0 (10) and 1:0 (20) go; then input 1 is empty and not at its end: 0:1 (30) waits.
  EXPECT_EQ(Drain(m), (std::vector<std::string>{"0:0", "1:0"}));
  m.Push(1, Item(25, 1));
  EXPECT_EQ(Drain(m), (std::vector<std::string>{"1:1"}));
  m.SetEof(1);
  EXPECT_EQ(Drain(m), (std::vector<std::string>{"0:1"}));
}

TEST(PartitionMerger, EofBehindBufferedRecordsAppliesOnceTheyAreConsumed) {
  PartitionMerger m(2);
  m.Push(1, Item(5, 0));
  m.SetEof(1);  // input 1 reached its end after offset 0
  m.Push(0, Item(10, 0));
  m.Push(0, Item(11, 1));
  // 1:0 first (5), then input 1 is at its end: input 0 flows.
  EXPECT_EQ(Drain(m), (std::vector<std::string>{"1:0", "0:0", "0:1"}));
  // A new record on input 1 clears the end: input 0's next record waits for input 1 again.
  m.Push(1, Item(50, 1));
  m.Push(0, Item(60, 2));
  EXPECT_EQ(Drain(m), (std::vector<std::string>{"1:1"}));
}

TEST(PartitionMerger, SameResultWhateverTheArrivalInterleaving) {
  // Two arrival orders of the same records (as two fetch timings would give) release the
  // same sequence.
  auto run = [](bool input1_first) {
    PartitionMerger m(2);
    std::vector<std::string> out;
    auto feed0 = [&] {
      m.Push(0, Item(1, 0));
      m.Push(0, Item(4, 1));
      m.Push(0, Item(6, 2));
      m.SetEof(0);
    };
    auto feed1 = [&] {
      m.Push(1, Item(2, 0));
      m.Push(1, Item(4, 1));
      m.Push(1, Item(5, 2));
      m.SetEof(1);
    };
    if (input1_first) {
      feed1();
      for (auto& s : Drain(m)) out.push_back(s);
      feed0();
    } else {
      feed0();
      for (auto& s : Drain(m)) out.push_back(s);
      feed1();
    }
    for (auto& s : Drain(m)) out.push_back(s);
    return out;
  };
  std::vector<std::string> want = {"0:0", "1:0", "0:1", "1:1", "1:2", "0:2"};
  EXPECT_EQ(run(false), want);
  EXPECT_EQ(run(true), want);
}

TEST(PartitionMerger, ClearReturnsHandlesAndForgetsEnds) {
  PartitionMerger m(2);
  int a = 1, b = 2;
  m.Push(0, MergeItem{1, 0, 100, &a});
  m.Push(1, MergeItem{2, 0, 50, &b});
  m.SetEof(0);
  EXPECT_EQ(m.buffered_bytes(), 150u);
  std::vector<void*> released;
  m.Clear([&](void* h) { released.push_back(h); });
  EXPECT_EQ(released, (std::vector<void*>{&a, &b}));
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.buffered_bytes(), 0u);
  EXPECT_FALSE(m.at_eof(0));  // after a seek nothing is known about the end
  m.Push(0, Item(1, 5));
  size_t in;
  EXPECT_FALSE(m.Next(&in));
}

}  // namespace
}  // namespace kizashi::connectors::kafka
