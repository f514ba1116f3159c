// kafka_bench: kizashi in Kafka mode through a real broker — throughput and latency.
//
// Hypothesis: with the broker on the same 2-core machine, the engine's end-to-end rate
// (consume -> decode -> match -> correlate -> route -> produce + changelog + commit) reaches
// at least half of what a bare consumer (kcat) can read from the same topics, >= 250 k
// events/s; and at half of that maximum rate, a notification is readable within 10 ms (p99)
// of its triggering event being produced with at_least_once, and within 200 ms with
// exactly_once (one transaction per 100 ms commit interval).
//
// What it does, for each processing guarantee:
//   1. baseline   kcat reads the pre-produced input topics from the beginning (raw rate)
//   2. catch-up   kizashi (in-process KafkaRunner) processes the same pre-produced topics
//      maximum    from the beginning; rate between 10 % and 90 % of them processed
//   3. live       a producer writes fresh traffic as fast as it can while kizashi processes
//      maximum    it: the capacity of the whole setup (generator + broker + engine on the
//                 same cores), which is what the latency phase runs in
//   4. latency    a paced, open-loop producer writes fresh traffic at 50 % of the live
//                 maximum (--load-of catchup: of the catch-up maximum), first with a bare
//                 consumer reading the inputs (the floor: Kafka's own produce -> readable
//                 latency on this machine at that rate), then with kizashi running and a
//                 consumer (read_committed for exactly_once) reading the notifications:
//                 latency = time the notification is read - time its triggering event (the
//                 last evidence position of revision 1) was due to be produced.
// The traffic is bench/traffic's "sensors" profile: two EVE feeds (co-partitioned input topics).
//
// --config FILE replays instead the file inputs of a kizashi configuration — the files
// `kizashi-bench replay` replays in process (a kizashi-traffic directory's kizashi.yaml, the
// demo): each file input becomes a Kafka input topic named after it (input_partitions
// partitions, co-partitioned), its records keyed by operator exactly as `kizashi produce`
// keys them (runtime::ForEachRecordedRecord); every destination becomes a topic named after
// it. Both phases replay those files (the latency phase their first rate x (S + 1) records),
// and the maximum phase also reads every output topic back (read_committed) once the group has
// committed the whole input: the (destination, notification id, revision) of each document,
// which `kizashi-bench replay --brokers` compares with its in-process run of the same files.
// --json FILE writes the results (and those documents) for it. --input NAME=PATH replaces the
// file of input NAME (kizashi-bench passes the first N records of each when it replays a prefix).
//
// Latency is taken from each record's intended send time (record i is due at start + i / rate,
// open loop): a producer that falls behind does not hide the wait (coordinated omission).
//
// Not Google Benchmark: this drives a live system (broker, consumer group, transactions)
// end to end; its numbers are rates over a run, not per-iteration times.
//
//   kafka_bench --bootstrap HOST:PORT [--events N | --config FILE] [--seconds S] [--rate R]
//               [--input NAME=PATH]... [--only GUARANTEE] [--load-of live|catchup]
//               [--commit-interval-ms MS]
//               [--work DIR] [--json FILE] [--smoke]
//   bench/kafka/run.sh   starts a broker with deploy/kafka and runs this
#include <librdkafka/rdkafka.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "bench/traffic/sensors.h"
#include "connectors/file/file_source.h"
#include "connectors/kafka/admin.h"
#include "engine/common/json_writer.h"
#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/kafka_produce.h"
#include "engine/runtime/kafka_runner.h"
#include "engine/runtime/kafka_topics.h"

namespace kizashi::bench {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string bootstrap;
  int64_t events = 1'000'000;
  int seconds = 10;
  std::string work;
  bool smoke = false;
  double rate = 0;        // paced rate of the latency phase; 0 = half the measured maximum
  std::string only;       // at_least_once | exactly_once: measure one guarantee only
  std::string load_of = "live";  // the maximum the paced rate is half of: live | catchup
  int64_t commit_interval_ms = 0;  // > 0: kafka.commit_interval for every run
  std::string config;     // replay this configuration's file inputs (not the generated corpus)
  std::string json;       // write the results here
  std::map<std::string, std::string> input_files;  // --input NAME=PATH: replaces a --config input's file
};

std::string WriteConfig(const Options& o, const std::string& scenario, const std::string& prefix,
                        const std::string& guarantee) {
  std::string dir = StrCat(o.work, "/", prefix);
  fs::create_directories(dir);
  std::string y = "inputs:\n";
  for (const char* in : {"sensors-a", "sensors-b"}) {
    StrAppend(&y, "  - {name: ", in, ", type: kafka, topic: ", in, ", path: ", scenario,
              "/traffic/", in, ".jsonl, format: eve, operator_from: field, operator_field: operator}\n");
  }
  StrAppend(&y, "registry: {paths: [", KIZASHI_SOURCE_DIR, "/deploy/registry/framework-2005.yaml, ",
            scenario, "/registry], watch_interval: 0s}\n");
  StrAppend(&y, "patterns: {packs: [", KIZASHI_SOURCE_DIR, "/patterns/packs/demo.yaml], trusted_keys: [",
            KIZASHI_SOURCE_DIR, "/deploy/demo/keys/demo-issuer.pub], watch: false}\n");
  StrAppend(&y, "rules: [", KIZASHI_SOURCE_DIR, "/deploy/demo/rules.yaml]\n");
  StrAppend(&y, "correlate: {allowed_lateness: 10m, idle_timeout: 1d}\n");
  StrAppend(&y, "metrics: {address: \"127.0.0.1:0\"}\n");
  StrAppend(&y, "log: {level: warn}\n");
  StrAppend(&y, "state: {dir: ", dir, "/state}\n");
  StrAppend(&y, "kafka:\n  brokers: ", o.bootstrap, "\n  topic_prefix: ", prefix,
            "\n  processing_guarantee: ", guarantee,
            "\n  topics: {input_partitions: 6, output_partitions: 3}\n");
  StrAppend(&y, "destinations:\n");
  for (const auto& [name, topic] : traffic::sensors::Destinations()) {
    StrAppend(&y, "  - {name: ", name, ", type: kafka, topic: ", topic, "}\n");
  }
  std::string path = dir + "/kizashi.yaml";
  std::ofstream(path) << y;
  return path;
}

