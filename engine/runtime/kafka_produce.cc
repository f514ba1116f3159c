#include "engine/runtime/kafka_produce.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <queue>
#include <thread>

#include "connectors/file/file_source.h"
#include "connectors/kafka/producer.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/decode/decoder.h"

namespace kizashi::runtime {

namespace kk = connectors::kafka;

namespace {

// The files of ProduceRecordedTraffic opened for reading: every named input must exist and be
// a Kafka input; its decoder finds each record's operator (the key).
struct Recorded {
  std::vector<connectors::FileInput> inputs;
  std::vector<std::unique_ptr<decode::Decoder>> decoders;
  int64_t max_record = 0;
  uint64_t lines = 0;  // counted only when asked
};

absl::Status OpenRecorded(const EngineConfig& config,
                          const std::vector<std::pair<std::string, std::string>>& files,
                          bool count_lines, Recorded* r) {
  std::vector<connectors::FileInput>& inputs = r->inputs;
  std::vector<std::unique_ptr<decode::Decoder>>& decoders = r->decoders;
  decoders.resize(config.inputs.size());
  int64_t& max_record = r->max_record;
  uint64_t& lines = r->lines;
  for (const auto& [name, path] : files) {
    size_t idx = config.inputs.size();
    for (size_t i = 0; i < config.inputs.size(); ++i) {
      if (config.inputs[i].name == name) idx = i;
    }
    if (idx == config.inputs.size()) return absl::InvalidArgumentError(StrCat("no input named '", name, "'"));
    const InputConfig& in = config.inputs[idx];
    if (in.type != "kafka") {
      return absl::InvalidArgumentError(StrCat("input '", name, "' is not a Kafka input"));
    }
    auto d = decode::MakeDecoder(in.decode);
    if (!d.ok()) return d.status();
    decoders[idx] = std::move(*d);
    inputs.push_back(connectors::FileInput{path, name, static_cast<uint16_t>(idx)});
    max_record = std::max(max_record, in.decode.max_event_bytes);
    if (!count_lines) continue;
    // Count lines: timestamps are assigned backwards from now so that all lie in the past.
    auto src = connectors::FileSource::Open({inputs.back()}, 0, max_record, SystemClock::Get());
    if (!src.ok()) return src.status();
    Batch b;
    while (!(*src)->exhausted()) {
      KZ_RETURN_IF_ERROR((*src)->Poll(&b, 65536));
      lines += b.records.size();
      if (b.records.empty()) break;
    }
  }
  if (inputs.empty()) return absl::InvalidArgumentError("no files to produce");
  return absl::OkStatus();
}

// A record of the merged files and its key (operator; "" if none).
using MergedRecordFn = std::function<absl::Status(const RawRecord&, std::string_view)>;

// One recorded file read on its own, a batch at a time, each record decoded for its operator
// (the key) and its event time (the merge key). Batches of 256 records: the merge holds one
// per file. Ownership: EventTimeMerge's, one per file. Thread contract: single thread.
struct Cursor {
  std::unique_ptr<connectors::FileSource> src;
  Batch batch;
  std::vector<std::string_view> keys;
  std::vector<int64_t> times;  // event time per record (see EventTimeMerge)
  size_t next = 0;             // the head: batch.records[next]
  int64_t last_time = INT64_MIN;

