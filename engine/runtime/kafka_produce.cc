#include "engine/runtime/kafka_produce.h"

#include <chrono>
#include <map>
#include <memory>
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

// Reads the files merged (FileSource: by fraction read) and calls `fn(batch, keys)` per
// batch, keys[i] the operator of batch.records[i] ("" if none).
absl::Status ForEachKeyedBatch(
    const Recorded& r,
    const std::function<absl::Status(const Batch&, const std::vector<std::string_view>&)>& fn) {
  auto src = connectors::FileSource::Open(r.inputs, 0, r.max_record, SystemClock::Get());
  if (!src.ok()) return src.status();
  Batch batch;
  std::vector<std::string_view> keys;
  while (!(*src)->exhausted()) {
    KZ_RETURN_IF_ERROR((*src)->Poll(&batch, 4096));
    if (batch.records.empty()) break;
    // Decode each record to learn its operator (the partition key).
    KZ_RETURN_IF_ERROR(decode::DecodeByInput(batch, r.decoders));
    keys.assign(batch.records.size(), std::string_view());
    for (const Event& ev : batch.events) keys[ev.record] = ev.operator_id;
    KZ_RETURN_IF_ERROR(fn(batch, keys));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ForEachRecordedRecord(const EngineConfig& config,
                                   const std::vector<std::pair<std::string, std::string>>& files,
                                   const RecordedRecordFn& fn) {
  Recorded r;
  KZ_RETURN_IF_ERROR(OpenRecorded(config, files, false, &r));
  return ForEachKeyedBatch(r, [&](const Batch& batch, const std::vector<std::string_view>& keys) {
    for (size_t i = 0; i < batch.records.size(); ++i) {
      KZ_RETURN_IF_ERROR(fn(batch.records[i].input, keys[i], batch.records[i].value));
    }
    return absl::OkStatus();
  });
}

absl::Status ProduceRecordedTraffic(const EngineConfig& config,
                                    const std::vector<std::pair<std::string, std::string>>& files,
                                    ProduceSummary* summary, double records_per_second) {
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
  KZ_RETURN_IF_ERROR(ForEachKeyedBatch(rec, [&](const Batch& batch,
                                                const std::vector<std::string_view>& keys) {
    uint32_t n = static_cast<uint32_t>(batch.records.size());
    for (uint32_t i = 0; i < n; ++i) {
      const RawRecord& r = batch.records[i];
      if (records_per_second > 0) {
        int64_t due = t_pace + static_cast<int64_t>(static_cast<double>(summary->records) * 1e9 /
                                                    records_per_second);
        int64_t now = MonotonicNowNs();
        if (due > now + 200'000) {
          (*producer)->Poll(0);
          std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
        }
      }
      if (keys[i].empty()) ++summary->unkeyed;
      KZ_RETURN_IF_ERROR((*producer)->Produce(topics[r.input], RD_KAFKA_PARTITION_UA, keys[i],
                                              &r.value, nullptr, 0, false, ++ts));
      ++summary->records;
      summary->bytes += r.value.size();
    }
    (*producer)->Poll(0);
    return absl::OkStatus();
  }));
  KZ_RETURN_IF_ERROR((*producer)->Flush(nullptr));
  summary->seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  return absl::OkStatus();
}

}  // namespace kizashi::runtime
