#include "connectors/kafka/consumer.h"

#include <cstring>

#include "engine/common/log.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"

namespace kizashi::connectors::kafka {

absl::StatusOr<std::unique_ptr<GroupConsumer>> GroupConsumer::Create(
    const KafkaOptions& options, std::vector<std::string> topics, Listener* listener) {
  if (topics.empty()) return absl::InvalidArgumentError("no input topics");
  auto c = std::unique_ptr<GroupConsumer>(new GroupConsumer());
  c->topics_ = std::move(topics);
  for (size_t i = 0; i < c->topics_.size(); ++i) c->input_of_[c->topics_[i]] = static_cast<int>(i);
  c->listener_ = listener;
  Properties props = {
      {"group.id", options.GroupId()},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"isolation.level", "read_committed"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "true"},
      // A crashed instance's partitions move after 10 s instead of the 45 s default.
      {"session.timeout.ms", "10000"},
      {"heartbeat.interval.ms", "1000"},
      // Prefetch bounded per partition; the runner pauses partitions beyond
      // max_buffered_bytes on its side.
      {"queued.max.messages.kbytes", "16384"},
      {"fetch.wait.max.ms", "100"},
  };
  auto conf = MakeConf(options, Role::kConsumer, props);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_rebalance_cb(conf->get(), &GroupConsumer::OnRebalanceCb);
  rd_kafka_conf_set_opaque(conf->get(), c.get());
  auto rk = NewClient(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  c->rk_ = std::move(*rk);
  rd_kafka_poll_set_consumer(c->rk_.get());
  c->queue_ = rd_kafka_queue_get_consumer(c->rk_.get());
  return c;
}

GroupConsumer::~GroupConsumer() {
  if (!closed_ && rk_) KZ_IGNORE_STATUS(Close());
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
}

absl::Status GroupConsumer::Subscribe() {
  PartitionListPtr l(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(l.get(), topics_[0].c_str(), RD_KAFKA_PARTITION_UA);
  return KafkaError(rd_kafka_subscribe(rk_.get(), l.get()),
                    StrCat("subscribing to ", topics_[0]));
}

size_t GroupConsumer::Poll(int timeout_ms, size_t max, std::vector<rd_kafka_message_t*>* out) {
  // consume_batch_queue waits for a full batch (or the timeout); wait for the first message
  // only, then take whatever else is already there: latency stays one fetch, not a timeout.
  rd_kafka_message_t* first = rd_kafka_consumer_poll(rk_.get(), timeout_ms);
  if (first == nullptr) return 0;
  size_t before = out->size();
  out->push_back(first);
  if (max > 1) {
    out->resize(before + max);
    ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, out->data() + before + 1, max - 1);
    if (n < 0) n = 0;
    out->resize(before + 1 + static_cast<size_t>(n));
  }
  return out->size() - before;
}

int GroupConsumer::InputOf(const rd_kafka_message_t* msg) const {
  if (msg->rkt == nullptr) return -1;
  // Per message: compare the topic handle, and resolve a handle by name only once.
  for (const auto& [rkt, input] : rkt_cache_) {
    if (rkt == msg->rkt) return input;
  }
  auto it = input_of_.find(rd_kafka_topic_name(msg->rkt));
  int input = it == input_of_.end() ? -1 : it->second;
  // librdkafka keeps a topic's handle alive while the consumer uses it; a stale entry could
  // only be reused for the same topic name.
  if (rkt_cache_.size() < 64) rkt_cache_.emplace_back(msg->rkt, input);
  return input;
}

void GroupConsumer::OnRebalanceCb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  std::vector<int32_t> ps;
  for (int i = 0; i < parts->cnt; ++i) {
    if (self->topics_[0] == parts->elems[i].topic) ps.push_back(parts->elems[i].partition);
  }
  bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  bool lost = !assign && rd_kafka_assignment_lost(rk);
  KZ_LOG(kInfo, assign ? "kafka.rebalance.assign" : "kafka.rebalance.revoke")
      .Kv("partitions", ps.size())
      .Kv("lost", lost)
      .Kv("protocol", rd_kafka_rebalance_protocol(rk));
  self->listener_->OnRebalance(assign, ps, lost);
}

bool GroupConsumer::cooperative() const {
  const char* p = rd_kafka_rebalance_protocol(rk_.get());
  return p != nullptr && std::strcmp(p, "COOPERATIVE") == 0;
}

PartitionListPtr GroupConsumer::GroupList(const std::vector<int32_t>& partitions) const {
  PartitionListPtr l(rd_kafka_topic_partition_list_new(
      static_cast<int>(partitions.size() * topics_.size())));
  for (int32_t p : partitions) {
    for (const auto& t : topics_) rd_kafka_topic_partition_list_add(l.get(), t.c_str(), p);
  }
  return l;
}

