#include "connectors/kafka/admin.h"

#include <chrono>
#include <set>
#include <thread>

#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::connectors::kafka {

namespace {

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};

// Waits for the admin result event of `type` on `q`.
absl::StatusOr<std::unique_ptr<rd_kafka_event_t, EventDeleter>> WaitResult(rd_kafka_queue_t* q,
                                                                           rd_kafka_event_type_t type,
                                                                           int timeout_ms) {
  std::unique_ptr<rd_kafka_event_t, EventDeleter> ev(rd_kafka_queue_poll(q, timeout_ms + 2000));
  if (!ev) return absl::DeadlineExceededError("Kafka admin request timed out");
  if (rd_kafka_event_type(ev.get()) != type) {
    return absl::InternalError(StrCat("unexpected admin event ", rd_kafka_event_name(ev.get())));
  }
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(rd_kafka_event_error(ev.get()), rd_kafka_event_error_string(ev.get()));
  }
  return ev;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Admin>> Admin::Connect(const KafkaOptions& options, int timeout_ms) {
  auto a = std::unique_ptr<Admin>(new Admin());
  a->timeout_ms_ = timeout_ms;
  a->options_ = options;
  auto conf = MakeConf(options, Role::kAdmin, {});
  if (!conf.ok()) return conf.status();
  auto rk = NewClient(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  a->rk_ = std::move(*rk);
  return a;
}

absl::StatusOr<int> Admin::BrokerCount() { return kafka::BrokerCount(rk_.get(), timeout_ms_); }

absl::StatusOr<std::map<std::string, TopicInfo>> Admin::Describe(
    const std::vector<std::string>& topics) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 1, nullptr, &md, timeout_ms_);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(err, "reading topic metadata");
  std::map<std::string, TopicInfo> out;
  for (const auto& t : topics) out[t];
  for (int i = 0; i < md->topic_cnt; ++i) {
    auto it = out.find(md->topics[i].topic);
    if (it == out.end() || md->topics[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    it->second.exists = true;
    it->second.partitions = md->topics[i].partition_cnt;
    if (md->topics[i].partition_cnt > 0) {
      it->second.replication = md->topics[i].partitions[0].replica_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

absl::Status Admin::DescribeConfigs(std::map<std::string, TopicInfo>* topics,
                                    const std::vector<std::string>& keys) {
  std::vector<rd_kafka_ConfigResource_t*> res;
  for (const auto& [name, info] : *topics) {
    if (info.exists) res.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
  }
  if (res.empty()) return absl::OkStatus();
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> q(rd_kafka_queue_new(rk_.get()));
  rd_kafka_DescribeConfigs(rk_.get(), res.data(), res.size(), nullptr, q.get());
  for (auto* r : res) rd_kafka_ConfigResource_destroy(r);
  auto ev = WaitResult(q.get(), RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeout_ms_);
  if (!ev.ok()) return ev.status();
  const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(ev->get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(result, &n);
  std::set<std::string> wanted(keys.begin(), keys.end());
  for (size_t i = 0; i < n; ++i) {
    auto it = topics->find(rd_kafka_ConfigResource_name(rs[i]));
    if (it == topics->end()) continue;
    if (rd_kafka_ConfigResource_error(rs[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(rd_kafka_ConfigResource_error(rs[i]),
                        StrCat("describing the configuration of ", it->first));
    }
    size_t cn = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(rs[i], &cn);
    for (size_t j = 0; j < cn; ++j) {
      std::string name = rd_kafka_ConfigEntry_name(entries[j]);
      if (!wanted.count(name)) continue;
      const char* v = rd_kafka_ConfigEntry_value(entries[j]);
      it->second.configs[name] = v ? v : "";
    }
  }
  return absl::OkStatus();
}

absl::Status Admin::Create(const std::vector<TopicSpec>& specs, std::vector<std::string>* created) {
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name);
  auto existing = Describe(names);
  if (!existing.ok()) return existing.status();
  std::vector<rd_kafka_NewTopic_t*> nts;
  auto destroy = [&]() {
    for (auto* t : nts) rd_kafka_NewTopic_destroy(t);
  };
  char err[512];
  for (const auto& s : specs) {
    if ((*existing)[s.name].exists) continue;
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(s.name.c_str(), s.partitions, s.replication, err, sizeof err);
    if (t == nullptr) {
      destroy();
      return absl::InvalidArgumentError(StrCat("topic ", s.name, ": ", err));
    }
    nts.push_back(t);
    for (const auto& [k, v] : s.configs) {
      rd_kafka_resp_err_t e = rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str());
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        destroy();
        return KafkaError(e, StrCat("topic ", s.name, " config ", k));
      }
    }
  }
  if (nts.empty()) return absl::OkStatus();
  std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> opts(
      rd_kafka_AdminOptions_new(rk_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_operation_timeout(opts.get(), timeout_ms_, err, sizeof err);
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> q(rd_kafka_queue_new(rk_.get()));
  rd_kafka_CreateTopics(rk_.get(), nts.data(), nts.size(), opts.get(), q.get());
  destroy();
  auto ev = WaitResult(q.get(), RD_KAFKA_EVENT_CREATETOPICS_RESULT, timeout_ms_);
  if (!ev.ok()) return ev.status();
  size_t n = 0;
  const rd_kafka_topic_result_t** rs =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev->get()), &n);
  std::vector<std::string> errors;
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(rs[i]);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (created) created->push_back(rd_kafka_topic_result_name(rs[i]));
    } else if (e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* msg = rd_kafka_topic_result_error_string(rs[i]);
      errors.push_back(StrCat(rd_kafka_topic_result_name(rs[i]), ": ",
                              msg ? msg : rd_kafka_err2str(e)));
    }
  }
  if (!errors.empty()) return absl::InternalError(StrCat("creating topics: ", Join(errors, "; ")));
  return absl::OkStatus();
}

absl::Status Admin::Delete(const std::vector<std::string>& topics) {
  std::vector<rd_kafka_DeleteTopic_t*> dts;
  for (const auto& t : topics) dts.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> q(rd_kafka_queue_new(rk_.get()));
  rd_kafka_DeleteTopics(rk_.get(), dts.data(), dts.size(), nullptr, q.get());
  for (auto* d : dts) rd_kafka_DeleteTopic_destroy(d);
  auto ev = WaitResult(q.get(), RD_KAFKA_EVENT_DELETETOPICS_RESULT, timeout_ms_);
  return ev.status();
}

absl::Status Admin::AwaitStableOffsets(const std::vector<std::string>& topics, int timeout_ms) {
  auto info = Describe(topics);
  if (!info.ok()) return info.status();
  // ListOffsets carries the client's isolation level: the end a read_uncommitted client is
  // told is the high watermark, a read_committed one's the last stable offset.
  auto client = [&](const char* isolation) -> absl::StatusOr<ClientPtr> {
    auto conf = MakeConf(options_, Role::kConsumer, {{"isolation.level", isolation}});
    if (!conf.ok()) return conf.status();
    return NewClient(RD_KAFKA_CONSUMER, std::move(*conf));
  };
  auto uncommitted = client("read_uncommitted");
  if (!uncommitted.ok()) return uncommitted.status();
  auto committed = client("read_committed");
  if (!committed.ok()) return committed.status();
  const int64_t deadline = MonotonicNowNs() + int64_t{timeout_ms} * 1'000'000;
  std::string open;
  while (true) {
    open.clear();
    for (const auto& [topic, ti] : *info) {
      if (!ti.exists) return absl::NotFoundError(StrCat("topic ", topic, " does not exist"));
      for (int32_t p = 0; p < ti.partitions && open.empty(); ++p) {
        int64_t lo = 0, hwm = 0, lso = 0;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
            uncommitted->get(), topic.c_str(), p, &lo, &hwm, timeout_ms_);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
          e = rd_kafka_query_watermark_offsets(committed->get(), topic.c_str(), p, &lo, &lso,
                                               timeout_ms_);
        }
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
          open = StrCat(topic, "[", p, "]: ", rd_kafka_err2str(e));
        } else if (lso < hwm) {
          open = StrCat(topic, "[", p, "]: last stable offset ", lso, " < high watermark ", hwm);
        }
      }
      if (!open.empty()) break;
    }
    if (open.empty()) return absl::OkStatus();
    if (MonotonicNowNs() >= deadline) {
      return absl::DeadlineExceededError(StrCat("a transaction is still open on ", open));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace kizashi::connectors::kafka