runtime::EngineConfig LoadConfig(const std::string& path) {
  Diagnostics d;
  runtime::EngineConfig c = runtime::EngineConfig::Load(path, {}, &d);
  c.Validate(&d);
  if (d.has_errors()) {
    std::fprintf(stderr, "%s", d.ToText().c_str());
    std::exit(1);
  }
  return c;
}

void CreateTopics(const runtime::EngineConfig& c) {
  auto admin = connectors::kafka::Admin::Connect(c.kafka);
  std::vector<std::string> report;
  if (!admin.ok() || !runtime::CreateTopics(c, **admin, &report).ok()) {
    std::fprintf(stderr, "kafka_bench: cannot create topics\n");
    std::exit(1);
  }
}

// What a run replays: the generated sensors scenario, or (--config) the file inputs of a
// kizashi configuration.
struct Source {
  std::string file_config;  // empty: the generated scenario
  std::string scenario;     // generated: its directory (registry, traffic)
  // (input name, file): pre-produced for the maximum phase; paced in the latency phase.
  std::vector<std::pair<std::string, std::string>> files, latency_files;
};

// The Kafka-mode configuration of a run: topics under `prefix`, state under the work directory.
// From a file configuration: its inputs become Kafka input topics named after them and its
// destinations topics named after them; registry, packs, rules, decoding and correlation
// settings are kept as they are.
runtime::EngineConfig KafkaConfigOf(const Options& o, const Source& src, const std::string& prefix,
                                    const std::string& guarantee) {
  if (src.file_config.empty()) return LoadConfig(WriteConfig(o, src.scenario, prefix, guarantee));
  runtime::EngineConfig c = LoadConfig(src.file_config);
  for (auto& in : c.inputs) {
    if (in.type != "file") {
      std::fprintf(stderr, "kafka_bench: input '%s' of %s is not a file input\n", in.name.c_str(),
                   src.file_config.c_str());
      std::exit(1);
    }
    in.type = "kafka";
    in.topic = in.name;
  }
  for (auto& d : c.destinations) {
    d.type = "kafka";
    d.topic = d.name;
  }
  std::string dir = StrCat(o.work, "/", prefix);
  fs::create_directories(dir);
  c.state.dir = dir + "/state";
  c.ledger.dir.clear();  // <state.dir>.ledger: one per run
  c.metrics.address = "127.0.0.1:0";
  c.lifecycle.watch = false;
  c.kafka.brokers = o.bootstrap;
  c.kafka.topic_prefix = prefix;
  c.kafka.processing_guarantee = guarantee;
  c.kafka.topics.input_partitions = 6;
  c.kafka.topics.output_partitions = 3;
  Diagnostics d;
  c.Validate(&d);
  if (d.has_errors()) {
    std::fprintf(stderr, "kafka_bench: %s in Kafka mode:\n%s", src.file_config.c_str(), d.ToText().c_str());
    std::exit(1);
  }
  return c;
}
// ... with --commit-interval-ms applied to either.
runtime::EngineConfig KafkaConfigFor(const Options& o, const Source& src, const std::string& prefix,
                                     const std::string& guarantee) {
  runtime::EngineConfig c = KafkaConfigOf(o, src, prefix, guarantee);
  if (o.commit_interval_ms > 0) c.kafka.commit_interval_ns = o.commit_interval_ms * 1'000'000;
  return c;
}

// The output topics of `c` whose documents count for latency (not dead letters, not late).
std::vector<std::string> DocumentTopics(const runtime::EngineConfig& c) {
  std::vector<std::string> t;
  for (const auto& d : c.destinations) {
    if (d.name == c.dead_letter_destination || d.name == c.late_destination) continue;
    t.push_back(c.kafka.Topic(d.topic));
  }
  return t;
}

