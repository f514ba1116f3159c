#include "patterns/load/probe.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <vector>

#include "patterns/load/loader.h"

namespace kizashi::patterns {

struct ReloadProbe::Impl {
  explicit Impl(prometheus::Registry& r)
      : pack_info(prometheus::BuildGauge()
                      .Name("kizashi_patterns_pack_info")
                      .Help("Pattern packs in service (value 1), labelled by id, version, signer")
                      .Register(r)),
        entries(prometheus::BuildGauge()
                    .Name("kizashi_patterns_entries")
                    .Help("Pattern-pack entries in service by compile mode")
                    .Register(r)),
        db_bytes(prometheus::BuildGauge()
                     .Name("kizashi_patterns_database_bytes")
                     .Help("Bytes of compiled Hyperscan databases in service")
                     .Register(r)
                     .Add({})),
        reloads(prometheus::BuildCounter()
                    .Name("kizashi_patterns_reloads_total")
                    .Help("Pattern-pack load attempts by result")
                    .Register(r)),
        ok(reloads.Add({{"result", "ok"}})),
        error(reloads.Add({{"result", "error"}})),
        last_success(prometheus::BuildGauge()
                         .Name("kizashi_patterns_last_reload_success")
                         .Help("1 when the last pattern-pack load succeeded")
                         .Register(r)
                         .Add({})),
        last_duration(prometheus::BuildGauge()
                          .Name("kizashi_patterns_last_reload_duration_seconds")
                          .Help("Duration of the last pattern-pack load")
                          .Register(r)
                          .Add({})),
        last_from_cache(prometheus::BuildGauge()
                            .Name("kizashi_patterns_last_reload_from_cache")
                            .Help("1 when the last load was served from the compiled-set cache")
                            .Register(r)
                            .Add({})),
        last_errors(prometheus::BuildGauge()
                        .Name("kizashi_patterns_last_reload_errors")
                        .Help("Errors reported by the last pattern-pack load")
                        .Register(r)
                        .Add({})),
        direct(entries.Add({{"mode", "direct"}})),
        rule(entries.Add({{"mode", "rule"}})),
        indicator(entries.Add({{"mode", "indicator"}})) {}

  prometheus::Family<prometheus::Gauge>& pack_info;
  prometheus::Family<prometheus::Gauge>& entries;
  prometheus::Gauge& db_bytes;
  prometheus::Family<prometheus::Counter>& reloads;
  prometheus::Counter& ok;
  prometheus::Counter& error;
  prometheus::Gauge& last_success;
  prometheus::Gauge& last_duration;
  prometheus::Gauge& last_from_cache;
  prometheus::Gauge& last_errors;
  prometheus::Gauge& direct;
  prometheus::Gauge& rule;
  prometheus::Gauge& indicator;
  std::vector<prometheus::Gauge*> packs_in_service;
};

ReloadProbe::ReloadProbe(prometheus::Registry& registry)
    : impl_(std::make_unique<Impl>(registry)) {}
ReloadProbe::~ReloadProbe() = default;

void ReloadProbe::OnLoad(const LoadResult& r) {
  Impl& m = *impl_;
  (r.ok() ? m.ok : m.error).Increment();
  m.last_success.Set(r.ok() ? 1 : 0);
  m.last_duration.Set(static_cast<double>(r.duration_ns) / 1e9);
  m.last_from_cache.Set(r.from_cache ? 1 : 0);
  m.last_errors.Set(static_cast<double>(r.diags.error_count()));
  if (!r.ok()) return;  // the set in service did not change
  for (auto* g : m.packs_in_service) m.pack_info.Remove(g);
  m.packs_in_service.clear();
  for (const auto& p : r.set->packs()) {
    auto& g = m.pack_info.Add({{"pack", p.id}, {"version", p.version}, {"signer", p.signer}});
    g.Set(1);
    m.packs_in_service.push_back(&g);
  }
  const auto& s = r.set->stats();
  m.direct.Set(s.direct_entries);
  m.rule.Set(s.rule_entries);
  m.indicator.Set(s.indicator_entries);
  m.db_bytes.Set(static_cast<double>(s.database_bytes));
}

}  // namespace kizashi::patterns
