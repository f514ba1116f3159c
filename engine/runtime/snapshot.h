// Snapshot: everything a batch is processed against — registry, compiled pattern set and
// rulebook — immutable and published atomically. Each batch pins one snapshot when it starts;
// a reload publishes a new one and in-flight batches finish on the old (DESIGN.md §1).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/diag.h"
#include "engine/correlate/rule.h"
#include "engine/registry/registry.h"
#include "engine/runtime/engine_config.h"
#include "patterns/compile/pattern_set.h"

namespace kizashi::runtime {

struct Snapshot {
  uint64_t generation = 0;
  std::shared_ptr<const registry::Registry> registry;
  std::shared_ptr<const patterns::PatternSet> patterns;
  std::shared_ptr<const correlate::Rulebook> rules;
  // Content versions shown in metrics and logs; equal versions mean identical inputs.
  std::string registry_version;  // Registry::version()
  std::string rules_version;     // FilesVersion of the rule files
};

// SHA-256 (12 hex digits) over each file's path and bytes, in order; "" when a file cannot be
// read.
std::string FilesVersion(const std::vector<std::string>& files);

// Loads and compiles registry, packs and rules from `config`: load -> validate (every error
// into `diags`) -> compile. Returns an error (and publishes nothing) if anything is invalid.
absl::StatusOr<std::shared_ptr<const Snapshot>> BuildSnapshot(const EngineConfig& config,
                                                              uint64_t generation,
                                                              Diagnostics* diags);

// Lists `*.yaml`/`*.yml` files: a file path as is, a directory's files sorted by name.
std::vector<std::string> ExpandYamlPaths(const std::vector<std::string>& paths, Diagnostics* d);

// The snapshot in service. Thread contract: Get and Publish may be called from any thread;
// readers never block on a reload.
class SnapshotHolder {
 public:
  std::shared_ptr<const Snapshot> Get() const { return current_.load(std::memory_order_acquire); }
  void Publish(std::shared_ptr<const Snapshot> s) { current_.store(std::move(s), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace kizashi::runtime