// Every document of the output topics of `c` (read_committed, from the beginning to the end),
// as "destination|notification id|revision" (sorted; dead letters and late events, which have
// no notification id, are left out), with the number of notifications (not observations).
struct Documents {
  std::vector<std::string> keys;
  uint64_t notifications = 0, observations = 0;
  uint64_t late = 0, dead_letters = 0;  // documents on the late / dead-letter destinations
  bool complete = false;  // every partition read to its end
};
Documents ReadDocuments(const std::string& bootstrap, const runtime::EngineConfig& c) {
  Documents docs;
  std::map<std::string, std::string> destination_of;  // topic -> destination name
  for (const auto& d : c.destinations) destination_of[c.kafka.Topic(d.topic)] = d.name;
  {
    // The last commit's markers may not be written yet: read once no transaction is open.
    connectors::kafka::KafkaOptions ko;
    ko.brokers = bootstrap;
    auto admin = connectors::kafka::Admin::Connect(ko);
    std::vector<std::string> topics;
    for (const auto& [topic, name] : destination_of) topics.push_back(topic);
    absl::Status st = admin.ok() ? (*admin)->AwaitStableOffsets(topics, 60'000) : admin.status();
    if (!st.ok()) {
      std::fprintf(stderr, "output topics: %s\n", std::string(st.message()).c_str());
      return docs;  // not complete
    }
  }
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", (c.kafka.topic_prefix + "bench-documents").c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(32);
  for (const auto& [topic, name] : destination_of) {
    for (int p = 0; p < c.kafka.topics.output_partitions; ++p) {
      rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  const int partitions = l->cnt;
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  std::set<std::pair<std::string, int32_t>> at_end;
  simdjson::dom::parser parser;
  int64_t deadline = NowNs() + 120LL * 1'000'000'000;
  while (static_cast<int>(at_end.size()) < partitions && NowNs() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    std::string topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert({topic, m->partition});
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const std::string& dest = destination_of[topic];
      docs.late += dest == c.late_destination;
      docs.dead_letters += dest == c.dead_letter_destination;
      simdjson::dom::element e;
      std::string_view id, kind;
      int64_t rev = 0;
      if (parser.parse(static_cast<const char*>(m->payload), m->len).get(e) == simdjson::SUCCESS &&
          e["notification_id"].get(id) == simdjson::SUCCESS &&
          e["revision"].get(rev) == simdjson::SUCCESS) {
        docs.keys.push_back(StrCat(destination_of[topic], "|", id, "|", rev));
        if (e["kind"].get(kind) == simdjson::SUCCESS && kind == "observation") ++docs.observations;
        else ++docs.notifications;
      }
    }
    rd_kafka_message_destroy(m);
  }
  docs.complete = static_cast<int>(at_end.size()) == partitions;
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::sort(docs.keys.begin(), docs.keys.end());
  return docs;
}

// Committed records of the group over the input topics (sum over partitions).
struct OffsetProbe {
  rd_kafka_t* rk = nullptr;
  rd_kafka_topic_partition_list_t* list = nullptr;
  OffsetProbe(const std::string& bootstrap, const std::string& group,
              const std::vector<std::string>& topics, int partitions) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[256];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    list = rd_kafka_topic_partition_list_new(16);
    for (const auto& t : topics) {
      for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, t.c_str(), p);
    }
  }
  ~OffsetProbe() {
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_destroy(rk);
  }
  int64_t Committed() {
    if (rd_kafka_committed(rk, list, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
    int64_t n = 0;
    for (int i = 0; i < list->cnt; ++i) n += std::max<int64_t>(0, list->elems[i].offset);
    return n;
  }
};

// kcat reading `topics` from the beginning to their end: records per second.
double KcatRate(const std::string& bootstrap, const std::vector<std::string>& topics,
                int64_t* records) {
  int64_t t0 = NowNs();
  *records = 0;
  for (const auto& t : topics) {
    std::string cmd = StrCat("kcat -C -b ", bootstrap, " -t ", t,
                             " -o beginning -e -q -f '%o\\n' -X fetch.wait.max.ms=10 | wc -l");
    FILE* f = ::popen(cmd.c_str(), "r");
    if (f == nullptr) return 0;
    long long n = 0;
    if (std::fscanf(f, "%lld", &n) != 1) n = 0;
    ::pclose(f);
    *records += n;
  }
  double secs = static_cast<double>(NowNs() - t0) / 1e9;
  return static_cast<double>(*records) / secs;
}

struct RunnerThread {
  runtime::EngineConfig config;
  std::unique_ptr<runtime::KafkaRunner> runner;
  std::thread thread;
  absl::Status status;
  runtime::RunSummary summary;
  explicit RunnerThread(const std::string& path) : RunnerThread(LoadConfig(path)) {}
  explicit RunnerThread(runtime::EngineConfig c) : config(std::move(c)) {
    runner = std::make_unique<runtime::KafkaRunner>(config, SystemClock::Get());
    thread = std::thread([this] { status = runner->Run(true, &summary); });
  }
  void Stop() {
    runner->RequestStop();
    thread.join();
    if (!status.ok()) std::fprintf(stderr, "kafka_bench: runner: %s\n", std::string(status.message()).c_str());
  }
};

// The traffic of `files` in the order kizashi produce would send it, with its keys (the
// operator its input's decoder finds: runtime::ForEachRecordedRecord). `config` is the
// Kafka-mode configuration naming the inputs.
struct Traffic {
  std::vector<std::string> values;
  std::vector<std::string> keys;
  std::vector<uint16_t> input;  // index in config.inputs
  int64_t bytes = 0;
};
Traffic LoadTraffic(const runtime::EngineConfig& config,
                    const std::vector<std::pair<std::string, std::string>>& files) {
  Traffic t;
  absl::Status st = runtime::ForEachRecordedRecord(
      config, files, [&](uint16_t input, std::string_view key, std::string_view value) {
        t.values.emplace_back(value);
        t.keys.emplace_back(key);
        t.input.push_back(input);
        t.bytes += static_cast<int64_t>(value.size());
        return absl::OkStatus();
      });
  if (!st.ok()) {
    std::fprintf(stderr, "kafka_bench: %s\n", std::string(st.message()).c_str());
    std::exit(1);
  }
  return t;
}

// What the paced producer sent, by message index: when it was due, to which input, and where
// it landed (filled by delivery reports, which run inside rd_kafka_poll/flush on the producing
// thread, so no lock). Kept flat and cheap on purpose: the load generator shares the cores with
// the broker and the engine, and every microsecond it spends per record is taken from them.
struct ProduceLog {
  std::vector<int64_t> sent_ns;
  std::vector<int> input_of;
  std::vector<int32_t> partition_of;
  std::vector<int64_t> offset_of;  // -1 until delivered
  void Resize(size_t n) {
    sent_ns.resize(n);
    input_of.resize(n);
    partition_of.resize(n, -1);
    offset_of.resize(n, -1);
  }
  // (input, partition, offset) -> send time, built after the run.
  std::map<std::tuple<int, int32_t, int64_t>, int64_t> Index() const {
    std::map<std::tuple<int, int32_t, int64_t>, int64_t> at;
    for (size_t i = 0; i < sent_ns.size(); ++i) {
      if (offset_of[i] >= 0) at[{input_of[i], partition_of[i], offset_of[i]}] = sent_ns[i];
    }
    return at;
  }
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* log = static_cast<ProduceLog*>(opaque);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  size_t i = reinterpret_cast<uintptr_t>(m->_private);
  log->partition_of[i] = m->partition;
  log->offset_of[i] = m->offset;
}

struct Latency {
  std::vector<double> ms;
  double Percentile(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    size_t i = static_cast<size_t>(p * static_cast<double>(ms.size() - 1));
    return ms[i];
  }
};

// Reads the notification topics and records, for each revision-1 document, when it was read
// and which record triggered it. Or (`inputs`: the input topics, by input name) reads the
// input topics themselves, as a bare consumer would, and records when every 8th record became
// readable: Kafka's own produce -> readable latency at the same rate, the floor under kizashi's.
struct LatencyReader {
  rd_kafka_t* rk = nullptr;
  std::atomic<bool> stop{false};
  std::thread thread;
  std::map<std::string, std::string> input_of_topic;  // inputs mode: topic -> input name
  std::vector<std::tuple<std::string, int32_t, int64_t, int64_t>> seen;  // source, partition, offset, read_ns
  int64_t documents = 0;

  // `topics`: full names (DocumentTopics), each with `partitions` partitions.
  LatencyReader(const std::string& bootstrap, const std::string& prefix, bool committed,
                const std::vector<std::string>& topics, int partitions,
                std::map<std::string, std::string> inputs = {})
      : input_of_topic(std::move(inputs)) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[256];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", (prefix + "bench-reader").c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "isolation.level", committed ? "read_committed" : "read_uncommitted",
                      err, sizeof err);
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "5", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(32);
    for (const auto& topic : topics) {
      for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
      }
    }
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    thread = std::thread([this] { Loop(); });
  }
  void Loop() {
    simdjson::dom::parser parser;
    while (!stop.load()) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 50);
      if (m == nullptr) continue;
      int64_t now = NowNs();
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && !input_of_topic.empty()) {
        if (m->offset % 8 == 0) {
          seen.emplace_back(input_of_topic[rd_kafka_topic_name(m->rkt)], m->partition, m->offset,
                            now);
        }
      } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++documents;
        simdjson::dom::element e;
        int64_t rev = 0;
        simdjson::dom::array pos;
        if (parser.parse(static_cast<const char*>(m->payload), m->len).get(e) == simdjson::SUCCESS &&
            e["revision"].get(rev) == simdjson::SUCCESS && rev == 1 &&
            e["evidence"]["positions"].get(pos) == simdjson::SUCCESS && pos.size() > 0) {
          simdjson::dom::element last = pos.at(pos.size() - 1);
          std::string_view src;
          int64_t part = 0, off = 0;
          if (last["source"].get(src) == simdjson::SUCCESS &&
              last["partition"].get(part) == simdjson::SUCCESS &&
              last["offset"].get(off) == simdjson::SUCCESS) {
            seen.emplace_back(std::string(src), static_cast<int32_t>(part), off, now);
          }
        }
      }
      rd_kafka_message_destroy(m);
    }
  }
  void Stop() {
    stop.store(true);
    thread.join();
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};

