#include "engine/runtime/kafka_topics.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "engine/common/strings.h"

namespace kizashi::runtime {

namespace kk = connectors::kafka;

bool UsesKafka(const EngineConfig& config) {
  for (const auto& in : config.inputs) {
    if (in.type == "kafka") return true;
  }
  for (const auto& d : config.destinations) {
    if (d.type == "kafka") return true;
  }
  return false;
}

std::string CampaignRepartitionTopic(const EngineConfig& config) {
  return StrCat(config.kafka.Topic("campaign-repartition"), config.route.exercise ? ".exercise" : "");
}

std::string CampaignFindingsTopic(const EngineConfig& config) {
  return StrCat(config.kafka.Topic("campaign-findings"), config.route.exercise ? ".exercise" : "");
}

std::string LedgerTopic(const EngineConfig& config) {
  return StrCat(config.kafka.Topic("ledger"), config.route.exercise ? ".exercise" : "");
}

std::vector<kk::TopicSpec> PlanTopics(const EngineConfig& config, int brokers,
                                      int32_t input_partitions) {
  const kk::KafkaOptions& o = config.kafka;
  int32_t rf = o.topics.replication_factor > 0
                   ? static_cast<int32_t>(o.topics.replication_factor)
                   : std::clamp(brokers, 1, 3);
  int32_t isr = o.topics.min_insync_replicas > 0 ? static_cast<int32_t>(o.topics.min_insync_replicas)
                                                 : std::max(1, rf - 1);
  int32_t in_parts = input_partitions > 0 ? input_partitions
                                          : static_cast<int32_t>(o.topics.input_partitions);
  kk::Properties durable = {{"min.insync.replicas", StrCat(isr)}};
  std::vector<kk::TopicSpec> out;
  auto add = [&](std::string name, std::string role, int32_t parts, kk::Properties cfg) {
    for (const auto& s : out) {
      if (s.name == name) return;  // several destinations may share a topic
    }
    out.push_back(kk::TopicSpec{std::move(name), std::move(role), parts, rf, std::move(cfg)});
  };
  for (const auto& in : config.inputs) {
    if (in.type == "kafka") add(o.Topic(in.topic), "input", in_parts, durable);
  }
  kk::Properties compact = durable;
  compact.emplace_back("cleanup.policy", "compact");
  kk::Properties changelog = compact;
  changelog.emplace_back("delete.retention.ms",
                         StrCat(o.topics.changelog_delete_retention_ns / 1'000'000));
  // Smaller segments than the 1 GiB default so the cleaner compacts a busy changelog soon.
  changelog.emplace_back("segment.bytes", StrCat(64 << 20));
  add(o.ChangelogTopic(), "changelog", in_parts, changelog);
  if (config.ledger.enabled) {
    // One record per (document id, revision, destination): compaction keeps the last record
    // of a key, which drops only re-recordings of the same disclosure (engine/ledger/chain.h).
    add(LedgerTopic(config), "ledger", in_parts, compact);
  }
  if (config.campaign.enabled) {
    // Every record is an event to apply, never "the latest value of a key": delete, not
    // compact. Read within seconds; the retention only has to outlast an outage.
    kk::Properties internal = durable;
    internal.emplace_back("cleanup.policy", "delete");
    internal.emplace_back("retention.ms", StrCat(o.topics.campaign_retention_ns / 1'000'000));
    add(CampaignRepartitionTopic(config), "internal", in_parts, internal);
    add(CampaignFindingsTopic(config), "internal", in_parts, internal);
  }
  for (const auto& d : config.destinations) {
    if (d.type == "kafka") {
      add(o.Topic(d.topic), "output", static_cast<int32_t>(o.topics.output_partitions), durable);
    }
  }
  add(o.Topic(o.topics.packs), "packs", 1, compact);
  return out;
}

absl::StatusOr<int32_t> VerifyTopics(const EngineConfig& config, kk::Admin& admin,
                                     Diagnostics* d) {
  auto brokers = admin.BrokerCount();
  if (!brokers.ok()) return brokers.status();
  std::vector<kk::TopicSpec> plan = PlanTopics(config, *brokers, 0);
  std::vector<std::string> names;
  for (const auto& s : plan) names.push_back(s.name);
  auto info = admin.Describe(names);
  if (!info.ok()) return info.status();
  std::map<std::string, kk::TopicInfo> changelog;
  std::string changelog_name = config.kafka.ChangelogTopic();
  changelog[changelog_name] = (*info)[changelog_name];
  for (const auto& s : plan) {
    if ((s.role == "internal" || s.role == "ledger") && (*info)[s.name].exists) {
      changelog[s.name] = (*info)[s.name];
    }
  }
  absl::Status cst = admin.DescribeConfigs(&changelog, {"cleanup.policy"});
  if (!cst.ok()) return cst;

  std::map<int32_t, std::vector<std::string>> input_counts;
  for (const auto& s : plan) {
    const kk::TopicInfo& t = (*info)[s.name];
    std::string id = StrCat("topic ", s.name);
    if (!t.exists) {
      if (s.role == "packs") {
        d->Warning("kafka", 0, id, "the pack topic does not exist (kizashi topics create)");
      } else {
        d->Error("kafka", 0, id,
                 StrCat("the ", s.role, " topic does not exist; create it with "
                        "`kizashi topics create`"));
      }
      continue;
    }
    if (s.role == "input") input_counts[t.partitions].push_back(StrCat(s.name, "=", t.partitions));
  }
  int32_t parts = 0;
  if (input_counts.size() > 1) {
    std::vector<std::string> all;
    for (const auto& [n, list] : input_counts) all.insert(all.end(), list.begin(), list.end());
    d->Error("kafka", 0, "inputs",
             StrCat("input topics are not co-partitioned (partitions: ", Join(all, ", "),
                    "): every input topic must have the same number of partitions so that one "
                    "operator's records of every input land in the same partition number"));
  } else if (input_counts.size() == 1) {
    parts = input_counts.begin()->first;
  }
  for (const auto& s : plan) {
    if (s.role != "internal" || !changelog.count(s.name)) continue;
    const kk::TopicInfo& t = changelog[s.name];
    if (parts > 0 && t.partitions != parts) {
      d->Error("kafka", 0, StrCat("topic ", s.name),
               StrCat("the campaign topic has ", t.partitions, " partitions but the input topics "
                      "have ", parts, "; it needs exactly one per input partition (findings "
                      "return to the partition number of the operator's input)"));
    }
    auto it = t.configs.find("cleanup.policy");
    if (it != t.configs.end() && it->second.find("compact") != std::string::npos) {
      d->Error("kafka", 0, StrCat("topic ", s.name),
               "the campaign topic must not be compacted (cleanup.policy=delete): compaction "
               "would drop sightings and findings that share a key");
    }
  }
  if (config.ledger.enabled && changelog.count(LedgerTopic(config))) {
    std::string name = LedgerTopic(config);
    const kk::TopicInfo& t = changelog[name];
    if (parts > 0 && t.partitions != parts) {
      d->Error("kafka", 0, StrCat("topic ", name),
               StrCat("the ledger topic has ", t.partitions, " partitions but the input topics "
                      "have ", parts, "; it needs exactly one per input partition (each input "
                      "partition's disclosures form one hash chain on its partition)"));
    }
    auto it = t.configs.find("cleanup.policy");
    if (it != t.configs.end() && it->second.find("compact") == std::string::npos) {
      d->Error("kafka", 0, StrCat("topic ", name),
               StrCat("the ledger topic must be compacted (cleanup.policy=compact), not ",
                      it->second));
    }
  }
  const kk::TopicInfo& cl = changelog[changelog_name];
  if (cl.exists) {
    if (parts > 0 && cl.partitions != parts) {
      d->Error("kafka", 0, StrCat("topic ", changelog_name),
               StrCat("the changelog has ", cl.partitions, " partitions but the input topics have ",
                      parts, "; it needs exactly one per input partition"));
    }
    auto it = cl.configs.find("cleanup.policy");
    if (it != cl.configs.end() && it->second.find("compact") == std::string::npos) {
      d->Error("kafka", 0, StrCat("topic ", changelog_name),
               StrCat("the changelog must be compacted (cleanup.policy=compact), not ", it->second));
    }
  }
  return parts;
}

absl::Status CreateTopics(const EngineConfig& config, kk::Admin& admin,
                          std::vector<std::string>* report) {
  auto brokers = admin.BrokerCount();
  if (!brokers.ok()) return brokers.status();
  // Existing input topics decide the partition count of new inputs and of the changelog.
  std::vector<std::string> inputs;
  for (const auto& in : config.inputs) {
    if (in.type == "kafka") inputs.push_back(config.kafka.Topic(in.topic));
  }
  auto existing = admin.Describe(inputs);
  if (!existing.ok()) return existing.status();
  int32_t parts = 0;
  for (const auto& [name, t] : *existing) {
    if (!t.exists) continue;
    if (parts != 0 && t.partitions != parts) {
      return absl::FailedPreconditionError(
          StrCat("existing input topics are not co-partitioned (", name, " has ", t.partitions,
                 " partitions, another has ", parts, "); fix them before creating the rest"));
    }
    parts = t.partitions;
  }
  std::vector<kk::TopicSpec> plan = PlanTopics(config, *brokers, parts);
  std::vector<std::string> created;
  absl::Status st = admin.Create(plan, &created);
  for (const auto& s : plan) {
    bool made = std::find(created.begin(), created.end(), s.name) != created.end();
    report->push_back(StrCat(made ? "created " : "exists  ", s.name, " (", s.role, ", ",
                             s.partitions, " partitions, replication ", s.replication, ")"));
  }
  if (!st.ok() || created.empty()) return st;
  // CreateTopics returns once the controller has the topics; the other brokers learn of them
  // moments later, and a client asking one of those in between sees no partitions. Wait until
  // several metadata requests in a row (which librdkafka spreads over the brokers) agree.
  std::vector<std::string> names(created.begin(), created.end());
  int agreeing = 0;
  for (int attempt = 0; attempt < 300 && agreeing < 5; ++attempt) {
    auto d = admin.Describe(names);
    bool ready = d.ok();
    if (ready) {
      for (const auto& [name, t] : *d) ready = ready && t.exists && t.partitions > 0;
    }
    agreeing = ready ? agreeing + 1 : 0;
    if (agreeing < 5) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (agreeing < 5) {
    return absl::DeadlineExceededError(
        "created the topics, but the brokers' metadata did not show them within 30 s");
  }
  return st;
}

}  // namespace kizashi::runtime
