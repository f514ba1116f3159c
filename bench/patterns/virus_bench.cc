// Workload 3 — virus signatures: the ClamAV body signatures of Linux Malware Detect
// (lmd-sigs-2013/rfxn.ndb, ~1.9 k hex signatures) and ClamAV's test signatures, imported with
// the production importer, over file and payload bytes: every regular file of
// ../shared/data as one payload (logs, rule files, JSON, gzip archives, PE test file: mixed
// text and binary, ~15 MB) plus the EVE alert payloads.
//
// Hypotheses:
//   - Hyperscan's multi-literal engines keep 1.9 k hex signatures above 1 GB/s on one core,
//     and the matcher adds nothing measurable over raw hs_scan on large payloads (one scan
//     per payload; the per-event work is amortised);
//   - RE2::Set over the same byte regexes and a PCRE2-JIT loop are far slower (the PCRE2 loop
//     runs on a 1 MB sample: the full corpus x 1.9 k regexes takes minutes).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <deque>
#include <filesystem>

#include "bench/patterns/bench_common.h"
#include "engine/common/file_util.h"
#include "engine/common/strings.h"

namespace kizashi::patterns::bench {
namespace {

namespace fs = std::filesystem;

struct VirusFixture {
  std::deque<std::string> files;
  std::vector<Event> events;
  std::shared_ptr<const PatternSet> set;
  std::vector<std::string> regexes;  // the hex bodies as byte regexes, for the baselines
  ImportReport report;
  uint64_t bytes = 0;
  std::string error;
};

const VirusFixture& Fixture() {
  static VirusFixture* f = [] {
    auto* x = new VirusFixture;
    std::string lmd = SharedData("lmd-sigs-2013/rfxn.ndb");
    std::string root = SharedData("");
    if (lmd.empty()) {
      x->error = "../shared/data/lmd-sigs-2013 is absent";
      return x;
    }
    Pack pack;
    pack.id = "signatures";
    pack.version = "bench";
    pack.issuer = "bench";
    pack.file = "signatures.yaml";
    ImportClamAv(*ReadFile(lmd), lmd, ImportOptions{}, &pack, &x->report);
    std::vector<std::string> sigfiles;
    for (const auto& ent : fs::recursive_directory_iterator(root + "/clamav-testsigs")) {
      std::string ext = ent.path().extension().string();
      if (ent.is_regular_file() && (ext == ".ndb" || ext == ".hdb" || ext == ".hsb")) {
        sigfiles.push_back(ent.path().string());
      }
    }
    std::sort(sigfiles.begin(), sigfiles.end());
    for (const auto& sf : sigfiles) ImportClamAv(*ReadFile(sf), sf, ImportOptions{}, &pack, &x->report);
    x->set = FinalizeImport(&pack, &x->report);
    if (!x->set) {
      x->error = "the signature pack did not compile";
      return x;
    }
    for (const auto& p : x->set->field_patterns(FieldId::kPayload)) x->regexes.push_back(p.expression);
    std::vector<std::string> paths;
    for (const auto& ent : fs::recursive_directory_iterator(root)) {
      if (ent.is_regular_file()) paths.push_back(ent.path().string());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      auto body = ReadFile(p);
      if (!body.ok() || body->empty()) continue;
      x->files.push_back(std::move(*body));
      if (Smoke() && x->files.size() >= 20) break;
    }
    SampleEvents eve;
    LoadEveCorpus(&eve);
    for (const Event& e : eve.events) {
      if (!e.field(FieldId::kPayload).empty()) x->files.emplace_back(e.field(FieldId::kPayload));
    }
    for (const auto& body : x->files) {
      Event e;
      e.set_field(FieldId::kPayload, body);
      x->events.push_back(e);
      x->bytes += body.size();
    }
    std::fprintf(stderr, "signatures: %s", x->report.Summary().c_str());
    std::fprintf(stderr, "corpus: %zu payloads, %llu bytes\n", x->events.size(),
                 static_cast<unsigned long long>(x->bytes));
    return x;
  }();
  return *f;
}

void BM_Virus_Kizashi(benchmark::State& state) {
  const VirusFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  MatcherLoop loop(*f.set, f.events, 64);
  Counts c;
  for (auto _ : state) c = loop.Run();
  Report(state, c);
  state.counters["signatures"] = static_cast<double>(f.regexes.size());
}
BENCHMARK(BM_Virus_Kizashi)->Unit(benchmark::kMillisecond);

void BM_Virus_RawHsScan(benchmark::State& state) {
  const VirusFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  RawHsLoop loop(*f.set, f.events);
  Counts c;
  for (auto _ : state) c = loop.Run();
  Report(state, c);
}
BENCHMARK(BM_Virus_RawHsScan)->Unit(benchmark::kMillisecond);

void BM_Virus_RE2Set(benchmark::State& state) {
  const VirusFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  RE2::Options opt;
  opt.set_log_errors(false);
  opt.set_encoding(RE2::Options::EncodingLatin1);
  opt.set_dot_nl(true);
  opt.set_max_mem(int64_t{2} << 30);
  RE2::Set set(opt, RE2::UNANCHORED);
  int added = 0;
  for (const auto& r : f.regexes) {
    std::string err;
    if (set.Add(r, &err) >= 0) ++added;
  }
  if (!set.Compile()) return state.SkipWithError("RE2::Set::Compile ran out of memory");
  std::vector<int> hits;
  uint64_t matches = 0, oom = 0;
  for (auto _ : state) {
    for (const Event& e : f.events) {
      std::string_view v = e.field(FieldId::kPayload);
      hits.clear();
      RE2::Set::ErrorInfo info;
      if (set.Match(re2::StringPiece(v.data(), v.size()), &hits, &info)) matches += hits.size();
      if (info.kind == RE2::Set::kOutOfMemory) ++oom;
    }
  }
  const uint64_t it = std::max<uint64_t>(1, state.iterations());
  Report(state, Counts{f.events.size(), f.bytes, matches / it, 0});
  state.counters["signatures"] = added;
  state.counters["dfa_out_of_memory"] = static_cast<double>(oom);
}
BENCHMARK(BM_Virus_RE2Set)->Unit(benchmark::kMillisecond);

void BM_Virus_PCRE2JIT(benchmark::State& state) {
  const VirusFixture& f = Fixture();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  std::vector<pcre2_code*> codes;
  for (const auto& r : f.regexes) {
    int err;
    PCRE2_SIZE off;
    pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(r.data()), r.size(), PCRE2_DOTALL,
                                  &err, &off, nullptr);
    if (c == nullptr) continue;
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
    codes.push_back(c);
  }
  // A 1 MB sample of the corpus (whole payloads, in corpus order).
  std::vector<std::string_view> sample;
  uint64_t bytes = 0;
  for (const Event& e : f.events) {
    if (bytes >= (Smoke() ? 64 * 1024 : 1 << 20)) break;
    sample.push_back(e.field(FieldId::kPayload));
    bytes += sample.back().size();
  }
  pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* mc = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(mc, 100000);
  uint64_t matches = 0;
  for (auto _ : state) {
    for (std::string_view v : sample) {
      for (pcre2_code* c : codes) {
        matches += pcre2_match(c, reinterpret_cast<PCRE2_SPTR>(v.data()), v.size(), 0, 0, md, mc) >= 0;
      }
    }
  }
  pcre2_match_context_free(mc);
  pcre2_match_data_free(md);
  for (pcre2_code* c : codes) pcre2_code_free(c);
  const uint64_t it = std::max<uint64_t>(1, state.iterations());
  Report(state, Counts{sample.size(), bytes, matches / it, 0});
  state.counters["signatures"] = static_cast<double>(codes.size());
  state.counters["sample_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Virus_PCRE2JIT)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace kizashi::patterns::bench

BENCHMARK_MAIN();
