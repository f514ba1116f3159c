// Compile-side costs, through the production loader (verify signature -> parse YAML ->
// validate -> compile -> cache):
//   - cold load of a 10 k-entry log pack: the fail2ban filters (imported) + fail2ban-style
//     regexes generated from templates (seeded) + literals taken from the ET Open content
//     strings in ../shared/data/derived/et_content.txt. Hypothesis: <= 5 s with the default
//     options (selective-literal regexes prefiltered + PCRE2); also measured with every regex
//     compiled into Hyperscan (prefilter_min_literal = 0);
//   - cached load of the same pack (restart): hypothesis <= 50 ms;
//   - the ET Open import: time to import + compile, database and scratch bytes, RSS growth.
#include <hs/hs.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <unistd.h>

#include "bench/patterns/bench_common.h"
#include "engine/common/file_util.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "patterns/load/loader.h"
#include "patterns/pack/signing.h"

namespace kizashi::patterns::bench {
namespace {

namespace fs = std::filesystem;

struct PackFixture {
  std::vector<PackSource> sources;
  TrustStore trust;
  size_t entries = 0, regexes = 0, literals = 0;
  std::string cache_dir;
  std::string error;
};

std::string MakeLogPack(size_t target, size_t* regexes, size_t* literals, std::string* error) {
  std::string dir = SharedData("fail2ban/filter.d");
  std::string content = SharedData("derived/et_content.txt");
  if (dir.empty() || content.empty()) {
    *error = "../shared/data/fail2ban or derived/et_content.txt is absent";
    return "";
  }
  Pack pack;
  pack.id = "log-pack-10k";
  pack.version = "bench";
  pack.issuer = "bench";
  pack.file = "log-pack-10k.yaml";
  ImportReport report;
  std::vector<std::string> files;
  for (const auto& ent : fs::directory_iterator(dir)) files.push_back(ent.path().string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) ImportFail2ban(*ReadFile(f), f, ImportOptions{}, &pack, &report);
  FinalizeImport(&pack, &report);
  *regexes = pack.entries.size();
  // fail2ban-style regexes: message prefix, a verb phrase, user and host captures.
  static const char* kWords[] = {"login", "auth", "session", "access", "denied", "failed",
                                 "invalid", "user", "password", "token", "key", "account",
                                 "admin", "service", "client", "request", "refused",
                                 "blocked", "rejected", "error", "certificate", "handshake"};
  const std::string host =
      R"((?:\[?(?:(?:::f{4,6}:)?(?:\d{1,3}\.){3}\d{1,3}|(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4})\]?|[\w\-.^_]*\w))";
  std::mt19937 rng(20240301);
  const size_t n_regex = target / 5;
  for (size_t i = 0; *regexes < n_regex; ++i) {
    PackEntry e;
    e.id = StrCat("gen-re-", i);
    e.expr_type = ExprType::kRegex;
    std::string a = kWords[rng() % 22], b = kWords[rng() % 22], c = kWords[rng() % 22];
    a[0] = static_cast<char>(a[0] - 32);
    e.expression = StrCat(R"(^(?:\[ *\d+\.\d+\]:?\s+)?)", a, " ", b, " ", c, i,
                          R"( for (?:invalid user )?\S+ from )", host, R"((?: port \d+)?)");
    e.fields = {FieldId::kMessage};
    pack.entries.push_back(std::move(e));
    ++*regexes;
  }
  // Literals: distinct printable ET Open content strings of 6..64 bytes.
  std::ifstream in(content);
  std::string line;
  std::set<std::string> seen;
  *literals = 0;
  while (pack.entries.size() < target && std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string lit = line.substr(tab + 1);
    if (lit.size() < 6 || lit.size() > 64) continue;
    bool printable = std::all_of(lit.begin(), lit.end(), [](char ch) {
      return ch >= 0x20 && ch < 0x7f;
    });
    if (!printable || !seen.insert(lit).second) continue;
    PackEntry e;
    e.id = StrCat("lit-", pack.entries.size());
    e.expr_type = ExprType::kLiteral;
    e.expression = lit;
    e.fields = {FieldId::kMessage};
    pack.entries.push_back(std::move(e));
    ++*literals;
  }
  return WritePackYaml(pack);
}

PackFixture* LogFixture() {
  static PackFixture* f = [] {
    auto* x = new PackFixture;
    std::string text = MakeLogPack(Smoke() ? 1000 : 10000, &x->regexes, &x->literals, &x->error);
    if (!x->error.empty()) return x;
    auto kp = GenerateEd25519KeyPair();
    KZ_IGNORE_STATUS(x->trust.AddPublicKeyPem(kp->public_pem, "bench.pub"));
    PackSource s{"log-pack-10k.yaml", text, *SignPack(text, kp->private_pem)};
    x->sources.push_back(std::move(s));
    x->entries = x->regexes + x->literals;
    x->cache_dir = (fs::temp_directory_path() / StrCat("kizashi-bench-cache-", ::getpid())).string();
    return x;
  }();
  return f;
}

void BM_LogPack10k_ColdLoad(benchmark::State& state, int64_t prefilter_min_literal) {
  PackFixture* f = LogFixture();
  if (!f->error.empty()) return state.SkipWithError(f->error.c_str());
  LoadOptions o;
  o.trust = &f->trust;
  o.compile.prefilter_min_literal = prefilter_min_literal;
  LoadResult r;
  for (auto _ : state) {
    r = LoadPacksFromBytes(f->sources, o);
    if (!r.ok()) return state.SkipWithError(r.diags.ToText().c_str());
  }
  state.counters["entries"] = static_cast<double>(r.set->entries().size());
  state.counters["regexes"] = static_cast<double>(f->regexes);
  state.counters["literals"] = static_cast<double>(f->literals);
  state.counters["confirmed_regexes"] = r.set->stats().confirmed_regex_entries;
  state.counters["load_s"] = static_cast<double>(r.duration_ns) / 1e9;
  state.counters["db_bytes"] = static_cast<double>(r.set->stats().database_bytes);
}
BENCHMARK_CAPTURE(BM_LogPack10k_ColdLoad, default_options, 8)
    ->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_LogPack10k_ColdLoad, all_regexes_in_hyperscan, 0)
    ->Unit(benchmark::kSecond)->Iterations(1);

void BM_LogPack10k_CachedLoad(benchmark::State& state) {
  PackFixture* f = LogFixture();
  if (!f->error.empty()) return state.SkipWithError(f->error.c_str());
  LoadOptions o;
  o.trust = &f->trust;
  o.cache_dir = f->cache_dir;
  LoadResult warm = LoadPacksFromBytes(f->sources, o);  // writes the cache
  if (!warm.ok()) return state.SkipWithError("load failed");
  LoadResult r;
  for (auto _ : state) {
    r = LoadPacksFromBytes(f->sources, o);
    if (!r.from_cache) return state.SkipWithError("not served from the cache");
  }
  state.counters["entries"] = static_cast<double>(r.set->entries().size());
  state.counters["load_ms"] = static_cast<double>(r.duration_ns) / 1e6;
  std::error_code ec;
  fs::remove_all(f->cache_dir, ec);
}
BENCHMARK(BM_LogPack10k_CachedLoad)->Unit(benchmark::kMillisecond);

int64_t RssKb() {
  std::ifstream in("/proc/self/statm");
  int64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

void BM_EtOpen_ImportAndCompile(benchmark::State& state) {
  std::string dir = SharedData("et-open-2024");
  if (dir.empty()) return state.SkipWithError("../shared/data/et-open-2024 is absent");
  std::vector<std::string> files;
  for (const auto& ent : fs::directory_iterator(dir)) {
    if (ent.path().extension() == ".rules") files.push_back(ent.path().string());
  }
  std::sort(files.begin(), files.end());
  if (Smoke()) files.resize(std::min<size_t>(files.size(), 3));
  std::vector<std::string> texts;
  for (const auto& f : files) texts.push_back(*ReadFile(f));
  std::shared_ptr<const PatternSet> set;
  ImportReport report;
  int64_t rss_before = RssKb();
  for (auto _ : state) {
    Pack pack;
    pack.id = "et-open";
    pack.version = "bench";
    pack.issuer = "bench";
    pack.file = "et-open.yaml";
    report = ImportReport();
    for (size_t i = 0; i < files.size(); ++i) {
      ImportSuricataRules(texts[i], files[i], ImportOptions{}, &pack, &report);
    }
    set = FinalizeImport(&pack, &report);
  }
  if (!set) return state.SkipWithError("ET Open did not compile");
  Scanner scanner;
  KZ_IGNORE_STATUS(scanner.Prepare(*set));
  size_t scratch = 0;
  hs_scratch_t* s = nullptr;
  for (FieldId f : set->scanned_fields()) hs_alloc_scratch(set->database(f), &s);
  hs_scratch_size(s, &scratch);
  hs_free_scratch(s);
  state.counters["rules_imported"] = static_cast<double>(report.imported);
  state.counters["rules_refused"] = static_cast<double>(report.refused.size());
  state.counters["compile_s"] = static_cast<double>(set->stats().compile_ns) / 1e9;
  state.counters["db_bytes"] = static_cast<double>(set->stats().database_bytes);
  state.counters["scratch_bytes"] = static_cast<double>(scratch);
  state.counters["rss_growth_kb"] = static_cast<double>(RssKb() - rss_before);
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  state.counters["peak_rss_kb"] = static_cast<double>(ru.ru_maxrss);
}
BENCHMARK(BM_EtOpen_ImportAndCompile)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
}  // namespace kizashi::patterns::bench

BENCHMARK_MAIN();
