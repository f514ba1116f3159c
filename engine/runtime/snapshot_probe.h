// SnapshotProbe: what is in service (pattern packs, registry, rules) and how reloads went.
//
//   kizashi_snapshot_generation                         generation of the snapshot in service
//   kizashi_pattern_pack_info{pack,version}             1 per pack in service
//   kizashi_registry_info{version}                      1; version = content hash of the files
//   kizashi_rules_info{version}                         1; same for the rule files
//   kizashi_pattern_entries, kizashi_rules, kizashi_registry_operators   sizes in service
//   kizashi_snapshot_reloads_total{result}              reload attempts: success | failure
//   kizashi_snapshot_last_reload_successful             1 if the last attempt succeeded
//   kizashi_snapshot_last_reload_timestamp_seconds      when the last attempt finished
//   kizashi_snapshot_last_reload_duration_seconds       how long it took (load+validate+compile)
//   kizashi_config_restart_required                     1 when the configuration file changed
//                                                       a key that needs a restart
//
// Ownership: owned by the app for the process lifetime. Thread contract: every method is
// thread-safe; called on start-up and reload threads only (never per batch).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/runtime/snapshot.h"
#include "engine/telemetry/metrics.h"

namespace kizashi::runtime {

class SnapshotProbe {
 public:
  explicit SnapshotProbe(telemetry::Metrics& metrics);
  ~SnapshotProbe();

  // `snap` went into service (start-up or a successful reload).
  void Published(const Snapshot& snap);
  // A reload attempt finished (start-up loads are not reloads).
  void ReloadFinished(bool ok, double seconds, int64_t wall_time_ns);
  void RestartRequired(bool pending);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "demo@2024.1,other@3" (PatternSet::version()) -> {{"demo","2024.1"},{"other","3"}}.
std::vector<std::pair<std::string, std::string>> ParsePackVersions(const std::string& version);

}  // namespace kizashi::runtime
