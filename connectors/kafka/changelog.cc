#include "connectors/kafka/changelog.h"

#include <map>

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
      {"fetch.wait.max.ms", "10"},
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

absl::StatusOr<RestoreResult> ChangelogReader::Restore(const std::string& topic,
                                                       int32_t partition, int64_t from,
                                                       state::StateStore* store,
                                                       const Boundary& is_boundary,
                                                       int timeout_ms) {
  std::vector<Outcome> out;
  absl::Status st = RestoreMany(topic, {Request{partition, from}}, store, is_boundary, timeout_ms, &out);
  if (!st.ok()) return st;
  if (!out[0].status.ok()) return out[0].status;
  return out[0].result;
}

absl::Status ChangelogReader::RestoreMany(const std::string& topic,
                                          const std::vector<Request>& requests,
                                          state::StateStore* store, const Boundary& is_boundary,
                                          int timeout_ms, std::vector<Outcome>* results) {
  int64_t t0 = MonotonicNowNs();
  results->assign(requests.size(), Outcome{});
  if (requests.empty()) return absl::OkStatus();
  struct Part {
    size_t index = 0;
    bool done = false;
    state::StateDelta staged;     // changes since the last boundary record
    state::StateDelta committed;  // complete units not yet written to the store
  };
  std::map<int32_t, Part> parts;
  PartitionListPtr l(rd_kafka_topic_partition_list_new(static_cast<int>(requests.size())));
  for (size_t i = 0; i < requests.size(); ++i) {
    rd_kafka_topic_partition_list_add(l.get(), topic.c_str(), requests[i].partition)->offset =
        requests[i].from;
    parts[requests[i].partition].index = i;
    (*results)[i].result.next_offset = requests[i].from < 0 ? 0 : requests[i].from;
  }
  absl::Status st = KafkaError(rd_kafka_assign(rk_.get(), l.get()), "assigning the changelog");
  if (!st.ok()) return st;

  auto flush = [&](Part& p) -> absl::Status {
    if (p.committed.empty()) return absl::OkStatus();
    (*results)[p.index].result.applied += static_cast<int64_t>(p.committed.size());
    absl::Status s = store->Commit(p.committed);
    p.committed.Clear();
    return s;
  };
  size_t remaining = parts.size();
  int64_t deadline = MonotonicNowNs() + int64_t{timeout_ms} * 1'000'000;
  while (remaining > 0 && st.ok()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 100);
    if (m == nullptr) {
      if (MonotonicNowNs() > deadline) {
        st = absl::DeadlineExceededError(StrCat("restoring ", topic, ": ", remaining,
                                                " partition(s) without end after ", timeout_ms,
                                                " ms"));
      }
      continue;
    }
    auto it = parts.find(m->partition);
    if (m->rkt == nullptr || it == parts.end() || it->second.done) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->rkt == nullptr) {
        KZ_LOG_EVERY(kWarn, "kafka.restore.error", 5).Kv("error", rd_kafka_message_errstr(m));
        if (rd_kafka_fatal_error(rk_.get(), nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          st = KafkaError(m->err, "restoring the changelog");
        }
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    Part& p = it->second;
    Outcome& o = (*results)[p.index];
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      o.result.end_offset = m->offset;
      p.done = true;
      --remaining;
    } else if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
               m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
      o.status = absl::OutOfRangeError(StrCat("changelog ", topic, " [", m->partition, "] offset ",
                                              requests[p.index].from, " is out of range: ",
                                              rd_kafka_message_errstr(m)));
      p.done = true;
      --remaining;
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Transient (broker down, leader moving): librdkafka retries; keep reading.
      KZ_LOG_EVERY(kWarn, "kafka.restore.error", 5)
          .Kv("topic", topic)
          .Kv("partition", m->partition)
          .Kv("error", rd_kafka_message_errstr(m));
    } else {
      ++o.result.records;
      o.result.bytes += static_cast<int64_t>(m->len + m->key_len);
      o.result.end_offset = m->offset + 1;
      state::Cf cf;
      std::string_view key;
      if (!ParseChangelogKey(std::string_view(static_cast<const char*>(m->key), m->key_len), &cf,
                             &key)) {
        KZ_LOG_EVERY(kWarn, "kafka.restore.bad_key", 10)
            .Kv("topic", topic)
            .Kv("partition", m->partition)
            .Kv("offset", m->offset);
      } else {
        if (m->payload == nullptr) {
          p.staged.Delete(cf, std::string(key));
        } else {
          p.staged.Put(cf, std::string(key),
                       std::string(static_cast<const char*>(m->payload), m->len));
        }
        if (is_boundary(m->partition, cf, key)) {
          for (const auto& op : p.staged.ops()) {
            if (op.del) p.committed.Delete(op.cf, op.key);
            else p.committed.Put(op.cf, op.key, op.value);
          }
          p.staged.Clear();
          o.result.next_offset = m->offset + 1;
          if (p.committed.size() >= 4096) st = flush(p);
        }
      }
    }
    rd_kafka_message_destroy(m);
  }
  for (auto& [partition, p] : parts) {
    absl::Status fs = flush(p);
    if (st.ok()) st = fs;
    Outcome& o = (*results)[p.index];
    if (p.staged.empty()) {
      o.result.next_offset = std::max(o.result.next_offset, o.result.end_offset);
    } else {
      KZ_LOG(kWarn, "kafka.restore.partial_unit")
          .Kv("topic", topic)
          .Kv("partition", partition)
          .Kv("ignored_ops", p.staged.size());
    }
    o.result.seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  }
  KZ_IGNORE_STATUS(KafkaError(rd_kafka_assign(rk_.get(), nullptr), "unassigning the changelog"));
  return st;
}

}  // namespace kizashi::connectors::kafka