absl::Status GroupConsumer::Assign(const std::vector<GroupStart>& groups) {
  PartitionListPtr l(rd_kafka_topic_partition_list_new(
      static_cast<int>(groups.size() * topics_.size())));
  for (const auto& g : groups) {
    for (size_t i = 0; i < topics_.size(); ++i) {
      auto* e = rd_kafka_topic_partition_list_add(l.get(), topics_[i].c_str(), g.partition);
      e->offset = i < g.offsets.size() ? g.offsets[i] : RD_KAFKA_OFFSET_INVALID;
    }
  }
  if (cooperative()) return KafkaError(rd_kafka_incremental_assign(rk_.get(), l.get()), "assigning partitions");
  // Eager protocol (a user override): the assignment is replaced as a whole.
  return KafkaError(rd_kafka_assign(rk_.get(), l.get()), "assigning partitions");
}

absl::Status GroupConsumer::Unassign(const std::vector<int32_t>& partitions) {
  if (cooperative()) {
    PartitionListPtr l = GroupList(partitions);
    return KafkaError(rd_kafka_incremental_unassign(rk_.get(), l.get()), "unassigning partitions");
  }
  return KafkaError(rd_kafka_assign(rk_.get(), nullptr), "unassigning partitions");
}

absl::Status GroupConsumer::Pause(size_t input, int32_t partition) {
  PartitionListPtr l(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(l.get(), topics_[input].c_str(), partition);
  return KafkaError(rd_kafka_pause_partitions(rk_.get(), l.get()), "pausing a partition");
}

absl::Status GroupConsumer::Resume(size_t input, int32_t partition) {
  PartitionListPtr l(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(l.get(), topics_[input].c_str(), partition);
  return KafkaError(rd_kafka_resume_partitions(rk_.get(), l.get()), "resuming a partition");
}

absl::Status GroupConsumer::Seek(int32_t partition, const std::vector<int64_t>& offsets) {
  PartitionListPtr l(rd_kafka_topic_partition_list_new(static_cast<int>(topics_.size())));
  for (size_t i = 0; i < topics_.size(); ++i) {
    auto* e = rd_kafka_topic_partition_list_add(l.get(), topics_[i].c_str(), partition);
    e->offset = i < offsets.size() && offsets[i] >= 0 ? offsets[i] : RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_error_t* e = rd_kafka_seek_partitions(rk_.get(), l.get(), 10000);
  if (e != nullptr) return KafkaError(e, "seeking");
  for (int i = 0; i < l->cnt; ++i) {
    if (l->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(l->elems[i].err, StrCat("seeking ", l->elems[i].topic, " [", partition, "]"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> GroupConsumer::Committed(int32_t partition, int timeout_ms) {
  auto all = Committed(std::vector<int32_t>{partition}, timeout_ms);
  if (!all.ok()) return all.status();
  return (*all)[partition];
}

absl::StatusOr<std::map<int32_t, std::vector<int64_t>>> GroupConsumer::Committed(
    const std::vector<int32_t>& partitions, int timeout_ms) {
  PartitionListPtr l = GroupList(partitions);
  absl::Status st = KafkaError(rd_kafka_committed(rk_.get(), l.get(), timeout_ms),
                               "reading committed offsets");
  if (!st.ok()) return st;
  std::map<int32_t, std::vector<int64_t>> out;
  for (int32_t p : partitions) out[p].assign(topics_.size(), RD_KAFKA_OFFSET_INVALID);
  for (int i = 0; i < l->cnt; ++i) {
    auto it = input_of_.find(l->elems[i].topic);
    if (it != input_of_.end() && l->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out[l->elems[i].partition][static_cast<size_t>(it->second)] = l->elems[i].offset;
    }
  }
  return out;
}

PartitionListPtr GroupConsumer::OffsetList(
    const std::map<int32_t, std::vector<int64_t>>& offsets) const {
  PartitionListPtr l(rd_kafka_topic_partition_list_new(
      static_cast<int>(offsets.size() * topics_.size())));
  for (const auto& [p, offs] : offsets) {
    for (size_t i = 0; i < topics_.size() && i < offs.size(); ++i) {
      if (offs[i] < 0) continue;  // nothing consumed from this input yet
      rd_kafka_topic_partition_list_add(l.get(), topics_[i].c_str(), p)->offset = offs[i];
    }
  }
  return l;
}

absl::Status GroupConsumer::CommitOffsets(const std::map<int32_t, std::vector<int64_t>>& offsets) {
  PartitionListPtr l = OffsetList(offsets);
  if (l->cnt == 0) return absl::OkStatus();
  return KafkaError(rd_kafka_commit(rk_.get(), l.get(), 0), "committing offsets");
}

rd_kafka_consumer_group_metadata_t* GroupConsumer::GroupMetadata() {
  return rd_kafka_consumer_group_metadata(rk_.get());
}

absl::StatusOr<std::vector<int32_t>> GroupConsumer::PartitionCounts(int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 1, nullptr, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(err, "reading topic metadata");
  std::vector<int32_t> out(topics_.size(), -1);
  for (int i = 0; i < md->topic_cnt; ++i) {
    auto it = input_of_.find(md->topics[i].topic);
    if (it != input_of_.end() && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out[static_cast<size_t>(it->second)] = md->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

absl::Status GroupConsumer::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  return KafkaError(rd_kafka_consumer_close(rk_.get()), "closing the consumer");
}

}  // namespace kizashi::connectors::kafka
