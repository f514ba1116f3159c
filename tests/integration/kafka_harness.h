// Helpers for the integration tests against a real Apache Kafka broker (deploy/kafka):
// locating the cluster the ctest fixture started, running `kizashi` instances as processes
// (so they can be killed with SIGKILL), producing and reading topics with kcat, and comparing
// the notifications of two runs.
//
// Ownership: plain helpers owned by a test. Thread contract: the test's main thread (a
// Process may be signalled from any thread).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"

namespace kizashi::itest {

// The cluster a ctest fixture started (deploy/kafka/kafka.sh start --dir $env). `skip` is set
// (and the test should GTEST_SKIP with it) when the fixture could not start one because Java
// is missing.
struct Cluster {
  std::string dir;
  std::string bootstrap;
  std::string sasl_bootstrap;  // empty without a SASL listener
  int nodes = 0;
  std::string skip;
};
Cluster ClusterFromEnv(const char* env_var);

// deploy/kafka/kafka.sh <args...> --dir cluster.dir; returns its exit code.
int KafkaSh(const Cluster& c, const std::vector<std::string>& args);

// Runs a command to completion; stdout/stderr captured. Returns the exit code (-1 if it could
// not start, 128+N if killed by signal N).
int RunCommand(const std::vector<std::string>& argv, std::string* out = nullptr,
               std::string* err = nullptr);

// A child process (kizashi run) with its output in a log file.
class Process {
 public:
  Process() = default;
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  bool Start(const std::vector<std::string>& argv, const std::string& log_path,
             const std::vector<std::string>& env = {});
  void Signal(int sig);
  // Waits for exit; returns the exit code (128+N for signal N). -1 if not started.
  int Wait();
  // Sends SIGTERM and waits.
  int Stop();
  bool running();
  pid_t pid() const { return pid_; }
  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_;
};

std::string KizashiBin();

// One output document as read back from Kafka (or from a file replay's output file).
struct Doc {
  std::string destination;  // topic without the test prefix, or destination name
  std::string id;           // notification_id ("" for dead letters / late events)
  int64_t revision = 0;
  std::string incident_id;
  std::string kind;
  std::string change;
  bool reportable = false;
  int64_t event_count = 0;
  std::string window_start;
  std::string dead_letter_key;  // input|partition|offset|reason for dead letters
  std::string json;
};
// Parses a kizashi output document (notification, escalation, observation or dead letter).
bool ParseDoc(const std::string& json, const std::string& destination, Doc* out);

// Reads a whole topic with kcat (read_committed unless `read_committed` is false). A
// read_committed read over the plain listener (no `kcat_extra`) first waits until no
// transaction is open on the topic (Admin::AwaitStableOffsets): right after an instance's last
// commit its markers may not be written yet, and kcat would stop short of that transaction.
absl::StatusOr<std::vector<Doc>> ReadTopic(const std::string& bootstrap, const std::string& topic,
                                           const std::string& destination,
                                           bool read_committed = true,
                                           const std::vector<std::string>& kcat_extra = {});
// Reads every destination topic of the demo's Kafka configuration
// (deploy/kafka/kizashi-kafka.yaml) under `prefix`, read_committed, each document tagged with
// its destination name.
absl::StatusOr<std::vector<Doc>> ReadDemoTopics(const std::string& bootstrap,
                                                const std::string& prefix);
// Reads a JSON-lines file written by a file-mode destination.
std::vector<Doc> ReadDocsFile(const std::string& path, const std::string& destination);

// Produces `path` (one record per line) into `topic` with kcat, keyed by `key` or, when `key`
// is empty, by the record's JSON "operator" field; murmur2 partitioner (as kizashi's).
absl::Status KcatProduce(const std::string& bootstrap, const std::string& topic,
                         const std::string& path, const std::string& key,
                         const std::string& work_dir);

// True when the group's committed offset of every partition of `topics` has reached the
// partition's end (its high watermark).
absl::StatusOr<bool> CaughtUp(const std::string& bootstrap, const std::string& group,
                              const std::vector<std::string>& topics);
// Records of `topics` the group has committed (sum over partitions of committed - low).
absl::StatusOr<int64_t> CommittedRecords(const std::string& bootstrap, const std::string& group,
                                         const std::vector<std::string>& topics);
// Total records (high - low watermark) of `topics`.
absl::StatusOr<int64_t> TopicRecords(const std::string& bootstrap,
                                     const std::vector<std::string>& topics);

// The comparison the fault tests make: notifications keyed by (destination, id, revision).
struct Outcome {
  std::multiset<std::tuple<std::string, std::string, int64_t>> notifications;
  std::multiset<std::string> dead_letters;  // by dead_letter_key
  size_t late = 0;
  // Keys that occur more than once.
  std::vector<std::string> Duplicates() const;
};
Outcome Summarize(const std::vector<Doc>& docs);
// Human-readable differences between `want` and `got` as sets (empty if equal), at most
// `max_lines` lines.
std::string SetDifference(const Outcome& want, const Outcome& got, size_t max_lines = 20);

// Writes a kizashi configuration for the generated scenario in `scenario_dir`
// (bench/traffic, profile sensors) in Kafka mode: inputs sensors-a/sensors-b, every ministry + Cabinet
// Secretariat + observations + dead-letter + late as topics. `overrides` are appended as
// top-level YAML (e.g. a different processing_guarantee).
struct KafkaConfig {
  std::string scenario_dir;
  std::string bootstrap;
  std::string prefix;
  std::string state_dir;
  std::string guarantee = "exactly_once";
  std::string commit_interval = "100ms";
  std::string instance_id;
  int partitions = 6;
  int replication = 0;
  std::string extra_kafka;  // more lines inside the kafka: section (indented by 2)
};
std::string WriteGeneratedKafkaConfig(const std::string& path, const KafkaConfig& c);
// The same scenario replayed from files; destination d goes to out_dir/d.jsonl.
std::string WriteGeneratedFileConfig(const std::string& path, const std::string& scenario_dir,
                                     const std::string& out_dir, const std::string& state_dir);
// (Their destinations: traffic::sensors::Destinations().)

// Reads every output topic of a generated-scenario run.
absl::StatusOr<std::vector<Doc>> ReadOutputs(const std::string& bootstrap,
                                             const std::string& prefix,
                                             bool read_committed = true);
// Reads every output file of a generated-scenario file replay.
std::vector<Doc> ReadFileOutputs(const std::string& out_dir);

// Runs the generated scenario as a file replay (in-process FileRunner).
absl::Status FileReplay(const std::string& scenario_dir, const std::string& work_dir,
                        std::vector<Doc>* docs);

bool Long();  // KIZASHI_LONG=1: the full-size fault tests
std::string Now();  // wall-clock "HH:MM:SS.mmm" for progress lines

}  // namespace kizashi::itest
