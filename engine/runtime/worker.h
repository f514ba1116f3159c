// Worker: runs the pipeline stages over one batch at a time —
//   decode -> enrich -> match -> correlate -> classify -> route
// — against the snapshot pinned for that batch, and produces the batch's output documents and
// state delta. Processing is a pure function of (partition state, batch, snapshot): the same
// input gives the same outputs whatever the batch sizes or restart points.
//
// Ownership: one Worker per worker thread. It owns its decoders, its Hyperscan scratch (via
// the Matcher) and the correlation state of the partitions assigned to it. Thread contract:
// single thread; partitions are never shared between workers.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/advisory/advisory.h"
#include "engine/campaign/campaign.h"
#include "engine/classify/verdict.h"
#include "engine/correlate/correlator.h"
#include "engine/decode/decoder.h"
#include "engine/docsign/docsign.h"
#include "engine/enrich/enricher.h"
#include "engine/evidence/evidence.h"
#include "engine/match/matcher.h"
#include "engine/route/router.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/snapshot.h"
#include "engine/state/state_store.h"

namespace kizashi::runtime {

// Per-worker counters; read by the metrics exporter (summed over workers at scrape time).
struct WorkerStats {
  uint64_t batches = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t events = 0;
  std::array<uint64_t, static_cast<size_t>(DeadLetterReason::kCount)> dead_letters{};
  uint64_t late = 0;
  uint64_t matches = 0;
  uint64_t events_matched = 0;
  uint64_t revisions = 0;
  uint64_t reportable = 0;
  uint64_t not_reportable = 0;
  uint64_t outputs = 0;

  WorkerStats& operator+=(const WorkerStats& o) {
    batches += o.batches;
    records += o.records;
    bytes += o.bytes;
    events += o.events;
    for (size_t i = 0; i < dead_letters.size(); ++i) dead_letters[i] += o.dead_letters[i];
    late += o.late;
    matches += o.matches;
    events_matched += o.events_matched;
    revisions += o.revisions;
    reportable += o.reportable;
    not_reportable += o.not_reportable;
    outputs += o.outputs;
    return *this;
  }
};

// What the last Process/AdvanceWatermark call did, for metrics (PipelineProbe). Pointers
// stay valid until the next call. Filled without allocation once the vector has grown.
struct BatchFacts {
  struct Revision {
    const correlate::Incident* incident = nullptr;
    classify::Category category = classify::Category::kNone;
    bool reportable = false;
  };
  std::vector<Revision> revisions;
  // Events out of the decoders (before enrichment dead-letters unknown operators).
  uint64_t decoded_events = 0;
  // Monotonic time spent per stage; `correlate` includes classify and route, whose share
  // (verdicts, routing and rendering of the batch's revisions) is `classify_route_ns`.
  int64_t decode_ns = 0, enrich_ns = 0, match_ns = 0, correlate_ns = 0;
  int64_t classify_route_ns = 0;
};

// A record for one of the engine's internal Kafka topics (campaigns in Kafka mode), produced
// in the same transaction as the task's outputs. Not a disclosure: it never leaves the
// engine's own topics, like the changelog.
struct InternalRecord {
  enum Topic { kCampaignSighting, kCampaignFinding };
  Topic topic = kCampaignSighting;
  // kCampaignFinding: the partition owning the operator's input; kCampaignSighting: -1, the
  // producer derives it from the key (campaign::CampaignPartition).
  int32_t partition = -1;
  std::string key;
  std::string value;
};

class Worker {
 public:
  Worker(const EngineConfig& config, state::StateStore* store,
         std::set<std::string> destinations);

  // Kafka mode, before Init: with campaign.enabled, incidents are not fed to a local
  // campaign stage but become sightings (internal()) for the repartition topic; the campaign
  // tasks (ObserveSightings) and the return path (ApplyFindings) run per partition.
  void UseCampaignRepartition() { campaign_repartition_ = true; }

  // Creates one decoder per configured input, the document signer (signing.key) and the
  // campaign stage (campaign.enabled; its state is loaded from the store).
  absl::Status Init();

  // Processes `batch` against `snap`: appends output documents to `outputs` and the state
  // changes (including the batch's resume position) to `delta`. Errors are internal failures
  // (e.g. a destination that cannot be resolved): the caller must hold the partition.
  absl::Status Process(Batch& batch, const Snapshot& snap, std::vector<route::Output>* outputs,
                       state::StateDelta* delta);

  // Advances a partition's watermark (idle timeout) and emits what that closes.
  absl::Status AdvanceWatermark(int32_t partition, int64_t watermark_ns, const Snapshot& snap,
                                std::vector<route::Output>* outputs, state::StateDelta* delta);

  // The runtime committed every delta this worker produced so far: correlators may now read
  // keys they evicted back from the store (until then they keep them in memory).
  void Committed() {
    for (auto& [p, pc] : partitions_) pc->Committed();
  }
  // Asynchronous commits (Kafka runner): HandOver closes the current epoch — every delta
  // produced so far goes into one commit — and returns it; once that commit is durable,
  // CommittedThrough(it) lets the correlators drop what they kept in memory for it.
  uint64_t HandOver() {
    uint64_t closed = epoch_++;
    for (auto& [p, pc] : partitions_) pc->SetEpoch(epoch_);
    return closed;
  }
  void CommittedThrough(uint64_t epoch) {
    for (auto& [p, pc] : partitions_) pc->CommittedThrough(epoch);
  }

  // The watermark an idle partition should advance to at processing time `now_ns`
  // (INT64_MIN: not idle, or not loaded). See PartitionCorrelator::IdleWatermark.
  int64_t IdleWatermark(int32_t partition, int64_t now_ns) const {
    auto it = partitions_.find(partition);
    return it == partitions_.end() ? INT64_MIN : it->second->IdleWatermark(now_ns);
  }

