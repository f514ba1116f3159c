// The generator's "sensors" profile (kizashi-traffic --profile sensors; formerly bench/gen's
// kizashi-gen), for tests and benchmarks that need volume through Kafka (the Kafka fault tests
// run on >= 1 M events). Not labelled (the annex4 profile in generator.h has ground truth): it
// makes plausible Suricata EVE records for N fictional operators so that the demo pack and
// rules fire often — SSH scans and web brute force in bursts, bind shells, a wiper — mixed into
// background DNS/flow/TLS, split over two sensor feeds that a shared hub tags with the
// operator (so both feeds are co-partitioned by operator in Kafka).
//
// Same options -> byte-identical output (seeded splitmix64; no clock, no hash-map order).
//
// Thread contract: free functions, any thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace kizashi::traffic::sensors {

struct GenOptions {
  uint64_t seed = 1;
  int operators = 24;
  int64_t events = 100'000;
  // Event time of the first record and the gap between consecutive records.
  int64_t start_ns = 1'709'251'200'000'000'000;  // 2024-03-01T00:00:00Z
  int64_t gap_ns = 20'000'000;                   // 20 ms: 1 M events span ~5.6 h
  // A new attack episode starts every this many records (each is ~6-8 attack records).
  int64_t episode_every = 400;
  // One malformed record (dead letter) every this many records; 0 = none.
  int64_t malformed_every = 10'000;
};

struct GenResult {
  int64_t records_a = 0;  // lines in sensors-a.jsonl
  int64_t records_b = 0;  // lines in sensors-b.jsonl
  int64_t episodes = 0;
  int64_t bytes = 0;
};

// Writes into `dir`: registry/operators.yaml (the operators), traffic/sensors-a.jsonl (IDS
// alerts and HTTP) and traffic/sensors-b.jsonl (DNS/flow/TLS and part of the SSH-scan alerts).
absl::Status WriteScenario(const std::string& dir, const GenOptions& options, GenResult* result);

// The operator id of generated operator `i` ("op-007").
std::string OperatorId(int i);

// The destinations a Kafka configuration of this scenario routes to, as (name, topic without
// the prefix): the demo ministries' and the Cabinet Secretariat's notification topics,
// observations, dead letters and late events (the demo rules and the framework registry).
const std::vector<std::pair<std::string, std::string>>& Destinations();

}  // namespace kizashi::traffic::sensors
