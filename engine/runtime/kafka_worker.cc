#include "engine/runtime/kafka_worker.h"

#include <pthread.h>

#include <chrono>
#include <utility>

#include "connectors/kafka/changelog.h"
#include "engine/campaign/campaign.h"
#include "engine/common/log.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/runtime/disclosure.h"
#include "engine/runtime/kafka_runner.h"

namespace kizashi::runtime::kafka_internal {

namespace kk = connectors::kafka;

WorkerThread::WorkerThread(int index, const EngineConfig& config, state::StateStore* store,
                           std::set<std::string> destinations, size_t capacity,
                           std::function<void(Batch*)> recycle)
    : index_(index),
      worker_(config, store, std::move(destinations)),
      capacity_(capacity),
      recycle_(std::move(recycle)),
      config_(config) {}

void WorkerThread::Start(SnapshotHolder* holder, const OutputRoutes* routes,
                         PipelineProbe::Worker* probe) {
  holder_ = holder;
  probe_ = probe;
  routes_ = routes;
  thread_ = std::thread([this] {
    std::string name = StrCat("kz-worker-", index_);
    pthread_setname_np(pthread_self(), name.c_str());
    Loop();
  });
}

void WorkerThread::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& t : queue_) {
    if (t.batch) recycle_(t.batch);
  }
  queue_.clear();
}

bool WorkerThread::full() {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size() >= capacity_;
}

size_t WorkerThread::queued() {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size() + (busy_ ? 1 : 0);
}

void WorkerThread::Push(Task&& t) {
  {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(std::move(t));
  }
  cv_.notify_all();
}

void WorkerThread::RequestPark() {
  {
    std::lock_guard<std::mutex> l(mu_);
    park_requested_ = true;
  }
  cv_.notify_all();
}

bool WorkerThread::WaitParked(int timeout_ms) {
  std::unique_lock<std::mutex> l(mu_);
  return parked_cv_.wait_for(l, std::chrono::milliseconds(timeout_ms),
                             [&] { return parked_ || exited_; });
}

void WorkerThread::Unpark() {
  {
    std::lock_guard<std::mutex> l(mu_);
    park_requested_ = false;
  }
  cv_.notify_all();
}

uint64_t WorkerThread::TakePending(state::StateDelta* delta,
                                   std::map<int32_t, std::vector<int64_t>>* offsets) {
  if (delta->empty()) {
    std::swap(*delta, pending_);
  } else {
    for (const auto& op : pending_.ops()) {
      if (op.del) delta->Delete(op.cf, op.key);
      else delta->Put(op.cf, op.key, op.value);
    }
  }
  pending_.Clear();
  for (auto& [p, o] : pending_offsets_) (*offsets)[p] = std::move(o);
  pending_offsets_.clear();
  return worker_.HandOver();
}

void WorkerThread::MarkDurable(uint64_t epoch) {
  std::lock_guard<std::mutex> l(mu_);
  durable_epoch_ = std::max(durable_epoch_, epoch);
  durable_pending_ = true;
}

void WorkerThread::Rollback(const std::set<int32_t>& partitions) {
  deferred_.clear();
  pending_ledger_.clear();
  pending_.Clear();
  pending_offsets_.clear();
  for (auto& t : queue_) {
    if (t.batch) recycle_(t.batch);
  }
  queue_.clear();
  for (int32_t p : partitions) worker_.Release(p);
  failure_ = absl::OkStatus();
  failed_.store(false);
}

void WorkerThread::Release(const std::set<int32_t>& partitions) {
  std::deque<Task> keep;
  for (auto& t : queue_) {
    if (partitions.count(t.partition)) {
      if (t.batch) recycle_(t.batch);
    } else {
      keep.push_back(std::move(t));
    }
  }
  queue_.swap(keep);
  for (int32_t p : partitions) {
    worker_.Release(p);
    pending_offsets_.erase(p);
  }
}

WorkerStats WorkerThread::stats() {
  std::lock_guard<std::mutex> l(stats_mu_);
  return stats_copy_;
}