  bool has_head() const { return next < batch.records.size(); }
  // Reads the next batch once the current one is consumed (the views of the previous one die).
  absl::Status Fill(const std::vector<std::unique_ptr<decode::Decoder>>& decoders) {
    if (has_head()) return absl::OkStatus();
    next = 0;
    batch.Clear();
    if (src->exhausted()) return absl::OkStatus();
    KZ_RETURN_IF_ERROR(src->Poll(&batch, 256));
    if (batch.records.empty()) return absl::OkStatus();
    KZ_RETURN_IF_ERROR(decode::DecodeByInput(batch, decoders));
    const size_t n = batch.records.size();
    keys.assign(n, std::string_view());
    times.assign(n, INT64_MAX);
    for (const Event& ev : batch.events) {
      keys[ev.record] = ev.operator_id;
      times[ev.record] = std::min(times[ev.record], ev.event_time_ns);
    }
    // A record without an event time (it will be dead-lettered) keeps its place right after
    // the record before it in its file.
    for (size_t i = 0; i < n; ++i) {
      if (times[i] == INT64_MAX) times[i] = last_time;
      last_time = times[i];
    }
    return absl::OkStatus();
  }
};

// Calls `fn(record, key)` for every record of the files in event-time order across files:
// a streaming k-way merge that always takes the file whose next record has the smallest event
// time (ties: the file named first). Each file's own order is kept, so a record that is late
// in its file is still sent where its file has it — and no record is ever further behind the
// records sent before it than it is behind its own file's: a consumer that merges the
// co-partitioned topics in this order judges lateness exactly as a replay of each file alone.
absl::Status EventTimeMerge(const Recorded& r, const MergedRecordFn& fn) {
  std::vector<Cursor> cursors(r.inputs.size());
  using Head = std::pair<int64_t, size_t>;  // (event time, file index): min-heap
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    auto src = connectors::FileSource::Open({r.inputs[i]}, 0, r.max_record, SystemClock::Get());
    if (!src.ok()) return src.status();
    cursors[i].src = std::move(*src);
    KZ_RETURN_IF_ERROR(cursors[i].Fill(r.decoders));
    if (cursors[i].has_head()) heads.emplace(cursors[i].times[0], i);
  }
  while (!heads.empty()) {
    const size_t i = heads.top().second;
    heads.pop();
    Cursor& c = cursors[i];
    KZ_RETURN_IF_ERROR(fn(c.batch.records[c.next], c.keys[c.next]));
    ++c.next;
    KZ_RETURN_IF_ERROR(c.Fill(r.decoders));
    if (c.has_head()) heads.emplace(c.times[c.next], i);
  }
  return absl::OkStatus();
}

// Calls `fn(record, key)` for every record of the files merged as the file replay merges the
// files of one partition (FileSource: the file that has read the smallest fraction of its
// size next; ties: the file named first).
absl::Status FileReplayMerge(const Recorded& r, const MergedRecordFn& fn) {
  auto src = connectors::FileSource::Open(r.inputs, 0, r.max_record, SystemClock::Get());
  if (!src.ok()) return src.status();
  Batch batch;
  std::vector<std::string_view> keys;
  while (!(*src)->exhausted()) {
    KZ_RETURN_IF_ERROR((*src)->Poll(&batch, 4096));
    if (batch.records.empty()) break;
    KZ_RETURN_IF_ERROR(decode::DecodeByInput(batch, r.decoders));
    keys.assign(batch.records.size(), std::string_view());
    for (const Event& ev : batch.events) keys[ev.record] = ev.operator_id;
    for (size_t i = 0; i < batch.records.size(); ++i) {
      KZ_RETURN_IF_ERROR(fn(batch.records[i], keys[i]));
    }
  }
  return absl::OkStatus();
}

absl::Status Merge(const Recorded& r, ProduceOrder order, const MergedRecordFn& fn) {
  return order == ProduceOrder::kFileReplay ? FileReplayMerge(r, fn) : EventTimeMerge(r, fn);
}

}  // namespace

absl::Status ForEachRecordedRecord(const EngineConfig& config,
                                   const std::vector<std::pair<std::string, std::string>>& files,
                                   const RecordedRecordFn& fn, ProduceOrder order) {
  Recorded r;
  KZ_RETURN_IF_ERROR(OpenRecorded(config, files, false, &r));
  return Merge(r, order, [&](const RawRecord& rec, std::string_view key) {
    return fn(rec.input, key, rec.value);
  });
}

absl::Status ProduceRecordedTraffic(const EngineConfig& config,
                                    const std::vector<std::pair<std::string, std::string>>& files,
                                    ProduceSummary* summary, double records_per_second,
                                    ProduceOrder order) {
  int64_t t0 = MonotonicNowNs();
  Recorded rec;
  KZ_RETURN_IF_ERROR(OpenRecorded(config, files, true, &rec));
  const std::vector<connectors::FileInput>& inputs = rec.inputs;
  const uint64_t lines = rec.lines;

  kk::ProducerSettings ps;
  ps.guarantee = kk::Guarantee::kAtLeastOnce;
  auto producer = kk::OutputProducer::Create(config.kafka, ps);
  if (!producer.ok()) return producer.status();
  std::map<uint16_t, rd_kafka_topic_t*> topics;
  for (const auto& f : inputs) {
    auto t = (*producer)->Topic(config.kafka.Topic(config.inputs[f.input].topic));
    if (!t.ok()) return t.status();
    topics[f.input] = *t;
  }
  int64_t ts = SystemClock::Get()->NowNs() / 1'000'000 - static_cast<int64_t>(lines) - 1;
  const int64_t t_pace = MonotonicNowNs();
  KZ_RETURN_IF_ERROR(Merge(rec, order, [&](const RawRecord& r, std::string_view key) {
    if (records_per_second > 0) {
      int64_t due = t_pace + static_cast<int64_t>(static_cast<double>(summary->records) * 1e9 /
                                                  records_per_second);
      int64_t now = MonotonicNowNs();
      if (due > now + 200'000) {
        (*producer)->Poll(0);
        std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
      }
    }
    if (key.empty()) ++summary->unkeyed;
    KZ_RETURN_IF_ERROR((*producer)->Produce(topics[r.input], RD_KAFKA_PARTITION_UA, key, &r.value,
                                            nullptr, 0, false, ++ts));
    ++summary->records;
    summary->bytes += r.value.size();
    if (summary->records % 4096 == 0) (*producer)->Poll(0);
    return absl::OkStatus();
  }));
  KZ_RETURN_IF_ERROR((*producer)->Flush(nullptr));
  summary->seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  return absl::OkStatus();
}

}  // namespace kizashi::runtime
