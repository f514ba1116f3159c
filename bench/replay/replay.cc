#include "bench/replay/replay.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "connectors/file/file_source.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/runtime/sinks.h"
#include "engine/runtime/snapshot.h"
#include "engine/runtime/worker.h"
#include "engine/state/state_store.h"

namespace kizashi::bench {

namespace fs = std::filesystem;

namespace {
constexpr size_t kPadding = 64;  // decode::kRecordPadding: decoders may read past the end
}  // namespace

absl::StatusOr<std::shared_ptr<const Corpus>> Corpus::Load(const runtime::EngineConfig& config,
                                                           uint64_t limit) {
  auto c = std::make_shared<Corpus>();
  std::map<int32_t, std::vector<connectors::FileInput>> by_partition;
  for (size_t i = 0; i < config.inputs.size(); ++i) {
    const auto& in = config.inputs[i];
    if (in.type != "file") {
      return absl::InvalidArgumentError(StrCat("input '", in.name, "' is of type ", in.type,
                                               ": the replay benchmark reads file inputs"));
    }
    by_partition[static_cast<int32_t>(in.partition)].push_back(
        connectors::FileInput{in.path, in.name, static_cast<uint16_t>(i)});
    std::error_code ec;
    uint64_t size = fs::file_size(in.path, ec);
    c->files.push_back(File{in.name, in.path, in.decode.format, 0, ec ? 0 : size});
  }
  int64_t max_record = 0;
  for (const auto& in : config.inputs) max_record = std::max(max_record, in.decode.max_event_bytes);
  // Per partition, the FileSource order; then partitions merged by progress (the partition
  // that has replayed the smallest fraction of its records goes next), so that every
  // partition advances through its event time together, as concurrent live feeds would.
  std::map<int32_t, std::vector<Rec>> parts;
  Batch batch;
  for (auto& [partition, files] : by_partition) {
    auto src = connectors::FileSource::Open(files, partition, max_record, nullptr);
    if (!src.ok()) return src.status();
    auto& recs = parts[partition];
    auto& names = c->sources[partition];
    while (!(*src)->exhausted()) {
      KZ_RETURN_IF_ERROR((*src)->Poll(&batch, 65536));
      if (batch.records.empty()) break;
      if (names.empty()) names = batch.sources;
      for (const auto& r : batch.records) {
        Rec rec;
        rec.offset = c->bytes.size();
        rec.size = static_cast<uint32_t>(r.value.size());
        rec.input = r.input;
        rec.source = static_cast<uint16_t>(r.pos.source);
        rec.partition = partition;
        rec.line = r.pos.offset;
        c->bytes.append(r.value);
        ++c->files[r.input].records;
        recs.push_back(rec);
      }
      if (limit > 0 && recs.size() >= limit) break;
    }
  }
  size_t total = 0;
  for (auto& [p, v] : parts) total += v.size();
  c->records.reserve(limit > 0 ? std::min<size_t>(total, limit) : total);
  std::vector<std::pair<const std::vector<Rec>*, size_t>> cur;
  for (auto& [p, v] : parts) cur.emplace_back(&v, 0);
  while (limit == 0 || c->records.size() < limit) {
    int best = -1;
    for (size_t i = 0; i < cur.size(); ++i) {
      const auto& [v, at] = cur[i];
      if (at >= v->size()) continue;
      if (best < 0 || static_cast<unsigned __int128>(at) * cur[best].first->size() <
                          static_cast<unsigned __int128>(cur[best].second) * v->size()) {
        best = static_cast<int>(i);
      }
    }
    if (best < 0) break;
    c->records.push_back((*cur[best].first)[cur[best].second++]);
  }
  return std::shared_ptr<const Corpus>(std::move(c));
}

uint64_t PeakRssBytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      int64_t kb = 0;
      std::string v = line.substr(6);
      v.erase(0, v.find_first_not_of(" \t"));
      v = v.substr(0, v.find(' '));
      if (ParseInt(v, &kb)) return static_cast<uint64_t>(kb) * 1024;
    }
  }
  return 0;
}

void ResetPeakRss() {
  // Linux >= 4.0: writing 5 to clear_refs resets VmHWM to the current RSS.
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
}