void WorkerThread::Loop() {
  while (true) {
    Task t;
    uint64_t durable = 0;
    bool apply_durable = false;
    {
      std::unique_lock<std::mutex> l(mu_);
      while (true) {
        if (stop_) {
          exited_ = true;
          parked_cv_.notify_all();
          return;
        }
        if (park_requested_) {
          // Everything handed over at this barrier must be in the open transaction.
          if (!deferred_.empty() && !failed_.load() &&
              routes_->open->load(std::memory_order_acquire)) {
            l.unlock();
            absl::Status st = FlushDeferred();
            l.lock();
            if (!st.ok()) {
              failure_ = st;
              failed_.store(true);
            }
          }
          parked_ = true;
          parked_cv_.notify_all();
          cv_.wait(l, [&] { return !park_requested_ || stop_; });
          parked_ = false;
          continue;
        }
        if (!failed_.load() && !queue_.empty()) break;
        cv_.wait(l);
      }
      t = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      if (durable_pending_) {
        durable_pending_ = false;
        durable = durable_epoch_;
        apply_durable = true;
      }
    }
    if (apply_durable) worker_.CommittedThrough(durable);
    absl::Status st = RunTask(t);
    if (t.batch) recycle_(t.batch);
    {
      std::lock_guard<std::mutex> l(mu_);
      busy_ = false;
      if (!st.ok()) {
        failure_ = st;
        failed_.store(true);
      }
    }
    {
      std::lock_guard<std::mutex> l(stats_mu_);
      stats_copy_ = worker_.stats();
    }
    records_.store(worker_.stats().records, std::memory_order_relaxed);
  }
}

absl::Status WorkerThread::Produce(const DeferredRecord& r) {
  // Exercise runs: every output record says so in a header too (documents carry the tag).
  kk::RecordHeader hdrs[3] = {{"kizashi.id", r.id}, {"kizashi.revision", r.revision},
                              {"kizashi.exercise", "true"}};
  size_t n = r.id.empty() ? 0 : 2;
  if (r.exercise && n == 0) {
    hdrs[0] = hdrs[2];
    n = 1;
  } else if (r.exercise) {
    n = 3;
  }
  std::string_view v(r.value);
  return routes_->producer->Produce(r.topic, r.partition, r.key, r.tombstone ? nullptr : &v,
                                    hdrs, n, r.changelog);
}

absl::Status WorkerThread::FlushDeferred() {
  for (const auto& r : deferred_) KZ_RETURN_IF_ERROR(Produce(r));
  deferred_.clear();
  return absl::OkStatus();
}

absl::Status WorkerThread::Send(DeferredRecord&& r) {
  if (!routes_->open->load(std::memory_order_acquire)) {
    deferred_.push_back(std::move(r));
    return absl::OkStatus();
  }
  if (!deferred_.empty()) KZ_RETURN_IF_ERROR(FlushDeferred());
  return Produce(r);
}

