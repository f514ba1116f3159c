// Shared pieces of the pattern benchmarks: where ../shared/data is, the production matcher
// loop, the raw-hs_scan loop on the same databases, and reporting.
//
// Everything measured for kizashi runs the production code path (importers,
// PatternSet::Compile, match::Matcher over batches); only the baselines (RE2::Set, PCRE2-JIT,
// raw hs_scan) are written for the benchmarks. One thread: numbers are per core.
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/event/batch.h"
#include "engine/match/matcher.h"
#include "patterns/cli/sample_events.h"
#include "patterns/compile/pattern_set.h"
#include "patterns/import/import.h"

namespace kizashi::patterns::bench {

// ../shared/data (or $KIZASHI_SHARED_DATA) + rel; "" when absent.
std::string SharedData(const std::string& rel);
// KIZASHI_BENCH_SMOKE=1 (the smoke test): callers may shrink their inputs.
bool Smoke();
// Reads a file, gunzipping *.gz. Empty on failure.
std::string ReadMaybeGz(const std::string& path);

struct Counts {
  uint64_t events = 0;
  uint64_t bytes = 0;  // bytes of the fields that have a database
  uint64_t matches = 0;
  uint64_t candidates = 0;
};

// The production path: events copied into Batches of `batch_size` once, then each Run()
// hands every batch to one match::Matcher (one scratch), as a worker would.
class MatcherLoop {
 public:
  MatcherLoop(const PatternSet& set, const std::vector<Event>& events, size_t batch_size = 256);
  Counts Run();

 private:
  const PatternSet& set_;
  std::vector<Batch> batches_;
  match::Matcher matcher_;
  uint64_t bytes_ = 0;
};

// hs_scan of every scanned field of every event against the set's own databases, with a
// callback that only counts: the floor the matcher is compared with.
class RawHsLoop {
 public:
  RawHsLoop(const PatternSet& set, const std::vector<Event>& events);
  ~RawHsLoop();
  Counts Run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// items = events, bytes, and per-event matches/candidates as counters.
void Report(benchmark::State& state, const Counts& per_iteration);

// Lines of the fail2ban test logs (comments dropped) and the WRCCDC 2018 syslog, as syslog
// events (MSG -> message). Empty when the data is absent.
void LoadSyslogCorpus(SampleEvents* out);
// EVE http/dns/tls/alert events from the Suricata EVE samples in ../shared/data.
void LoadEveCorpus(SampleEvents* out);

}  // namespace kizashi::patterns::bench
