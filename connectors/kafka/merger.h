// PartitionMerger: the deterministic merge of one partition group — partition p of every input
// topic (co-partitioned) — into one record sequence for the worker that owns p.
//
// Why: the pipeline must be a pure function of its input (DESIGN.md §4), so the interleaving
// of, say, an operator's IDS alerts (topic A, partition p) and syslog (topic B, partition p)
// may not depend on fetch timing. Records are merged by (record timestamp, input index,
// offset) — the Kafka Streams rule — and a record is released only when every other input of
// the group either has a buffered record to compare with or is known to be at its end (a
// PARTITION_EOF at the current position). With the data already in the topics, every run,
// restart and rebalance therefore sees the same sequence; with live data an input that is
// caught up does not hold the others back.
//
// Items are opaque handles (the runner stores rd_kafka_message_t*); the merger never frees
// them: Clear() hands them back.
//
// Ownership: one per owned partition group, owned by the runner's poll thread. Thread
// contract: single thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

namespace kizashi::connectors::kafka {

struct MergeItem {
  int64_t timestamp = 0;  // record timestamp (ms), the merge key
  int64_t offset = 0;
  size_t bytes = 0;
  void* handle = nullptr;
};

class PartitionMerger {
 public:
  explicit PartitionMerger(size_t inputs) : in_(inputs) {}

  size_t inputs() const { return in_.size(); }
  // A record of `input` (records of one input arrive in offset order).
  void Push(size_t input, const MergeItem& item);
  // `input` reached its end (PARTITION_EOF) after the records pushed so far: once they are
  // consumed there is nothing to wait for until more arrive. (librdkafka delivers records and
  // EOF of one partition in order, so the EOF always follows the last pushed record.)
  void SetEof(size_t input);

  // Which input holds the next record in merge order, if it may be released now.
  bool Next(size_t* input) const;
  // Removes and returns the head of `input`.
  MergeItem Pop(size_t input);

  // Drops everything buffered and forgets end-of-partition knowledge (after a seek, a
  // rollback or a revocation); `release` gets every dropped handle.
  void Clear(const std::function<void(void*)>& release);

  size_t buffered_bytes(size_t input) const { return in_[input].bytes; }
  size_t buffered_records(size_t input) const { return in_[input].items.size(); }
  size_t buffered_bytes() const;
  bool empty() const;
  bool at_eof(size_t input) const { return in_[input].eof && in_[input].items.empty(); }
  // True when every input is at its end and nothing is buffered (the group is idle).
  bool all_caught_up() const;

 private:
  struct Input {
    std::deque<MergeItem> items;
    size_t bytes = 0;
    bool eof = false;  // the end of the partition was reached after the last pushed record
  };
  std::vector<Input> in_;
};

}  // namespace kizashi::connectors::kafka
