// ReloadProbe: the pattern subsystem's metrics, declared in one place.
//
//   kizashi_patterns_pack_info{pack,version,signer}    1 per pack in service
//   kizashi_patterns_entries{mode}                     entries in service (direct|rule|indicator)
//   kizashi_patterns_database_bytes                    compiled Hyperscan databases in service
//   kizashi_patterns_reloads_total{result}             load attempts (ok|error)
//   kizashi_patterns_last_reload_success               1 when the last attempt succeeded
//   kizashi_patterns_last_reload_duration_seconds      duration of the last attempt
//   kizashi_patterns_last_reload_from_cache            1 when it was served from the cache
//   kizashi_patterns_last_reload_errors                diagnostics (errors) of the last attempt
//
// Per-worker scan counters (events, candidates, confirmations, limit hits) live in
// patterns::ScanStats and are summed by the runtime at scrape time.
//
// Ownership: owned by whoever owns the registry (the runtime); OnLoad is called by the
// PackWatcher thread. Thread contract: OnLoad is serialised by the watcher; prometheus-cpp
// metrics are themselves thread-safe for scraping.
#pragma once

#include <memory>

namespace prometheus {
class Registry;
}

namespace kizashi::patterns {

struct LoadResult;

class ReloadProbe {
 public:
  explicit ReloadProbe(prometheus::Registry& registry);
  ~ReloadProbe();
  ReloadProbe(const ReloadProbe&) = delete;
  ReloadProbe& operator=(const ReloadProbe&) = delete;

  void OnLoad(const LoadResult& result);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kizashi::patterns
