// Deterministic traffic generator for benchmarks and crash tests: Suricata EVE and syslog
// lines for several operators and critical systems, with background traffic and injected
// attack bursts (brute force, web scans, scan sweeps, intrusion chains, viruses, actor
// indicators).
//
// Everything is a function of GenOptions (seed included): same options, same bytes. Each
// attack record can be labelled (scenario, instance, operator, target) so that a benchmark
// of detection quality can compare incidents with ground truth; `labels` is that hook.
//
// The generator also writes the files a replay needs next to the traffic — a registry of
// the generated operators, a pattern pack and rules matching the injected attacks, and a
// kizashi configuration — so that `kizashi run --config DIR/kizashi.yaml` replays it.
//
// Ownership: plain objects. Thread contract: one thread per Generator.
//
// Memory is bounded whatever `events` is: records are produced in order and handed to the
// sink; only the attack records scheduled ahead (a few minutes of event time) are held.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace kizashi::traffic {

struct GenOptions {
  uint64_t seed = 1;
  uint64_t events = 1'000'000;   // total records (background + attacks)
  int operators = 8;
  double attack_fraction = 0.05;  // share of records that belong to attacks (approx.)
  double rate_per_second = 200;   // event-time rate of the whole stream
  int64_t start_ns = 0;           // first event time (default 2024-03-01T00:00:00+09:00)
  // EVE sensors report up to this late (out of order); one EVE record in 1000 is 1-2 min
  // late (behind the 30 s allowed lateness of the generated configuration).
  int64_t max_jitter_ns = 2'000'000'000;
  // SEC comparison profile: when > 0, only syslog, with `auth_variants` distinct
  // authentication-failure message kinds ("auth-failure-NNNN") instead of the mixed profile.
  int auth_variants = 0;
  // Annex 4 catalogue (FRAMEWORK.md Annex 4): instead of the six original attack kinds, inject
  // the four reportable cases (a)-(d) and the ten not-reportable examples as labelled
  // scenarios (docs/benchmarks.md lists them), and write the pack entries and rules that
  // detect them. Default off so that existing benchmarks keep their workload.
  bool annex4 = false;
  // Third-party recordings (../shared/data) whose real alert and log lines the injected
  // attacks are built from (real_lines.h). Empty: the generator's own templates.
  std::string data_dir;
};

// One generated record and, for attack records, its ground truth.
struct Record {
  enum class Stream : uint8_t { kEve = 0, kSyslog };
  Stream stream = Stream::kEve;
  int op = 0;            // operator index (syslog: which operator's file)
  std::string line;
  int64_t time_ns = 0;   // event time as written
  // Ground truth (empty scenario = background).
  std::string scenario;  // ssh_bruteforce, web_scan, ... or the Annex 4 names (annex4)
  uint64_t instance = 0;
  std::string target;    // critical system or asset id
  // What the framework expects of this instance: a reportable verdict (Annex 4 (a)-(d), or a
  // detectable attack of the original kinds), or none (not reportable, or below the rules'
  // thresholds by construction).
  bool expect_reportable = false;
  std::string origin;    // "template", or "real:<file>" when built from a recorded line
};

class Generator {
 public:
  explicit Generator(const GenOptions& options);

  // Produces every record in output order and calls `sink` for each.
  void Run(const std::function<void(const Record&)>& sink);

  // Operator / system naming (also used by the support files).
  static std::string OperatorId(int op);
  static std::string SyslogInputName(int op);

  // Writes DIR/eve.jsonl, DIR/syslog-<operator>.log, DIR/labels.jsonl (when `labels`),
  // and the support files (registry.yaml, pack.yaml, rules.yaml, kizashi.yaml,
  // kizashi-kafka.yaml).
  static absl::Status WriteDirectory(const GenOptions& options, const std::string& dir,
                                     bool labels, uint64_t* eve_lines, uint64_t* syslog_lines);

  static std::string RegistryYaml(const GenOptions& options);
  static std::string PackYaml(const GenOptions& options);
  static std::string RulesYaml(const GenOptions& options);
  static std::string ConfigYaml(const GenOptions& options);
  // The same replay in Kafka mode (kizashi-kafka.yaml): one input topic per file, outputs to
  // one topic per destination. Load and run it with
  //   kizashi topics create --config DIR/kizashi-kafka.yaml --set kafka.brokers=B
  //   kizashi produce --config DIR/kizashi-kafka.yaml --set kafka.brokers=B [--rate R]
  //   kizashi run --config DIR/kizashi-kafka.yaml --set kafka.brokers=B
  static std::string KafkaConfigYaml(const GenOptions& options);

 private:
  GenOptions o_;
};

// Formats used by the generated records (exposed for tests and the SEC comparison).
std::string EveTime(int64_t ns);     // 2024-03-01T10:00:01.123456+0900
std::string SyslogTime(int64_t ns);  // "Mar  1 10:00:01" (JST)

}  // namespace kizashi::traffic
