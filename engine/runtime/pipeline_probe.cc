#include "engine/runtime/pipeline_probe.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>

#include "engine/classify/verdict.h"
#include "engine/common/strings.h"
#include "patterns/pack/pack.h"

namespace kizashi::runtime {

namespace {

constexpr const char* kStageNames[] = {"decode", "enrich", "match", "correlate", "sink", "commit"};
constexpr route::DocKind kKindValues[] = {route::DocKind::kNotification,
                                          route::DocKind::kEscalation,
                                          route::DocKind::kObservation,
                                          route::DocKind::kAdvisory,
                                          route::DocKind::kCampaign};

double Seconds(int64_t ns) { return ns <= 0 ? 0.0 : static_cast<double>(ns) / 1e9; }

std::string_view ChangeLabel(std::string_view change) {
  if (change == "opened") return "opened";
  if (change == "closed") return "closed";
  return "updated";
}

}  // namespace

// Every family and its exports; only the scrape hook touches the exports.
struct PipelineProbe::Families {
  prometheus::Family<prometheus::Counter>* batches;
  prometheus::Family<prometheus::Counter>* records;
  prometheus::Family<prometheus::Counter>* bytes;
  prometheus::Family<prometheus::Counter>* events;
  prometheus::Family<prometheus::Counter>* dead_letters;
  prometheus::Family<prometheus::Counter>* late;
  prometheus::Family<prometheus::Counter>* matched;
  prometheus::Family<prometheus::Counter>* matches;
  prometheus::Family<prometheus::Counter>* revisions;
  prometheus::Family<prometheus::Counter>* outputs;
  prometheus::Family<prometheus::Gauge>* destination_up;
  prometheus::Family<prometheus::Counter>* sink_errors;
  prometheus::Family<prometheus::Histogram>* stage;
  prometheus::Family<prometheus::Histogram>* batch_duration;
  prometheus::Family<prometheus::Histogram>* end_to_end;
  prometheus::Family<prometheus::Histogram>* batch_records;

