// Workload 1 — log pack: the fail2ban filters of ../shared/data/fail2ban imported with the
// production importer, over real syslog lines (fail2ban's labelled test logs and the WRCCDC
// 2018 syslog), matched on `message`.
//
// Hypotheses:
//   - the production matcher (batches through match::Matcher) costs at most 15% more than
//     raw hs_scan on the same database and corpus when regexes are compiled into Hyperscan
//     as they are ("direct"); with prefilter_min_literal (the default) the database holds
//     literals only and PCRE2 confirms candidates, which is cheaper to compile but adds the
//     confirmation work that raw hs_scan does not do — both are measured;
//   - it reaches >= 2 M events/s on one core;
//   - RE2::Set and a PCRE2-JIT loop over the same regexes are several times slower.
// Baselines use the same regexes (regex entries and the pcre of pcre rules); regexes RE2
// cannot parse (lookaround, conditionals, backreferences) are left out of its set and
// counted.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <filesystem>

#include "bench/patterns/bench_common.h"
#include "engine/common/file_util.h"
#include "engine/common/strings.h"

namespace kizashi::patterns::bench {
namespace {

namespace fs = std::filesystem;

struct LogFixture {
  SampleEvents corpus;
  // direct: every regex compiled into Hyperscan as is, pcre rules prefiltered + confirmed;
  // prefiltered: the default options (selective literals + PCRE2 for regex entries too);
  // exact: only the entries Hyperscan matches exactly (no confirmation at all), to isolate
  // the matcher's own overhead over hs_scan.
  std::shared_ptr<const PatternSet> direct, prefiltered, exact;
  std::vector<std::string> regexes;  // for the baselines
  std::string error;
};

const LogFixture& Fixture() {
  static LogFixture* f = [] {
    auto* x = new LogFixture;
    std::string dir = SharedData("fail2ban/filter.d");
    if (dir.empty()) {
      x->error = "../shared/data/fail2ban is absent";
      return x;
    }
    Pack pack;
    pack.id = "fail2ban";
    pack.version = "bench";
    pack.issuer = "bench";
    pack.file = "fail2ban.yaml";
    ImportReport report;
    std::vector<std::string> files;
    for (const auto& ent : fs::directory_iterator(dir)) files.push_back(ent.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) ImportFail2ban(*ReadFile(f), f, ImportOptions{}, &pack, &report);
    CompileOptions direct;
    direct.prefilter_min_literal = 0;
    x->direct = FinalizeImport(&pack, &report, direct);
    Diagnostics d;
    x->prefiltered = PatternSet::Compile({pack}, &d, CompileOptions{});
    Pack exact = pack;
    exact.entries.clear();
    for (const auto& e : pack.entries) {
      if (e.expr_type == ExprType::kRegex) exact.entries.push_back(e);
    }
    Diagnostics d2;
    x->exact = PatternSet::Compile({exact}, &d2, direct);
    if (!x->exact) std::fprintf(stderr, "%s", d2.ToText().c_str());
    if (!x->direct || !x->prefiltered || !x->exact) {
      x->error = "the fail2ban pack did not compile";
      return x;
    }
    for (const auto& e : pack.entries) {
      if (e.expr_type == ExprType::kRegex) x->regexes.push_back(e.expression);
      for (const auto& s : e.rule.steps) {
        if (s.kind == StepKind::kPcre && !s.negated) x->regexes.push_back(s.pcre);
      }
    }
    LoadSyslogCorpus(&x->corpus);
    if (Smoke() && x->corpus.events.size() > 500) x->corpus.events.resize(500);
    if (x->corpus.events.empty()) x->error = "no syslog corpus in ../shared/data";
    std::fprintf(stderr,
                 "log pack: %zu entries (%u direct regex, %u literal-prefiltered regex, %u pcre "
                 "rules), corpus %zu events, %llu bytes\n",
                 pack.entries.size(), x->prefiltered->stats().direct_entries,
                 x->prefiltered->stats().confirmed_regex_entries,
                 x->prefiltered->stats().rule_entries, x->corpus.events.size(),
                 static_cast<unsigned long long>(x->corpus.bytes));
    return x;
  }();
  return *f;
}

const PatternSet& Pick(const LogFixture& f, int which) {
  return which == 0 ? *f.direct : which == 1 ? *f.prefiltered : *f.exact;
}

void BM_LogPack_Kizashi(benchmark::State& state, int which) {
  const LogFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  MatcherLoop loop(Pick(f, which), f.corpus.events);
  Counts c;
  for (auto _ : state) c = loop.Run();
  Report(state, c);
}

void BM_LogPack_RawHsScan(benchmark::State& state, int which) {
  const LogFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  RawHsLoop loop(Pick(f, which), f.corpus.events);
  Counts c;
  for (auto _ : state) c = loop.Run();
  Report(state, c);
}

BENCHMARK_CAPTURE(BM_LogPack_Kizashi, exact_entries, 2)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LogPack_RawHsScan, exact_entries, 2)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LogPack_Kizashi, direct, 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LogPack_RawHsScan, direct, 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LogPack_Kizashi, prefiltered, 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LogPack_RawHsScan, prefiltered, 1)->Unit(benchmark::kMillisecond);