absl::Status WorkerThread::Emit(int32_t partition) {
  for (auto& o : outputs_) {
    auto it = routes_->topics.find(o.destination);
    if (it != routes_->topics.end()) {
      DeferredRecord r;
      r.topic = it->second;
      r.key = o.operator_id;
      r.value = std::move(o.json);
      r.exercise = config_.route.exercise;
      if (!o.document_id.empty()) {
        r.id = o.document_id;
        r.revision = StrCat(o.revision);
      }
      KZ_RETURN_IF_ERROR(Send(std::move(r)));
    } else if (routes_->local != nullptr) {
      std::lock_guard<std::mutex> l(*routes_->local_mu);
      KZ_RETURN_IF_ERROR(routes_->local->Write(o));
    } else {
      processing_failure_.store(true);
      return absl::FailedPreconditionError(
          StrCat("destination '", o.destination, "' is not configured"));
    }
    if (o.kind == route::DocKind::kObservation) {
      if (!o.document_id.empty()) counters_.observations.fetch_add(1, std::memory_order_relaxed);
    } else {
      counters_.notifications.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (!routes_->changelog_inline) return absl::OkStatus();
  for (const auto& op : delta_.ops()) {
    DeferredRecord r;
    r.topic = routes_->changelog;
    r.partition = partition;
    r.changelog = true;
    r.key = kk::ChangelogKey(op.cf, op.key);
    r.tombstone = op.del;
    if (!op.del) r.value = op.value;
    KZ_RETURN_IF_ERROR(Send(std::move(r)));
  }
  return absl::OkStatus();
}

absl::Status WorkerThread::EmitInternal() {
  for (const auto& rec : worker_.internal()) {
    DeferredRecord r;
    if (rec.topic == InternalRecord::kCampaignSighting) {
      r.topic = routes_->campaign_repartition;
      r.partition = campaign::CampaignPartition(rec.key, routes_->campaign_partitions);
    } else {
      r.topic = routes_->campaign_findings;
      r.partition = rec.partition;
    }
    if (r.topic == nullptr) {
      processing_failure_.store(true);
      return absl::InternalError("campaign record without a campaign topic (campaign.enabled "
                                 "changed without a restart?)");
    }
    if (r.partition < 0 || r.partition >= routes_->campaign_partitions) {
      // A sighting named a partition the inputs do not have (a corrupt record, or the inputs
      // were repartitioned): its finding has nowhere to go. Dropped and counted, never fatal —
      // stopping would only replay the same record.
      campaign_dropped_.fetch_add(1, std::memory_order_relaxed);
      KZ_LOG_EVERY(kWarn, "campaign.finding_dropped", 5)
          .Kv("partition", r.partition)
          .Kv("partitions", routes_->campaign_partitions);
      continue;
    }
    r.key = rec.key;
    r.value = rec.value;
    r.exercise = config_.route.exercise;
    KZ_RETURN_IF_ERROR(Send(std::move(r)));
  }
  return absl::OkStatus();
}

absl::Status WorkerThread::RunTask(Task& t) {
  outputs_.clear();
  delta_.Clear();
  // The task pins the snapshot in service now; a reload takes effect at the next task.
  std::shared_ptr<const Snapshot> snap = holder_->Get();
  BatchTiming timing;
  timing.started_ns = MonotonicNowNs();
  absl::Status st;
  if (t.kind == Task::kBatch) {
    st = worker_.Process(*t.batch, *snap, &outputs_, &delta_);
  } else if (t.kind == Task::kCampaignSightings || t.kind == Task::kCampaignFindings) {
    st = t.kind == Task::kCampaignSightings
             ? worker_.ObserveSightings(t.partition, t.records, *snap, &outputs_, &delta_)
             : worker_.ApplyFindings(t.partition, t.records, *snap, &outputs_, &delta_);
    // The unit ends with the partition's position record (the changelog restore boundary):
    // the internal topics' offsets are part of it.
    if (st.ok()) {
      delta_.Put(state::Cf::kPositions, PositionKey(t.partition),
                 EncodeKafkaResume(t.next_offsets));
    }
  } else {
    auto wm = worker_.Watermark(t.partition);
    if (!wm.ok()) {
      st = wm.status();
    } else if (*wm != INT64_MIN) {
      st = worker_.AdvanceWatermark(t.partition, *wm + t.advance_by_ns, *snap, &outputs_,
                                    &delta_);
      // Every unit in the changelog ends with the partition's position record (the
      // restore boundary), even when the input did not move.
      if (st.ok() && !delta_.empty()) {
        delta_.Put(state::Cf::kPositions, PositionKey(t.partition),
                   EncodeKafkaResume(t.next_offsets));
      }
    }
  }
  if (st.ok()) st = CheckExercise(config_, &outputs_);
  if (!st.ok()) {
    processing_failure_.store(true);
    return st;
  }
  timing.processed_ns = MonotonicNowNs();
  if (config_.ledger.enabled && !outputs_.empty()) {
    for (auto& e : LedgerEntries(config_, outputs_, SystemClock::Get()->NowNs())) {
      e.partition = t.partition;  // its ledger-topic partition and hash chain
      pending_ledger_.push_back(std::move(e));
    }
  }
  KZ_RETURN_IF_ERROR(Emit(t.partition));
  KZ_RETURN_IF_ERROR(EmitInternal());
  if (probe_ != nullptr && t.kind == Task::kBatch) {
    // Outputs are handed to the producer here; they commit with the next commit interval, so
    // "written" and "committed" are this moment (kafka.commit_interval bounds the rest).
    timing.written_ns = timing.committed_ns = MonotonicNowNs();
    timing.committed_wall_ns = SystemClock::Get()->NowNs();
    probe_->OnBatch(*t.batch, outputs_, *snap, worker_, timing);
  }
  for (auto& op : delta_.ops()) {
    if (op.del) pending_.Delete(op.cf, op.key);
    else pending_.Put(op.cf, op.key, op.value);
  }
  pending_offsets_[t.partition] = std::move(t.next_offsets);
  return absl::OkStatus();
}

}  // namespace kizashi::runtime::kafka_internal
