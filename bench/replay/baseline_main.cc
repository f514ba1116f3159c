// kizashi-baseline: the physical and matching limits of a corpus, for bench/side_by_side.sh.
//
//   kizashi-baseline memscan FILE...             single core: find every record boundary
//   kizashi-baseline hsscan --pack PACK FILE...  single core: raw hs_scan of every record
//                                                with the pack's regex/literal entries
//
// Hypothesis: on this VM one core walks memory at several GB/s (memscan: memchr for '\n' over
// the corpus already in memory — the ceiling for anything that reads every byte), and
// Hyperscan alone, with the same pack as kizashi but none of its decoding, field selection,
// confirmation or correlation, scans whole records at a few hundred MB/s; kizashi's in-process
// rate is judged against both. Each measurement repeats the pass until >= 1 s has elapsed and
// reports the best pass (records/s, MB/s; hsscan also matches per record).
// Output: one line per measurement, "name records records_per_s mb_per_s extra".
#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/common/diag.h"
#include "patterns/pack/pack.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Corpus {
  std::string bytes;
  size_t records = 0;
};

bool Load(int argc, char** argv, int first, Corpus* c) {
  for (int i = first; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "kizashi-baseline: cannot read %s\n", argv[i]);
      return false;
    }
    c->bytes.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    if (!c->bytes.empty() && c->bytes.back() != '\n') c->bytes.push_back('\n');
  }
  c->records = static_cast<size_t>(std::count(c->bytes.begin(), c->bytes.end(), '\n'));
  return true;
}

template <typename Fn>
double BestPassSeconds(Fn pass) {
  double best = 1e30, total = 0;
  int passes = 0;
  while (total < 1.0 || passes < 3) {
    auto t0 = Clock::now();
    pass();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::min(best, s);
    total += s;
    ++passes;
    if (passes >= 1000) break;
  }
  return best;
}

int MemScan(const Corpus& c) {
  size_t found = 0;
  double s = BestPassSeconds([&] {
    size_t n = 0;
    const char* p = c.bytes.data();
    const char* end = p + c.bytes.size();
    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) != nullptr) {
      ++n;
      ++p;
    }
    found = n;
  });
  std::printf("memscan %zu %.0f %.1f records_found=%zu\n", c.records, static_cast<double>(c.records) / s,
              static_cast<double>(c.bytes.size()) / 1e6 / s, found);
  return 0;
}

std::string EscapeLiteral(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", ch);
    out += buf;
  }
  return out;
}

int HsScan(const std::string& pack_path, const Corpus& c) {
  kizashi::Diagnostics d;
  kizashi::patterns::Pack pack = kizashi::patterns::ParsePackFile(pack_path, &d);
  if (d.has_errors()) {
    std::fprintf(stderr, "%s", d.ToText().c_str());
    return 1;
  }
  std::vector<std::string> exprs;
  std::vector<unsigned> flags, ids;
  size_t skipped = 0;
  for (const auto& e : pack.entries) {
    unsigned f = HS_FLAG_SINGLEMATCH;
    if (e.flags.caseless) f |= HS_FLAG_CASELESS;
    if (e.flags.dotall) f |= HS_FLAG_DOTALL;
    if (e.flags.multiline) f |= HS_FLAG_MULTILINE;
    if (e.expr_type == kizashi::patterns::ExprType::kRegex) {
      exprs.push_back(e.expression);
    } else if (e.expr_type == kizashi::patterns::ExprType::kLiteral) {
      exprs.push_back(EscapeLiteral(e.expression));
    } else {
      ++skipped;  // hex bodies, IDS rules and indicators need kizashi's own compilation
      continue;
    }
    flags.push_back(f);
    ids.push_back(static_cast<unsigned>(ids.size()));
  }
  std::vector<const char*> ptrs;
  for (const auto& e : exprs) ptrs.push_back(e.c_str());
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()),
                       HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    std::fprintf(stderr, "kizashi-baseline: hs_compile_multi: %s\n", err != nullptr ? err->message : "?");
    hs_free_compile_error(err);
    return 1;
  }
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(db, &scratch);
  std::vector<std::pair<const char*, unsigned>> lines;
  lines.reserve(c.records);
  for (size_t b = 0; b < c.bytes.size();) {
    size_t e = c.bytes.find('\n', b);
    if (e == std::string::npos) e = c.bytes.size();
    lines.emplace_back(c.bytes.data() + b, static_cast<unsigned>(e - b));
    b = e + 1;
  }
  uint64_t matches = 0;
  auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
    ++*static_cast<uint64_t*>(ctx);
    return 0;
  };
  double s = BestPassSeconds([&] {
    matches = 0;
    for (const auto& [p, n] : lines) hs_scan(db, p, n, 0, scratch, on_match, &matches);
  });
  std::printf("hsscan %zu %.0f %.1f patterns=%zu skipped_entries=%zu matches_per_record=%.4f\n",
              c.records, static_cast<double>(c.records) / s, static_cast<double>(c.bytes.size()) / 1e6 / s,
              exprs.size(), skipped, static_cast<double>(matches) / static_cast<double>(std::max<size_t>(1, c.records)));
  hs_free_scratch(scratch);
  hs_free_database(db);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc >= 2 ? argv[1] : "";
  if (mode == "memscan" && argc >= 3) {
    Corpus c;
    return Load(argc, argv, 2, &c) ? MemScan(c) : 1;
  }
  if (mode == "hsscan" && argc >= 5 && std::strcmp(argv[2], "--pack") == 0) {
    Corpus c;
    return Load(argc, argv, 4, &c) ? HsScan(argv[3], c) : 1;
  }
  std::fprintf(stderr, "usage: kizashi-baseline memscan FILE... | hsscan --pack PACK FILE...\n");
  return 2;
}
