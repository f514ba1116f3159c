// PipelineProbe: the pipeline's metrics, declared in one place.
//
//   kizashi_batches_total                                    batches committed
//   kizashi_records_consumed_total{input}                    raw records read
//   kizashi_consumed_bytes_total{input}                      their bytes
//   kizashi_events_decoded_total                             records turned into events
//   kizashi_dead_letters_total{reason}                       records dead-lettered
//   kizashi_late_events_total                                events behind the watermark
//   kizashi_events_matched_total                             events with >= 1 pattern match
//   kizashi_pattern_matches_total{pack,kind}                 matches by pack and entry kind
//   kizashi_incident_revisions_total{sector,change,verdict}  change: opened|updated|closed;
//                                                            verdict: Annex 3 category or
//                                                            not_reportable
//   kizashi_outputs_total{destination,kind}                  documents written; kind:
//                                                            notification|escalation|observation
//   kizashi_destination_up{destination}                      1 if the last write+flush worked
//   kizashi_sink_errors_total{destination}                   failed writes or flushes
//   kizashi_stage_duration_seconds{stage}                    per batch: decode, enrich, match,
//                                                            correlate (+classify, route),
//                                                            sink (write + flush), commit
//   kizashi_batch_duration_seconds                           per batch, poll to commit
//   kizashi_end_to_end_latency_seconds                       per batch: commit time minus the
//                                                            oldest record's source timestamp
//                                                            (Kafka record time; read time for
//                                                            files) — an upper bound for the
//                                                            batch's records
//   kizashi_batch_records                                    records per batch
//
// Workers never touch prometheus-cpp. Each worker thread gets a Worker block of lock-free
// cells (telemetry/local_metrics.h) that its runner updates once per committed batch
// (OnBatch); a scrape hook sums every block into the families. Per batch the update walks the
// batch's records, matches, revisions and outputs once, without allocating (label keys reuse
// one buffer; a new label tuple allocates its cell once).
//
// Ownership: the app owns one PipelineProbe for the process lifetime and hands it to the
// runner, so counters survive a runner's end (file mode's linger) and never reset. Thread
// contract: AddWorker and the destination methods from any thread; a Worker block's OnBatch
// only from that worker's thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event/batch.h"
#include "engine/route/router.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/snapshot.h"
#include "engine/runtime/worker.h"
#include "engine/telemetry/counter_map.h"
#include "engine/telemetry/local_metrics.h"
#include "engine/telemetry/metrics.h"

namespace prometheus {
template <typename T>
class Family;
class Gauge;
}  // namespace prometheus

namespace kizashi::runtime {

// Monotonic timestamps of one batch's steps, and the wall clock at commit.
struct BatchTiming {
  int64_t started_ns = 0;    // before the source poll
  int64_t processed_ns = 0;  // after Worker::Process
  int64_t written_ns = 0;    // after the sinks' writes and flush
  int64_t committed_ns = 0;  // after the state commit
  int64_t committed_wall_ns = 0;
};

class PipelineProbe {
 public:
  enum Stage { kDecode = 0, kEnrich, kMatch, kCorrelate, kSink, kCommit, kStageCount };
  static constexpr size_t kKinds = 5;  // route::DocKind values

  class Worker {
   public:
    // Once per committed batch, on the worker's thread.
    void OnBatch(const Batch& batch, const std::vector<route::Output>& outputs,
                 const Snapshot& snap, const runtime::Worker& worker, const BatchTiming& t);

   private:
    friend class PipelineProbe;
    explicit Worker(const PipelineProbe& probe);

    const PipelineProbe& probe_;
    telemetry::LocalCounter batches_, events_, late_, events_matched_;
    std::vector<telemetry::LocalCounter> records_, bytes_;  // by input
    std::vector<telemetry::LocalCounter> dead_letters_;     // by DeadLetterReason
    std::vector<telemetry::LocalCounter> outputs_;          // by destination * kKinds + kind
    telemetry::LocalCounterMap matches_{2};                 // pack, kind
    telemetry::LocalCounterMap revisions_{3};               // sector, change, verdict
    std::deque<telemetry::LocalHistogram> stages_;  // by Stage (deque: cells do not move)
    telemetry::LocalHistogram batch_duration_;
    telemetry::LocalHistogram end_to_end_;
    telemetry::LocalHistogram batch_records_;
    // matches_ cells per entry of the pattern set with this serial.
    uint64_t entries_serial_ = 0;
    std::vector<telemetry::LocalCounter*> by_entry_;
    std::string key_;  // reused label key
  };

  PipelineProbe(telemetry::Metrics& metrics, const EngineConfig& config);
  ~PipelineProbe();
  PipelineProbe(const PipelineProbe&) = delete;
  PipelineProbe& operator=(const PipelineProbe&) = delete;

  // A block of cells for one worker thread, owned by the probe.
  Worker* AddWorker();

  // Sink results (any thread; prometheus-cpp gauges and counters are atomic).
  void SetDestinationUp(std::string_view destination, bool up);
  void CountSinkError(std::string_view destination);

 private:
  void Collect();  // scrape hook

  struct Families;
  std::unique_ptr<Families> f_;
  std::vector<std::string> inputs_;
  std::vector<std::string> destinations_;
  std::map<std::string, size_t, std::less<>> destination_index_;
  std::mutex mu_;  // guards workers_' structure
  std::deque<std::unique_ptr<Worker>> workers_;
  telemetry::ScrapeHook hook_;
};

}  // namespace kizashi::runtime