struct Paced {
  double p50 = 0, p99 = 0, p999 = 0, pmax = 0;
  size_t samples = 0;
  uint64_t records = 0;
};

// Produces `traffic` at `rate` (open loop: record i is due at start + i / rate, whatever
// happened to the ones before, and its latency counts from then) into fresh input topics
// under `prefix`. With `kizashi`, the engine (guarantee `guarantee`) processes them and the
// latency is event produced -> notification readable (read_committed for exactly_once);
// without, a bare consumer reads the inputs and the latency is Kafka's own
// produce -> readable at the same rate.
// `rate` 0 = as fast as the producer can (the live maximum): then `*live_rate` is kizashi's
// processing rate while the producer runs beside it, after a warm-up.
Paced PacedRun(const Options& o, const Source& source, const std::string& prefix, double rate,
               const Traffic& traffic, bool kizashi, const std::string& guarantee,
               double* live_rate = nullptr) {
  runtime::EngineConfig cfg = KafkaConfigFor(o, source, prefix, guarantee);
  CreateTopics(cfg);
  std::unique_ptr<RunnerThread> runner;
  if (kizashi) runner = std::make_unique<RunnerThread>(cfg);
  std::vector<std::string> input_topics;
  std::map<std::string, std::string> input_of_topic;
  for (const auto& in : cfg.inputs) {
    input_topics.push_back(cfg.kafka.Topic(in.topic));
    input_of_topic[cfg.kafka.Topic(in.topic)] = in.name;
  }
  std::unique_ptr<LatencyReader> reader =
      kizashi ? std::make_unique<LatencyReader>(
                    o.bootstrap, prefix, guarantee == "exactly_once", DocumentTopics(cfg),
                    static_cast<int>(cfg.kafka.topics.output_partitions))
              : std::make_unique<LatencyReader>(
                    o.bootstrap, prefix, false, input_topics,
                    static_cast<int>(cfg.kafka.topics.input_partitions), input_of_topic);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ProduceLog plog;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", o.bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "1", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
  rd_kafka_conf_set_dr_msg_cb(conf, &OnDelivery);
  rd_kafka_conf_set_opaque(conf, &plog);
  rd_kafka_t* prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  std::vector<rd_kafka_topic_t*> topics;  // by input index
  for (const auto& t : input_topics) topics.push_back(rd_kafka_topic_new(prod, t.c_str(), nullptr));
  const bool unpaced = rate <= 0;
  size_t total = unpaced ? traffic.values.size()
                         : std::min(traffic.values.size(),
                                    static_cast<size_t>(rate * static_cast<double>(o.seconds + 1)));
  plog.Resize(total);
  int64_t ts_ms = SystemClock::Get()->NowNs() / 1'000'000 - static_cast<int64_t>(total);
  // Warm-up: the first records (a second's worth when paced) are produced and processed
  // before the measurement starts (group joined, partitions restored, caches and JIT of the
  // broker warm; paced: the first three commits done).
  size_t warmup = unpaced ? std::min<size_t>(total / 10, 20'000)
                          : std::min(total / 2, static_cast<size_t>(rate));
  int64_t start = NowNs();
  int64_t measure_from_ns = 0;
  uint64_t live_from_n = 0;
  for (size_t i = 0; i < total; ++i) {
    if (i == warmup) {
      rd_kafka_flush(prod, 30000);
      int64_t until = NowNs() + 60LL * 1'000'000'000;
      while (runner && runner->runner->processed() < warmup && NowNs() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      // Paced (the latency phase): and the first commits done. The first transactions'
      // offsets reach a group coordinator that may still be loading (kafka.slow_commit showed
      // 0.2-1 s send_offsets_to_transaction in the first seconds): a start-up cost, not the
      // steady state measured here. (A second's worth of warm-up spans several commit
      // intervals, so three commits come at once unless the first ones are slow.)
      int64_t commit_until = NowNs() + 10LL * 1'000'000'000;
      while (runner && !unpaced && runner->runner->commits() < 3 && NowNs() < commit_until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      if (!unpaced) start = NowNs() - static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate);
      measure_from_ns = NowNs();
      live_from_n = runner ? runner->runner->processed() : 0;
    }
    // Pace: record i is due at start + i / rate.
    int64_t now = NowNs();
    int64_t due = unpaced ? now : start + static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate);
    if (due > now + 200'000) {
      rd_kafka_poll(prod, 0);
      std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    }
    int in = traffic.input[i];
    plog.input_of[i] = in;
    plog.sent_ns[i] = due;  // intended send time: open loop, coordinated omission corrected
    const std::string& v = traffic.values[i];
    const std::string& k = traffic.keys[i];
    while (rd_kafka_producev(prod, RD_KAFKA_V_RKT(topics[in]), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY(k.empty() ? nullptr : k.data(), k.size()),
                             RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
                             RD_KAFKA_V_TIMESTAMP(++ts_ms),
                             RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(uintptr_t{i})),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(prod, 1);
    }
  }
  if (unpaced && runner && live_rate != nullptr) {
    int64_t ns = NowNs() - measure_from_ns;
    uint64_t n = runner->runner->processed() - live_from_n;
    *live_rate = ns > 0 ? static_cast<double>(n) * 1e9 / static_cast<double>(ns) : 0;
  }
  rd_kafka_flush(prod, 60000);
  // Let the last transaction commit and the reader catch up.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  reader->Stop();
  if (runner) runner->Stop();
  for (auto* t : topics) rd_kafka_topic_destroy(t);
  rd_kafka_destroy(prod);
  Latency lat;
  auto sent_at = plog.Index();
  for (const auto& [src, part, off, read_ns] : reader->seen) {
    int in = -1;
    for (size_t k = 0; k < cfg.inputs.size(); ++k) {
      if (cfg.inputs[k].name == src) in = static_cast<int>(k);
    }
    auto it = sent_at.find({in, part, off});
    if (it == sent_at.end() || it->second < measure_from_ns) continue;
    lat.ms.push_back(static_cast<double>(read_ns - it->second) / 1e6);
  }
  Paced r;
  r.samples = lat.ms.size();
  r.p50 = lat.Percentile(0.50);
  r.p99 = lat.Percentile(0.99);
  r.p999 = lat.Percentile(0.999);
  r.pmax = lat.Percentile(1.0);
  r.records = total;
  return r;
}

struct Result {
  std::string guarantee;
  double kcat_rate = 0;
  double max_rate = 0;
  double max_mb = 0;
  double live_rate = 0;  // kizashi's rate with the producer writing beside it
  double paced_rate = 0;
  Paced lat;             // kizashi at the paced rate
  Paced floor;           // Kafka alone (a bare consumer of the inputs) at the paced rate
  int64_t kcat_records = 0;
  uint64_t records = 0, bytes = 0;  // pre-produced for the maximum phase
  Documents documents;              // --config: the outputs of the maximum phase
};

void Measure(const Options& o, const std::string& guarantee, const Source& source,
             const Traffic& latency_traffic, Result* res) {
  res->guarantee = guarantee;
  std::string tag = guarantee == "exactly_once" ? "eos" : "alos";
  std::string run_id = StrCat(::getpid());
  // --- 1 + 2: baseline and maximum on pre-produced traffic
  std::string prefix = StrCat("bench-", run_id, "-", tag, "-max.");
  runtime::EngineConfig cfg = KafkaConfigFor(o, source, prefix, guarantee);
  CreateTopics(cfg);
  runtime::ProduceSummary ps;
  absl::Status st = runtime::ProduceRecordedTraffic(cfg, source.files, &ps);
  if (!st.ok()) {
    std::fprintf(stderr, "kafka_bench: produce: %s\n", std::string(st.message()).c_str());
    std::exit(1);
  }
  res->records = ps.records;
  res->bytes = ps.bytes;
  std::vector<std::string> inputs;
  for (const auto& in : cfg.inputs) inputs.push_back(cfg.kafka.Topic(in.topic));
  int64_t& kcat_records = res->kcat_records;
  res->kcat_rate = KcatRate(o.bootstrap, inputs, &kcat_records);
  std::fprintf(stderr, "[%s] kcat: %lld records at %.0f/s\n", tag.c_str(),
               static_cast<long long>(kcat_records), res->kcat_rate);
  {
    RunnerThread runner(cfg);
    // The steady-state rate: between 10 % and 90 % of the input processed (start-up —
    // joining the group, restoring — and the tail are not part of it).
    int64_t total = static_cast<int64_t>(ps.records);
    int64_t lo_mark = total / 10, hi_mark = total - total / 10;
    int64_t lo_ns = 0, lo_n = 0, hi_ns = 0, hi_n = 0, n = 0;
    int64_t deadline = NowNs() + 600LL * 1'000'000'000;
    while (NowNs() < deadline) {
      n = static_cast<int64_t>(runner.runner->processed());
      int64_t now = NowNs();
      if (n >= lo_mark && lo_ns == 0) {
        lo_ns = now;
        lo_n = n;
      }
      if (n >= hi_mark && hi_ns == 0) {
        hi_ns = now;
        hi_n = n;
      }
      if (n >= total) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    // Everything committed before the next phase.
    OffsetProbe probe(o.bootstrap, cfg.kafka.GroupId(), inputs,
                      static_cast<int>(cfg.kafka.topics.input_partitions));
    while (NowNs() < deadline && probe.Committed() < total) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    runner.Stop();
    if (hi_ns > lo_ns && lo_ns > 0) {
      double secs = static_cast<double>(hi_ns - lo_ns) / 1e9;
      res->max_rate = static_cast<double>(hi_n - lo_n) / secs;
      res->max_mb = static_cast<double>(ps.bytes) / static_cast<double>(total) * res->max_rate / 1e6;
    }
    std::fprintf(stderr, "[%s] kizashi: %lld records at %.0f/s\n", tag.c_str(),
                 static_cast<long long>(total), res->max_rate);
  }
  if (!source.file_config.empty()) {
    // What the whole input raised, as a reader of the output topics sees it once committed.
    res->documents = ReadDocuments(o.bootstrap, cfg);
    std::fprintf(stderr, "[%s] outputs: %zu documents (%llu notifications, %llu observations), "
                 "%llu late, %llu dead letters%s\n",
                 tag.c_str(), res->documents.keys.size(),
                 static_cast<unsigned long long>(res->documents.notifications),
                 static_cast<unsigned long long>(res->documents.observations),
                 static_cast<unsigned long long>(res->documents.late),
                 static_cast<unsigned long long>(res->documents.dead_letters),
                 res->documents.complete ? "" : ", NOT read to the end");
  }

  // --- 3: the live maximum: a producer writes fresh traffic as fast as it can while kizashi
  // processes it. On one machine the load generator and the broker's produce path share the
  // cores with the engine, so this is lower than the catch-up maximum above; it is the
  // maximum of the setup the latency is measured in.
  PacedRun(o, source, StrCat("bench-", run_id, "-", tag, "-live."), 0, latency_traffic,
           /*kizashi=*/true, guarantee, &res->live_rate);
  std::fprintf(stderr, "[%s] kizashi with a live producer: %.0f/s\n", tag.c_str(), res->live_rate);
  // --- 4: latency at 50 % of the maximum: Kafka alone first (the floor), then kizashi
  double max = o.load_of == "catchup" ? res->max_rate : res->live_rate;
  double rate = o.rate > 0 ? o.rate : std::max(1000.0, 0.5 * max);
  res->paced_rate = rate;
  res->floor = PacedRun(o, source, StrCat("bench-", run_id, "-", tag, "-floor."), rate,
                        latency_traffic, /*kizashi=*/false, guarantee);
  std::fprintf(stderr, "[%s] Kafka floor at %.0f/s: %zu samples, p50 %.1f ms, p99 %.1f ms\n",
               tag.c_str(), rate, res->floor.samples, res->floor.p50, res->floor.p99);
  res->lat = PacedRun(o, source, StrCat("bench-", run_id, "-", tag, "-lat."), rate,
                      latency_traffic, /*kizashi=*/true, guarantee);
  std::fprintf(stderr, "[%s] latency at %.0f/s: %zu samples, p50 %.1f ms, p99 %.1f ms\n",
               tag.c_str(), rate, res->lat.samples, res->lat.p50, res->lat.p99);
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--bootstrap") o.bootstrap = next();
    else if (a == "--events") o.events = std::atoll(next().c_str());
    else if (a == "--seconds") o.seconds = std::atoi(next().c_str());
    else if (a == "--work") o.work = next();
    else if (a == "--smoke") o.smoke = true;
    else if (a == "--rate") o.rate = std::atof(next().c_str());
    else if (a == "--only") o.only = next();
    else if (a == "--load-of") o.load_of = next();
    else if (a == "--commit-interval-ms") o.commit_interval_ms = std::atoll(next().c_str());
    else if (a == "--config") o.config = next();
    else if (a == "--json") o.json = next();
    else if (a == "--input") {
      std::string v = next();
      size_t eq = v.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "kafka_bench: --input NAME=PATH, not '%s'\n", v.c_str());
        return 2;
      }
      o.input_files[v.substr(0, eq)] = v.substr(eq + 1);
    }
    else {
      std::fprintf(stderr, "usage: kafka_bench --bootstrap HOST:PORT [--events N | --config FILE] "
                           "[--input NAME=PATH]... [--seconds S] [--rate R] "
                           "[--only at_least_once|exactly_once] [--load-of live|catchup] "
                           "[--commit-interval-ms MS] "
                           "[--work DIR] [--json FILE] "
                           "[--smoke]\n");
      return 2;
    }
  }
  // Under ctest: the broker of the integration fixture (tests/integration/broker_fixture.sh).
  if (const char* dir = std::getenv("KIZASHI_KAFKA_DIR"); o.bootstrap.empty() && dir) {
    if (std::ifstream f(StrCat(dir, "/unavailable")); f) {
      std::string reason((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      std::printf("kafka_bench: skipped: %s\n", reason.c_str());
      return 0;
    }
    std::string cmd = StrCat(KIZASHI_SOURCE_DIR, "/deploy/kafka/kafka.sh bootstrap --dir ", dir);
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
      char buf[512] = {0};
      if (std::fgets(buf, sizeof buf, f) != nullptr) o.bootstrap = std::string(buf);
      ::pclose(f);
      while (!o.bootstrap.empty() && (o.bootstrap.back() == '\n' || o.bootstrap.back() == ' ')) {
        o.bootstrap.pop_back();
      }
    }
  }
  if (o.bootstrap.empty()) {
    std::fprintf(stderr, "kafka_bench: no --bootstrap (start a broker: bench/kafka/run.sh)\n");
    return 2;
  }
  if (o.smoke) {
    o.events = 20'000;
    o.seconds = 2;
  }
  if (o.work.empty()) o.work = StrCat(fs::temp_directory_path().string(), "/kizashi-kafka-bench-", ::getpid());
  fs::create_directories(o.work);
  // KIZASHI_BENCH_LOG_INFO=1: the runner's info log too (kafka.progress: commits, commit_ms).
  log::SetLevel(std::getenv("KIZASHI_BENCH_LOG_INFO") ? log::Level::kInfo : log::Level::kWarn);
  Source source;
  std::string corpus_text;
  Traffic latency_traffic;
  if (!o.config.empty()) {
    // The configuration's file inputs, for both phases.
    source.file_config = o.config;
    runtime::EngineConfig fc = LoadConfig(o.config);
    for (auto& in : fc.inputs) {
      if (auto it = o.input_files.find(in.name); it != o.input_files.end()) in.path = it->second;
      source.files.emplace_back(in.name, in.path);
      StrAppend(&corpus_text, corpus_text.empty() ? "" : ", ", in.name, " (", in.decode.format, ")");
    }
    source.latency_files = source.files;
    latency_traffic = LoadTraffic(KafkaConfigFor(o, source, "bench-keys.", "at_least_once"),
                                  source.latency_files);
    corpus_text = StrCat(latency_traffic.values.size(), " records of ", o.config, ": ", corpus_text,
                         " (", fc.inputs.size(), " input topics x 6 partitions)");
  } else {
    std::string scenario = o.work + "/scenario";
    traffic::sensors::GenOptions g;
    g.events = o.events;
    traffic::sensors::GenResult gr;
    if (!traffic::sensors::WriteScenario(scenario, g, &gr).ok()) return 1;
    // Fresh traffic for the latency phase (another seed, same shape).
    std::string lscenario = o.work + "/scenario-latency";
    traffic::sensors::GenOptions lg = g;
    lg.seed = 2;
    lg.events = std::max<int64_t>(o.events, 200'000);
    if (!traffic::sensors::WriteScenario(lscenario, lg, &gr).ok()) return 1;
    source.scenario = scenario;
    for (const char* in : {"sensors-a", "sensors-b"}) {
      source.files.emplace_back(in, StrCat(scenario, "/traffic/", in, ".jsonl"));
      source.latency_files.emplace_back(in, StrCat(lscenario, "/traffic/", in, ".jsonl"));
    }
    latency_traffic = LoadTraffic(KafkaConfigFor(o, source, "bench-keys.", "at_least_once"),
                                  source.latency_files);
    corpus_text = StrCat(o.events, " generated EVE events (2 input topics x 6 partitions)");
  }

  std::vector<Result> results;
  for (const char* g2 : {"at_least_once", "exactly_once"}) {
    if (!o.only.empty() && o.only != g2) continue;
    Result r;
    Measure(o, g2, source, latency_traffic, &r);
    results.push_back(r);
  }
  std::printf("\nkizashi Kafka benchmark: %s, broker %s\n", corpus_text.c_str(), o.bootstrap.c_str());
  // The first 11 columns keep their order; Kafka's floor and the live maximum follow.
  std::printf("%-14s %13s %13s %6s %7s %11s %8s %8s %9s %8s %7s %10s %10s %11s\n", "guarantee",
              "kcat ev/s", "kizashi ev/s", "ratio", "MB/s", "paced ev/s", "p50 ms", "p99 ms",
              "p99.9 ms", "max ms", "samples", "floor p50", "floor p99", "live ev/s");
  for (const auto& r : results) {
    std::printf("%-14s %13.0f %13.0f %6.2f %7.1f %11.0f %8.1f %8.1f %9.1f %8.1f %7zu %10.1f %10.1f %11.0f\n",
                r.guarantee.c_str(), r.kcat_rate, r.max_rate,
                r.kcat_rate > 0 ? r.max_rate / r.kcat_rate : 0.0, r.max_mb, r.paced_rate,
                r.lat.p50, r.lat.p99, r.lat.p999, r.lat.pmax, r.lat.samples, r.floor.p50,
                r.floor.p99, r.live_rate);
  }
  std::printf("(kizashi ev/s: catch-up maximum on pre-produced topics; live ev/s: with a producer "
              "writing beside it; paced = 50 %% of the %s maximum, open loop; latency: event "
              "produced -> notification readable; floor: the same paced traffic read by a bare "
              "consumer, Kafka's own produce -> readable on this machine)\n",
              o.load_of == "catchup" ? "catch-up" : "live");
  if (!o.json.empty()) {
    std::string json;
    JsonWriter w(&json);
    w.BeginObject().KV("tool", "kafka_bench").KV("broker", o.bootstrap);
    w.Key("corpus").BeginObject()
        .KV("kind", o.config.empty() ? "generated sensors scenario" : "configuration file inputs")
        .KV("description", corpus_text);
    if (!o.config.empty()) w.KV("config", o.config);
    w.Key("inputs").BeginArray();
    for (const auto& [name, path] : source.files) w.BeginObject().KV("name", name).KV("path", path).EndObject();
    w.EndArray().EndObject();
    w.Key("runs").BeginArray();
    // Samples and percentiles of a paced run, into the object open in `w`.
    auto percentiles = [&w](const Paced& p) {
      w.KV("samples", static_cast<uint64_t>(p.samples))
          .KV("p50_ms", p.p50)
          .KV("p99_ms", p.p99)
          .KV("p99_9_ms", p.p999)
          .KV("max_ms", p.pmax);
    };
    for (const auto& r : results) {
      w.BeginObject()
          .KV("guarantee", r.guarantee)
          .KV("records", r.records)
          .KV("bytes", r.bytes)
          .KV("kcat_records", r.kcat_records)
          .KV("kcat_records_per_s", r.kcat_rate)
          .KV("records_per_s", r.max_rate)
          .KV("mb_per_s", r.max_mb);
      w.KV("live_records_per_s", r.live_rate);
      w.Key("latency").BeginObject()
          .KV("offered_records_per_s", r.paced_rate)
          .KV("offered_as", o.load_of == "catchup" ? "50 % of the catch-up maximum"
                                                   : "50 % of the live maximum")
          .KV("records", r.lat.records);
      percentiles(r.lat);
      w.EndObject();
      w.Key("kafka_floor").BeginObject();
      percentiles(r.floor);
      w.EndObject();
      if (!o.config.empty()) {
        w.KV("notifications", r.documents.notifications)
            .KV("observations", r.documents.observations)
            .KV("late", r.documents.late)
            .KV("dead_letters", r.documents.dead_letters)
            .KV("outputs_read_to_end", r.documents.complete);
        w.Key("documents").BeginArray();
        for (const auto& k : r.documents.keys) w.String(k);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray().EndObject();
    std::ofstream(o.json) << json << "\n";
  }
  fs::remove_all(o.work);
  return 0;
}

}  // namespace
}  // namespace kizashi::bench

int main(int argc, char** argv) { return kizashi::bench::Main(argc, argv); }
