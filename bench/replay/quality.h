// Detection quality against ground truth: which labelled scenario instances the incidents
// found, and whether their verdicts are the expected ones.
//
// Labels file (JSON lines, written by kizashi-traffic --labels): one line per attack record,
//   {"file":"eve.jsonl","line":17,"scenario":"ssh_bruteforce","instance":3,
//    "operator":"op-01","target":"op-01-ctl","expect":"reportable"}
// `file` is matched against the basename of a configured input's path; `expect` is
// "reportable" (Annex 4 case: must be reported) or "not_reportable" (must not be).
//
// An incident is linked to an instance when its evidence cites one of the instance's
// records. Scores:
//   recall     = expected-reportable instances linked to a reportable incident / all of them
//   precision  = reportable incidents linked to an expected-reportable instance / all
//                reportable incidents (unlabelled background incidents count against it)
//   violations = expected-not-reportable instances linked to a reportable incident (must be 0)
//
// Ownership: Labels is immutable after Load; QualityScorer belongs to one replay run.
// Thread contract: single thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/correlate/incident.h"
#include "engine/runtime/engine_config.h"

namespace kizashi::bench {

struct Labels {
  struct Instance {
    std::string scenario;
    uint64_t id = 0;
    std::string operator_id, target;
    bool expect_reportable = false;
    uint64_t records = 0;
  };
  std::vector<Instance> instances;
  // (input index << 40 | line) -> index into instances.
  absl::flat_hash_map<uint64_t, uint32_t> by_record;
  std::map<std::string, uint16_t> input_by_name;  // configured input name -> index
  std::string path;

  static absl::StatusOr<Labels> Load(const std::string& path, const runtime::EngineConfig& config);
  static uint64_t Key(uint16_t input, int64_t line) {
    return (static_cast<uint64_t>(input) << 40) | static_cast<uint64_t>(line);
  }
};

struct Quality {
  struct Scenario {
    bool expect_reportable = false;
    uint64_t instances = 0;
    uint64_t with_incident = 0;    // linked to any incident
    uint64_t with_reportable = 0;  // linked to a reportable incident
  };
  std::map<std::string, Scenario> scenarios;
  uint64_t expected_reportable = 0, detected = 0;
  uint64_t expected_not_reportable = 0, violations = 0;
  uint64_t incidents = 0, reportable_incidents = 0, true_positive_incidents = 0;
  uint64_t unlabelled_reportable_incidents = 0;
  double precision = 0, recall = 0;
  std::vector<std::string> missed;    // "scenario#instance" of the first misses
  std::vector<std::string> violated;  // same, for not-reportable instances reported
  std::vector<std::string> false_alarms;  // rule ids of the first unmatched reportable incidents
};

class QualityScorer {
 public:
  explicit QualityScorer(const Labels& labels) : labels_(labels) {}
  void OnRevision(const correlate::Incident& inc, bool reportable);
  Quality Finish() const;

 private:
  struct Seen {
    bool reportable = false;
    std::string rule;
    std::set<uint32_t> instances;
  };
  const Labels& labels_;
  std::map<std::string, Seen> incidents_;  // by incident id
};

}  // namespace kizashi::bench
