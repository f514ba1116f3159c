#include "engine/runtime/file_runner.h"

#include <filesystem>
#include <map>

#include "connectors/file/file_source.h"
#include "engine/common/log.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/runtime/disclosure.h"
#include "engine/runtime/pipeline_probe.h"
#include "engine/runtime/sinks.h"
#include "engine/runtime/snapshot.h"
#include "engine/runtime/state_probe.h"
#include "engine/telemetry/health.h"

namespace kizashi::runtime {

absl::Status FileRunner::Run(bool reset_state, RunSummary* summary) {
  int64_t t0 = MonotonicNowNs();
  if (reset_state) {
    std::error_code ec;
    std::filesystem::remove_all(config_.state.dir, ec);
  }
  SnapshotHolder own;
  SnapshotHolder* holder = ctx_.snapshots != nullptr ? ctx_.snapshots : &own;
  if (holder->Get() == nullptr) {
    Diagnostics diags;
    auto snap = BuildSnapshot(config_, 1, &diags);
    if (!snap.ok()) return snap.status();
    holder->Publish(*snap);
  }
  auto store = state::StateStore::Open(config_.state);
  if (!store.ok()) return store.status();
  std::unique_ptr<StateProbe> state_probe;
  if (ctx_.metrics != nullptr) state_probe = std::make_unique<StateProbe>(*ctx_.metrics, store->get());
  auto sinks = SinkSet::Create(config_.destinations, nullptr);
  if (!sinks.ok()) return sinks.status();
  // The disclosure ledger records each batch's outputs after they are flushed and before the
  // positions commit: a crash in between re-emits them and the ledger dedupes by key.
  std::unique_ptr<ledger::Ledger> ledger;
  if (config_.ledger.enabled) {
    auto l = ledger::Ledger::Open(config_.LedgerOpts());
    if (!l.ok()) return l.status();
    ledger = std::move(*l);
  }

  Worker worker(config_, store->get(), (*sinks)->names());
  KZ_RETURN_IF_ERROR(worker.Init());
  PipelineProbe::Worker* probe = ctx_.probe != nullptr ? ctx_.probe->AddWorker() : nullptr;

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

  // Open and position every partition, and restore its state, before the first batch: that is
  // when the process is ready.
  std::vector<std::pair<int32_t, std::unique_ptr<connectors::FileSource>>> sources;
  for (auto& [partition, files] : by_partition) {
    auto src = connectors::FileSource::Open(files, partition, max_record, clock_);
    if (!src.ok()) return src.status();
    auto pos = worker.StoredPosition(partition);
    if (!pos.ok()) return pos.status();
    if (!pos->empty()) {
      KZ_RETURN_IF_ERROR((*src)->Seek(partition, *pos));
      KZ_LOG(kInfo, "replay.resume").Kv("partition", partition).Kv("position", *pos);
    }
    KZ_RETURN_IF_ERROR(worker.Restore(partition));
    sources.emplace_back(partition, std::move(*src));
  }
  if (ctx_.health != nullptr) {
    ctx_.health->Set("state", true, StrCat(sources.size(), " partition(s) restored"));
    ctx_.health->Set("partitions", true, StrCat(sources.size(), " file partition(s)"));
  }

  Batch batch;
  std::vector<route::Output> outputs;
  state::StateDelta delta;
  BatchTiming timing;
  auto sink_failed = [&](const absl::Status& st) {
    for (const auto& d : (*sinks)->last_failed()) {
      if (ctx_.probe != nullptr) {
        ctx_.probe->SetDestinationUp(d, false);
        ctx_.probe->CountSinkError(d);
      }
      KZ_LOG(kError, "sink.failed").Kv("destination", d).Kv("error", std::string(st.message()));
    }
    return st;
  };
  for (auto& [partition, src] : sources) {
    while (!stop_.load() && !src->exhausted()) {
      timing.started_ns = MonotonicNowNs();
      KZ_RETURN_IF_ERROR(src->Poll(&batch, static_cast<size_t>(config_.batch_max_records)));
      if (batch.records.empty()) break;
      // The batch pins the snapshot in service now; a reload takes effect at the next batch.
      std::shared_ptr<const Snapshot> snap = holder->Get();
      outputs.clear();
      delta.Clear();
      KZ_RETURN_IF_ERROR(worker.Process(batch, *snap, &outputs, &delta));
      timing.processed_ns = MonotonicNowNs();
      KZ_RETURN_IF_ERROR(CheckExercise(config_, &outputs));
      for (const auto& o : outputs) {
        absl::Status st = (*sinks)->Write(o);
        if (!st.ok()) return sink_failed(st);
        if (o.kind == route::DocKind::kObservation && !o.document_id.empty()) ++summary->observations;
        if (o.kind == route::DocKind::kNotification || o.kind == route::DocKind::kEscalation) {
          ++summary->notifications;
        }
        if (o.kind == route::DocKind::kAdvisory) ++summary->advisories;
        if (o.kind == route::DocKind::kCampaign) ++summary->campaign_views;
      }
      // Outputs durable first, then state + positions together.
      absl::Status st = (*sinks)->Flush();
      if (!st.ok()) return sink_failed(st);
      timing.written_ns = MonotonicNowNs();
      if (ctx_.after_write) ctx_.after_write(outputs);
      if (ledger != nullptr && !outputs.empty()) {
        auto added = ledger->Append(
            LedgerEntries(config_, outputs, clock_ != nullptr ? clock_->NowNs() : 0));
        if (!added.ok()) return added.status();
      }
      KZ_RETURN_IF_ERROR((*store)->Commit(delta));
      worker.Committed();
      timing.committed_ns = MonotonicNowNs();
      timing.committed_wall_ns = clock_ != nullptr ? clock_->NowNs() : 0;
      if (probe != nullptr) probe->OnBatch(batch, outputs, *snap, worker, timing);
      if (ctx_.after_commit) ctx_.after_commit(batch);
    }
    if (stop_.load() && !src->exhausted()) summary->stopped = true;
  }
  if (summary->stopped) {
    KZ_LOG(kInfo, "run.drained").Kv("batches", worker.stats().batches);
  }
  summary->stats = worker.stats();
  summary->correlate = worker.correlator_stats();
  summary->seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  return absl::OkStatus();
}

}  // namespace kizashi::runtime
