#include "connectors/kafka/producer.h"

#include <chrono>
#include <thread>

#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::connectors::kafka {

namespace {
// Per-record tag (rd_kafka_message_t::_private): epoch << 1 | changelog.
void* Tag(uint64_t epoch, bool changelog) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>((epoch << 1) | (changelog ? 1 : 0)));
}
int64_t MonotonicNowMs() { return MonotonicNowNs() / 1'000'000; }
}  // namespace

absl::StatusOr<std::unique_ptr<OutputProducer>> OutputProducer::Create(
    const KafkaOptions& options, ProducerSettings settings) {
  auto p = std::unique_ptr<OutputProducer>(new OutputProducer());
  p->settings_ = std::move(settings);
  int64_t txn_ms = options.transaction_timeout_ns / 1'000'000;
  Properties props = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      // Same partitioner as the Java clients, so every producer of the input and output topics
      // maps a key to the same partition.
      {"partitioner", "murmur2_random"},
      {"linger.ms", "2"},
      {"queue.buffering.max.kbytes", "65536"},
      {"max.in.flight.requests.per.connection", "5"},
  };
  if (p->settings_.guarantee == Guarantee::kExactlyOnce) {
    props.emplace_back("transactional.id", p->settings_.transactional_id);
    props.emplace_back("transaction.timeout.ms", StrCat(txn_ms));
    // A record must be delivered within its transaction.
    props.emplace_back("message.timeout.ms", StrCat(txn_ms));
  } else {
    // Never give up on a record: a broker outage stalls (and pauses the inputs) instead of
    // dropping output.
    props.emplace_back("message.timeout.ms", "0");
  }
  p->commit_timeout_ms_ = static_cast<int>(std::max<int64_t>(txn_ms, 1000));
  auto conf = MakeConf(options, Role::kProducer, props);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &OutputProducer::OnDelivery);
  rd_kafka_conf_set_opaque(conf->get(), p.get());
  auto rk = NewClient(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  p->rk_ = std::move(*rk);
  return p;
}

OutputProducer::~OutputProducer() {
  for (auto& [name, t] : topics_) rd_kafka_topic_destroy(t);
  topics_.clear();
  if (rk_) {
    // Outstanding records of an unfinished transaction are aborted by the broker; an
    // idempotent producer's are purged: the caller decides what is durable, not the destructor.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_.get(), 0);
  }
}

absl::StatusOr<rd_kafka_topic_t*> OutputProducer::Topic(const std::string& name) {
  auto it = topics_.find(name);
  if (it != topics_.end()) return it->second;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk_.get(), name.c_str(), nullptr);
  if (t == nullptr) return KafkaError(rd_kafka_last_error(), StrCat("topic ", name));
  topics_[name] = t;
  return t;
}

TxnResult OutputProducer::Classify(rd_kafka_error_t* error, std::string_view what) {
  TxnResult r;
  if (error == nullptr) return r;
  if (rd_kafka_error_is_fatal(error)) {
    r.outcome = TxnOutcome::kFatal;
  } else {
    r.outcome = TxnOutcome::kAbortable;
  }
  r.status = KafkaError(error, what);
  return r;
}

