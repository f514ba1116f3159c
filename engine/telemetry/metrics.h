// Metrics: the process's Prometheus registry and the scrape that renders it.
//
// Components declare their metrics in one place — a small probe struct that builds its
// prometheus-cpp families on this registry in its constructor (see engine/runtime/*_probe.h).
// Figures that are cheaper to read than to push (per-worker cells, RocksDB properties,
// /proc) are brought up to date by scrape hooks, which run at the start of every scrape.
//
//   telemetry::Metrics metrics;
//   auto& fam = prometheus::BuildGauge().Name("kizashi_x").Help("...").Register(metrics.registry());
//   auto hook = metrics.AddScrapeHook([&] { gauge.Set(Read()); });   // unregisters when destroyed
//   std::string text = metrics.Scrape();                              // exposition format 0.0.4
//
// Naming (https://prometheus.io/docs/practices/naming/): `kizashi_` prefix, base units
// (seconds, bytes), `_total` on counters, `_info` gauges of value 1 carrying versions.
//
// Ownership: one per process, created before any probe and destroyed after them. Thread
// contract: registry() and AddScrapeHook from any thread; Scrape from any thread, one at a
// time (serialised internally, hooks run on the scraping thread under that lock, so a hook's
// owner is never destroyed while its hook runs once the ScrapeHook handle is gone).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace prometheus {
class Registry;
}

namespace kizashi::telemetry {

class Metrics;

// Keeps a scrape hook registered; unregisters it (waiting for a running scrape) when
// destroyed.
class ScrapeHook {
 public:
  ScrapeHook() = default;
  ScrapeHook(Metrics* metrics, uint64_t id) : metrics_(metrics), id_(id) {}
  ScrapeHook(ScrapeHook&& o) noexcept : metrics_(o.metrics_), id_(o.id_) { o.metrics_ = nullptr; }
  ScrapeHook& operator=(ScrapeHook&& o) noexcept;
  ScrapeHook(const ScrapeHook&) = delete;
  ScrapeHook& operator=(const ScrapeHook&) = delete;
  ~ScrapeHook() { Reset(); }
  void Reset();

 private:
  Metrics* metrics_ = nullptr;
  uint64_t id_ = 0;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }

  // `fn` runs at the start of every scrape (in registration order) until the handle dies.
  [[nodiscard]] ScrapeHook AddScrapeHook(std::function<void()> fn);

  // Runs the hooks and renders every family in the text exposition format.
  std::string Scrape();
  // Runs the hooks without rendering: probes call it before they stop feeding a family so
  // its last figures are exported.
  void RunHooks();

  // Content-Type of Scrape()'s text.
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  friend class ScrapeHook;
  void RemoveHook(uint64_t id);

  std::shared_ptr<prometheus::Registry> registry_;
  std::mutex mu_;  // serialises scrapes and guards hooks_
  std::map<uint64_t, std::function<void()>> hooks_;
  uint64_t next_id_ = 1;
};

// kizashi_build_info{version=...} 1 and the standard process_* metrics (CPU, memory, open
// file descriptors, start time) read from /proc at scrape time.
class ProcessProbe {
 public:
  ProcessProbe(Metrics& metrics, const std::string& version);
  ~ProcessProbe();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kizashi::telemetry
