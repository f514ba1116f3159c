#include "engine/runtime/ledger_reader.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <set>

#include "connectors/kafka/admin.h"
#include "connectors/kafka/client.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::runtime {

namespace kk = connectors::kafka;

absl::Status ReadLedgerTopic(const kk::KafkaOptions& options, const std::string& topic,
                             int timeout_ms, const LedgerRecordFn& fn) {
  KZ_ASSIGN_OR_RETURN(auto admin, kk::Admin::Connect(options, std::min(timeout_ms, 10000)));
  KZ_ASSIGN_OR_RETURN(auto info, admin->Describe({topic}));
  const kk::TopicInfo& t = info[topic];
  if (!t.exists) return absl::NotFoundError(StrCat("the ledger topic ", topic, " does not exist"));
  kk::Properties props = {
      // Partitions are assigned explicitly and nothing is committed: the group id is only
      // required by librdkafka's assign().
      {"group.id", options.GroupId() + ".ledger-reader"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"isolation.level", "read_committed"},
      {"enable.partition.eof", "true"},
      {"auto.offset.reset", "earliest"},
  };
  KZ_ASSIGN_OR_RETURN(auto conf, kk::MakeConf(options, kk::Role::kRestore, props));
  KZ_ASSIGN_OR_RETURN(auto rk, kk::NewClient(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(rk.get());
  kk::PartitionListPtr l(rd_kafka_topic_partition_list_new(t.partitions));
  std::set<int32_t> open;
  for (int32_t p = 0; p < t.partitions; ++p) {
    rd_kafka_topic_partition_list_add(l.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    open.insert(p);
  }
  KZ_RETURN_IF_ERROR(kk::KafkaError(rd_kafka_assign(rk.get(), l.get()), "assigning the ledger topic"));
  absl::Status st;
  int64_t deadline = MonotonicNowNs() + int64_t{timeout_ms} * 1'000'000;
  while (!open.empty() && st.ok()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (m == nullptr) {
      if (MonotonicNowNs() > deadline) {
        st = absl::DeadlineExceededError(StrCat("reading ", topic, ": ", open.size(),
                                                " partition(s) without end after ", timeout_ms,
                                                " ms"));
      }
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      open.erase(m->partition);
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->rkt == nullptr ||
          rd_kafka_fatal_error(rk.get(), nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR ||
          m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
        st = kk::KafkaError(m->err, StrCat("reading ", topic, ": ", rd_kafka_message_errstr(m)));
      }
      // Otherwise transient (leader moving): librdkafka retries.
    } else {
      st = fn(m->partition, m->offset,
              std::string_view(static_cast<const char*>(m->key), m->key_len),
              m->payload == nullptr
                  ? std::string_view()
                  : std::string_view(static_cast<const char*>(m->payload), m->len));
    }
    rd_kafka_message_destroy(m);
  }
  KZ_IGNORE_STATUS(kk::KafkaError(rd_kafka_assign(rk.get(), nullptr), "unassigning"));
  return st;
}

}  // namespace kizashi::runtime