  // The stored resume position of `partition` (empty if none).
  absl::StatusOr<std::string> StoredPosition(int32_t partition) const;

  // Loads a partition's state now rather than at its first batch, so that readiness can say
  // "state restored" truthfully.
  absl::Status Restore(int32_t partition) { return Partition(partition).status(); }

  // Kafka-mode campaigns. ObserveSightings: the campaign task of repartition partition
  // `partition` consumes sightings (campaign views to `outputs`, findings to internal(),
  // its state to `delta`). ApplyFindings: input partition `partition` consumes findings for
  // its operators (their counts of other operators, kept in its state, and "campaign"
  // revisions of the incidents named). Undecodable records are skipped and counted
  // (campaign_bad_records), never fatal.
  absl::Status ObserveSightings(int32_t partition, const std::vector<std::string>& records,
                                const Snapshot& snap, std::vector<route::Output>* outputs,
                                state::StateDelta* delta);
  absl::Status ApplyFindings(int32_t partition, const std::vector<std::string>& records,
                             const Snapshot& snap, std::vector<route::Output>* outputs,
                             state::StateDelta* delta);
  // Internal-topic records of the last Process/AdvanceWatermark/ObserveSightings/
  // ApplyFindings call (cleared at the start of each).
  const std::vector<InternalRecord>& internal() const { return internal_; }
  uint64_t campaign_bad_records() const { return campaign_bad_records_; }

  // Drops a partition's in-memory state (partition revoked).
  void Release(int32_t partition) {
    partitions_.erase(partition);
    campaign_tasks_.erase(partition);
    campaign_counts_.erase(partition);
  }

  // The event-time watermark of `partition` (loading its state if needed); INT64_MIN before
  // its first event. The Kafka runner advances idle partitions from it.
  absl::StatusOr<int64_t> Watermark(int32_t partition);

  const WorkerStats& stats() const { return stats_; }
  // Correlation counters and gauges summed over this worker's partitions (O(keys): call
  // rarely, e.g. at the end of a run or on a metrics scrape).
  correlate::CorrelatorStats correlator_stats() const {
    correlate::CorrelatorStats sum;
    for (const auto& [p, pc] : partitions_) {
      correlate::CorrelatorStats s = pc->stats();
      sum.events += s.events;
      sum.rule_evaluations += s.rule_evaluations;
      sum.keys_created += s.keys_created;
      sum.keys_expired += s.keys_expired;
      sum.evictions += s.evictions;
      sum.faults += s.faults;
      sum.fault_misses += s.fault_misses;
      sum.hot_keys += s.hot_keys;
      sum.cold_keys += s.cold_keys;
      sum.open_incidents += s.open_incidents;
      sum.memory_bytes += s.memory_bytes;
    }
    return sum;
  }
  const BatchFacts& last_batch() const { return facts_; }
  // Scan counters (candidates, confirmations, matches) since construction (benchmarks).
  const match::Matcher& matcher() const { return matcher_; }
  size_t live_keys() const;

 private:
  absl::StatusOr<correlate::PartitionCorrelator*> Partition(int32_t p);
  absl::Status Emit(correlate::PartitionCorrelator& pc, const correlate::CorrelateOutput& co,
                    const Batch* batch, const Snapshot& snap, std::vector<route::Output>* outputs,
                    state::StateDelta* delta);
  // After routing one revision (outputs[first..]): campaign count, advisories, campaign
  // views, signatures (docs/information-handling.md).
  absl::Status Disclose(const correlate::Incident& inc, const classify::Verdict& v,
                        size_t first, const Snapshot& snap,
                        std::vector<route::Output>* outputs,
                        std::vector<campaign::ReviseRequest>* revise, state::StateDelta* delta);

  const EngineConfig& config_;
  state::StateStore* store_;
  std::set<std::string> destinations_;
  std::vector<std::unique_ptr<decode::Decoder>> decoders_;
  enrich::Enricher enricher_;
  match::Matcher matcher_;
  classify::Classifier classifier_;
  route::Router router_;
  evidence::EvidenceRecorder evidence_;
  advisory::Advisor advisor_;
  std::unique_ptr<campaign::CampaignStage> campaign_;   // file mode, campaign.enabled
  // Kafka-mode campaigns (UseCampaignRepartition): the pseudonym key; per owned partition
  // the campaign task of the repartition topic, and the counts of other operators learnt
  // from findings ("operator|key" -> count), both loaded from the store on first use.
  bool campaign_repartition_ = false;
  std::string campaign_key_;
  std::map<int32_t, std::unique_ptr<campaign::CampaignStage>> campaign_tasks_;
  std::map<int32_t, std::map<std::string, uint32_t>> campaign_counts_;
  std::vector<InternalRecord> internal_;
  uint64_t campaign_bad_records_ = 0;
  absl::StatusOr<campaign::CampaignStage*> CampaignTask(int32_t partition);
  absl::StatusOr<std::map<std::string, uint32_t>*> CampaignCounts(int32_t partition);
  std::unique_ptr<docsign::DocumentSigner> signer_;     // null unless signing.key
  std::vector<route::Output> campaign_out_;             // reused per revision
  std::deque<correlate::Incident> campaign_revisions_;  // stable addresses for BatchFacts
  std::map<int32_t, std::unique_ptr<correlate::PartitionCorrelator>> partitions_;
  uint64_t epoch_ = 0;  // see HandOver
  correlate::CorrelateOutput co_;  // reused per batch
  WorkerStats stats_;
  BatchFacts facts_;  // reused per batch
};

// Key of a partition's resume position in the positions column family.
std::string PositionKey(int32_t partition);

}  // namespace kizashi::runtime
