// Exercise runs (訓練, framework 5): a scenario's events go through the normal pipeline,
// everything produced is tagged `exercise` and routed only to exercise destinations, and a
// report says what was raised, when, where it went and whether that is what was expected.
//
// Safety is structural, not a convention: ExerciseConfig builds a configuration in which
// every destination is an exercise destination (the real ones are not configured at all, so
// routing, which fails closed, cannot reach them), route.exercise is on (every name gets the
// ".exercise" suffix and every document "exercise": true), and the file runner refuses any
// output whose destination does not end in ".exercise" (runtime/disclosure.h).
//
// Scenario file (YAML, keys declared once, every error with file:line):
//   exercise: {id: annex4-a, title: "...", annex4_case: a, description: "..."}
//   inputs:   [{name: sensors-eve, path: events/eve.jsonl}]   # input names of the config;
//                                                             # paths relative to the scenario
//   expect:
//     - {kind: notification, operator: bank-a, destination: ministry.fsa,
//        category: attack_detected, clauses: [a]}
//     - {kind: notification, operator: bank-a, max_count: 0}  # must not happen
//
// Thread contract: RunExercise runs the pipeline on the calling thread; one at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/diag.h"
#include "engine/common/time.h"
#include "engine/config/schema.h"
#include "engine/runtime/engine_config.h"

namespace kizashi::exercise {

struct ScenarioInput {
  std::string name;  // an input of the configuration
  std::string path;  // events for it (relative: to the scenario file)
  static void Declare(config::Schema& s, ScenarioInput* i);
};

struct Expectation {
  std::string kind = "notification";  // notification|escalation|observation|advisory|campaign|
                                      // dead_letter|late_event
  std::string operator_id;            // subject operator ("" = any)
  std::string destination;            // real destination name, without ".exercise" ("" = any)
  std::string category;               // verdict category, or "not_reportable" ("" = any)
  std::vector<std::string> clauses;   // Annex 4 clauses that must all be present
  int64_t min_count = 1;
  int64_t max_count = -1;             // -1: no upper bound; 0: must not happen
  static void Declare(config::Schema& s, Expectation* e);
};

struct Scenario {
  std::string id;
  std::string title;
  std::string annex4_case;
  std::string description;
  std::vector<ScenarioInput> inputs;
  std::vector<Expectation> expect;
  std::string file;
  static void Declare(config::Schema& s, Scenario* sc);
};

Scenario LoadScenario(const std::string& path, Diagnostics* diags);

// The exercise configuration derived from `base` (see the file comment). `work_dir` holds the
// exercise's own state (fresh each run) and its ledger is `<ledger dir>.exercise`.
absl::StatusOr<runtime::EngineConfig> ExerciseConfig(const runtime::EngineConfig& base,
                                                     const Scenario& scenario,
                                                     const std::string& work_dir);

// One document the exercise produced.
struct Observed {
  std::string kind;
  std::string destination;
  std::string operator_id;  // subject (empty for dead letters, several for campaign views)
  std::string category;     // verdict category or not_reportable (notifications)
  std::vector<std::string> clauses;
  uint32_t revision = 0;
  std::string first_seen;   // event time of the incident's first event
  int64_t written_ns = 0;   // processing time it was written
  bool tagged = false;      // the document says "exercise": true
};

struct ExpectationResult {
  Expectation expectation;
  int64_t actual = 0;
  bool met = false;
};

struct Report {
  std::string scenario_id;
  std::string title;
  std::string annex4_case;
  std::vector<Observed> observed;
  std::vector<ExpectationResult> results;
  uint64_t untagged = 0;          // documents without "exercise": true (must be 0)
  uint64_t outside_exercise = 0;  // documents to a non-exercise destination (must be 0)
  bool ok = false;
  std::string ToText() const;
  std::string ToJson() const;
};

// Runs `scenario` against the configuration `base` and returns the report (ok when every
// expectation holds, every document is tagged and none left the exercise destinations).
absl::StatusOr<Report> RunExercise(const runtime::EngineConfig& base, const Scenario& scenario,
                                   const std::string& work_dir, const Clock* clock);

}  // namespace kizashi::exercise
