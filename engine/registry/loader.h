// Loading and reloading the registry: load -> validate -> build -> publish, with the previous
// registry serving until a new one is fully valid.
//
//   RegistryLoader loader(config, [&](std::shared_ptr<const Registry> r) {
//     runtime.PublishRegistry(std::move(r));   // swap it into the next snapshot
//   });
//   KZ_RETURN_IF_ERROR(loader.Reload(&diags).status());   // start-up: fail on a bad registry
//   loader.StartWatching();                                 // reload when files change
//   ... on SIGHUP the runtime calls loader.Reload(&diags) from its control thread.
//
// Change detection polls the files' metadata (size, mtime, inode) every `watch_interval`
// instead of inotify: it works the same for in-place edits, editors that write a new file
// and rename it, and Kubernetes ConfigMap volumes (whose files are symlinks swapped
// atomically), costs a few stat(2) calls per interval, and needs no descriptor per
// directory. A change triggers a full reload; content identical to the serving registry
// (same version) publishes nothing.
//
// Ownership: owned by the runtime (one per process). Thread contract: Reload, PollOnce,
// StartWatching, StopWatching, current and stats may be called from any thread; reloads are
// serialised by an internal mutex, and `publish` is called with that mutex held (so
// publications arrive in order), on the thread that performed the reload (the caller's, or the watcher thread). Not on the data
// path: workers read the registry from their pinned snapshot, never from the loader.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/diag.h"
#include "engine/config/schema.h"
#include "engine/registry/registry.h"

namespace kizashi::registry {

struct RegistryConfig {
  // Registry files or directories (every *.yaml / *.yml in a directory, sorted by name, not
  // recursive). Typically the sector file (deploy/registry/framework-2005.yaml or
  // sectors-2024.yaml) plus the operators' files. Default: /etc/kizashi/registry.
  std::vector<std::string> paths = {"/etc/kizashi/registry"};
  // How often the watcher checks the files for changes; 0 disables the watcher (reload on
  // SIGHUP only). Default: 5s.
  int64_t watch_interval_ns = 5'000'000'000;
  // Reject a registry that has warnings, not only errors (for CI and strict deployments).
  // Default: false.
  bool warnings_as_errors = false;

  static void Declare(config::Schema& s, RegistryConfig* c);
};

enum class ReloadOutcome : uint8_t {
  kPublished,  // a new registry version was published
  kUnchanged,  // the files hold the serving version: nothing published
};

class RegistryLoader {
 public:
  using PublishFn = std::function<void(std::shared_ptr<const Registry>)>;

  struct Stats {
    uint64_t attempts = 0;   // reloads attempted (explicit or by the watcher)
    uint64_t published = 0;  // new versions published
    uint64_t unchanged = 0;  // attempts that found the serving version
    uint64_t rejected = 0;   // attempts rejected by validation (old registry kept)
    std::string version;     // serving version, empty before the first success
    std::string last_error;  // diagnostics text of the last rejected attempt
  };

  RegistryLoader(RegistryConfig config, PublishFn publish);
  ~RegistryLoader();  // stops the watcher
  RegistryLoader(const RegistryLoader&) = delete;
  RegistryLoader& operator=(const RegistryLoader&) = delete;

  // The reload entry point (start-up and SIGHUP): reads every configured file, validates and
  // builds; on success publishes the new registry (unless its version is the serving one).
  // On failure publishes nothing — the previous registry keeps serving — and returns
  // InvalidArgument listing every diagnostic; `diags` (optional) receives them too,
  // warnings included.
  absl::StatusOr<ReloadOutcome> Reload(Diagnostics* diags = nullptr);

  // One watcher step: stats the configured files and reloads if their metadata changed
  // since the last attempt (a failed attempt is not retried until the files change again).
  // Returns whether a reload was attempted. Deterministic; tests call it directly.
  bool PollOnce(Diagnostics* diags = nullptr);

  // Starts a thread calling PollOnce every watch_interval (no-op when the interval is 0 or
  // the watcher runs). StopWatching joins it; both are idempotent.
  void StartWatching();
  void StopWatching();

  // The serving registry (nullptr before the first successful load).
  std::shared_ptr<const Registry> current() const;
  Stats stats() const;
  const RegistryConfig& config() const { return config_; }

 private:
  // Metadata of the configured files, compared between polls.
  std::string Fingerprint() const;
  absl::StatusOr<ReloadOutcome> ReloadLocked(Diagnostics* diags);
  void WatchLoop();

  const RegistryConfig config_;
  const PublishFn publish_;

  std::mutex reload_mu_;  // serialises reloads; guards last_fingerprint_
  std::string last_fingerprint_;
  mutable std::mutex state_mu_;  // held briefly: current() never waits for a reload
  std::shared_ptr<const Registry> current_;
  Stats stats_;

  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool stop_ = false;
  std::thread watcher_;
};

}  // namespace kizashi::registry
