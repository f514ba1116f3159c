#include "engine/runtime/snapshot_probe.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "engine/common/strings.h"

namespace kizashi::runtime {

std::vector<std::pair<std::string, std::string>> ParsePackVersions(const std::string& version) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string_view part : Split(version, ',', true)) {
    size_t at = part.rfind('@');
    if (at == std::string_view::npos) out.emplace_back(std::string(part), "");
    else out.emplace_back(std::string(part.substr(0, at)), std::string(part.substr(at + 1)));
  }
  return out;
}

struct SnapshotProbe::Impl {
  std::mutex mu;
  prometheus::Gauge* generation;
  prometheus::Family<prometheus::Gauge>* packs;
  prometheus::Family<prometheus::Gauge>* registry;
  prometheus::Family<prometheus::Gauge>* rules;
  // The info series of the snapshot in service (removed when the next one arrives).
  std::vector<prometheus::Gauge*> pack_info;
  prometheus::Gauge* registry_info = nullptr;
  prometheus::Gauge* rules_info = nullptr;
  prometheus::Gauge* entries;
  prometheus::Gauge* rule_count;
  prometheus::Gauge* operators;
  prometheus::Counter* success;
  prometheus::Counter* failure;
  prometheus::Gauge* last_ok;
  prometheus::Gauge* last_time;
  prometheus::Gauge* last_duration;
  prometheus::Gauge* restart_required;
};

SnapshotProbe::SnapshotProbe(telemetry::Metrics& metrics) : impl_(std::make_unique<Impl>()) {
  auto& reg = metrics.registry();
  auto gauge = [&](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(reg);
  };
  Impl& m = *impl_;
  m.generation = &gauge("kizashi_snapshot_generation",
                        "Generation of the snapshot (packs, registry, rules) in service; "
                        "1 at start-up, +1 per successful reload.")
                      ->Add({});
  m.packs = gauge("kizashi_pattern_pack_info", "Pattern packs in service (value is always 1).");
  m.registry = gauge("kizashi_registry_info",
                     "Registry in service; version is a content hash of its files (value is "
                     "always 1).");
  m.rules = gauge("kizashi_rules_info",
                  "Correlation rules in service; version is a content hash of their files "
                  "(value is always 1).");
  m.entries = &gauge("kizashi_pattern_entries", "Pattern entries in service.")->Add({});
  m.rule_count = &gauge("kizashi_rules", "Correlation rules in service.")->Add({});
  m.operators = &gauge("kizashi_registry_operators", "Operators in the registry in service.")
                     ->Add({});
  auto& reloads = prometheus::BuildCounter()
                      .Name("kizashi_snapshot_reloads_total")
                      .Help("Reloads of packs, registry and rules (SIGHUP or file watch), by "
                            "result. A failed reload changes nothing.")
                      .Register(reg);
  m.success = &reloads.Add({{"result", "success"}});
  m.failure = &reloads.Add({{"result", "failure"}});
  m.last_ok = &gauge("kizashi_snapshot_last_reload_successful",
                     "1 if the last reload succeeded (or none was attempted), 0 if it failed.")
                   ->Add({});
  m.last_ok->Set(1);
  m.last_time = &gauge("kizashi_snapshot_last_reload_timestamp_seconds",
                       "Unix time the last reload attempt finished (0: none yet).")
                     ->Add({});
  m.last_duration = &gauge("kizashi_snapshot_last_reload_duration_seconds",
                           "Duration of the last reload attempt (load, validate, compile).")
                         ->Add({});
  m.restart_required = &gauge("kizashi_config_restart_required",
                              "1 when the configuration file changed a key that only takes "
                              "effect after a restart.")
                            ->Add({});
}

SnapshotProbe::~SnapshotProbe() = default;

void SnapshotProbe::Published(const Snapshot& snap) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  m.generation->Set(static_cast<double>(snap.generation));
  // Only what is in service carries an info series: drop the previous snapshot's.
  for (auto* g : m.pack_info) m.packs->Remove(g);
  m.pack_info.clear();
  if (m.registry_info != nullptr) m.registry->Remove(m.registry_info);
  if (m.rules_info != nullptr) m.rules->Remove(m.rules_info);
  m.registry_info = m.rules_info = nullptr;
  if (snap.patterns != nullptr) {
    for (const auto& [pack, version] : ParsePackVersions(snap.patterns->version())) {
      m.pack_info.push_back(&m.packs->Add({{"pack", pack}, {"version", version}}));
      m.pack_info.back()->Set(1);
    }
    m.entries->Set(static_cast<double>(snap.patterns->entries().size()));
  }
  m.registry_info = &m.registry->Add({{"version", snap.registry_version}});
  m.registry_info->Set(1);
  m.rules_info = &m.rules->Add({{"version", snap.rules_version}});
  m.rules_info->Set(1);
  if (snap.rules != nullptr) m.rule_count->Set(static_cast<double>(snap.rules->rules().size()));
  if (snap.registry != nullptr) {
    m.operators->Set(static_cast<double>(snap.registry->operators().size()));
  }
}

void SnapshotProbe::ReloadFinished(bool ok, double seconds, int64_t wall_time_ns) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  (ok ? m.success : m.failure)->Increment();
  m.last_ok->Set(ok ? 1 : 0);
  m.last_time->Set(static_cast<double>(wall_time_ns) / 1e9);
  m.last_duration->Set(seconds);
}

void SnapshotProbe::RestartRequired(bool pending) {
  impl_->restart_required->Set(pending ? 1 : 0);
}

}  // namespace kizashi::runtime
