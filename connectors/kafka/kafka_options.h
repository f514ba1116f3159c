// KafkaOptions: the `kafka:` section of the configuration — where the brokers are, how to
// authenticate, the consumer group, the processing guarantee and the topics kizashi owns.
// Every key is declared once (Declare) and shown by `kizashi config reference`.
//
// Ownership: a plain struct inside runtime::EngineConfig; immutable after start-up and read
// from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/common/diag.h"
#include "engine/config/schema.h"

namespace kizashi::connectors::kafka {

enum class Guarantee { kExactlyOnce, kAtLeastOnce };

struct TopicOptions {
  // Partitions of the input topics `kizashi topics create` makes (existing topics are kept as
  // they are; `kizashi check` verifies all input topics have the same count).
  int64_t input_partitions = 6;
  // Partitions of the output topics (notifications, observations, dead letters, late).
  int64_t output_partitions = 3;
  // Replication factor of created topics; 0 = min(3, number of brokers).
  int64_t replication_factor = 0;
  // min.insync.replicas of created topics; 0 = replication_factor - 1 (at least 1).
  int64_t min_insync_replicas = 0;
  // The compacted changelog of the state store (one partition per input partition). Empty:
  // "<group_id>-changelog" — the changelog belongs to the group whose state it holds.
  std::string changelog;
  // The compacted topic pattern packs are published on.
  std::string packs = "kizashi-packs";
  // Tombstones in the changelog are kept this long (delete.retention.ms); a local store whose
  // checkpoint is older than half of it is rebuilt from scratch instead of caught up.
  int64_t changelog_delete_retention_ns = 24LL * 3600 * 1'000'000'000;
  // retention.ms of the campaign topics (campaign.enabled): sightings and findings are read
  // within a commit interval or two; this only has to outlast an outage. Default: 7 days.
  int64_t campaign_retention_ns = 7LL * 24 * 3600 * 1'000'000'000;
  static void Declare(config::Schema& s, TopicOptions* o);
};

struct KafkaOptions {
  std::string brokers;  // bootstrap.servers
  std::string group_id = "kizashi";
  // Stable name of this instance; part of its transactional.id so that a restarted instance
  // fences its previous incarnation at once. Empty: hostname + hash of the state directory.
  std::string instance_id;
  // Prepended to every topic name kizashi uses (inputs, destinations, changelog, packs) and
  // to the group id.
  std::string topic_prefix;
  std::string processing_guarantee = "exactly_once";  // exactly_once | at_least_once
  int64_t commit_interval_ns = 100 * 1'000'000LL;
  int64_t transaction_timeout_ns = 10 * 1'000'000'000LL;
  // Worker threads; 0 = one per core (at most one per input partition owned).
  int64_t workers = 0;
  // Batches waiting per worker; a full queue stops the merge and the partitions pause.
  int64_t worker_queue_batches = 4;
  // An input partition whose fetched-but-unprocessed bytes exceed this is paused (Kafka
  // pause()); it resumes below half. Bounds memory whatever the downstream speed.
  int64_t max_buffered_bytes = 8 << 20;
  // Upper bound on records processed per second by this instance; 0 = none. Protects what
  // is downstream of kizashi during a catch-up (and paces the fault tests).
  int64_t max_records_per_second = 0;
  // How often a kafka.progress line is logged (throughput, backlog, commit times).
  int64_t progress_interval_ns = 10LL * 1'000'000'000;
  // How long one poll waits for records when nothing is buffered.
  int64_t poll_timeout_ns = 20 * 1'000'000LL;

  // Security: passed through to librdkafka (security.protocol, sasl.*, ssl.*).
  std::string security_protocol = "plaintext";  // plaintext | ssl | sasl_plaintext | sasl_ssl
  std::string sasl_mechanism = "SCRAM-SHA-512";  // SCRAM-SHA-256 | SCRAM-SHA-512 | PLAIN
  std::string sasl_username;
  std::string sasl_password;  // prefer KIZASHI_KAFKA__SASL_PASSWORD in the environment
  std::string ssl_ca_location;
  std::string ssl_certificate_location;
  std::string ssl_key_location;
  std::string ssl_key_password;
  bool ssl_verify_hostname = true;
  // Extra librdkafka properties for every client (e.g. {"socket.keepalive.enable": "true"}).
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<std::pair<std::string, std::string>> consumer_properties;
  std::vector<std::pair<std::string, std::string>> producer_properties;

  // Start even if the broker is Kafka >= 4.0 and the linked librdkafka is older than 2.11.0
  // (consumer groups then do not work; see docs/kafka.md).
  bool allow_unsupported_broker = false;

  TopicOptions topics;

  static void Declare(config::Schema& s, KafkaOptions* o);
  void Validate(Diagnostics* d) const;

  Guarantee guarantee() const {
    return processing_guarantee == "at_least_once" ? Guarantee::kAtLeastOnce
                                                   : Guarantee::kExactlyOnce;
  }
  // `topic_prefix + name`.
  std::string Topic(std::string_view name) const;
  std::string GroupId() const;
  // Full name of the changelog topic.
  std::string ChangelogTopic() const;
};

}  // namespace kizashi::connectors::kafka