TxnResult OutputProducer::InitTransactions(int timeout_ms) {
  int64_t deadline = MonotonicNowMs() + timeout_ms;
  while (true) {
    rd_kafka_error_t* e = rd_kafka_init_transactions(rk_.get(), 5000);
    if (e == nullptr) return {};
    if (rd_kafka_error_is_retriable(e) && MonotonicNowMs() < deadline) {
      KZ_LOG_EVERY(kWarn, "kafka.txn.init_retry", 5).Kv("error", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      continue;
    }
    TxnResult r = Classify(e, "initialising Kafka transactions");
    // Anything at initialisation that is not retriable leaves the producer unusable.
    r.outcome = TxnOutcome::kFatal;
    return r;
  }
}

TxnResult OutputProducer::Begin() {
  return Classify(rd_kafka_begin_transaction(rk_.get()), "beginning a Kafka transaction");
}

absl::Status OutputProducer::Produce(rd_kafka_topic_t* topic, int32_t partition,
                                     std::string_view key, const std::string_view* value,
                                     const RecordHeader* headers, size_t header_count,
                                     bool changelog, int64_t timestamp_ms,
                                     int64_t epoch_override) {
  while (true) {
    if (interrupted_.load(std::memory_order_relaxed)) {
      return absl::AbortedError("producer interrupted (rollback or shutdown)");
    }
    rd_kafka_headers_t* hdrs = nullptr;
    if (header_count > 0) {
      hdrs = rd_kafka_headers_new(header_count);
      for (size_t i = 0; i < header_count; ++i) {
        rd_kafka_header_add(hdrs, headers[i].name, -1, headers[i].value.data(),
                            static_cast<ssize_t>(headers[i].value.size()));
      }
    }
    char* kptr = key.empty() ? nullptr : const_cast<char*>(key.data());
    char* vptr = value == nullptr ? nullptr : const_cast<char*>(value->data());
    size_t vlen = value == nullptr ? 0 : value->size();
    uint64_t epoch = epoch_override >= 0 ? static_cast<uint64_t>(epoch_override)
                                         : epoch_.load(std::memory_order_acquire);
    Slot& slot = slots_[epoch % kSlots];
    slot.inflight.fetch_add(1, std::memory_order_relaxed);
    void* tag = Tag(epoch, changelog);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(kptr, key.size()), RD_KAFKA_V_VALUE(vptr, vlen), RD_KAFKA_V_OPAQUE(tag),
        RD_KAFKA_V_TIMESTAMP(timestamp_ms),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
    slot.inflight.fetch_sub(1, std::memory_order_relaxed);
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return KafkaError(err, StrCat("producing to ", rd_kafka_topic_name(topic)));
    }
    // Backpressure: room frees up as delivery reports are served (any thread may serve them;
    // the handler is thread-safe).
    rd_kafka_poll(rk_.get(), 1);
  }
}

TxnResult OutputProducer::SendOffsets(const rd_kafka_topic_partition_list_t* offsets,
                                      const rd_kafka_consumer_group_metadata_t* group) {
  while (true) {
    rd_kafka_error_t* e =
        rd_kafka_send_offsets_to_transaction(rk_.get(), offsets, group, commit_timeout_ms_);
    if (e != nullptr && rd_kafka_error_is_retriable(e) && !interrupted_.load()) {
      KZ_LOG_EVERY(kWarn, "kafka.txn.send_offsets_retry", 5).Kv("error", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      continue;
    }
    return Classify(e, "adding consumed offsets to the Kafka transaction");
  }
}

TxnResult OutputProducer::Commit() {
  while (true) {
    rd_kafka_error_t* e = rd_kafka_commit_transaction(rk_.get(), commit_timeout_ms_);
    if (e != nullptr && rd_kafka_error_is_retriable(e) && !interrupted_.load()) {
      KZ_LOG_EVERY(kWarn, "kafka.txn.commit_retry", 5).Kv("error", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      continue;
    }
    return Classify(e, "committing the Kafka transaction");
  }
}

TxnResult OutputProducer::Abort() {
  while (true) {
    rd_kafka_error_t* e = rd_kafka_abort_transaction(rk_.get(), commit_timeout_ms_);
    if (e != nullptr && rd_kafka_error_is_retriable(e)) {
      KZ_LOG_EVERY(kWarn, "kafka.txn.abort_retry", 5).Kv("error", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      continue;
    }
    TxnResult r = Classify(e, "aborting the Kafka transaction");
    if (!r.ok()) r.outcome = TxnOutcome::kFatal;  // a failed abort leaves no way forward
    return r;
  }
}

absl::Status OutputProducer::Flush(const std::function<bool()>& give_up) {
  while (rd_kafka_outq_len(rk_.get()) > 0) {
    rd_kafka_flush(rk_.get(), 100);
    if (give_up && give_up()) return absl::AbortedError("flush interrupted");
  }
  rd_kafka_poll(rk_.get(), 0);
  std::string first;
  uint64_t failed = TakeDeliveryFailures(&first);
  if (failed > 0) {
    return absl::DataLossError(StrCat(failed, " output record(s) could not be delivered: ", first));
  }
  return absl::OkStatus();
}

void OutputProducer::Poll(int timeout_ms) { rd_kafka_poll(rk_.get(), timeout_ms); }

void OutputProducer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<OutputProducer*>(opaque);
  auto tag = reinterpret_cast<uintptr_t>(msg->_private);
  uint64_t epoch = tag >> 1;
  std::lock_guard<std::mutex> l(self->dr_mu_);
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (self->delivery_failures_++ == 0) {
      self->first_delivery_error_ =
          StrCat(rd_kafka_topic_name(msg->rkt), " [", msg->partition, "]: ",
                 rd_kafka_err2str(msg->err));
    }
  }
  Slot& slot = self->slots_[epoch % kSlots];
  if (slot.epoch != epoch) return;  // an epoch long gone (e.g. purged after an abort)
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && (tag & 1) != 0) {
    int64_t& next = slot.changelog_next[msg->partition];
    next = std::max(next, msg->offset + 1);
  }
  slot.inflight.fetch_sub(1, std::memory_order_release);
}

