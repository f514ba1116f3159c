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
  // Instead of `text`: line `shared_line` (1-based) of a file in the third-party data
  // directory (`shared: path`), read when the scenario runs; never copied into the scenario.
  std::string shared;
  int64_t shared_line = 0;
  std::optional<int64_t> advance_ns;  // instead of a record: advance the watermark (idle)
  int line = 0;
};

struct ExpectedIncident {
  std::optional<std::string> rule, operator_id, target, change, state;
  std::optional<std::vector<std::string>> group, sources, patterns, clauses;
  std::optional<int64_t> window_start_ns, revision, event_count;
  std::optional<std::vector<int64_t>> evidence;  // record numbers (1-based)
  std::optional<bool> reportable;
  // Verdict and routing (docs/verdicts.md).
  std::optional<std::string> category, reason, near_miss;  // near_miss: a substring
  std::optional<bool> escalate;
  std::optional<std::vector<std::string>> routes;           // destinations, in emission order
  std::optional<std::vector<std::string>> reasons_contain;  // substrings, each in some reason
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
  bool skipped = false;  // needs third-party data that is absent (report says which)
  std::string report;    // human-readable: what was emitted and every mismatch
  std::vector<std::string> documents;  // every routed document (JSON), in emission order
};

// Runs `scenario` with the rules in `rule_files` (instead of the configuration's own).
// `config_override`/`extra_sets` replace/extend the scenario's configuration. `shared_data_dir`
// is the third-party data directory for `shared:` records (empty: such scenarios are skipped).
// Revisions are classified and routed (to the configuration's destinations) as in the engine.
ScenarioResult RunScenario(const Scenario& scenario, const std::vector<std::string>& rule_files,
                           const std::string& config_override,
                           const std::vector<std::string>& extra_sets,
                           const std::string& shared_data_dir = "");

}  // namespace kizashi::correlate::cli
