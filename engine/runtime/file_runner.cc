#include "engine/runtime/file_runner.h"

#include <filesystem>
#include <map>

#include "connectors/file/file_source.h"
#include "engine/common/log.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/runtime/sinks.h"
#include "engine/runtime/snapshot.h"

namespace kizashi::runtime {

absl::Status FileRunner::Run(bool reset_state, RunSummary* summary) {
  int64_t t0 = MonotonicNowNs();
  if (reset_state) {
    std::error_code ec;
    std::filesystem::remove_all(config_.state.dir, ec);
  }
  Diagnostics diags;
  auto snap = BuildSnapshot(config_, 1, &diags);
  if (!snap.ok()) return snap.status();
  auto store = state::StateStore::Open(config_.state);
  if (!store.ok()) return store.status();
  auto sinks = SinkSet::Create(config_.destinations, nullptr);
  if (!sinks.ok()) return sinks.status();

  Worker worker(config_, store->get(), (*sinks)->names());
  KZ_RETURN_IF_ERROR(worker.Init());

  // Group file inputs by partition: one source per partition.
  std::map<int32_t, std::vector<connectors::FileInput>> by_partition;
  for (size_t i = 0; i < config_.inputs.size(); ++i) {
    const auto& in = config_.inputs[i];
    if (in.type != "file") {
      return absl::InvalidArgumentError(
          StrCat("input '", in.name, "' is of type ", in.type, "; `kizashi run` in file mode "
                 "replays file inputs only (use the Kafka runner for topics)"));
    }
    by_partition[static_cast<int32_t>(in.partition)].push_back(
        connectors::FileInput{in.path, in.name, static_cast<uint16_t>(i)});
  }
  int64_t max_record = 0;
  for (const auto& in : config_.inputs) max_record = std::max(max_record, in.decode.max_event_bytes);

  Batch batch;
  std::vector<route::Output> outputs;
  state::StateDelta delta;
  for (auto& [partition, files] : by_partition) {
    auto src = connectors::FileSource::Open(files, partition, max_record, clock_);
    if (!src.ok()) return src.status();
    auto pos = worker.StoredPosition(partition);
    if (!pos.ok()) return pos.status();
    if (!pos->empty()) {
      KZ_RETURN_IF_ERROR((*src)->Seek(partition, *pos));
      KZ_LOG(kInfo, "replay.resume").Kv("partition", partition).Kv("position", *pos);
    }
    while (!stop_.load() && !(*src)->exhausted()) {
      KZ_RETURN_IF_ERROR((*src)->Poll(&batch, static_cast<size_t>(config_.batch_max_records)));
      if (batch.records.empty()) break;
      outputs.clear();
      delta.Clear();
      KZ_RETURN_IF_ERROR(worker.Process(batch, **snap, &outputs, &delta));
      for (const auto& o : outputs) {
        KZ_RETURN_IF_ERROR((*sinks)->Write(o));
        if (o.kind == route::DocKind::kObservation && !o.document_id.empty()) ++summary->observations;
        if (o.kind != route::DocKind::kObservation) ++summary->notifications;
      }
      // Outputs durable first, then state + positions together.
      KZ_RETURN_IF_ERROR((*sinks)->Flush());
      KZ_RETURN_IF_ERROR((*store)->Commit(delta));
      worker.Committed();
    }
  }
  summary->stats = worker.stats();
  summary->correlate = worker.correlator_stats();
  summary->seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  return absl::OkStatus();
}

}  // namespace kizashi::runtime