void BM_LogPack_RE2Set(benchmark::State& state) {
  const LogFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  RE2::Options opt;
  opt.set_log_errors(false);
  opt.set_max_mem(int64_t{1} << 30);
  RE2::Set set(opt, RE2::UNANCHORED);
  int added = 0;
  for (const auto& r : f.regexes) {
    std::string err;
    if (set.Add(r, &err) >= 0) ++added;
  }
  if (!set.Compile()) return state.SkipWithError("RE2::Set::Compile failed (out of memory)");
  std::vector<int> hits;
  uint64_t matched = 0, oom = 0, bytes = 0;
  for (const Event& e : f.corpus.events) bytes += e.field(FieldId::kMessage).size();
  for (auto _ : state) {
    for (const Event& e : f.corpus.events) {
      std::string_view m = e.field(FieldId::kMessage);
      RE2::Set::ErrorInfo info;
      hits.clear();
      if (set.Match(re2::StringPiece(m.data(), m.size()), &hits, &info)) matched += hits.size();
      if (info.kind == RE2::Set::kOutOfMemory) ++oom;
    }
  }
  Report(state, Counts{f.corpus.events.size(), bytes, matched / std::max<uint64_t>(1, state.iterations()), 0});
  state.counters["patterns"] = added;
  state.counters["patterns_refused"] = static_cast<double>(f.regexes.size()) - added;
  state.counters["dfa_out_of_memory"] = static_cast<double>(oom);
}
BENCHMARK(BM_LogPack_RE2Set)->Unit(benchmark::kMillisecond);

void BM_LogPack_PCRE2JIT(benchmark::State& state) {
  const LogFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  std::vector<pcre2_code*> codes;
  for (const auto& r : f.regexes) {
    int err;
    PCRE2_SIZE off;
    pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(r.data()), r.size(), 0, &err,
                                  &off, nullptr);
    if (c == nullptr) continue;
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
    codes.push_back(c);
  }
  pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
  uint64_t matched = 0, bytes = 0;
  for (const Event& e : f.corpus.events) bytes += e.field(FieldId::kMessage).size();
  for (auto _ : state) {
    for (const Event& e : f.corpus.events) {
      std::string_view m = e.field(FieldId::kMessage);
      for (pcre2_code* c : codes) {
        matched += pcre2_match(c, reinterpret_cast<PCRE2_SPTR>(m.data()), m.size(), 0, 0, md,
                               nullptr) >= 0;
      }
    }
  }
  pcre2_match_data_free(md);
  for (pcre2_code* c : codes) pcre2_code_free(c);
  Report(state, Counts{f.corpus.events.size(), bytes, matched / std::max<uint64_t>(1, state.iterations()), 0});
  state.counters["patterns"] = static_cast<double>(codes.size());
}
BENCHMARK(BM_LogPack_PCRE2JIT)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kizashi::patterns::bench

BENCHMARK_MAIN();
