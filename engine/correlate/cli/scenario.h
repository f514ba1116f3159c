// Rule scenarios: a piece of traffic and the incidents a rule author expects from it
// (docs/rules.md#testing-rules). RunScenario replays the records through the real stages —
// decode -> enrich -> match -> correlate -> classify — with the rules under test, and compares
// every emitted revision with the expectation. It replays twice (whole runs as one batch,
// then one record per batch) and requires identical revisions: the determinism the engine
// promises.
//
// Ownership: plain data and free functions. Thread contract: any thread; nothing shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/diag.h"

namespace kizashi::correlate::cli {

struct ScenarioRecord {
  std::string input;  // configured input name
  std::string text;   // the record, as one line of that input would hold it
  std::optional<int64_t> advance_ns;  // instead of a record: advance the watermark (idle)
  int line = 0;
};

struct ExpectedIncident {
  std::optional<std::string> rule, operator_id, target, change, state;
  std::optional<std::vector<std::string>> group, sources, patterns, clauses;
  std::optional<int64_t> window_start_ns, revision, event_count;
  std::optional<std::vector<int64_t>> evidence;  // record numbers (1-based)
  std::optional<bool> reportable;
  int line = 0;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string config;             // engine configuration (registry, packs, inputs, options)
  std::vector<std::string> sets;  // key=value overrides
  int64_t ingest_time_ns = 0;     // processing time given to every record (0: none)
  std::vector<ScenarioRecord> records;
  std::vector<ExpectedIncident> incidents;
  std::optional<std::vector<int64_t>> late;  // record numbers sent to the late output
  std::optional<int64_t> dead_letters;
};

// Parses a scenario file; every problem goes to `diags` with file:line.
std::optional<Scenario> ParseScenarioFile(const std::string& path, Diagnostics* diags);

struct ScenarioResult {
  bool pass = false;
  bool invalid = false;  // configuration, packs or rules did not load (see report)
  std::string report;    // human-readable: what was emitted and every mismatch
};

// Runs `scenario` with the rules in `rule_files` (instead of the configuration's own).
// `config_override`/`extra_sets` replace/extend the scenario's configuration.
ScenarioResult RunScenario(const Scenario& scenario, const std::vector<std::string>& rule_files,
                           const std::string& config_override,
                           const std::vector<std::string>& extra_sets);

}  // namespace kizashi::correlate::cli