  std::unique_ptr<telemetry::CounterExport> batches_x, events_x, late_x, matched_x;
  std::vector<telemetry::CounterExport> records_x, bytes_x, dead_letters_x, outputs_x;
  std::map<std::string, telemetry::CounterExport, std::less<>> matches_x, revisions_x;
  std::vector<telemetry::HistogramExport> stage_x;
  std::unique_ptr<telemetry::HistogramExport> batch_duration_x, end_to_end_x, batch_records_x;
  std::vector<prometheus::Gauge*> up;
  std::vector<prometheus::Counter*> errors;
};

PipelineProbe::Worker::Worker(const PipelineProbe& probe)
    : probe_(probe),
      records_(probe.inputs_.size()),
      bytes_(probe.inputs_.size()),
      dead_letters_(static_cast<size_t>(DeadLetterReason::kCount)),
      outputs_(probe.destinations_.size() * kKinds),
      batch_duration_(&telemetry::DurationBuckets()),
      end_to_end_(&telemetry::DurationBuckets()),
      batch_records_(&telemetry::BatchSizeBuckets()) {
  for (size_t i = 0; i < kStageCount; ++i) stages_.emplace_back(&telemetry::DurationBuckets());
}

void PipelineProbe::Worker::OnBatch(const Batch& batch, const std::vector<route::Output>& outputs,
                                    const Snapshot& snap, const runtime::Worker& worker,
                                    const BatchTiming& t) {
  // Cumulative worker counters: mirrored.
  const WorkerStats& s = worker.stats();
  batches_.Set(s.batches);
  events_.Add(worker.last_batch().decoded_events);
  late_.Set(s.late);
  events_matched_.Set(s.events_matched);
  for (size_t i = 0; i < dead_letters_.size(); ++i) dead_letters_[i].Set(s.dead_letters[i]);

  // Records and bytes by input; the oldest source timestamp for the end-to-end latency.
  int64_t oldest = INT64_MAX;
  for (const RawRecord& r : batch.records) {
    if (r.input < records_.size()) {
      records_[r.input].Add(1);
      bytes_[r.input].Add(r.value.size());
    }
    if (r.timestamp_ns > 0) oldest = std::min(oldest, r.timestamp_ns);
  }

  // Matches by (pack, kind): the cell of every entry is resolved once per pattern set.
  if (snap.patterns != nullptr) {
    const auto& entries = snap.patterns->entries();
    if (snap.patterns->serial() != entries_serial_ || by_entry_.size() != entries.size()) {
      entries_serial_ = snap.patterns->serial();
      by_entry_.resize(entries.size());
      for (size_t i = 0; i < entries.size(); ++i) {
        telemetry::JoinLabels({entries[i].pack_id, patterns::EntryKindName(entries[i].kind)},
                              &key_);
        by_entry_[i] = matches_.Find(key_);
      }
    }
    for (const Match& m : batch.matches) {
      if (m.entry < by_entry_.size()) by_entry_[m.entry]->Add(1);
    }
  }

  // Incident revisions by (sector, change, verdict).
  for (const auto& rev : worker.last_batch().revisions) {
    std::string_view sector = "unknown";
    if (snap.registry != nullptr) {
      uint32_t op = snap.registry->FindOperator(rev.incident->operator_id);
      if (op != kNone && op < snap.registry->operators().size()) {
        sector = snap.registry->operators()[op].sector;
      }
    }
    std::string_view verdict =
        rev.reportable ? classify::CategoryName(rev.category) : std::string_view("not_reportable");
    telemetry::JoinLabels({sector, ChangeLabel(rev.incident->change), verdict}, &key_);
    revisions_.Find(key_)->Add(1);
  }

  // Outputs by (destination, kind).
  for (const route::Output& o : outputs) {
    auto it = probe_.destination_index_.find(o.destination);
    size_t kind = static_cast<size_t>(o.kind);
    if (it != probe_.destination_index_.end() && kind < kKinds) {
      outputs_[it->second * kKinds + kind].Add(1);
    }
  }

  const BatchFacts& f = worker.last_batch();
  stages_[kDecode].Observe(Seconds(f.decode_ns));
  stages_[kEnrich].Observe(Seconds(f.enrich_ns));
  stages_[kMatch].Observe(Seconds(f.match_ns));
  stages_[kCorrelate].Observe(Seconds(f.correlate_ns));
  stages_[kSink].Observe(Seconds(t.written_ns - t.processed_ns));
  stages_[kCommit].Observe(Seconds(t.committed_ns - t.written_ns));
  batch_duration_.Observe(Seconds(t.committed_ns - t.started_ns));
  if (oldest != INT64_MAX) end_to_end_.Observe(Seconds(t.committed_wall_ns - oldest));
  batch_records_.Observe(static_cast<double>(batch.records.size()));
}

PipelineProbe::PipelineProbe(telemetry::Metrics& metrics, const EngineConfig& config)
    : f_(std::make_unique<Families>()) {
  for (const auto& in : config.inputs) inputs_.push_back(in.name);
  for (size_t i = 0; i < config.destinations.size(); ++i) {
    destinations_.push_back(config.destinations[i].name);
    destination_index_.emplace(config.destinations[i].name, i);
  }
  auto& reg = metrics.registry();
  auto counter = [&](const char* name, const char* help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Register(reg);
  };
  auto histogram = [&](const char* name, const char* help) {
    return &prometheus::BuildHistogram().Name(name).Help(help).Register(reg);
  };
  Families& f = *f_;
  f.batches = counter("kizashi_batches_total", "Batches processed and committed.");
  f.records = counter("kizashi_records_consumed_total", "Raw records read, by input.");
  f.bytes = counter("kizashi_consumed_bytes_total", "Bytes of raw records read, by input.");
  f.events = counter("kizashi_events_decoded_total",
                     "Records decoded into events (before enrichment, which dead-letters "
                     "events of operators not in the registry).");
  f.dead_letters = counter("kizashi_dead_letters_total",
                           "Records or events sent to the dead-letter destination, by reason.");
  f.late = counter("kizashi_late_events_total",
                   "Events older than the partition watermark, sent to the late destination.");
  f.matched = counter("kizashi_events_matched_total", "Events with at least one pattern match.");
  f.matches = counter("kizashi_pattern_matches_total",
                      "Pattern matches, by pack and entry kind.");
  f.revisions = counter("kizashi_incident_revisions_total",
                        "Incident revisions, by operator sector, change (opened, updated, "
                        "closed) and verdict (Annex 3 category, or not_reportable).");
  f.outputs = counter("kizashi_outputs_total",
                      "Documents written, by destination and kind (notification, escalation, "
                      "observation).");
  f.destination_up = &prometheus::BuildGauge()
                          .Name("kizashi_destination_up")
                          .Help("1 when the last write and flush to the destination succeeded.")
                          .Register(reg);
  f.sink_errors = counter("kizashi_sink_errors_total",
                          "Failed writes or flushes, by destination.");
  f.stage = histogram("kizashi_stage_duration_seconds",
                      "Time a batch spends in each stage (decode, enrich, match, correlate "
                      "including classify and route, sink write and flush, state commit).");
  f.batch_duration = histogram("kizashi_batch_duration_seconds",
                               "Time from polling a batch to committing it.");
  f.end_to_end = histogram("kizashi_end_to_end_latency_seconds",
                           "Per batch: commit time minus the oldest record's source timestamp "
                           "(Kafka record time, or read time for files).");
  f.batch_records = histogram("kizashi_batch_records", "Records per batch.");

  // Every fixed label set is created now, so dashboards and alerts see zeros, not gaps.
  f.batches_x = std::make_unique<telemetry::CounterExport>(&f.batches->Add({}));
  f.events_x = std::make_unique<telemetry::CounterExport>(&f.events->Add({}));
  f.late_x = std::make_unique<telemetry::CounterExport>(&f.late->Add({}));
  f.matched_x = std::make_unique<telemetry::CounterExport>(&f.matched->Add({}));
  for (const auto& in : inputs_) {
    f.records_x.emplace_back(&f.records->Add({{"input", in}}));
    f.bytes_x.emplace_back(&f.bytes->Add({{"input", in}}));
  }
  for (size_t r = 0; r < static_cast<size_t>(DeadLetterReason::kCount); ++r) {
    f.dead_letters_x.emplace_back(&f.dead_letters->Add(
        {{"reason", std::string(DeadLetterReasonName(static_cast<DeadLetterReason>(r)))}}));
  }
  for (const auto& d : destinations_) {
    for (route::DocKind k : kKindValues) {
      f.outputs_x.emplace_back(
          &f.outputs->Add({{"destination", d}, {"kind", std::string(route::DocKindName(k))}}));
    }
    f.up.push_back(&f.destination_up->Add({{"destination", d}}));
    f.up.back()->Set(1);
    f.errors.push_back(&f.sink_errors->Add({{"destination", d}}));
  }
  const auto& dur = telemetry::DurationBuckets();
  for (const char* stage : kStageNames) {
    f.stage_x.emplace_back(&f.stage->Add({{"stage", stage}}, dur), &dur);
  }
  f.batch_duration_x =
      std::make_unique<telemetry::HistogramExport>(&f.batch_duration->Add({}, dur), &dur);
  f.end_to_end_x = std::make_unique<telemetry::HistogramExport>(&f.end_to_end->Add({}, dur), &dur);
  const auto& sizes = telemetry::BatchSizeBuckets();
  f.batch_records_x =
      std::make_unique<telemetry::HistogramExport>(&f.batch_records->Add({}, sizes), &sizes);

  hook_ = metrics.AddScrapeHook([this]() { Collect(); });
}

PipelineProbe::~PipelineProbe() { hook_.Reset(); }

PipelineProbe::Worker* PipelineProbe::AddWorker() {
  std::lock_guard<std::mutex> lock(mu_);
  workers_.push_back(std::unique_ptr<Worker>(new Worker(*this)));
  return workers_.back().get();
}

void PipelineProbe::SetDestinationUp(std::string_view destination, bool up) {
  auto it = destination_index_.find(destination);
  if (it != destination_index_.end()) f_->up[it->second]->Set(up ? 1 : 0);
}

void PipelineProbe::CountSinkError(std::string_view destination) {
  auto it = destination_index_.find(destination);
  if (it != destination_index_.end()) f_->errors[it->second]->Increment();
}

void PipelineProbe::Collect() {
  std::lock_guard<std::mutex> lock(mu_);
  Families& f = *f_;
  auto sum = [&](auto get) {
    uint64_t total = 0;
    for (const auto& w : workers_) total += get(*w);
    return total;
  };
  f.batches_x->Update(sum([](const Worker& w) { return w.batches_.Get(); }));
  f.events_x->Update(sum([](const Worker& w) { return w.events_.Get(); }));
  f.late_x->Update(sum([](const Worker& w) { return w.late_.Get(); }));
  f.matched_x->Update(sum([](const Worker& w) { return w.events_matched_.Get(); }));
  for (size_t i = 0; i < inputs_.size(); ++i) {
    f.records_x[i].Update(sum([i](const Worker& w) { return w.records_[i].Get(); }));
    f.bytes_x[i].Update(sum([i](const Worker& w) { return w.bytes_[i].Get(); }));
  }
  for (size_t i = 0; i < f.dead_letters_x.size(); ++i) {
    f.dead_letters_x[i].Update(sum([i](const Worker& w) { return w.dead_letters_[i].Get(); }));
  }
  for (size_t i = 0; i < f.outputs_x.size(); ++i) {
    f.outputs_x[i].Update(sum([i](const Worker& w) { return w.outputs_[i].Get(); }));
  }

  // Label sets that appear at run time.
  auto export_map = [&](auto member, prometheus::Family<prometheus::Counter>* family,
                        std::initializer_list<const char*> names,
                        std::map<std::string, telemetry::CounterExport, std::less<>>* exports) {
    std::map<std::string, uint64_t, std::less<>> totals;
    for (const auto& w : workers_) {
      (w.get()->*member).ForEach([&](std::string_view key, uint64_t v) {
        auto it = totals.find(key);
        if (it == totals.end()) it = totals.emplace(std::string(key), 0).first;
        it->second += v;
      });
    }
    for (const auto& [key, total] : totals) {
      auto it = exports->find(key);
      if (it == exports->end()) {
        std::vector<std::string> values = telemetry::SplitLabels(key);
        prometheus::Labels labels;
        size_t i = 0;
        for (const char* n : names) labels[n] = i < values.size() ? values[i++] : "";
        it = exports->emplace(key, telemetry::CounterExport(&family->Add(labels))).first;
      }
      it->second.Update(total);
    }
  };
  export_map(&Worker::matches_, f.matches, {"pack", "kind"}, &f.matches_x);
  export_map(&Worker::revisions_, f.revisions, {"sector", "change", "verdict"}, &f.revisions_x);

  std::vector<uint64_t> counts;
  auto export_histogram = [&](auto get, telemetry::HistogramExport* x) {
    counts.assign(counts.size(), 0);
    double total = 0;
    for (const auto& w : workers_) get(*w).AddTo(&counts, &total);
    x->Update(counts, total);
  };
  for (size_t s = 0; s < kStageCount; ++s) {
    counts.clear();
    export_histogram([s](const Worker& w) -> const telemetry::LocalHistogram& {
      return w.stages_[s];
    }, &f.stage_x[s]);
  }
  counts.clear();
  export_histogram([](const Worker& w) -> const telemetry::LocalHistogram& {
    return w.batch_duration_;
  }, f.batch_duration_x.get());
  counts.clear();
  export_histogram([](const Worker& w) -> const telemetry::LocalHistogram& {
    return w.end_to_end_;
  }, f.end_to_end_x.get());
  counts.clear();
  export_histogram([](const Worker& w) -> const telemetry::LocalHistogram& {
    return w.batch_records_;
  }, f.batch_records_x.get());
}

}  // namespace kizashi::runtime