uint64_t OutputProducer::Seal() {
  uint64_t sealed = epoch_.load();
  std::lock_guard<std::mutex> l(dr_mu_);
  Slot& next = slots_[(sealed + 1) % kSlots];
  next.epoch = sealed + 1;
  next.inflight.store(0);
  next.changelog_next.clear();
  epoch_.store(sealed + 1, std::memory_order_release);
  return sealed;
}

absl::Status OutputProducer::AwaitDelivered(uint64_t epoch, const std::function<bool()>& give_up) {
  Slot& slot = slots_[epoch % kSlots];
  while (slot.inflight.load(std::memory_order_acquire) > 0) {
    rd_kafka_poll(rk_.get(), 2);
    if (give_up && give_up()) return absl::AbortedError("waiting for deliveries interrupted");
  }
  std::string first;
  uint64_t failed = TakeDeliveryFailures(&first);
  if (failed > 0) {
    return absl::DataLossError(StrCat(failed, " output record(s) could not be delivered: ", first));
  }
  return absl::OkStatus();
}

std::map<int32_t, int64_t> OutputProducer::TakeChangelogOffsets(uint64_t epoch) {
  std::lock_guard<std::mutex> l(dr_mu_);
  std::map<int32_t, int64_t> out;
  Slot& slot = slots_[epoch % kSlots];
  if (slot.epoch == epoch) out.swap(slot.changelog_next);
  return out;
}

uint64_t OutputProducer::TakeDeliveryFailures(std::string* first_error) {
  std::lock_guard<std::mutex> l(dr_mu_);
  uint64_t n = delivery_failures_;
  if (first_error != nullptr) *first_error = first_delivery_error_;
  delivery_failures_ = 0;
  first_delivery_error_.clear();
  return n;
}

bool OutputProducer::fatal(std::string* reason) const {
  char buf[512];
  rd_kafka_resp_err_t e = rd_kafka_fatal_error(rk_.get(), buf, sizeof buf);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  if (reason != nullptr) *reason = buf;
  return true;
}

int32_t OutputProducer::PartitionCount(rd_kafka_topic_t* topic, int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_.get(), 0, topic, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  int32_t n = md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR
                  ? md->topics[0].partition_cnt
                  : -1;
  rd_kafka_metadata_destroy(md);
  return n;
}

}  // namespace kizashi::connectors::kafka
