// Correlator throughput, memory per key, and its share of the pipeline.
//
// Hypotheses (issue 6):
//   H1  the correlator handles >= 2 M matched events/s on one core with ~1 M live keys in
//       memory (event_count rule, group_by src_ip): per event one 128-bit key hash, one hash
//       probe into a 1 M-entry table (a cache miss), a 24-byte insert into an inline array;
//       expiry and key creation amortised in the steady state;
//   H2  >= 1 M events/s with write-behind included: every batch's dirty keys are encoded
//       and committed to RocksDB in one WriteBatch (the runtime's commit);
//   H3  memory per event_count key <= 256 bytes (slot, hash-table entry, expiry heap entry);
//   H4  decode -> enrich -> match -> correlate keeps >= 80 % of decode -> enrich -> match
//       throughput on generated mixed traffic (EVE + syslog, ~5 % matched).
// Baselines in the same run: a bare absl::flat_hash_map<key, counter> over the same keys
// (the floor of any keyed counting), and match-only for H4.
//
// The steady state: a population of 1.6 M source addresses hit uniformly at random, each
// about once per minute of event time; a key expires 65 s (window + lateness) after its last
// event, so ~1.06 M keys are live; a key opens an incident when 5 of its events fall in
// 60 s (Poisson tail, ~0.4 % of keys per minute). Counters: events/s (items), live_keys,
// bytes_per_key (the correlator's own accounting), revisions.
//
// Run: build/bench/correlate/correlate_bench --benchmark_min_time=2
// KIZASHI_BENCH_SMOKE=1 (ctest) shrinks every size.
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "bench/traffic/generator.h"
#include "engine/common/time.h"
#include "engine/correlate/correlator.h"
#include "engine/correlate/key_hash.h"
#include "engine/decode/decoder.h"
#include "engine/enrich/enricher.h"
#include "engine/match/matcher.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/snapshot.h"
#include "engine/state/state_store.h"

namespace kizashi {
namespace {

bool Smoke() { return std::getenv("KIZASHI_BENCH_SMOKE") != nullptr; }

int64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

constexpr int64_t kS = kNanosPerSecond;

const char* kRegistry = R"(
ministries:
  - {id: cas, name_en: Cabinet Secretariat, destination: cas, cabinet_secretariat: true}
  - {id: meti, name_en: METI, destination: meti}
sectors:
  - {id: electricity, name_en: Electricity, ministry: meti}
operators:
  - id: op-00
    name: Bench operator
    sector: electricity
    home_networks: [10.0.0.0/8]
    contact: {person: SOC, means: [{type: phone, value: "+81-3-0000-0000"}, {type: email, value: soc@op.example}]}
    critical_systems:
      - {id: ctl, name: Control, internal_only: true, networks: [10.1.1.0/24]}
)";

const char* kPack = R"(
pack: {id: bench, version: "1", issuer: bench, issued_at: "2024-03-01T00:00:00Z"}
entries:
  - {id: ssh-fail, kind: attack_pattern, title: SSH failure, regex: 'Failed password', fields: [message], attack_type: unauthorized_access, severity: medium}
)";

const char* kRules = R"(
rules:
  - id: brute
    match: {entries: [ssh-fail], target: critical_system}
    group_by: [src_ip]
    condition: {type: event_count, count: 5, window: 60s}
    suppress: 10m
)";

struct Fixture {
  std::shared_ptr<const registry::Registry> reg;
  std::shared_ptr<const patterns::PatternSet> patterns;
  std::shared_ptr<const correlate::Rulebook> rules;
  static const Fixture& Get() {
    static Fixture f = [] {
      Fixture x;
      Diagnostics d;
      registry::RegistryData data;
      registry::ParseRegistryText(kRegistry, "bench-registry.yaml", &data, &d);
      x.reg = registry::Registry::Build(std::move(data), &d);
      auto pack = patterns::ParsePackText(kPack, "bench-pack.yaml", &d);
      x.patterns = patterns::PatternSet::Compile({pack}, &d);
      if (x.patterns) {
        x.rules = correlate::Rulebook::Compile(correlate::ParseRulesText(kRules, "r.yaml", &d),
                                               *x.patterns, &d);
      }
      if (!x.reg || !x.rules) {
        std::fprintf(stderr, "bench fixture: %s\n", d.ToText().c_str());
        std::abort();
      }
      return x;
    }();
    return f;
  }
};

