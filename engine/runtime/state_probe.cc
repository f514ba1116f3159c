#include "engine/runtime/state_probe.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <vector>

#include "engine/telemetry/local_metrics.h"

namespace kizashi::runtime {

struct StateProbe::Impl {
  struct Property {
    const char* name;
    prometheus::Gauge* gauge;
  };
  std::vector<Property> properties;
  prometheus::Gauge* stopped;
  prometheus::Gauge* delayed;
  std::unique_ptr<telemetry::CounterExport> stops, slowdowns;
  telemetry::Metrics* metrics;
  telemetry::ScrapeHook hook;
};

StateProbe::StateProbe(telemetry::Metrics& metrics, const state::StateStore* store)
    : impl_(std::make_unique<Impl>()) {
  auto& reg = metrics.registry();
  auto gauge = [&](const char* name, const char* help) -> prometheus::Gauge* {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(reg).Add({});
  };
  Impl& m = *impl_;
  m.metrics = &metrics;
  m.properties = {
      {"rocksdb.estimate-live-data-size",
       gauge("kizashi_state_live_data_bytes", "Estimated live data in the state store.")},
      {"rocksdb.total-sst-files-size",
       gauge("kizashi_state_sst_files_bytes", "Size of the state store's SST files.")},
      {"rocksdb.cur-size-all-mem-tables",
       gauge("kizashi_state_memtable_bytes", "Size of the state store's memtables.")},
      {"rocksdb.estimate-pending-compaction-bytes",
       gauge("kizashi_state_pending_compaction_bytes",
             "Bytes the state store's compaction still has to rewrite.")},
      {"rocksdb.num-running-compactions",
       gauge("kizashi_state_running_compactions", "Compactions running in the state store.")},
      {"rocksdb.estimate-num-keys",
       gauge("kizashi_state_keys", "Estimated number of keys in the state store.")},
  };
  auto& stall = prometheus::BuildGauge()
                    .Name("kizashi_state_write_stall")
                    .Help("1 while the state store stops (kind=stop) or slows down "
                          "(kind=delay) writes.")
                    .Register(reg);
  m.stopped = &stall.Add({{"kind", "stop"}});
  m.delayed = &stall.Add({{"kind", "delay"}});
  auto& stalls = prometheus::BuildCounter()
                     .Name("kizashi_state_write_stalls_total")
                     .Help("Write stalls of the state store so far, by kind (stop, delay).")
                     .Register(reg);
  m.stops = std::make_unique<telemetry::CounterExport>(&stalls.Add({{"kind", "stop"}}));
  m.slowdowns = std::make_unique<telemetry::CounterExport>(&stalls.Add({{"kind", "delay"}}));
  Impl* p = impl_.get();
  m.hook = metrics.AddScrapeHook([p, store]() {
    for (const auto& prop : p->properties) {
      prop.gauge->Set(static_cast<double>(store->IntProperty(prop.name)));
    }
    p->stopped->Set(store->IntProperty("rocksdb.is-write-stopped") > 0 ? 1 : 0);
    p->delayed->Set(store->IntProperty("rocksdb.actual-delayed-write-rate") > 0 ? 1 : 0);
    p->stops->Update(store->MapPropertyValue("rocksdb.cfstats", "io_stalls.total_stop"));
    p->slowdowns->Update(store->MapPropertyValue("rocksdb.cfstats", "io_stalls.total_slowdown"));
  });
}

// The store closes after this: bring the gauges up to date one last time (under the scrape
// lock), so an instance that lingers after its run exports the final figures.
StateProbe::~StateProbe() {
  impl_->metrics->RunHooks();
  impl_->hook.Reset();
}

}  // namespace kizashi::runtime
