// EngineConfig: the one configuration file (docs/configuration.md), aggregated from the
// components' own config structs. Every key is declared once (config::Schema) with its
// default, bounds and reload class; `kizashi config reference` prints them all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/advisory/advisory.h"
#include "engine/campaign/campaign.h"
#include "engine/classify/verdict.h"
#include "engine/common/diag.h"
#include "connectors/kafka/kafka_options.h"
#include "engine/config/schema.h"
#include "engine/correlate/correlator.h"
#include "engine/decode/decoder.h"
#include "engine/docsign/docsign.h"
#include "engine/evidence/evidence.h"
#include "engine/ledger/ledger.h"
#include "engine/registry/loader.h"
#include "patterns/load/loader.h"
#include "engine/route/router.h"
#include "engine/state/state_store.h"
#include "engine/telemetry/endpoint.h"

namespace kizashi::runtime {

struct InputConfig {
  std::string name;
  std::string type = "file";  // file | kafka
  std::string path;           // file inputs
  std::string topic;          // kafka inputs
  int64_t partition = 0;      // file inputs: which partition the file belongs to
  decode::DecodeOptions decode;
  static void Declare(config::Schema& s, InputConfig* c);
};

struct DestinationConfig {
  std::string name;
  std::string type = "stdout";  // stdout | file | kafka | discard
  std::string path;             // file
  std::string topic;            // kafka
  bool fsync = false;           // file: fdatasync before positions are committed
  static void Declare(config::Schema& s, DestinationConfig* c);
};

// Start, reload and stop (docs/operations.md).
struct LifecycleConfig {
  // Upper bound on a graceful stop (first SIGTERM/SIGINT): finish the batch in flight, flush,
  // commit, close. Past it the process exits with status 1 without committing more, which is
  // safe: the next start resumes from the last commit. Default: 30s.
  int64_t drain_timeout_ns = 30'000'000'000;
  // Also reload (as on SIGHUP) when the configuration, registry, pack or rule files change.
  // Default: false.
  bool watch = false;
  // How often the watcher compares the files' size, mtime and inode. Default: 5s.
  int64_t watch_interval_ns = 5'000'000'000;
  // File mode: once the inputs are replayed, keep running — endpoint up, final metrics
  // scrapeable — until SIGTERM. Default: false (exit when done).
  bool linger = false;
  static void Declare(config::Schema& s, LifecycleConfig* c);
};

struct EngineConfig {
  std::vector<InputConfig> inputs;
  std::vector<DestinationConfig> destinations;
  registry::RegistryConfig registry;
  patterns::PatternsConfig patterns;
  std::vector<std::string> rule_paths;
  std::string dead_letter_destination = "dead-letter";
  std::string late_destination = "late";
  int64_t batch_max_records = 4096;
  int64_t dead_letter_copy_bytes = 1024;  // truncated copy of a bad record in its dead letter
  std::string log_level = "info";
  std::string log_format = "logfmt";
  state::StateOptions state;
  correlate::CorrelateOptions correlate;
  classify::ClassifyOptions classify;
  route::RouteOptions route;
  telemetry::TelemetryConfig metrics;
  LifecycleConfig lifecycle;
  evidence::EvidenceOptions evidence;
  connectors::kafka::KafkaOptions kafka;
  // Information handling (docs/information-handling.md).
  ledger::LedgerOptions ledger;
  advisory::AdvisoryOptions advisory;
  campaign::CampaignOptions campaign;
  docsign::SigningOptions signing;

  // Relative destination paths resolve against this (default: the config file's directory).
  std::string output_dir;
  // Directory of the config file: relative paths in it are resolved against this.
  std::string base_dir;

  static void Declare(config::Schema& s, EngineConfig* c);
  // The disclosure ledger's options with the directory resolved (ledger.dir, or
  // "<state.dir>.ledger").
  ledger::LedgerOptions LedgerOpts() const {
    ledger::LedgerOptions o = ledger;
    if (o.dir.empty()) o.dir = state.dir + ".ledger";
    return o;
  }
  // Loads `path` (may be empty: defaults only), then environment, then `overrides`
  // (key=value). Every problem goes to `diags`; relative paths are made absolute.
  static EngineConfig Load(const std::string& path, const std::vector<std::string>& overrides,
                           Diagnostics* diags);
  // Cross-field validation (names unique, destinations referenced exist...).
  void Validate(Diagnostics* diags) const;
};

}  // namespace kizashi::runtime
