// Reloader: the SIGHUP / file-watch reload of everything a snapshot is built from, and of the
// configuration keys that may change without a restart.
//
// A reload re-reads the configuration file (with the environment and --set overrides given at
// start-up) and compares every key with the configuration in effect (config::Schema::Values):
//   - keys declared Reload::kLive are taken: the packs and rules file lists, log.level;
//   - keys that need a restart keep their running value; each change is logged as a warning
//     (reload.restart_required key=...) and kizashi_config_restart_required goes to 1;
// then registry, packs and rules are loaded, validated and compiled into a new snapshot, which
// is published with one atomic swap (SnapshotHolder): batches in flight finish on the old one,
// the next batch pins the new one, nobody waits. Any error — in the configuration file or in a
// registry, pack or rule file — is logged with file:line, counted
// (kizashi_snapshot_reloads_total{result="failure"}) and changes nothing: the previous snapshot
// and configuration stay in service.
//
// The builder is injectable so the component loaders that keep their own state (registry,
// pattern cache) can take over snapshot building without changing this contract.
//
// Ownership: owned by the app for the process lifetime. Thread contract: Reload, LoadInitial
// and config() may be called from any thread; reloads are serialised by a mutex.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/diag.h"
#include "engine/common/time.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/snapshot.h"

namespace kizashi::runtime {

class SnapshotProbe;

struct ReloadResult {
  bool ok = false;
  uint64_t generation = 0;                    // in service after the attempt
  std::vector<std::string> applied;           // live keys that changed and were applied
  std::vector<std::string> restart_required;  // changed keys that need a restart (kept)
  Diagnostics diagnostics;                    // every error and warning, with file:line
  double seconds = 0;
};

class Reloader {
 public:
  using Builder = std::function<absl::StatusOr<std::shared_ptr<const Snapshot>>(
      const EngineConfig&, uint64_t generation, Diagnostics*)>;

  // `config_path` and `overrides` as given on the command line; `initial` is the
  // configuration the process started with.
  Reloader(std::string config_path, std::vector<std::string> overrides, EngineConfig initial,
           SnapshotHolder* holder, SnapshotProbe* probe = nullptr, Builder builder = nullptr,
           const Clock* clock = nullptr);

  // Start-up: builds generation 1 and publishes it. Errors (all of them, in `diags`) publish
  // nothing.
  absl::Status LoadInitial(Diagnostics* diags);
  // One reload attempt; `trigger` ("sighup", "watch", ...) is logged.
  ReloadResult Reload(std::string_view trigger);

  // The configuration in effect (live keys as last applied).
  EngineConfig config() const;
  // What a file watch should look at: the configuration file and every registry, pack and
  // rule file or directory in effect (directories also through their *.yaml files).
  std::vector<std::string> WatchedPaths() const;
  // The registry's files and directories only (registry.watch_interval).
  std::vector<std::string> RegistryPaths() const;

  // Whether a reload applies this key (a path from config::Schema). Every key declared
  // Reload::kLive must be one: reloader_test checks the whole reference.
  static bool AppliesLive(std::string_view key);

 private:
  const std::string path_;
  const std::vector<std::string> overrides_;
  SnapshotHolder* holder_;
  SnapshotProbe* probe_;
  Builder builder_;
  const Clock* clock_;
  mutable std::mutex mu_;  // serialises reloads; guards config_
  EngineConfig config_;
  bool restart_required_ = false;
};

// FileWatcher: polls a set of paths (size, mtime, inode; for each call of `paths`, so new
// files in a directory are seen) and calls `on_change` once a change has been stable for one
// interval — an editor's half-written file or a ConfigMap's symlink swap in progress does not
// trigger a reload of a torn state.
//
// Ownership: owned by the app. Thread contract: Start/Stop from one controlling thread;
// `paths` and `on_change` run on the watcher thread. PollOnce is for tests (no thread).
class FileWatcher {
 public:
  FileWatcher(std::function<std::vector<std::string>()> paths,
              std::function<void()> on_change);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  void Start(int64_t interval_ns);
  void Stop();
  // One comparison; returns true when it called on_change.
  bool PollOnce();

 private:
  std::string Fingerprint() const;

  std::function<std::vector<std::string>()> paths_;
  std::function<void()> on_change_;
  std::string last_;                    // fingerprint in effect
  std::optional<std::string> pending_;  // a different fingerprint seen once
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace kizashi::runtime