uint64_t SplitMix(uint64_t* s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Matched, enriched events against critical system "ctl", from random sources of a
// population (100.64.0.0/10). Event times are rewritten before each use.
// Zipf(s = 1) ranks over a population, pre-sampled into a pool (inverse CDF by binary
// search, once): the skew of real sources, where a few addresses send most events.
class ZipfPool {
 public:
  static const std::vector<uint32_t>& Get(uint64_t population) {
    static std::map<uint64_t, std::vector<uint32_t>> pools;
    auto& pool = pools[population];
    if (pool.empty()) {
      std::vector<double> cdf(population);
      double sum = 0;
      for (uint64_t k = 0; k < population; ++k) cdf[k] = (sum += 1.0 / static_cast<double>(k + 1));
      uint64_t seed = 3;
      pool.resize(1 << 22);
      for (auto& x : pool) {
        double u = static_cast<double>(SplitMix(&seed) >> 11) * 0x1.0p-53 * sum;
        x = static_cast<uint32_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
      }
    }
    return pool;
  }
};

class Stream {
 public:
  Stream(uint64_t population, size_t batch, size_t batches = 4, bool zipf = false)
      : population_(population), zipf_(zipf ? &ZipfPool::Get(population) : nullptr) {
    // Uniform: each key hit about once per minute of event time. Zipf: ranks near a million
    // are hit about once a minute too (harmonic number ~15), hot ranks constantly.
    if (zipf) step_ = static_cast<int64_t>(60.0 * 1e9 / (static_cast<double>(population) * 15.0));
    uint64_t seed = 7;
    for (size_t b = 0; b < batches; ++b) {
      auto bt = std::make_unique<Batch>();
      bt->sources = {"bench"};
      bt->match_begin.push_back(0);
      for (size_t i = 0; i < batch; ++i) {
        Event e;
        e.operator_id = "op-00";
        e.operator_ref = 0;
        e.target_kind = TargetKind::kCriticalSystem;
        e.target_ref = 0;
        e.dst_is_target = true;
        e.src = IpAddr::V4(0x64400000u + static_cast<uint32_t>(SplitMix(&seed) % population));
        IpAddr::Parse("10.1.1.10", &e.dst);
        e.record = static_cast<uint32_t>(i);
        e.set_field(FieldId::kMessage, "Failed password for root");
        bt->events.push_back(e);
        bt->matches.push_back(Match{0, FieldId::kMessage});
        bt->match_begin.push_back(static_cast<uint32_t>(bt->matches.size()));
      }
      batches_.push_back(std::move(bt));
    }
  }
  // The next batch: fresh random sources (so the whole population is hit) and event times
  // continuing from the previous batch. Each key is hit about once per minute of event time:
  // the stream advances population/60 events per second.
  Batch& Next() {
    Batch& b = *batches_[next_++ % batches_.size()];
    for (auto& e : b.events) {
      t_ += step_;
      e.event_time_ns = t_;
      e.pos.offset = ++offset_;
      uint64_t r = SplitMix(&seed_);
      uint64_t key = zipf_ ? (*zipf_)[r % zipf_->size()] : r % population_;
      e.src = IpAddr::V4(0x64400000u + static_cast<uint32_t>(key));
    }
    return b;
  }
  size_t batch_size() const { return batches_[0]->events.size(); }

 private:
  uint64_t population_;
  const std::vector<uint32_t>* zipf_;
  std::vector<std::unique_ptr<Batch>> batches_;
  size_t next_ = 0;
  uint64_t seed_ = 11;
  int64_t t_ = int64_t{1'709'251'200} * kS;
  int64_t step_ = static_cast<int64_t>(60.0 * 1e9 / static_cast<double>(population_));
  int64_t offset_ = 0;
};

uint64_t Population() { return Smoke() ? 20'000 : 1'600'000; }

void BM_BaselineHashCount(benchmark::State& state) {
  Stream s(Population(), 4096);
  absl::flat_hash_map<correlate::Fp, uint32_t> counts;
  for (auto _ : state) {
    Batch& b = s.Next();
    for (const auto& e : b.events) {
      correlate::Fp fp = correlate::KeyHasher(1, 2).Add(e.operator_id).Add(e.src.hi()).Add(e.src.lo()).Finish();
      ++counts[fp];
    }
    benchmark::DoNotOptimize(counts.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(s.batch_size()));
  state.counters["keys"] = static_cast<double>(counts.size());
}
BENCHMARK(BM_BaselineHashCount)->Unit(benchmark::kMillisecond);

// Warms the correlator into its steady state (about 3 population-minutes of events).
void WarmUp(correlate::PartitionCorrelator& pc, Stream& s, state::StateStore* store) {
  const Fixture& f = Fixture::Get();
  correlate::CorrelateOutput out;
  state::StateDelta delta;
  size_t events = static_cast<size_t>(Population()) * 3;
  for (size_t n = 0; n < events; n += s.batch_size()) {
    out.Clear();
    pc.Process(s.Next(), *f.rules, *f.patterns, *f.reg, &out);
    delta.Clear();
    pc.Flush(&delta);
    if (store != nullptr) {
      if (!store->Commit(delta).ok()) std::abort();
      pc.Committed();
    }
  }
}

void Report(benchmark::State& state, const correlate::PartitionCorrelator& pc, size_t batch,
            uint64_t revisions) {
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
  correlate::CorrelatorStats st = pc.stats();
  state.counters["live_keys"] = static_cast<double>(st.hot_keys);
  state.counters["bytes_per_key"] =
      st.hot_keys ? static_cast<double>(st.memory_bytes) / static_cast<double>(st.hot_keys) : 0;
  state.counters["revisions"] = static_cast<double>(revisions);
}

// H1: correlation only. The state delta (write-behind encoding) is measured by the next
// two benchmarks; here Flush runs outside the timing every 256 batches, only to bound the
// bookkeeping it clears.
void BM_CorrelateInMemory(benchmark::State& state) {
  const Fixture& f = Fixture::Get();
  Stream s(Population(), 4096, 4, state.range(0) != 0);
  correlate::CorrelateOptions o;
  correlate::PartitionCorrelator pc(0, o);
  WarmUp(pc, s, nullptr);
  correlate::CorrelateOutput out;
  state::StateDelta delta;
  uint64_t revisions = 0, batches = 0;
  for (auto _ : state) {
    out.Clear();
    pc.Process(s.Next(), *f.rules, *f.patterns, *f.reg, &out);
    revisions += out.revisions.size();
    if (++batches % 256 == 0) {
      state.PauseTiming();
      delta.Clear();
      pc.Flush(&delta);
      state.ResumeTiming();
    }
  }
  Report(state, pc, s.batch_size(), revisions);
}
BENCHMARK(BM_CorrelateInMemory)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);  // uniform, Zipf

// Correlation plus building each batch's state delta (what the runtime commits).
void BM_CorrelateWithDelta(benchmark::State& state) {
  const Fixture& f = Fixture::Get();
  Stream s(Population(), 4096);
  correlate::CorrelateOptions o;
  correlate::PartitionCorrelator pc(0, o);
  WarmUp(pc, s, nullptr);
  correlate::CorrelateOutput out;
  state::StateDelta delta;
  uint64_t revisions = 0;
  for (auto _ : state) {
    out.Clear();
    pc.Process(s.Next(), *f.rules, *f.patterns, *f.reg, &out);
    revisions += out.revisions.size();
    delta.Clear();
    pc.Flush(&delta);
  }
  Report(state, pc, s.batch_size(), revisions);
}
BENCHMARK(BM_CorrelateWithDelta)->Unit(benchmark::kMillisecond);

void BM_CorrelateWriteBehind(benchmark::State& state) {
  const Fixture& f = Fixture::Get();
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("kizashi-bench-wb-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  state::StateOptions so;
  so.dir = dir;
  if (const char* wb = std::getenv("KIZASHI_BENCH_WRITE_BUFFER")) so.write_buffer_bytes = std::atoll(wb);
  auto store = state::StateStore::Open(so);
  if (!store.ok()) {
    state.SkipWithError("cannot open the state store");
    return;
  }
  Stream s(Population(), static_cast<size_t>(state.range(0)), 4, state.range(1) != 0);
  correlate::CorrelateOptions o;
  // Arg 3: memory bound (0: every live key fits; else that many keys, the rest evicted).
  o.max_keys_in_memory = state.range(2) > 0 ? state.range(2) : 4'000'000;
  // KIZASHI_BENCH_CKPT=bytes: the checkpoint minimum (a huge value: logs only, no checkpoint).
  if (const char* c = std::getenv("KIZASHI_BENCH_CKPT")) o.checkpoint_min_bytes = std::atoll(c);
  correlate::PartitionCorrelator pc(0, o);
  if (!pc.Load(**store).ok()) std::abort();
  WarmUp(pc, s, store->get());
  correlate::CorrelateOutput out;
  state::StateDelta delta;
  uint64_t revisions = 0, ops = 0, bytes = 0;
  int64_t process_ns = 0, flush_ns = 0, commit_ns = 0;
  for (auto _ : state) {
    int64_t t0 = ThreadCpuNs();
    out.Clear();
    pc.Process(s.Next(), *f.rules, *f.patterns, *f.reg, &out);
    revisions += out.revisions.size();
    int64_t t1 = ThreadCpuNs();
    delta.Clear();
    pc.Flush(&delta);
    ops += delta.size();
    for (const auto& op : delta.ops()) bytes += op.key.size() + op.value.size();
    int64_t t2 = ThreadCpuNs();
    if (!(*store)->Commit(delta).ok()) std::abort();
    pc.Committed();
    int64_t t3 = ThreadCpuNs();
    process_ns += t1 - t0;
    flush_ns += t2 - t1;
    commit_ns += t3 - t2;
  }
  Report(state, pc, s.batch_size(), revisions);
  // Where the main thread's time goes, per event (CPU time): correlation, building the
  // delta (Flush), and the RocksDB write (Commit).
  double events = static_cast<double>(std::max<int64_t>(1, state.iterations())) *
                  static_cast<double>(s.batch_size());
  state.counters["process_ns"] = static_cast<double>(process_ns) / events;
  state.counters["flush_ns"] = static_cast<double>(flush_ns) / events;
  state.counters["commit_ns"] = static_cast<double>(commit_ns) / events;
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / events;
  state.counters["puts_per_batch"] =
      static_cast<double>(ops) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
  store->reset();
  std::filesystem::remove_all(dir);
}
// Args: batch size; key distribution (0 uniform: the worst case, every event dirties its
// own key; 1 Zipf); memory bound (0: all keys fit; 500000: about half the live keys are
// evicted to RocksDB and read back on their next event).
BENCHMARK(BM_CorrelateWriteBehind)
    ->Args({4096, 0, 0})
    ->Args({4096, 1, 0})
    ->Args({16384, 0, 0})
    ->Args({4096, 0, 500'000})
    ->Unit(benchmark::kMillisecond);

// ---- H4: the pipeline with and without correlation -------------------------------------

struct PipelineData {
  runtime::EngineConfig cfg;
  std::shared_ptr<const runtime::Snapshot> snap;
  std::vector<std::unique_ptr<Batch>> batches;
  uint64_t records = 0, bytes = 0;

  static PipelineData& Get(double attack_fraction) {
    static std::map<double, std::unique_ptr<PipelineData>> cache;
    auto& slot = cache[attack_fraction];
    if (!slot) slot = Make(attack_fraction);
    return *slot;
  }

  static std::unique_ptr<PipelineData> Make(double attack_fraction) {
    auto p = std::make_unique<PipelineData>();
    traffic::GenOptions go;
    go.events = Smoke() ? 20'000 : 400'000;
    go.attack_fraction = attack_fraction;
    std::string dir = (std::filesystem::temp_directory_path() /
                       ("kizashi-bench-pipe-" + std::to_string(::getpid()))).string();
    if (!traffic::Generator::WriteDirectory(go, dir, false, nullptr, nullptr).ok()) std::abort();
    Diagnostics d;
    p->cfg = runtime::EngineConfig::Load(dir + "/kizashi.yaml", {}, &d);
    auto snap = runtime::BuildSnapshot(p->cfg, 1, &d);
    if (!snap.ok()) {
      std::fprintf(stderr, "%s\n", d.ToText().c_str());
      std::abort();
    }
    p->snap = *snap;
    // Records of each input, in generation order per file, cut into 4096-record batches of
    // one input each (as the file source's merge produces them for one partition).
    for (size_t in = 0; in < p->cfg.inputs.size(); ++in) {
      std::ifstream f(p->cfg.inputs[in].path);
      std::string line;
      std::unique_ptr<Batch> b;
      int64_t n = 0;
      while (std::getline(f, line)) {
        if (!b) {
          b = std::make_unique<Batch>();
          b->partition = static_cast<int32_t>(p->cfg.inputs[in].partition);
          b->sources = {p->cfg.inputs[in].name};
        }
        char* mem = b->arena.Allocate(line.size() + decode::kRecordPadding);
        std::memcpy(mem, line.data(), line.size());
        std::memset(mem + line.size(), 0, decode::kRecordPadding);
        RawRecord r;
        r.value = std::string_view(mem, line.size());
        r.pos = SourcePos{0, b->partition, ++n};
        r.input = static_cast<uint16_t>(in);
        b->records.push_back(r);
        p->bytes += line.size() + 1;
        ++p->records;
        if (b->records.size() == 4096) p->batches.push_back(std::move(b));
      }
      if (b) p->batches.push_back(std::move(b));
    }
    std::filesystem::remove_all(dir);
    return p;
  }
};

void Pipeline(benchmark::State& state, bool correlate) {
  PipelineData& p = PipelineData::Get(static_cast<double>(state.range(0)) / 100.0);
  std::vector<std::unique_ptr<decode::Decoder>> decoders;
  for (const auto& in : p.cfg.inputs) decoders.push_back(std::move(*decode::MakeDecoder(in.decode)));
  enrich::Enricher enricher;
  match::Matcher matcher;
  std::map<int32_t, std::unique_ptr<correlate::PartitionCorrelator>> pcs;
  correlate::CorrelateOutput out;
  state::StateDelta delta;
  size_t next = 0;
  uint64_t records = 0, bytes = 0, matched = 0;
  int64_t correlate_ns = 0;
  const runtime::Snapshot& s = *p.snap;
  for (auto _ : state) {
    if (next % p.batches.size() == 0) {
      // A new pass over the data: fresh correlators (event time starts again).
      state.PauseTiming();
      pcs.clear();
      state.ResumeTiming();
    }
    Batch& b = *p.batches[next++ % p.batches.size()];
    b.events.clear();
    b.dead_letters.clear();
    decoders[b.records[0].input]->Decode(b);
    enricher.Enrich(b, *s.registry);
    if (!matcher.Match(b, *s.patterns).ok()) std::abort();
    for (size_t i = 0; i < b.events.size(); ++i) matched += b.match_count(i) > 0;
    if (correlate) {
      int64_t t0 = MonotonicNowNs();
      auto& pc = pcs[b.partition];
      if (!pc) pc = std::make_unique<correlate::PartitionCorrelator>(b.partition, p.cfg.correlate);
      out.Clear();
      pc->Process(b, *s.rules, *s.patterns, *s.registry, &out);
      delta.Clear();
      pc->Flush(&delta);
      correlate_ns += MonotonicNowNs() - t0;
    }
    records += b.records.size();
    for (const auto& r : b.records) bytes += r.value.size() + 1;
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["matched_share"] = static_cast<double>(matched) / static_cast<double>(std::max<uint64_t>(records, 1));
  if (correlate) {
    state.counters["correlate_ns_per_record"] =
        static_cast<double>(correlate_ns) / static_cast<double>(std::max<uint64_t>(records, 1));
  }
}

void BM_PipelineMatchOnly(benchmark::State& state) { Pipeline(state, false); }
void BM_PipelineWithCorrelation(benchmark::State& state) { Pipeline(state, true); }
// Arg: attack fraction in percent (5: the generator's default mix; 50: a stress mix).
BENCHMARK(BM_PipelineMatchOnly)->Arg(5)->Arg(50)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PipelineWithCorrelation)->Arg(5)->Arg(50)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kizashi

BENCHMARK_MAIN();
