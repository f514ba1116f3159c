// PackWatcher: hot reload of pattern packs.
//
// Polls the configured pack files, their .sig files and the trusted keys (path, size, mtime,
// inode). When they change and then stay unchanged for `settle_polls` polls (so a pack and its
// signature written one after the other are read together), it loads them on its own thread
// — verify, parse, validate, compile or read the cache — and, only if that succeeded, hands
// the new PatternSet to the publish callback. The runtime's callback swaps its snapshot
// (std::atomic<std::shared_ptr<const Snapshot>>): readers never block, in-flight batches
// finish on the set they pinned, so no event is lost or scanned twice across a swap. A failed
// load publishes nothing; the set in service keeps serving and the failure is logged with
// every diagnostic and reported in status() and the probe.
//
// A Kafka pack-topic feed calls Reload(sources) with the packs it received: same load, same
// publish, same status.
//
// Ownership: owned by the runtime; the callback must be cheap and thread-safe (it runs on the
// watcher thread, or on the caller of LoadNow/PollOnce/Reload). Thread contract: status() is
// thread-safe; LoadNow/PollOnce/Reload serialise on an internal mutex (loads never overlap).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "patterns/load/loader.h"

namespace kizashi::patterns {

class ReloadProbe;

struct ReloadStatus {
  std::string version;          // "pack@version,..." in service ("" before the first load)
  uint64_t entries = 0;         // entries in service
  bool last_ok = false;         // result of the last load attempt
  bool last_from_cache = false;
  int64_t last_duration_ns = 0;
  uint64_t attempts = 0;
  uint64_t failures = 0;
  std::string last_error;       // diagnostics text of the last failure ("" after a success)
};

class PackWatcher {
 public:
  using Publish = std::function<void(std::shared_ptr<const PatternSet>)>;

  PackWatcher(PatternsConfig config, Publish publish, ReloadProbe* probe = nullptr);
  ~PackWatcher();
  PackWatcher(const PackWatcher&) = delete;
  PackWatcher& operator=(const PackWatcher&) = delete;

  // Loads the configured packs now, on the calling thread (start-up), and publishes on
  // success. Also records the file fingerprint so that PollOnce sees later changes only.
  LoadResult LoadNow();
  // One watcher step: returns true when it attempted a reload (the files changed and settled).
  bool PollOnce();
  // Loads packs received from elsewhere (Kafka pack topic), publishes on success.
  LoadResult Reload(const std::vector<PackSource>& sources);

  // Starts / stops the polling thread (interval = config.watch_interval_ns).
  void Start();
  void Stop();

  ReloadStatus status() const;
  // Polls an unchanged fingerprint must survive before a reload (default 1; tests use 0).
  void set_settle_polls(int n) { settle_polls_ = n; }

 private:
  std::string Fingerprint() const;
  void Record(const LoadResult& r);

  const PatternsConfig config_;
  const Publish publish_;
  ReloadProbe* const probe_;

  std::mutex load_mu_;  // serialises loads
  std::string loaded_fingerprint_;
  std::string pending_fingerprint_;
  int pending_polls_ = 0;
  int settle_polls_ = 1;

  mutable std::mutex status_mu_;
  ReloadStatus status_;

  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace kizashi::patterns
