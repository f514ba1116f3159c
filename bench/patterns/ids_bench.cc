// Workload 2 — IDS rules: the enabled ET Open rules of ../shared/data/et-open-2024 imported
// with the production importer (one rule = one entry, refused rules counted by reason),
// applied per field to real Suricata EVE http/dns/tls/alert events.
//
// Hypotheses:
//   - Suricata's compile model pays off: one multi-literal prefilter scan per field plus
//     confirmation of the few candidates reaches >= 250 k events/s on one core, within 15% of
//     raw hs_scan over the same prefilter databases (candidates are rare on real traffic);
//   - a user without a multi-pattern prefilter — evaluating every rule on every event (the
//     "PCRE2-JIT loop": the same RuleProgram, contents then pcre with PCRE2-JIT) — is orders
//     of magnitude slower;
//   - RE2::Set as the prefilter engine (same fast patterns, same confirmation) is slower
//     than Hyperscan.
// The EVE corpus is small (a few hundred events) and is scanned repeatedly: cache-hot.
#include <re2/re2.h>
#include <re2/set.h>

#include <filesystem>

#include "bench/patterns/bench_common.h"
#include "engine/common/file_util.h"
#include "engine/common/strings.h"

namespace kizashi::patterns::bench {
namespace {

namespace fs = std::filesystem;

struct IdsFixture {
  SampleEvents corpus;
  std::shared_ptr<const PatternSet> set;
  ImportReport report;
  std::string error;
};

const IdsFixture& Fixture() {
  static IdsFixture* f = [] {
    auto* x = new IdsFixture;
    std::string dir = SharedData("et-open-2024");
    if (dir.empty()) {
      x->error = "../shared/data/et-open-2024 is absent";
      return x;
    }
    Pack pack;
    pack.id = "et-open";
    pack.version = "2024-04-21";
    pack.issuer = "bench";
    pack.file = "et-open.yaml";
    std::vector<std::string> files;
    for (const auto& ent : fs::directory_iterator(dir)) {
      if (ent.path().extension() == ".rules") files.push_back(ent.path().string());
    }
    std::sort(files.begin(), files.end());
    if (Smoke()) files.resize(std::min<size_t>(files.size(), 3));
    for (const auto& f : files) {
      ImportSuricataRules(*ReadFile(f), f, ImportOptions{}, &pack, &x->report);
    }
    x->set = FinalizeImport(&pack, &x->report);
    if (!x->set) {
      x->error = "the ET Open pack did not compile";
      return x;
    }
    LoadEveCorpus(&x->corpus);
    if (x->corpus.events.empty()) x->error = "no EVE corpus in ../shared/data";
    std::fprintf(stderr, "ET Open: %s", x->report.Summary().c_str());
    std::fprintf(stderr, "EVE corpus: %zu http/dns/tls/alert events, %llu bytes\n",
                 x->corpus.events.size(), static_cast<unsigned long long>(x->corpus.bytes));
    return x;
  }();
  return *f;
}

void Counters(benchmark::State& state, const IdsFixture& f) {
  state.counters["rules_imported"] = static_cast<double>(f.report.imported);
  state.counters["rules_refused"] = static_cast<double>(f.report.refused.size());
}

void BM_IDS_Kizashi(benchmark::State& state) {
  const IdsFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  MatcherLoop loop(*f.set, f.corpus.events);
  Counts c;
  for (auto _ : state) c = loop.Run();
  Report(state, c);
  Counters(state, f);
}
BENCHMARK(BM_IDS_Kizashi)->Unit(benchmark::kMicrosecond);

void BM_IDS_RawHsScan(benchmark::State& state) {
  const IdsFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  RawHsLoop loop(*f.set, f.corpus.events);
  Counts c;
  for (auto _ : state) c = loop.Run();
  Report(state, c);
}
BENCHMARK(BM_IDS_RawHsScan)->Unit(benchmark::kMicrosecond);

// Same fast patterns, RE2::Set per field instead of Hyperscan, same confirmation.
void BM_IDS_RE2SetPrefilter(benchmark::State& state) {
  const IdsFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  const PatternSet& set = *f.set;
  RE2::Options opt;
  opt.set_log_errors(false);
  opt.set_encoding(RE2::Options::EncodingLatin1);
  opt.set_max_mem(int64_t{1} << 30);
  struct FieldSet {
    FieldId field;
    std::unique_ptr<RE2::Set> re;
    std::vector<uint32_t> entry;  // RE2 index -> entry
  };
  std::vector<FieldSet> sets;
  uint64_t refused = 0;
  for (FieldId fid : set.scanned_fields()) {
    FieldSet fs{fid, std::make_unique<RE2::Set>(opt, RE2::UNANCHORED), {}};
    for (const auto& p : set.field_patterns(fid)) {
      std::string re = p.expression;
      if (p.flags & 1u /* HS_FLAG_CASELESS */) re = "(?i)" + re;
      std::string err;
      if (fs.re->Add(re, &err) < 0) {
        ++refused;
        continue;
      }
      fs.entry.push_back(p.entry);
    }
    if (!fs.re->Compile()) return state.SkipWithError("RE2::Set::Compile ran out of memory");
    sets.push_back(std::move(fs));
  }
  ConfirmContext ctx;
  std::vector<int> hits;
  std::vector<uint32_t> cands;
  uint64_t matches = 0, candidates = 0, bytes = 0, oom = 0;
  for (const Event& e : f.corpus.events) {
    for (FieldId fid : set.scanned_fields()) bytes += e.field(fid).size();
  }
  for (auto _ : state) {
    for (const Event& e : f.corpus.events) {
      cands.clear();
      for (auto& fs : sets) {
        std::string_view v = e.field(fs.field);
        if (v.empty()) continue;
        hits.clear();
        RE2::Set::ErrorInfo info;
        fs.re->Match(re2::StringPiece(v.data(), v.size()), &hits, &info);
        if (info.kind == RE2::Set::kOutOfMemory) ++oom;
        for (int h : hits) cands.push_back(fs.entry[static_cast<size_t>(h)]);
      }
      std::sort(cands.begin(), cands.end());
      cands.erase(std::unique(cands.begin(), cands.end()), cands.end());
      candidates += cands.size();
      for (uint32_t entry : cands) {
        if (set.mode(entry) == PatternSet::Mode::kRule) matches += set.rule(entry).Evaluate(e, ctx);
      }
    }
  }
  const uint64_t it = std::max<uint64_t>(1, state.iterations());
  Report(state, Counts{f.corpus.events.size(), bytes, matches / it, candidates / it});
  state.counters["patterns_refused_by_re2"] = static_cast<double>(refused);
  state.counters["dfa_out_of_memory"] = static_cast<double>(oom);
}
BENCHMARK(BM_IDS_RE2SetPrefilter)->Unit(benchmark::kMicrosecond);

// No prefilter: every rule's program (contents, then pcre through PCRE2-JIT) on every event.
// Run on a sample of events: the full corpus takes too long per iteration.
void BM_IDS_PCRE2JITEveryRule(benchmark::State& state) {
  const IdsFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  const PatternSet& set = *f.set;
  const size_t sample = std::min<size_t>(f.corpus.events.size(), Smoke() ? 10 : 100);
  // The service's programs skip the fast pattern (the prefilter found it); without a
  // prefilter every step must be evaluated.
  std::vector<RuleProgram> programs;
  for (uint32_t entry = 0; entry < set.entries().size(); ++entry) {
    if (set.mode(entry) != PatternSet::Mode::kRule) continue;
    RuleProgram p;
    std::string err;
    int line;
    if (RuleProgram::Build(set.rule_spec(entry), &p, &err, &line)) programs.push_back(std::move(p));
  }
  ConfirmContext ctx;
  uint64_t matches = 0, bytes = 0;
  for (size_t i = 0; i < sample; ++i) {
    for (FieldId fid : set.scanned_fields()) bytes += f.corpus.events[i].field(fid).size();
  }
  for (auto _ : state) {
    for (size_t i = 0; i < sample; ++i) {
      const Event& e = f.corpus.events[i];
      for (const RuleProgram& p : programs) matches += p.Evaluate(e, ctx);
    }
  }
  const uint64_t it = std::max<uint64_t>(1, state.iterations());
  Report(state, Counts{sample, bytes, matches / it, 0});
  state.counters["sample_events"] = static_cast<double>(sample);
}
BENCHMARK(BM_IDS_PCRE2JITEveryRule)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kizashi::patterns::bench

BENCHMARK_MAIN();