absl::StatusOr<RunResult> Replay(const runtime::EngineConfig& base, const Corpus& corpus,
                                 const ReplayOptions& opt) {
  RunResult res;
  res.offered_rate = opt.rate;
  runtime::EngineConfig config = base;
  std::error_code ec;
  fs::remove_all(opt.work_dir, ec);
  fs::create_directories(fs::path(opt.work_dir) / "out", ec);
  if (ec) return absl::InternalError(StrCat("cannot create ", opt.work_dir, ": ", ec.message()));
  config.state.dir = (fs::path(opt.work_dir) / "state").string();
  for (auto& d : config.destinations) {
    if (d.type == "stdout" || d.type == "file") {
      d.type = "file";
      d.path = (fs::path(opt.work_dir) / "out" / (d.name + ".jsonl")).string();
      d.fsync = false;
    }
  }
  Diagnostics diags;
  auto snap = runtime::BuildSnapshot(config, 1, &diags);
  if (!snap.ok()) return absl::InvalidArgumentError(StrCat(snap.status().message(), "\n", diags.ToText()));
  auto store = state::StateStore::Open(config.state);
  if (!store.ok()) return store.status();
  auto sinks = runtime::SinkSet::Create(config.destinations, nullptr);
  if (!sinks.ok()) return sinks.status();
  runtime::Worker worker(config, store->get(), (*sinks)->names());
  KZ_RETURN_IF_ERROR(worker.Init());
  std::optional<QualityScorer> scorer;
  if (opt.labels != nullptr) scorer.emplace(*opt.labels);

  const size_t n = opt.max_records > 0 ? std::min<size_t>(opt.max_records, corpus.records.size())
                                       : corpus.records.size();
  const size_t batch_max = static_cast<size_t>(std::max<int64_t>(1, config.batch_max_records));
  // One reusable batch (and the global indices of its records) per partition.
  struct Part {
    Batch batch;
    std::vector<uint32_t> index;
  };
  std::map<int32_t, Part> parts;
  for (const auto& [p, names] : corpus.sources) {
    parts[p].batch.partition = p;
  }
  std::vector<route::Output> outputs;
  state::StateDelta delta;
  const double ns_per_record = opt.rate > 0 ? 1e9 / opt.rate : 0;
  ResetPeakRss();
  const int64_t t0 = MonotonicNowNs();
  int64_t last_progress = t0;
  size_t next = 0;

  auto run_batch = [&](Part& part) -> absl::Status {
    Batch& b = part.batch;
    int64_t wall = SystemClock::Get()->NowNs();
    for (auto& r : b.records) r.timestamp_ns = wall;
    outputs.clear();
    delta.Clear();
    KZ_RETURN_IF_ERROR(worker.Process(b, **snap, &outputs, &delta));
    const runtime::BatchFacts& f = worker.last_batch();
    res.stages.decode += f.decode_ns;
    res.stages.enrich += f.enrich_ns;
    res.stages.match += f.match_ns;
    res.stages.correlate += f.correlate_ns - f.classify_route_ns;
    res.stages.classify_route += f.classify_route_ns;
    for (const auto& rv : f.revisions) {
      ++res.revisions;
      res.reportable_revisions += rv.reportable;
      if (scorer && rv.incident != nullptr) scorer->OnRevision(*rv.incident, rv.reportable);
    }
    int64_t t_proc = MonotonicNowNs();
    for (const auto& o : outputs) {
      KZ_RETURN_IF_ERROR((*sinks)->Write(o));
      if (o.kind != route::DocKind::kObservation) ++res.notifications;
      else if (!o.document_id.empty()) ++res.observations;
      if (o.destination == config.late_destination) ++res.late;
      else if (o.destination == config.dead_letter_destination) ++res.dead_letter_documents;
      // The key kafka_bench reads back from the output topics (notification_id, revision).
      if (opt.collect_documents && o.json.find("\"notification_id\":") != std::string::npos) {
        res.documents.push_back(StrCat(o.destination, "|", o.document_id, "|", o.revision));
      }
    }
    KZ_RETURN_IF_ERROR((*sinks)->Flush());
    int64_t t_sink = MonotonicNowNs();
    KZ_RETURN_IF_ERROR((*store)->Commit(delta));
    worker.Committed();
    int64_t t_commit = MonotonicNowNs();
    res.stages.sink += t_sink - t_proc;
    res.stages.commit += t_commit - t_sink;
    ++res.batches;
    if (ns_per_record > 0) {
      for (uint32_t i : part.index) {
        int64_t intended = t0 + static_cast<int64_t>(static_cast<double>(i) * ns_per_record);
        res.latency.Record(t_commit - intended);
      }
    }
    return absl::OkStatus();
  };

  while (next < n) {
    size_t hi = n;
    if (ns_per_record > 0) {
      int64_t now = MonotonicNowNs();
      // Records whose intended arrival is <= now have arrived.
      double arrived = static_cast<double>(now - t0) / ns_per_record + 1;
      hi = std::min(n, static_cast<size_t>(std::max(0.0, arrived)));
      if (hi <= next) {
        int64_t due = t0 + static_cast<int64_t>(static_cast<double>(next) * ns_per_record);
        int64_t wait = due - now;
        if (wait > 200'000) std::this_thread::sleep_for(std::chrono::nanoseconds(wait - 100'000));
        else if (wait > 0) std::this_thread::yield();
        continue;
      }
    }
    // Take the arrived records in order, one batch per partition, until some partition's
    // batch is full.
    for (auto& [p, part] : parts) {
      part.batch.Clear();
      part.batch.partition = p;
      part.batch.sources = corpus.sources.at(p);
      part.index.clear();
    }
    size_t i = next;
    for (; i < hi; ++i) {
      const Corpus::Rec& r = corpus.records[i];
      Part& part = parts[r.partition];
      Batch& b = part.batch;
      char* mem = b.arena.Allocate(r.size + kPadding);
      std::memcpy(mem, corpus.bytes.data() + r.offset, r.size);
      std::memset(mem + r.size, 0, kPadding);
      RawRecord rec;
      rec.value = std::string_view(mem, r.size);
      rec.pos = SourcePos{r.source, r.partition, r.line};
      rec.input = r.input;
      b.records.push_back(rec);
      part.index.push_back(static_cast<uint32_t>(i));
      res.bytes += r.size;
      if (b.records.size() >= batch_max) {
        ++i;
        break;
      }
    }
    next = i;
    for (auto& [p, part] : parts) {
      if (part.batch.records.empty()) continue;
      KZ_RETURN_IF_ERROR(run_batch(part));
    }
    if (opt.progress) {
      int64_t now = MonotonicNowNs();
      if (now - last_progress > 100'000'000) {
        last_progress = now;
        opt.progress(next, n);
      }
    }
  }
  const int64_t t_end = MonotonicNowNs();
  if (opt.progress) opt.progress(n, n);
  std::sort(res.documents.begin(), res.documents.end());
  res.records = n;
  res.seconds = static_cast<double>(t_end - t0) / 1e9;
  res.records_per_s = res.seconds > 0 ? static_cast<double>(n) / res.seconds : 0;
  res.mb_per_s = res.seconds > 0 ? static_cast<double>(res.bytes) / 1e6 / res.seconds : 0;
  const runtime::WorkerStats& ws = worker.stats();
  res.events = ws.events;
  for (uint64_t d : ws.dead_letters) res.dead_letters += d;
  res.matches = ws.matches;
  res.events_matched = ws.events_matched;
  const patterns::ScanStats& ss = worker.matcher().stats();
  res.candidates = ss.candidates;
  res.confirmed = ss.confirmed;
  res.peak_rss_bytes = PeakRssBytes();
  if (scorer) {
    // Close every open incident (watermark 30 days past each partition's), untimed: the
    // closing revisions cite the evidence absorbed since the last revision, so the scorer
    // sees every record each incident covers.
    for (const auto& [p, part] : parts) {
      auto wm = worker.Watermark(p);
      if (!wm.ok()) return wm.status();
      if (*wm == INT64_MIN) continue;
      outputs.clear();
      delta.Clear();
      KZ_RETURN_IF_ERROR(worker.AdvanceWatermark(p, *wm + 30LL * 86400 * 1'000'000'000, **snap,
                                                 &outputs, &delta));
      for (const auto& rv : worker.last_batch().revisions) {
        if (rv.incident != nullptr) scorer->OnRevision(*rv.incident, rv.reportable);
      }
      for (const auto& o : outputs) KZ_RETURN_IF_ERROR((*sinks)->Write(o));
      KZ_RETURN_IF_ERROR((*sinks)->Flush());
      KZ_RETURN_IF_ERROR((*store)->Commit(delta));
      worker.Committed();
    }
    res.quality = scorer->Finish();
    res.has_quality = true;
  }
  return res;
}

}  // namespace kizashi::bench
