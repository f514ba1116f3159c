#include "connectors/kafka/kafka_options.h"

#include "engine/common/strings.h"

namespace kizashi::connectors::kafka {

void TopicOptions::Declare(config::Schema& s, TopicOptions* o) {
  s.Int("input_partitions", &o->input_partitions,
        "Partitions of input topics created by `kizashi topics create` (existing topics are "
        "left alone; all input topics must have the same count: co-partitioning).",
        1, 100000);
  s.Int("output_partitions", &o->output_partitions,
        "Partitions of created output topics (notifications, observations, dead letters, late).",
        1, 100000);
  s.Int("replication_factor", &o->replication_factor,
        "Replication factor of created topics; 0 = min(3, number of brokers).", 0, 32);
  s.Int("min_insync_replicas", &o->min_insync_replicas,
        "min.insync.replicas of created topics; 0 = replication_factor - 1 (at least 1).", 0,
        32);
  s.String("changelog", &o->changelog,
           "Compacted changelog topic of the state store (one partition per input partition). "
           "Empty: <group_id>-changelog (the state belongs to the group).");
  s.String("packs", &o->packs, "Compacted topic that pattern packs are published on.");
  s.Duration("changelog_delete_retention", &o->changelog_delete_retention_ns,
             "delete.retention.ms of the changelog; a local store whose checkpoint is older "
             "than half of it is rebuilt from the whole changelog instead of caught up.",
             60LL * 1'000'000'000, 365LL * 24 * 3600 * 1'000'000'000);
  s.Duration("campaign_retention", &o->campaign_retention_ns,
             "retention.ms of the campaign topics (campaign-repartition, campaign-findings; "
             "campaign.enabled) `kizashi topics create` makes: it only has to outlast an outage.",
             3600LL * 1'000'000'000, 365LL * 24 * 3600 * 1'000'000'000);
}

void KafkaOptions::Declare(config::Schema& s, KafkaOptions* o) {
  s.String("brokers", &o->brokers, "Bootstrap servers, host:port[,host:port...].");
  s.String("group_id", &o->group_id,
           "Consumer group of the instances that share the input partitions (topic_prefix is "
           "prepended).");
  s.String("instance_id", &o->instance_id,
           "Stable name of this instance, part of its transactional.id (a restart fences its "
           "previous incarnation at once). Empty: hostname + hash of state.dir. Must differ "
           "between instances of one group.");
  s.String("topic_prefix", &o->topic_prefix,
           "Prepended to every topic name (inputs, destinations, changelog, packs) and to the "
           "group id.");
  s.String("processing_guarantee", &o->processing_guarantee,
           "exactly_once: outputs, changelog and input offsets commit in one Kafka transaction "
           "per commit interval (read_committed consumers see every notification once). "
           "at_least_once: idempotent producer, offsets committed after delivery; lowest "
           "latency, a crash may repeat outputs (same ids and revisions).",
           {"exactly_once", "at_least_once"});
  s.Duration("commit_interval", &o->commit_interval_ns,
             "How often outputs, state and offsets are committed (exactly_once: one "
             "transaction per interval; notifications become readable at commit).",
             1'000'000LL, 600LL * 1'000'000'000);
  s.Duration("transaction_timeout", &o->transaction_timeout_ns,
             "transaction.timeout.ms: how long the broker keeps a transaction of a crashed "
             "instance open (it blocks read_committed readers) before aborting it.",
             1'000'000'000LL, 900LL * 1'000'000'000);
  s.Int("workers", &o->workers,
        "Worker threads (each owns whole input partitions); 0 = one per core.", 0, 1024);
  s.Int("worker_queue_batches", &o->worker_queue_batches,
        "Batches queued per worker; when full, input partitions pause.", 1, 1024);
  s.Int("max_buffered_bytes", &o->max_buffered_bytes,
        "Fetched-but-unprocessed bytes per input partition before it is paused.", 1 << 16,
        int64_t{1} << 32);
  s.Int("max_records_per_second", &o->max_records_per_second,
        "Upper bound on the records this instance processes per second (a catch-up after an "
        "outage then does not flood what is downstream); 0 = no limit. Input partitions pause "
        "while it holds records back.",
        0, int64_t{1} << 40);
  s.Duration("progress_interval", &o->progress_interval_ns,
             "How often a kafka.progress log line reports throughput, backlog and commit times.",
             100'000'000LL, 3600LL * 1'000'000'000);
  s.Duration("poll_timeout", &o->poll_timeout_ns,
             "Longest wait of one consumer poll when nothing is buffered.", 1'000'000LL,
             10LL * 1'000'000'000);
  s.String("security_protocol", &o->security_protocol, "security.protocol.",
           {"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"});
  s.String("sasl_mechanism", &o->sasl_mechanism, "sasl.mechanism.",
           {"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"});
  s.String("sasl_username", &o->sasl_username, "sasl.username.");
  s.String("sasl_password", &o->sasl_password,
           "sasl.password (prefer the environment variable KIZASHI_KAFKA__SASL_PASSWORD).");
  s.String("ssl_ca_location", &o->ssl_ca_location, "ssl.ca.location (PEM file or directory).");
  s.String("ssl_certificate_location", &o->ssl_certificate_location,
           "ssl.certificate.location: client certificate (mutual TLS).");
  s.String("ssl_key_location", &o->ssl_key_location, "ssl.key.location: client private key.");
  s.String("ssl_key_password", &o->ssl_key_password, "ssl.key.password.");
  s.Bool("ssl_verify_hostname", &o->ssl_verify_hostname,
         "Verify the broker certificate's host name (ssl.endpoint.identification.algorithm).");
  s.StringMap("properties", &o->properties,
              "Extra librdkafka properties for every Kafka client kizashi creates.");
  s.StringMap("consumer_properties", &o->consumer_properties,
              "Extra librdkafka properties for the input consumer.");
  s.StringMap("producer_properties", &o->producer_properties,
              "Extra librdkafka properties for the output producer.");
  s.Bool("allow_unsupported_broker", &o->allow_unsupported_broker,
         "Start even when the broker is Kafka >= 4.0 and librdkafka is older than 2.11.0 (its "
         "consumer groups do not work there; see docs/kafka.md).");
  s.Section("topics", [&](config::Schema& t) { TopicOptions::Declare(t, &o->topics); });
}

void KafkaOptions::Validate(Diagnostics* d) const {
  if (brokers.empty()) {
    d->Error("config", 0, "kafka.brokers", "Kafka inputs or destinations need kafka.brokers");
  }
  bool sasl = StartsWith(security_protocol, "sasl");
  if (sasl && sasl_username.empty()) {
    d->Error("config", 0, "kafka.sasl_username",
             StrCat("security_protocol ", security_protocol, " needs sasl_username"));
  }
  if (!sasl && !sasl_username.empty()) {
    d->Warning("config", 0, "kafka.sasl_username",
               "sasl_username is set but security_protocol is not sasl_*: it is ignored");
  }
  if (topics.min_insync_replicas > 0 && topics.replication_factor > 0 &&
      topics.min_insync_replicas > topics.replication_factor) {
    d->Error("config", 0, "kafka.topics.min_insync_replicas",
             "min_insync_replicas exceeds replication_factor");
  }
  if (guarantee() == Guarantee::kExactlyOnce && commit_interval_ns * 2 > transaction_timeout_ns) {
    d->Error("config", 0, "kafka.commit_interval",
             "exactly_once needs commit_interval well below transaction_timeout (at most half)");
  }
}

std::string KafkaOptions::Topic(std::string_view name) const { return StrCat(topic_prefix, name); }

std::string KafkaOptions::GroupId() const { return StrCat(topic_prefix, group_id); }

std::string KafkaOptions::ChangelogTopic() const {
  return topics.changelog.empty() ? StrCat(topic_prefix, group_id, "-changelog")
                                  : Topic(topics.changelog);
}

}  // namespace kizashi::connectors::kafka
