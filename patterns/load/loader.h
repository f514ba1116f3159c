// Loading pattern packs for service: verify -> parse -> validate -> compile (with the cache).
//
//   LoadPacks(config)               the configured files/directories (start-up, file watcher)
//   LoadPacksFromBytes(sources, o)  packs already in memory: the entry point for a Kafka pack
//                                   topic feed (each record = one pack; its signature in a
//                                   header or a sibling record) and for tests.
//
// Every pack must carry a valid Ed25519 signature by a trusted key (patterns/pack/signing.h)
// unless `insecure_allow_unsigned` is set, in which case each unverified pack is a warning and
// a loud log line on every load. All problems of all packs are collected (signature, format,
// expressions, Hyperscan/PCRE2, limits) into LoadResult::diags; any error means no set is
// returned and the set in service stays.
//
// The compiled set is cached in `cache_dir` under a key made of the packs' content hashes,
// their signers, the Hyperscan version, the CPU platform and the compile options: a restart
// (or a reload to packs seen before) reads the cache instead of parsing and compiling.
//
// Thread contract: free functions, callable from any thread; they share nothing but the
// cache directory (written atomically, so concurrent loaders at worst compile twice).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/diag.h"
#include "engine/config/schema.h"
#include "patterns/compile/pattern_set.h"
#include "patterns/pack/signing.h"

namespace kizashi::patterns {

// `patterns:` section of the kizashi configuration.
struct PatternsConfig {
  // Pack files, or directories whose *.yaml / *.yml files are packs (not recursive). Each pack
  // is signed by `<file>.sig`. Loaded in sorted path order. Default: none.
  std::vector<std::string> packs;
  // Trusted issuer public keys: PEM files, or directories of *.pem / *.pub. Default: none
  // (then every pack is refused unless insecure_allow_unsigned).
  std::vector<std::string> trusted_keys;
  // Accept unsigned or unverifiable packs, logging a warning on every load. For labs only.
  bool insecure_allow_unsigned = false;
  // Directory for compiled-set cache files; empty disables the cache.
  std::string cache_dir;
  // Number of cache files kept (least recently written removed first).
  int64_t cache_keep = 4;
  // Watch the pack files and trusted keys and reload on change.
  bool watch = true;
  // Poll interval of the watcher.
  int64_t watch_interval_ns = 2'000'000'000;
  // Limits (see CompileOptions).
  int64_t max_entries = 1'000'000;
  int64_t max_entries_per_pack = 500'000;
  int64_t max_expression_bytes = 64 * 1024;
  int64_t max_bounded_repeat = 10'000;
  int64_t max_database_bytes = int64_t{1} << 30;
  // Regex entries with a required literal this long are prefiltered by it and confirmed by
  // PCRE2 (0 = every regex compiled into Hyperscan as it is).
  int64_t prefilter_min_literal = 8;

  static void Declare(config::Schema& s, PatternsConfig* c);
  CompileOptions compile_options() const;
};

// One pack in memory.
struct PackSource {
  std::string name;                      // file path or topic/key: names it in diagnostics
  std::string bytes;                     // the pack file
  std::optional<std::string> signature;  // the .sig text, if any
};

struct LoadOptions {
  const TrustStore* trust = nullptr;  // null = no trusted keys
  bool insecure_allow_unsigned = false;
  // Offline tools only (`kizashi patterns check|test|profile` without --trusted-key): skip
  // signature verification silently; the tool says so itself. Never set by the service.
  bool skip_signature_check = false;
  std::string cache_dir;
  int64_t cache_keep = 4;
  CompileOptions compile;
};

struct LoadResult {
  std::shared_ptr<const PatternSet> set;  // null when anything failed
  Diagnostics diags;                      // every error and warning, all packs
  bool from_cache = false;
  int64_t duration_ns = 0;                // whole load (verify + parse/compile or cache read)
  std::string cache_key;
  bool ok() const { return set != nullptr; }
};

LoadResult LoadPacksFromBytes(const std::vector<PackSource>& sources, const LoadOptions& options);

// Convenience for callers that only want the set or a Status listing every diagnostic.
absl::StatusOr<std::shared_ptr<const PatternSet>> LoadPacksOrStatus(
    const std::vector<PackSource>& sources, const LoadOptions& options);

// Reads the configured pack files (and their .sig) into sources; problems (missing files,
// unreadable directories) go to `diags`.
std::vector<PackSource> ReadPackSources(const std::vector<std::string>& paths, Diagnostics* diags);
// Reads the trusted keys; problems go to `diags`.
TrustStore ReadTrustStore(const std::vector<std::string>& paths, Diagnostics* diags);

// The whole configured load (sources + trust store + LoadPacksFromBytes).
// `skip_signature_check`: see LoadOptions (offline tools only).
LoadResult LoadPacks(const PatternsConfig& config, bool skip_signature_check = false);

}  // namespace kizashi::patterns
