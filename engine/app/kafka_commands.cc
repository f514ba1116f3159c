#include "engine/app/kafka_commands.h"

#include <librdkafka/rdkafka.h>

#include <cstdio>

#include "connectors/kafka/admin.h"
#include "connectors/kafka/compat.h"
#include "engine/app/args.h"
#include "engine/common/strings.h"
#include "engine/runtime/kafka_produce.h"
#include "engine/runtime/kafka_topics.h"

namespace kizashi::app {

namespace kk = connectors::kafka;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInvalid = 3;

int Usage(const Args& a, const std::string& err) {
  if (!err.empty()) std::fprintf(stderr, "kizashi: %s\n\n", err.c_str());
  std::fputs(a.Usage().c_str(), err.empty() ? stdout : stderr);
  return err.empty() ? kExitOk : kExitUsage;
}

bool Load(const Args& a, runtime::EngineConfig* cfg) {
  Diagnostics d;
  *cfg = runtime::EngineConfig::Load(a.Get("config"), a.GetAll("set"), &d);
  if (!d.has_errors()) cfg->Validate(&d);
  if (!d.has_errors() && !runtime::UsesKafka(*cfg)) {
    d.Error("config", 0, "inputs", "the configuration has no Kafka inputs or destinations");
  }
  if (d.size() > 0) std::fputs(d.ToText().c_str(), stderr);
  return !d.has_errors();
}

}  // namespace

void CheckKafkaTopics(const runtime::EngineConfig& cfg, Diagnostics* d) {
  auto apis = kk::ProbeBrokerApiVersions(cfg.kafka, 10000);
  if (!apis.ok()) {
    d->Error("kafka", 0, cfg.kafka.brokers,
             StrCat("cannot reach the Kafka cluster: ", apis.status().message(),
                    " (use --offline to skip the topic checks)"));
    return;
  }
  absl::Status compat = kk::CheckBrokerCompatibility(*apis, rd_kafka_version());
  if (!compat.ok()) {
    if (cfg.kafka.allow_unsupported_broker) d->Warning("kafka", 0, "broker", std::string(compat.message()));
    else d->Error("kafka", 0, "broker", std::string(compat.message()));
  }
  auto admin = kk::Admin::Connect(cfg.kafka);
  if (!admin.ok()) {
    d->Error("kafka", 0, cfg.kafka.brokers, std::string(admin.status().message()));
    return;
  }
  auto parts = runtime::VerifyTopics(cfg, **admin, d);
  if (!parts.ok()) d->Error("kafka", 0, cfg.kafka.brokers, std::string(parts.status().message()));
}

int CmdTopics(int argc, char** argv) {
  Args a("topics", "Provision (create) or verify (check) the Kafka topics of a configuration: "
                   "input topics (co-partitioned), one topic per ministry, the Cabinet "
                   "Secretariat's, observation, advisory, dead-letter and late topics, the "
                   "compacted state changelog and the pack topic. Existing topics are left as "
                   "they are.");
  a.Positional("action", "create | check | plan")
      .Option("config", "FILE", "Configuration file (YAML).")
      .Option("set", "KEY=VALUE", "Override one configuration key (repeatable).");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  std::string action = a.Get("action");
  if (action != "create" && action != "check" && action != "plan") {
    return Usage(a, StrCat("unknown topics action '", action, "'"));
  }
  runtime::EngineConfig cfg;
  if (!Load(a, &cfg)) return kExitInvalid;
  if (action == "check") {
    Diagnostics d;
    CheckKafkaTopics(cfg, &d);
    std::fputs(d.ToText().c_str(), stderr);
    if (d.has_errors()) return kExitInvalid;
    std::printf("ok: Kafka topics ready\n");
    return kExitOk;
  }
  auto admin = kk::Admin::Connect(cfg.kafka);
  if (!admin.ok()) {
    std::fprintf(stderr, "kizashi: %s\n", std::string(admin.status().message()).c_str());
    return kExitFailure;
  }
  if (action == "plan") {
    auto brokers = (*admin)->BrokerCount();
    if (!brokers.ok()) {
      std::fprintf(stderr, "kizashi: %s\n", std::string(brokers.status().message()).c_str());
      return kExitFailure;
    }
    for (const auto& s : runtime::PlanTopics(cfg, *brokers, 0)) {
      std::string configs;
      for (const auto& [k, v] : s.configs) StrAppend(&configs, " ", k, "=", v);
      std::printf("%s (%s, %d partitions, replication %d)%s\n", s.name.c_str(), s.role.c_str(),
                  s.partitions, s.replication, configs.c_str());
    }
    return kExitOk;
  }
  std::vector<std::string> report;
  absl::Status st = runtime::CreateTopics(cfg, **admin, &report);
  for (const auto& line : report) std::printf("%s\n", line.c_str());
  if (!st.ok()) {
    std::fprintf(stderr, "kizashi: %s\n", std::string(st.message()).c_str());
    return kExitFailure;
  }
  return kExitOk;
}

