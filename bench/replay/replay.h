// Replay: recorded traffic through the in-process pipeline, the production code path —
// runtime::Worker (decode -> enrich -> match -> correlate -> classify -> route) against a
// snapshot built by runtime::BuildSnapshot, outputs written and flushed through the
// configured SinkSet, state deltas committed to a fresh RocksDB state store — batch by batch
// exactly as runtime::FileRunner does, with two differences that a benchmark needs:
//
//   * the corpus is read once into memory (Corpus, in the merged order FileSource gives),
//     so disk reads are not measured and each run of a sweep replays identical bytes;
//   * records are released open-loop at a target rate: record i is *intended* to arrive at
//     t0 + i / rate, the worker takes whatever has arrived (up to batch_max_records per
//     partition), and each record's latency is measured from its intended arrival to the
//     commit of its batch. When the pipeline falls behind, the wait of the records queued
//     behind it counts in their latency — the correction for coordinated omission (a
//     closed-loop driver would silently send less). rate = 0 replays as fast as possible
//     (the maximum throughput; latencies are then meaningless and not reported).
//
// Quality: when labels are given, every incident revision is traced to the labelled records
// it cites as evidence (Incident::evidence: input name + line) and scored (quality.h).
//
// Ownership: Corpus is an immutable value shared by the runs of a sweep. Thread contract:
// Replay runs on the calling thread; a progress callback is called on it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/replay/latency_histogram.h"
#include "bench/replay/quality.h"
#include "engine/runtime/engine_config.h"

namespace kizashi::bench {

// The records of every file input of a configuration, in memory.
struct Corpus {
  struct Rec {
    uint64_t offset = 0;  // into bytes
    uint32_t size = 0;
    uint16_t input = 0;   // configured input index (selects the decoder)
    uint16_t source = 0;  // index into its partition's source names
    int32_t partition = 0;
    int64_t line = 0;     // 1-based line in its file (evidence cites it)
  };
  std::string bytes;
  std::vector<Rec> records;  // global replay order: partitions merged by progress
  std::map<int32_t, std::vector<std::string>> sources;  // per partition: input names
  struct File {
    std::string input, path, format;
    uint64_t records = 0, bytes = 0;
  };
  std::vector<File> files;

  // Reads every file input of `config` through connectors::FileSource (same record order,
  // line cutting and blank-line skipping as `kizashi run`). `limit` > 0 keeps the first
  // `limit` records of the merged order.
  static absl::StatusOr<std::shared_ptr<const Corpus>> Load(const runtime::EngineConfig& config,
                                                            uint64_t limit);
};

struct StageNs {
  // `correlate` is the correlator alone; `classify_route` the verdicts, routing and document
  // rendering of the revisions (runtime::BatchFacts).
  int64_t decode = 0, enrich = 0, match = 0, correlate = 0, classify_route = 0, sink = 0, commit = 0;
};

struct RunResult {
  double offered_rate = 0;   // records/s asked for (0 = as fast as possible)
  uint64_t records = 0, bytes = 0, events = 0, dead_letters = 0;
  uint64_t batches = 0;
  double seconds = 0;         // first intended arrival (or start) to the last commit
  double records_per_s = 0, mb_per_s = 0;
  StageNs stages;             // summed over batches
  LatencyHistogram latency;   // intended arrival -> batch committed (paced runs only)
  uint64_t peak_rss_bytes = 0;
  uint64_t notifications = 0, observations = 0, revisions = 0, reportable_revisions = 0;
  uint64_t candidates = 0, confirmed = 0, matches = 0, events_matched = 0;
  Quality quality;            // filled when labels were given
  bool has_quality = false;
  // With ReplayOptions::collect_documents: every notification-bearing output document as
  // "destination|notification id|revision", sorted — what a reader of the destinations sees
  // (the closing revisions of the quality pass are not part of it).
  std::vector<std::string> documents;
  uint64_t late = 0, dead_letter_documents = 0;  // documents sent to those destinations
};

struct ReplayOptions {
  double rate = 0;            // records/s; 0 = unpaced
  uint64_t max_records = 0;   // replay only the first N records of the corpus (0 = all)
  std::string work_dir;       // state and outputs go here (wiped per run)
  const Labels* labels = nullptr;
  bool collect_documents = false;
  // Called about every 100 ms with (records done, records total).
  std::function<void(uint64_t, uint64_t)> progress;
};

// Runs the corpus once through a fresh pipeline built from `config` (its state directory and
// destinations are redirected into options.work_dir: stdout and file destinations become
// files there).
absl::StatusOr<RunResult> Replay(const runtime::EngineConfig& config, const Corpus& corpus,
                                 const ReplayOptions& options);

// Peak resident set size of this process since the last ResetPeakRss (VmHWM), in bytes.
uint64_t PeakRssBytes();
void ResetPeakRss();

}  // namespace kizashi::bench
