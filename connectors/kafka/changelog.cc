#include "connectors/kafka/changelog.h"

#include "engine/common/log.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::connectors::kafka {

std::string ChangelogKey(state::Cf cf, std::string_view key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(static_cast<char>(cf));
  k.append(key);
  return k;
}

bool ParseChangelogKey(std::string_view record_key, state::Cf* cf, std::string_view* key) {
  if (record_key.empty()) return false;
  auto c = static_cast<uint8_t>(record_key[0]);
  if (c >= static_cast<uint8_t>(state::Cf::kCount)) return false;
  *cf = static_cast<state::Cf>(c);
  *key = record_key.substr(1);
  return true;
}

absl::StatusOr<std::unique_ptr<ChangelogReader>> ChangelogReader::Create(
    const KafkaOptions& options) {
  auto r = std::unique_ptr<ChangelogReader>(new ChangelogReader());
  Properties props = {
      // Partitions are assigned explicitly and nothing is committed: the group id is only
      // required by librdkafka's assign(); this consumer never joins it.
      {"group.id", options.GroupId() + ".restore"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"isolation.level", "read_committed"},
      {"enable.partition.eof", "true"},
      {"auto.offset.reset", "error"},
      {"fetch.wait.max.ms", "50"},
      {"queued.max.messages.kbytes", "65536"},
  };
  auto conf = MakeConf(options, Role::kRestore, props);
  if (!conf.ok()) return conf.status();
  auto rk = NewClient(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  r->rk_ = std::move(*rk);
  rd_kafka_poll_set_consumer(r->rk_.get());
  return r;
}

absl::StatusOr<std::pair<int64_t, int64_t>> ChangelogReader::Watermarks(const std::string& topic,
                                                                        int32_t partition,
                                                                        int timeout_ms) {
  int64_t lo = 0, hi = 0;
  rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), partition, &lo, &hi, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(err, StrCat("watermarks of ", topic, " [", partition, "]"));
  }
  return std::make_pair(lo, hi);
}

absl::StatusOr<RestoreResult> ChangelogReader::Restore(
    const std::string& topic, int32_t partition, int64_t from, state::StateStore* store,
    const std::function<bool(state::Cf, std::string_view)>& is_boundary, int timeout_ms) {
  int64_t t0 = MonotonicNowNs();
  RestoreResult res;
  res.next_offset = from < 0 ? 0 : from;
  PartitionListPtr l(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(l.get(), topic.c_str(), partition)->offset = from;
  absl::Status st = KafkaError(rd_kafka_assign(rk_.get(), l.get()), "assigning the changelog");
  if (!st.ok()) return st;

  state::StateDelta staged;     // changes since the last boundary record
  state::StateDelta committed;  // complete units not yet written to the store
  auto flush_committed = [&]() -> absl::Status {
    if (committed.empty()) return absl::OkStatus();
    res.applied += static_cast<int64_t>(committed.size());
    absl::Status s = store->Commit(committed);
    committed.Clear();
    return s;
  };
  int64_t deadline = MonotonicNowNs() + int64_t{timeout_ms} * 1'000'000;
  bool done = false;
  while (!done) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 100);
    if (m == nullptr) {
      if (MonotonicNowNs() > deadline) {
        st = absl::DeadlineExceededError(
            StrCat("restoring ", topic, " [", partition, "]: no end of partition after ",
                   timeout_ms, " ms (at offset ", res.end_offset, ")"));
        break;
      }
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      res.end_offset = m->offset;
      done = true;
    } else if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
               m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
      st = absl::OutOfRangeError(StrCat("changelog ", topic, " [", partition, "] offset ", from,
                                        " is out of range: ", rd_kafka_message_errstr(m)));
      done = true;
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Transient (broker down, leader moving): librdkafka retries; keep reading.
      KZ_LOG_EVERY(kWarn, "kafka.restore.error", 5)
          .Kv("topic", topic)
          .Kv("partition", partition)
          .Kv("error", rd_kafka_message_errstr(m));
      if (rd_kafka_fatal_error(rk_.get(), nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        st = KafkaError(m->err, "restoring the changelog");
        done = true;
      }
    } else {
      ++res.records;
      res.bytes += static_cast<int64_t>(m->len + m->key_len);
      res.end_offset = m->offset + 1;
      state::Cf cf;
      std::string_view key;
      if (!ParseChangelogKey(std::string_view(static_cast<const char*>(m->key), m->key_len), &cf,
                             &key)) {
        KZ_LOG_EVERY(kWarn, "kafka.restore.bad_key", 10)
            .Kv("topic", topic)
            .Kv("partition", partition)
            .Kv("offset", m->offset);
      } else {
        if (m->payload == nullptr) {
          staged.Delete(cf, std::string(key));
        } else {
          staged.Put(cf, std::string(key),
                     std::string(static_cast<const char*>(m->payload), m->len));
        }
        if (is_boundary(cf, key)) {
          for (const auto& op : staged.ops()) {
            if (op.del) committed.Delete(op.cf, op.key);
            else committed.Put(op.cf, op.key, op.value);
          }
          staged.Clear();
          res.next_offset = m->offset + 1;
          if (committed.size() >= 4096) {
            st = flush_committed();
            if (!st.ok()) done = true;
          }
        }
      }
    }
    rd_kafka_message_destroy(m);
  }
  if (st.ok()) st = flush_committed();
  KZ_IGNORE_STATUS(KafkaError(rd_kafka_assign(rk_.get(), nullptr), "unassigning the changelog"));
  if (!st.ok()) return st;
  if (staged.empty()) {
    res.next_offset = std::max(res.next_offset, res.end_offset);
  } else {
    KZ_LOG(kWarn, "kafka.restore.partial_unit")
        .Kv("topic", topic)
        .Kv("partition", partition)
        .Kv("ignored_ops", staged.size());
  }
  res.seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  return res;
}

}  // namespace kizashi::connectors::kafka