int CmdProduce(int argc, char** argv) {
  Args a("produce", "Load recorded traffic (one record per line) into the configured Kafka "
                    "input topics, keyed by operator (decoded with the input's decoder) and "
                    "partitioned like the Java clients (murmur2). Several files are merged in "
                    "event time (each file keeps its own order) with increasing record "
                    "timestamps in that order, as live shippers deliver them: kizashi in Kafka "
                    "mode, which merges the inputs of a partition by record timestamp, then "
                    "judges lateness as a replay with a partition per file (docs/kafka.md).");
  a.Option("config", "FILE", "Configuration file (YAML).")
      .Option("set", "KEY=VALUE", "Override one configuration key (repeatable).")
      .Option("input", "NAME=FILE", "Input name and the file to load into its topic "
                                    "(repeatable; default: every Kafka input with a path).")
      .Option("rate", "R", "Records per second, paced open loop (0 = as fast as possible).", "0")
      .Option("order", "event|file-replay",
              "How several files are merged: event (event time, each file in its own order) or "
              "file-replay (the file replay's merge of one partition, by fraction read: only to "
              "reproduce exactly a file replay that puts all these files in one partition).",
              "event");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  runtime::EngineConfig cfg;
  if (!Load(a, &cfg)) return kExitInvalid;
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& spec : a.GetAll("input")) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos) return Usage(a, StrCat("--input ", spec, ": expected NAME=FILE"));
    files.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
  }
  if (files.empty()) {
    for (const auto& in : cfg.inputs) {
      if (in.type == "kafka" && !in.path.empty()) files.emplace_back(in.name, in.path);
    }
  }
  if (files.empty()) return Usage(a, "nothing to produce: give --input NAME=FILE");
  double rate = 0;
  if (!ParseDouble(a.Get("rate"), &rate) || rate < 0) return Usage(a, "--rate: expected a number >= 0");
  runtime::ProduceOrder order = runtime::ProduceOrder::kEventTime;
  if (a.Get("order") == "file-replay") {
    order = runtime::ProduceOrder::kFileReplay;
  } else if (a.Get("order") != "event") {
    return Usage(a, "--order: expected event or file-replay");
  }
  runtime::ProduceSummary s;
  absl::Status st = runtime::ProduceRecordedTraffic(cfg, files, &s, rate, order);
  if (!st.ok()) {
    std::fprintf(stderr, "kizashi: %s\n", std::string(st.message()).c_str());
    return kExitFailure;
  }
  std::fprintf(stderr, "kizashi produce: %llu records (%llu bytes, %llu without operator) in %.2f s\n",
               static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.bytes),
               static_cast<unsigned long long>(s.unkeyed), s.seconds);
  return kExitOk;
}

}  // namespace kizashi::app
