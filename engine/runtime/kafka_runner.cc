#include "engine/runtime/kafka_runner.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "connectors/kafka/admin.h"
#include "connectors/kafka/changelog.h"
#include "connectors/kafka/compat.h"
#include "connectors/kafka/consumer.h"
#include "connectors/kafka/merger.h"
#include "connectors/kafka/producer.h"
#include "engine/common/hash.h"
#include "engine/common/log.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/ledger/chain.h"
#include "engine/runtime/consumer_probe.h"
#include "engine/runtime/kafka_topics.h"
#include "engine/runtime/kafka_worker.h"
#include "engine/runtime/sinks.h"
#include "engine/runtime/snapshot.h"
#include "engine/runtime/state_probe.h"
#include "engine/runtime/worker.h"

namespace kizashi::runtime {

namespace kk = connectors::kafka;
using kafka_internal::DeferredRecord;
using kafka_internal::OutputRoutes;
using kafka_internal::Task;
using kafka_internal::WorkerThread;

std::string EncodeKafkaResume(const std::vector<int64_t>& next_offsets) {
  std::string out = "kafka:";
  for (size_t i = 0; i < next_offsets.size(); ++i) {
    if (i > 0) out.push_back(',');
    StrAppend(&out, next_offsets[i]);
  }
  return out;
}

bool DecodeKafkaResume(std::string_view resume, std::vector<int64_t>* next_offsets) {
  if (!StartsWith(resume, "kafka:")) return false;
  next_offsets->clear();
  for (std::string_view part : Split(resume.substr(6), ',')) {
    int64_t v;
    if (!ParseInt(part, &v)) return false;
    next_offsets->push_back(v);
  }
  return true;
}

namespace {

constexpr size_t kBatchMaxBytes = 4 << 20;
constexpr int kMetadataTimeoutMs = 10000;

// Fault injection for the crash tests (tests/integration/kafka_fault_test.cc):
// KIZASHI_FAULT=<point>:<n> makes the process SIGKILL itself the n-th time it reaches <point>,
// so a kill lands exactly inside a commit. Points: commit.before_offsets (outputs and
// changelog produced, transaction open), commit.before_end (offsets added, not committed),
// commit.after_end (committed in Kafka, local store not yet updated), commit.after_ledger
// (at_least_once: the ledger-topic records acknowledged, the changelog not produced yet).
// Unset: no effect.
void FaultPoint(const char* point) {
  static const std::pair<std::string, int64_t> fault = [] {
    const char* env = std::getenv("KIZASHI_FAULT");
    if (env == nullptr) return std::pair<std::string, int64_t>{"", 0};
    std::string_view v(env);
    size_t colon = v.rfind(':');
    int64_t n = 1;
    if (colon != std::string_view::npos && ParseInt(v.substr(colon + 1), &n)) v = v.substr(0, colon);
    return std::pair<std::string, int64_t>{std::string(v), n};
  }();
  static std::atomic<int64_t> hits{0};
  if (fault.first.empty() || fault.first != point) return;
  if (hits.fetch_add(1) + 1 == fault.second) {
    KZ_LOG(kWarn, "fault.injected").Kv("point", point);
    ::kill(::getpid(), SIGKILL);
  }
}

// A commit slower than this is logged with where its time went (kafka.slow_commit).
constexpr int64_t kSlowCommitNs = 250'000'000;

// Local-only key (never in the changelog): the next changelog offset of partition p that the
// local store has applied, and when, as "offset,unix_ms".
std::string CheckpointKey(int32_t p) { return state::PartitionPrefix(p) + "changelog-checkpoint"; }

// The partition a state key belongs to (its 4-byte big-endian prefix), or -1.
int32_t PartitionOfKey(std::string_view key) {
  if (key.size() < 4) return -1;
  uint32_t u = 0;
  for (size_t i = 0; i < 4; ++i) u = (u << 8) | static_cast<uint8_t>(key[i]);
  return static_cast<int32_t>(u);
}

int64_t NowMs(const Clock* c) { return c->NowNs() / 1'000'000; }

// The head of partition p's ledger hash chain (engine/ledger/chain.h): partition state, so it
// goes through the changelog and moves with the partition.
std::string LedgerChainKey(int32_t p) { return state::PartitionPrefix(p) + "ledger-chain"; }

}  // namespace

// The poll thread's state. See kafka_runner.h.
class KafkaRunner::Impl : public kk::GroupConsumer::Listener {
 public:
  Impl(const EngineConfig& config, const Clock* clock, const RunnerContext* ctx,
       std::atomic<bool>* stop, std::atomic<uint64_t>* processed, std::atomic<uint64_t>* commits)
      : config_(config),
        opts_(config.kafka),
        clock_(clock),
        ctx_(ctx),
        stop_(stop),
        processed_(processed),
        commits_(commits) {}
  ~Impl() override { Shutdown(); }

  absl::Status Setup(bool reset_state);
  absl::Status Loop();
  absl::Status Finish();
  void Summarize(RunSummary* s, KafkaRunStats* k);
  // After an error nothing more may be committed: leaving the group only releases.
  void MarkFailed() { failed_ = true; }

  void OnRebalance(bool assign, const std::vector<int32_t>& partitions, bool lost) override;

 private:
  struct Group {
    explicit Group(size_t inputs)
        : merger(inputs), paused(inputs, false), polled_last(inputs, -1) {}
    int32_t partition = 0;
    kk::PartitionMerger merger;
    std::vector<bool> paused;
    std::vector<int64_t> polled_last;  // per input: last offset routed in this poll, or -1
    std::vector<int64_t> next;       // input positions after what was dispatched
    std::vector<int64_t> committed;  // input positions of the last commit (rollback target)
    WorkerThread* worker = nullptr;
    int64_t last_activity_ns = 0;    // processing time of the last record seen
    int64_t idle_until_ns = 0;       // processing time the idle advance has covered
  };

  absl::Status CheckTopics();
  absl::Status MakeProducer();
  Batch* AcquireBatch();
  void Recycle(Batch* b);
  void Route(rd_kafka_message_t* m);
  void Dispatch(Group& g, bool* blocked);
  void AppendRecord(Batch* b, const rd_kafka_message_t* m, size_t input);
  void PauseResume(Group& g);
  void Idle(Group& g, int64_t now);
  absl::Status ParkAll();
  void UnparkAll();
  // With workers parked: makes everything processed so far durable. A failed transaction
  // is rolled back (and `*rolled_back` set); only unrecoverable errors are returned.
  absl::Status CommitParked(bool* rolled_back);
  // The periodic commit: workers stop at a batch boundary only to hand over their pending
  // work; the transaction commits on the committer thread while they go on (holding their
  // records back until the next transaction begins, exactly_once) and while this thread
  // keeps polling. AwaitCommit collects the result (and rolls back on failure).
  struct CommitJob {
    uint64_t epoch = 0;
    state::StateDelta local;
    std::map<int32_t, std::vector<int64_t>> offsets;
    // The epoch each worker handed over: marked durable when the commit succeeds.
    std::vector<std::pair<WorkerThread*, uint64_t>> handed;
    std::vector<ledger::LedgerEntry> ledger;  // disclosures of this commit's outputs
    // Their ledger-topic records, chained per input partition: (partition, key, value).
    std::vector<std::tuple<int32_t, std::string, std::string>> ledger_records;
    rd_kafka_consumer_group_metadata_t* group = nullptr;
    kk::TxnOutcome outcome = kk::TxnOutcome::kOk;
    absl::Status status;
    bool unrecoverable = false;  // not a transaction problem: stop
    // Where the commit's time went (ms), for the slow-commit log line: chaining the ledger
    // records and coalescing the state deltas, producing the changelog and ledger records,
    // sending the offsets, ending the transaction (or, under at_least_once, awaiting the
    // acknowledgements), the local store's write, beginning the next transaction.
    double chain_ms = 0, produce_ms = 0, offsets_ms = 0, end_ms = 0, store_ms = 0, begin_ms = 0;
    ~CommitJob() {
      if (group != nullptr) rd_kafka_consumer_group_metadata_destroy(group);
    }
  };
  // `*busy`: the previous commit is still running (try again on the next iteration).
  absl::Status Commit(bool* busy);
  absl::Status AwaitCommit(bool wait);
  absl::Status TakeBarrier(std::unique_ptr<CommitJob>* job, bool* rolled_back);
  void RunCommitJob(CommitJob& job);
  absl::Status ProduceChangelog(const CommitJob& job);
  // Chains the job's ledger entries onto their partitions' chains (heads read from the store,
  // which holds the last committed ones) and adds the new heads to the job's state delta.
  absl::Status ChainLedger(CommitJob& job);
  absl::Status ProduceLedger(const CommitJob& job);
  absl::Status RecordLedger(const CommitJob& job) {
    if (ledger_ == nullptr || job.ledger.empty()) return absl::OkStatus();
    auto added = ledger_->Append(job.ledger);
    return added.ok() ? absl::OkStatus() : added.status();
  }
  absl::Status FinishJob(std::unique_ptr<CommitJob> job);
  void CommitterLoop();
  absl::Status RollbackParked(bool fatal_producer);
  // Brings the local state of newly assigned partition groups up to date with the changelog
  // and returns where each must resume (per input).
  absl::Status RestoreGroups(const std::vector<int32_t>& partitions,
                             std::map<int32_t, std::vector<int64_t>>* starts);
  absl::Status SeekGroup(Group& g);
  void Shutdown();
  void LogProgress(int64_t now);
  void ReportLag(int64_t now);
  WorkerThread* WorkerFor(int32_t p) {
    return workers_[static_cast<size_t>(p) % workers_.size()].get();
  }
  std::set<int32_t> PartitionsOf(const WorkerThread* w) const {
    std::set<int32_t> out;
    for (const auto& [p, g] : groups_) {
      if (g->worker == w) out.insert(p);
    }
    return out;
  }

  const EngineConfig& config_;
  const kk::KafkaOptions& opts_;
  const Clock* clock_;
  const RunnerContext* ctx_;
  std::atomic<bool>* stop_;
  std::atomic<uint64_t>* processed_;
  std::atomic<uint64_t>* commits_;
  bool eos_ = true;
  std::string transactional_id_;
  std::vector<std::string> input_topics_;  // the data inputs, then the campaign topics
  std::vector<std::string> input_names_;
  size_t data_inputs_ = 0;  // configured inputs; input_topics_[data_inputs_..] are internal
  std::string changelog_topic_;
  int32_t partitions_ = 0;

  SnapshotHolder own_snapshots_;
  SnapshotHolder* snapshots_ = nullptr;  // ctx_->snapshots, or own_snapshots_
  int64_t next_lag_ns_ = 0;
  std::unique_ptr<state::StateStore> store_;
  // After store_: destroyed first (its destructor reads the store one last time).
  std::unique_ptr<StateProbe> state_probe_;
  std::unique_ptr<ledger::Ledger> ledger_;  // disclosure ledger; committer thread only
  std::unique_ptr<SinkSet> local_sinks_;
  std::mutex local_mu_;
  std::unique_ptr<kk::OutputProducer> producer_;
  rd_kafka_topic_t* ledger_topic_ = nullptr;  // of producer_; null when the ledger is off
  OutputRoutes routes_;
  std::atomic<bool> open_{true};  // see OutputRoutes::open
  // The committer thread and its one job (guarded by commit_mu_).
  std::thread committer_;
  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::unique_ptr<CommitJob> job_;
  bool job_done_ = false;
  bool committer_stop_ = false;
  std::atomic<bool> hard_stop_{false};  // shutting down: waits inside a commit give up
  std::unique_ptr<kk::ChangelogReader> restorer_;
  std::unique_ptr<kk::GroupConsumer> consumer_;
  std::vector<std::unique_ptr<WorkerThread>> workers_;
  std::map<int32_t, std::unique_ptr<Group>> groups_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Batch>> all_batches_;
  std::vector<Batch*> free_batches_;

  absl::Status rebalance_error_;  // an error inside a rebalance callback: stop
  std::map<int32_t, std::vector<int64_t>> advance_offsets_;  // restored ahead of the group
  std::vector<rd_kafka_message_t*> msgs_;
  std::vector<std::pair<int, int32_t>> touched_;  // (input, partition) with records this poll
  int64_t poll_ns_ = 0;
  double tokens_ = 0;       // kafka.max_records_per_second budget
  int64_t tokens_ns_ = 0;
  int64_t next_commit_ns_ = 0;
  int64_t next_progress_ns_ = 0;
  int64_t park_ns_ = 0, commit_ns_ = 0, commit_max_ns_ = 0;  // since the last progress line
  uint64_t last_progress_records_ = 0;
  int64_t last_progress_ns_ = 0;
  std::vector<int64_t> producer_restarts_ns_;
  KafkaRunStats kstats_;
  int64_t t0_ns_ = 0;
  bool shut_down_ = false;
  bool failed_ = false;
};

// ---------------------------------------------------------------------------------------
// Set-up

absl::Status KafkaRunner::Impl::Setup(bool reset_state) {
  t0_ns_ = MonotonicNowNs();
  eos_ = opts_.guarantee() == kk::Guarantee::kExactlyOnce;
  for (const auto& in : config_.inputs) {
    if (in.type != "kafka") {
      return absl::InvalidArgumentError(
          StrCat("input '", in.name, "' is of type ", in.type,
                 "; in Kafka mode every input must be a Kafka topic"));
    }
    std::string topic = opts_.Topic(in.topic);
    if (std::find(input_topics_.begin(), input_topics_.end(), topic) != input_topics_.end()) {
      return absl::InvalidArgumentError(StrCat("topic ", topic, " is used by two inputs"));
    }
    input_topics_.push_back(topic);
    input_names_.push_back(in.name);
  }
  if (input_topics_.empty()) return absl::InvalidArgumentError("no inputs configured");
  changelog_topic_ = opts_.ChangelogTopic();
  data_inputs_ = input_topics_.size();
  if (config_.campaign.enabled) {
    // The campaign topics join every partition group as two more inputs (DESIGN.md §4): the
    // sightings re-keyed by pattern or actor, and the findings returning to the operators'
    // partitions. Their offsets commit with the group's, in the same transaction.
    input_topics_.push_back(CampaignRepartitionTopic(config_));
    input_names_.push_back("campaign-repartition");
    input_topics_.push_back(CampaignFindingsTopic(config_));
    input_names_.push_back("campaign-findings");
  }

  // 1. The broker must be able to run our consumer group (Kafka 4 vs librdkafka < 2.11).
  auto apis = kk::ProbeBrokerApiVersions(opts_, kMetadataTimeoutMs);
  if (!apis.ok()) return apis.status();
  absl::Status compat = kk::CheckBrokerCompatibility(*apis, rd_kafka_version());
  if (!compat.ok()) {
    if (!opts_.allow_unsupported_broker) return compat;
    KZ_LOG(kWarn, "kafka.unsupported_broker").Kv("reason", std::string(compat.message()));
  }

  // 2. Topics exist and are co-partitioned.
  KZ_RETURN_IF_ERROR(CheckTopics());

  // 3. Snapshot, state store, local sinks.
  Diagnostics diags;
  snapshots_ = ctx_->snapshots != nullptr ? ctx_->snapshots : &own_snapshots_;
  if (snapshots_->Get() == nullptr) {
    auto snap = BuildSnapshot(config_, 1, &diags);
    if (!snap.ok()) return snap.status();
    snapshots_->Publish(*snap);
  }
  if (reset_state) {
    std::error_code ec;
    std::filesystem::remove_all(config_.state.dir, ec);
  }
  auto store = state::StateStore::Open(config_.state);
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  if (ctx_->metrics != nullptr) state_probe_ = std::make_unique<StateProbe>(*ctx_->metrics, store_.get());
  // The ledger topic is the cluster's ledger; the instance's local copy is optional.
  if (config_.ledger.enabled && config_.ledger.local_copy) {
    auto l = ledger::Ledger::Open(config_.LedgerOpts());
    if (!l.ok()) return l.status();
    ledger_ = std::move(*l);
  }
  std::vector<DestinationConfig> local;
  std::set<std::string> names;
  for (const auto& d : config_.destinations) {
    names.insert(d.name);
    if (d.type != "kafka") local.push_back(d);
  }
  if (!local.empty()) {
    auto ls = SinkSet::Create(local, nullptr);
    if (!ls.ok()) return ls.status();
    local_sinks_ = std::move(*ls);
  }

  // 4. Producer (fences a previous incarnation of this instance), changelog reader.
  std::string instance = opts_.instance_id;
  if (instance.empty()) {
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    instance = StrCat(host, "-", Sha256Hex(std::filesystem::absolute(config_.state.dir).string()).substr(0, 8));
  }
  transactional_id_ = StrCat(opts_.GroupId(), "-", instance);
  KZ_RETURN_IF_ERROR(MakeProducer());
  committer_ = std::thread([this] { CommitterLoop(); });
  auto restorer = kk::ChangelogReader::Create(opts_);
  if (!restorer.ok()) return restorer.status();
  restorer_ = std::move(*restorer);

  // 5. Workers.
  int64_t n = opts_.workers > 0 ? opts_.workers
                                : std::max<int64_t>(1, std::thread::hardware_concurrency());
  n = std::min<int64_t>(n, partitions_);
  for (int64_t i = 0; i < n; ++i) {
    auto w = std::make_unique<WorkerThread>(static_cast<int>(i), config_, store_.get(), names,
                                            static_cast<size_t>(opts_.worker_queue_batches),
                                            [this](Batch* b) { Recycle(b); });
    KZ_RETURN_IF_ERROR(w->Init());
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    w->Start(snapshots_, &routes_, ctx_->probe != nullptr ? ctx_->probe->AddWorker() : nullptr);
  }

  // 6. Join the group.
  auto consumer = kk::GroupConsumer::Create(opts_, input_topics_, this);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  KZ_RETURN_IF_ERROR(consumer_->Subscribe());
  KZ_LOG(kInfo, "kafka.started")
      .Kv("group", opts_.GroupId())
      .Kv("transactional_id", eos_ ? transactional_id_ : std::string("-"))
      .Kv("guarantee", opts_.processing_guarantee)
      .Kv("inputs", Join(input_topics_, ","))
      .Kv("partitions", partitions_)
      .Kv("workers", workers_.size());
  next_commit_ns_ = MonotonicNowNs() + opts_.commit_interval_ns;
  return absl::OkStatus();
}

absl::Status KafkaRunner::Impl::CheckTopics() {
  auto admin = kk::Admin::Connect(opts_, kMetadataTimeoutMs);
  if (!admin.ok()) return admin.status();
  Diagnostics d;
  auto parts = VerifyTopics(config_, **admin, &d);
  if (d.has_errors()) {
    return absl::FailedPreconditionError(
        StrCat("Kafka topics are not ready (run `kizashi topics create`):\n", d.ToText()));
  }
  if (!parts.ok()) return parts.status();
  partitions_ = *parts;
  return absl::OkStatus();
}

absl::Status KafkaRunner::Impl::MakeProducer() {
  routes_ = OutputRoutes{};
  producer_.reset();
  kk::ProducerSettings ps;
  ps.guarantee = opts_.guarantee();
  ps.transactional_id = transactional_id_;
  ps.changelog_topic = changelog_topic_;
  auto producer = kk::OutputProducer::Create(opts_, ps);
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);
  if (eos_) {
    kk::TxnResult r = producer_->InitTransactions(60000);
    if (!r.ok()) return r.status;
    r = producer_->Begin();
    if (!r.ok()) return r.status;
  }
  routes_.producer = producer_.get();
  for (const auto& d : config_.destinations) {
    if (d.type != "kafka") continue;
    auto t = producer_->Topic(opts_.Topic(d.topic));
    if (!t.ok()) return t.status();
    routes_.topics[d.name] = *t;
  }
  auto cl = producer_->Topic(changelog_topic_);
  if (!cl.ok()) return cl.status();
  routes_.changelog = *cl;
  ledger_topic_ = nullptr;
  if (config_.ledger.enabled) {
    auto lt = producer_->Topic(LedgerTopic(config_));
    if (!lt.ok()) return lt.status();
    ledger_topic_ = *lt;
  }
  if (config_.campaign.enabled) {
    auto rt = producer_->Topic(CampaignRepartitionTopic(config_));
    if (!rt.ok()) return rt.status();
    auto ft = producer_->Topic(CampaignFindingsTopic(config_));
    if (!ft.ok()) return ft.status();
    routes_.campaign_repartition = *rt;
    routes_.campaign_findings = *ft;
    routes_.campaign_partitions = partitions_;
  }
  routes_.local = local_sinks_.get();
  routes_.local_mu = &local_mu_;
  routes_.open = &open_;
  routes_.changelog_inline = false;  // the committer produces it, per commit (RunCommitJob)
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------
// Batches

Batch* KafkaRunner::Impl::AcquireBatch() {
  std::lock_guard<std::mutex> l(pool_mu_);
  if (free_batches_.empty()) {
    all_batches_.push_back(std::make_unique<Batch>());
    return all_batches_.back().get();
  }
  Batch* b = free_batches_.back();
  free_batches_.pop_back();
  return b;
}

void KafkaRunner::Impl::Recycle(Batch* b) {
  std::lock_guard<std::mutex> l(pool_mu_);
  free_batches_.push_back(b);
}

void KafkaRunner::Impl::AppendRecord(Batch* b, const rd_kafka_message_t* m, size_t input) {
  RawRecord r;
  char* mem = b->arena.Allocate(m->len + decode::kRecordPadding);
  if (m->len > 0) std::memcpy(mem, m->payload, m->len);
  std::memset(mem + m->len, 0, decode::kRecordPadding);
  r.value = std::string_view(mem, m->len);
  if (m->key_len > 0) {
    char* k = b->arena.Allocate(m->key_len);
    std::memcpy(k, m->key, m->key_len);
    r.key = std::string_view(k, m->key_len);
  }
  const auto& dec = config_.inputs[input].decode;
  if (dec.operator_from == "header") {
    rd_kafka_headers_t* hdrs = nullptr;
    const void* v = nullptr;
    size_t n = 0;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(hdrs, dec.operator_header.c_str(), &v, &n) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        v != nullptr) {
      char* h = b->arena.Allocate(n);
      std::memcpy(h, v, n);
      r.operator_hint = std::string_view(h, n);
    }
  }
  r.pos = SourcePos{static_cast<uint32_t>(input), m->partition, m->offset};
  rd_kafka_timestamp_type_t tt;
  int64_t ts = rd_kafka_message_timestamp(m, &tt);
  r.timestamp_ns = ts >= 0 ? ts * 1'000'000 : clock_->NowNs();
  r.input = static_cast<uint16_t>(input);
  b->records.push_back(r);
}

void KafkaRunner::Impl::Route(rd_kafka_message_t* m) {
  int input = consumer_->InputOf(m);
  auto it = groups_.find(m->partition);
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    if (input >= 0 && it != groups_.end()) it->second->merger.SetEof(static_cast<size_t>(input));
    rd_kafka_message_destroy(m);
    return;
  }
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    KZ_LOG_EVERY(kWarn, "kafka.consumer.error", 5)
        .Kv("error", rd_kafka_message_errstr(m))
        .Kv("code", rd_kafka_err2name(m->err));
    rd_kafka_message_destroy(m);
    return;
  }
  if (input < 0 || it == groups_.end()) {  // fetched before a revocation
    rd_kafka_message_destroy(m);
    return;
  }
  rd_kafka_timestamp_type_t tt;
  int64_t ts = rd_kafka_message_timestamp(m, &tt);
  Group& g = *it->second;
  g.merger.Push(static_cast<size_t>(input), kk::MergeItem{ts, m->offset, m->len + m->key_len + 64, m});
  g.last_activity_ns = poll_ns_;
  if (g.polled_last[static_cast<size_t>(input)] < 0) touched_.push_back({input, m->partition});
  g.polled_last[static_cast<size_t>(input)] = m->offset;
}

void KafkaRunner::Impl::Dispatch(Group& g, bool* blocked) {
  size_t input;
  while (g.merger.Next(&input)) {
    if (g.worker->full()) {
      *blocked = true;
      return;
    }
    if (input >= data_inputs_) {
      // The campaign topics (sightings, findings): a run of consecutive records of one of
      // them, in merge order, is one task; they are not events.
      Task t;
      t.kind = input == data_inputs_ ? Task::kCampaignSightings : Task::kCampaignFindings;
      t.partition = g.partition;
      size_t next = input;
      while (t.records.size() < static_cast<size_t>(config_.batch_max_records) &&
             g.merger.Next(&next) && next == input) {
        kk::MergeItem item = g.merger.Pop(input);
        auto* m = static_cast<rd_kafka_message_t*>(item.handle);
        t.records.emplace_back(static_cast<const char*>(m->payload), m->len);
        g.next[input] = m->offset + 1;
        rd_kafka_message_destroy(m);
      }
      t.next_offsets = g.next;
      g.worker->Push(std::move(t));
      continue;
    }
    size_t max_records = static_cast<size_t>(config_.batch_max_records);
    if (opts_.max_records_per_second > 0) {
      if (tokens_ < 1) {
        *blocked = true;
        return;
      }
      max_records = std::min(max_records, static_cast<size_t>(tokens_));
    }
    Batch* b = AcquireBatch();
    b->Clear();
    b->partition = g.partition;
    b->input = 0;
    b->sources = input_names_;
    size_t bytes = 0;
    while (b->records.size() < max_records && bytes < kBatchMaxBytes && g.merger.Next(&input) &&
           input < data_inputs_) {
      kk::MergeItem item = g.merger.Pop(input);
      auto* m = static_cast<rd_kafka_message_t*>(item.handle);
      AppendRecord(b, m, input);
      bytes += m->len;
      g.next[input] = m->offset + 1;
      rd_kafka_message_destroy(m);
    }
    b->resume = EncodeKafkaResume(g.next);
    tokens_ -= static_cast<double>(b->records.size());
    Task t;
    t.kind = Task::kBatch;
    t.partition = g.partition;
    t.batch = b;
    t.next_offsets = g.next;
    g.worker->Push(std::move(t));
  }
}

void KafkaRunner::Impl::PauseResume(Group& g) {
  size_t max = static_cast<size_t>(opts_.max_buffered_bytes);
  for (size_t i = 0; i < g.paused.size(); ++i) {
    size_t b = g.merger.buffered_bytes(i);
    if (!g.paused[i] && b > max) {
      if (consumer_->Pause(i, g.partition).ok()) {
        g.paused[i] = true;
        ++kstats_.pauses;
      }
    } else if (g.paused[i] && b < max / 2) {
      if (consumer_->Resume(i, g.partition).ok()) g.paused[i] = false;
    }
  }
}

void KafkaRunner::Impl::Idle(Group& g, int64_t now) {
  int64_t idle = config_.correlate.idle_timeout_ns;
  if (idle <= 0 || !g.merger.all_caught_up() || g.worker->full()) return;
  int64_t from = std::max(g.last_activity_ns, g.idle_until_ns);
  if (now - from < idle) return;
  Task t;
  t.kind = Task::kAdvance;
  t.partition = g.partition;
  t.advance_by_ns = now - from;
  t.next_offsets = g.next;
  g.idle_until_ns = now;
  g.worker->Push(std::move(t));
}

// ---------------------------------------------------------------------------------------
// Commit and rollback

absl::Status KafkaRunner::Impl::ParkAll() {
  for (auto& w : workers_) w->RequestPark();
  for (auto& w : workers_) {
    // Keep serving delivery reports: a worker blocked on a full producer queue finishes its
    // batch only when the queue drains.
    while (!w->WaitParked(1)) producer_->Poll(0);
  }
  return absl::OkStatus();
}

void KafkaRunner::Impl::UnparkAll() {
  for (auto& w : workers_) w->Unpark();
}

// Keeps only the last operation on each key, in the order of those last operations. A
// partition's position record is written at the end of each of its units, so its last one
// still follows every other surviving change of that partition: the commit is one unit.
static void CoalesceDelta(state::StateDelta* delta) {
  // Keeps the last operation of each (column family, key), in order, moving the survivors
  // into place (values can be write-behind chunks of 512 KiB: never copied).
  auto& ops = delta->mutable_ops();
  if (ops.size() < 2) return;
  absl::flat_hash_map<std::pair<uint8_t, std::string_view>, size_t> last;
  last.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    last[{static_cast<uint8_t>(ops[i].cf), std::string_view(ops[i].key)}] = i;
  }
  if (last.size() == ops.size()) return;
  std::vector<bool> keep(ops.size());
  for (const auto& [k, i] : last) keep[i] = true;
  last.clear();  // its views point into the keys about to move
  size_t w = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!keep[i]) continue;
    if (w != i) ops[w] = std::move(ops[i]);
    ++w;
  }
  ops.resize(w);
}

// Produces a commit's changelog: one record per key changed in it (the last value), into
// the commit's epoch; partition = the key's partition prefix.
absl::Status KafkaRunner::Impl::ProduceChangelog(const CommitJob& job) {
  for (const auto& op : job.local.ops()) {
    int32_t p = PartitionOfKey(op.key);
    if (p < 0) {
      return absl::InternalError(StrCat("state key without a partition prefix in column family ",
                                        state::CfName(op.cf)));
    }
    std::string key = kk::ChangelogKey(op.cf, op.key);
    std::string_view v(op.value);
    KZ_RETURN_IF_ERROR(producer_->Produce(routes_.changelog, p, key, op.del ? nullptr : &v,
                                          nullptr, 0, /*changelog=*/true, 0,
                                          static_cast<int64_t>(job.epoch)));
  }
  return absl::OkStatus();
}

// Each input partition's disclosures form one hash chain on its ledger-topic partition. The
// head is read from the store (the last committed one: a failed commit never reaches it, so
// a retry chains from the same head) and written into the commit's delta ahead of the
// partition's other changes: a restore applies changelog records up to the partition's last
// position record, which must follow the head.
absl::Status KafkaRunner::Impl::ChainLedger(CommitJob& job) {
  job.ledger_records.clear();
  if (ledger_topic_ == nullptr || job.ledger.empty()) return absl::OkStatus();
  std::map<int32_t, ledger::ChainHead> heads;
  for (const auto& e : job.ledger) {
    if (e.partition < 0) return absl::InternalError("ledger entry without its input partition");
    auto it = heads.find(e.partition);
    if (it == heads.end()) {
      ledger::ChainHead h;
      auto v = store_->Get(state::Cf::kPositions, LedgerChainKey(e.partition));
      if (v.ok()) {
        KZ_ASSIGN_OR_RETURN(h, ledger::DecodeChainHead(*v));
      } else if (!absl::IsNotFound(v.status())) {
        return v.status();
      }
      it = heads.emplace(e.partition, std::move(h)).first;
    }
    job.ledger_records.emplace_back(
        e.partition, ledger::TopicKey(e.document_id, e.revision, e.destination),
        ledger::ChainTopicRecord(e.partition, e, &it->second));
  }
  // The heads go first (ahead of every partition's position record), then the commit's
  // operations, moved (not copied: they can be tens of MB).
  std::vector<state::StateDelta::Op> ops;
  ops.reserve(heads.size() * 2 + job.local.size());
  for (const auto& [p, h] : heads) {
    ops.push_back({state::Cf::kPositions, false, LedgerChainKey(p), ledger::EncodeChainHead(h)});
  }
  std::set<int32_t> positioned;
  for (auto& op : job.local.mutable_ops()) {
    int32_t p = PartitionOfKey(op.key);
    if (op.cf == state::Cf::kPositions && op.key == PositionKey(p)) positioned.insert(p);
    ops.push_back(std::move(op));
  }
  // A partition with outputs but no position record in this commit (outputs of an idle
  // advance that changed no state): its position closes the unit that carries the head.
  for (const auto& [p, h] : heads) {
    auto off = job.offsets.find(p);
    if (positioned.count(p) == 0 && off != job.offsets.end()) {
      ops.push_back({state::Cf::kPositions, false, PositionKey(p), EncodeKafkaResume(off->second)});
    }
  }
  job.local.mutable_ops() = std::move(ops);  // the delta's watermarks stay
  return absl::OkStatus();
}

absl::Status KafkaRunner::Impl::ProduceLedger(const CommitJob& job) {
  for (const auto& [p, key, value] : job.ledger_records) {
    std::string_view v(value);
    KZ_RETURN_IF_ERROR(producer_->Produce(ledger_topic_, p, key, &v, nullptr, 0,
                                          /*changelog=*/false, 0,
                                          static_cast<int64_t>(job.epoch)));
  }
  return absl::OkStatus();
}

// The Kafka and local side of one commit: runs on the committer thread (or inline, workers
// parked, for rebalances and shutdown). Touches only the producer, the consumer's thread-safe
// calls and the store.
//
// The changelog is produced here, once per commit and key, not by the workers per batch:
// with live traffic batches are small and the same keys change in many of them, and the
// changelog (and the local store) only ever needs the state at commit boundaries.
void KafkaRunner::Impl::RunCommitJob(CommitJob& job) {
  int64_t t = MonotonicNowNs();
  // Milliseconds since the last call (phase timings of the slow-commit log line).
  auto lap = [&t]() {
    int64_t now = MonotonicNowNs();
    double ms = static_cast<double>(now - t) / 1e6;
    t = now;
    return ms;
  };
  if (absl::Status cs = ChainLedger(job); !cs.ok()) {
    job.status = cs;
    job.unrecoverable = true;
    return;
  }
  CoalesceDelta(&job.local);
  // With the ledger topic (written in this commit: the cluster's ledger), the instance's local
  // ledger is a copy of it, written after the commit: off the path that holds the workers'
  // records back (exactly_once) and delays the offsets. A crash in between leaves the copy
  // short, never the topic.
  const bool local_ledger_after_commit = ledger_topic_ != nullptr;
  job.chain_ms = lap();
  if (eos_) {
    // Still inside this commit's transaction (the workers hold their new records back). The
    // ledger records join it: the committed ledger topic is exactly the committed outputs.
    absl::Status st = ProduceChangelog(job);
    if (st.ok()) st = ProduceLedger(job);
    if (!st.ok()) {
      job.outcome = producer_->fatal(nullptr) ? kk::TxnOutcome::kFatal : kk::TxnOutcome::kAbortable;
      job.status = st;
      return;
    }
    // Disclosure ledger without the ledger topic: the outputs are produced (inside the
    // transaction); record them locally before the commit, so a crash after the commit cannot
    // lose a record. An aborted transaction is retried with the same documents (same ids),
    // which the ledger dedupes. With the topic, the local copy is written after the commit.
    if (absl::Status ls = local_ledger_after_commit ? absl::OkStatus() : RecordLedger(job);
        !ls.ok()) {
      job.status = ls;
      job.unrecoverable = true;
      return;
    }
    FaultPoint("commit.before_offsets");
    job.produce_ms = lap();
    kk::PartitionListPtr list = consumer_->OffsetList(job.offsets);
    kk::TxnResult r;
    if (list->cnt > 0) r = producer_->SendOffsets(list.get(), job.group);
    job.offsets_ms = lap();
    if (r.ok()) {
      FaultPoint("commit.before_end");
      r = producer_->Commit();
    }
    job.end_ms = lap();
    if (!r.ok()) {
      job.outcome = r.outcome;
      job.status = r.status;
      return;
    }
  } else {
    auto give_up = [this] { return hard_stop_.load(); };
    absl::Status st = producer_->AwaitDelivered(job.epoch, give_up);
    // The outputs of this commit are acknowledged: record them in the disclosure ledger (the
    // topic's records acknowledged before the changelog carries the new chain heads, so a
    // restored head never names records that were not written), then its changelog (so that
    // a restore never gets ahead of outputs that were not delivered).
    if (st.ok() && !job.ledger_records.empty()) {
      st = ProduceLedger(job);
      if (st.ok()) st = producer_->AwaitDelivered(job.epoch, give_up);
      if (st.ok()) FaultPoint("commit.after_ledger");
    }
    if (st.ok() && !local_ledger_after_commit) st = RecordLedger(job);
    if (st.ok()) st = ProduceChangelog(job);
    if (st.ok()) st = producer_->AwaitDelivered(job.epoch, give_up);
    job.end_ms = lap();
    if (!st.ok()) {
      job.status = st;  // a record could not be delivered: stop before offsets move
      job.unrecoverable = true;
      return;
    }
  }
  FaultPoint("commit.after_end");
  // Durable in Kafka: now the local cache, in one WriteBatch.
  int64_t now_ms = NowMs(clock_);
  for (const auto& [p, next] : producer_->TakeChangelogOffsets(job.epoch)) {
    job.local.Put(state::Cf::kPositions, CheckpointKey(p), StrCat(next, ",", now_ms));
  }
  // exactly_once: the next transaction begins first, so that the workers' held-back records
  // flow again while the local store is written (the store is a cache of what Kafka now has:
  // a crash in between leaves it behind, and a restart catches up from the changelog).
  kk::TxnResult begun;
  if (eos_) {
    lap();
    begun = producer_->Begin();
    job.begin_ms = lap();
    if (begun.ok()) open_.store(true, std::memory_order_release);
  }
  lap();
  absl::Status st = store_->Commit(job.local);
  job.store_ms = lap();
  if (!st.ok()) {
    // Kafka has the commit; the local store catches up from the changelog at restart.
    job.status = absl::InternalError(StrCat("local state store commit failed (the changelog "
                                            "has the data; restart to catch up): ",
                                            st.message()));
    job.unrecoverable = true;
    return;
  }
  if (!begun.ok()) {
    job.outcome = begun.outcome;
    job.status = begun.status;
    return;
  }
  open_.store(true, std::memory_order_release);
  if (!eos_) {
    st = consumer_->CommitOffsets(job.offsets);
    if (!st.ok()) {
      KZ_LOG_EVERY(kWarn, "kafka.offset_commit_failed", 5).Kv("error", std::string(st.message()));
    }
  }
  if (local_ledger_after_commit) {
    if (absl::Status ls = RecordLedger(job); !ls.ok()) {
      job.status = ls;  // the topic has the records; restart rather than run without the copy
      job.unrecoverable = true;
    }
  }
}

void KafkaRunner::Impl::CommitterLoop() {
  pthread_setname_np(pthread_self(), "kz-commit");
  std::unique_lock<std::mutex> l(commit_mu_);
  while (true) {
    commit_cv_.wait(l, [&] { return committer_stop_ || (job_ && !job_done_); });
    if (committer_stop_) return;
    l.unlock();
    int64_t t0 = MonotonicNowNs();
    RunCommitJob(*job_);
    int64_t t1 = MonotonicNowNs();
    if (t1 - t0 > kSlowCommitNs) {
      const CommitJob& j = *job_;
      KZ_LOG_EVERY(kWarn, "kafka.slow_commit", 5)
          .Kv("ms", static_cast<double>(t1 - t0) / 1e6)
          .Kv("chain_ms", j.chain_ms)
          .Kv("ledger_records", j.ledger_records.size())
          .Kv("state_ops", j.local.size())
          .Kv("produce_ms", j.produce_ms)
          .Kv("offsets_ms", j.offsets_ms)
          .Kv(eos_ ? "end_txn_ms" : "acks_ms", j.end_ms)
          .Kv("store_ms", j.store_ms)
          .Kv("begin_ms", j.begin_ms)
          .Kv("ok", j.status.ok());
    }
    l.lock();
    commit_ns_ += t1 - t0;
    commit_max_ns_ = std::max(commit_max_ns_, t1 - t0);
    job_done_ = true;
  }
}

absl::Status KafkaRunner::Impl::TakeBarrier(std::unique_ptr<CommitJob>* job, bool* rolled_back) {
  *rolled_back = false;
  bool failed = false;
  for (auto& w : workers_) {
    if (!w->failed()) continue;
    if (w->failure_is_processing()) return w->failure();
    failed = true;
    KZ_LOG(kWarn, "kafka.produce_failed")
        .Kv("worker", w->index())
        .Kv("error", std::string(w->failure().message()));
  }
  if (failed) {
    *rolled_back = true;
    std::string reason;
    return RollbackParked(producer_->fatal(&reason));
  }
  auto j = std::make_unique<CommitJob>();
  for (auto& w : workers_) {
    j->handed.emplace_back(w.get(), w->TakePending(&j->local, &j->offsets));
    w->TakeLedger(&j->ledger);
  }
  if (j->offsets.empty() && j->local.empty() && j->ledger.empty()) return absl::OkStatus();
  if (local_sinks_) {
    std::lock_guard<std::mutex> l(local_mu_);
    KZ_RETURN_IF_ERROR(local_sinks_->Flush());
  }
  j->epoch = producer_->Seal();
  if (eos_) {
    j->group = consumer_->GroupMetadata();
    // Until the next transaction begins the workers hold their records back.
    open_.store(false, std::memory_order_release);
  }
  *job = std::move(j);
  return absl::OkStatus();
}

absl::Status KafkaRunner::Impl::FinishJob(std::unique_ptr<CommitJob> job) {
  if (job->unrecoverable) return job->status;
  if (!job->status.ok()) {
    KZ_LOG(kWarn, "kafka.txn.failed")
        .Kv("fatal", job->outcome == kk::TxnOutcome::kFatal)
        .Kv("error", std::string(job->status.message()));
    KZ_RETURN_IF_ERROR(ParkAll());
    absl::Status st = RollbackParked(job->outcome == kk::TxnOutcome::kFatal);
    UnparkAll();
    return st;
  }
  for (auto& [p, o] : job->offsets) {
    auto it = groups_.find(p);
    if (it != groups_.end()) it->second->committed = o;
  }
  // Outputs, offsets and the local store have it: evicted keys and closed incidents of these
  // epochs may now be read back from the store.
  for (auto& [w, epoch] : job->handed) w->MarkDurable(epoch);
  ++kstats_.commits;
  commits_->store(kstats_.commits, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status KafkaRunner::Impl::AwaitCommit(bool wait) {
  std::unique_ptr<CommitJob> done;
  {
    std::unique_lock<std::mutex> l(commit_mu_);
    if (!job_) return absl::OkStatus();
    if (!job_done_) {
      if (!wait) return absl::OkStatus();
      while (!job_done_) {
        // Keep serving delivery reports while the committer waits for them.
        l.unlock();
        producer_->Poll(1);
        l.lock();
      }
    }
    done = std::move(job_);
    job_done_ = false;
  }
  return FinishJob(std::move(done));
}

absl::Status KafkaRunner::Impl::Commit(bool* busy) {
  // One commit at a time: the previous one must have finished.
  KZ_RETURN_IF_ERROR(AwaitCommit(false));
  {
    std::lock_guard<std::mutex> l(commit_mu_);
    *busy = job_ != nullptr;
    if (*busy) return absl::OkStatus();
  }
  int64_t t0 = MonotonicNowNs();
  KZ_RETURN_IF_ERROR(ParkAll());
  park_ns_ += MonotonicNowNs() - t0;
  std::unique_ptr<CommitJob> job;
  bool rolled_back = false;
  absl::Status st = TakeBarrier(&job, &rolled_back);
  UnparkAll();
  if (!st.ok() || !job) return st;
  {
    std::lock_guard<std::mutex> l(commit_mu_);
    job_ = std::move(job);
    job_done_ = false;
  }
  commit_cv_.notify_all();
  return absl::OkStatus();
}

absl::Status KafkaRunner::Impl::CommitParked(bool* rolled_back) {
  // Workers parked by the caller; any commit in flight has been awaited.
  std::unique_ptr<CommitJob> job;
  KZ_RETURN_IF_ERROR(TakeBarrier(&job, rolled_back));
  if (!job) return absl::OkStatus();
  RunCommitJob(*job);
  if (job->unrecoverable) return job->status;
  if (!job->status.ok()) {
    *rolled_back = true;
    KZ_LOG(kWarn, "kafka.txn.failed")
        .Kv("fatal", job->outcome == kk::TxnOutcome::kFatal)
        .Kv("error", std::string(job->status.message()));
    return RollbackParked(job->outcome == kk::TxnOutcome::kFatal);
  }
  for (auto& [p, o] : job->offsets) {
    auto it = groups_.find(p);
    if (it != groups_.end()) it->second->committed = o;
  }
  for (auto& [w, epoch] : job->handed) w->MarkDurable(epoch);
  ++kstats_.commits;
  commits_->store(kstats_.commits, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status KafkaRunner::Impl::SeekGroup(Group& g) {
  std::vector<int64_t> target = g.committed;
  bool unknown = std::any_of(target.begin(), target.end(), [](int64_t o) { return o < 0; });
  if (unknown) {
    auto c = consumer_->Committed(g.partition, kMetadataTimeoutMs);
    if (!c.ok()) return c.status();
    for (size_t i = 0; i < target.size(); ++i) {
      if (target[i] < 0) target[i] = (*c)[i];  // still <0: beginning
    }
  }
  g.merger.Clear([](void* h) { rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(h)); });
  for (size_t i = 0; i < g.paused.size(); ++i) {
    if (g.paused[i] && consumer_->Resume(i, g.partition).ok()) g.paused[i] = false;
  }
  g.next = g.committed;
  return consumer_->Seek(g.partition, target);
}

absl::Status KafkaRunner::Impl::RollbackParked(bool fatal_producer) {
  ++kstats_.aborts;
  for (auto& w : workers_) w->Rollback(PartitionsOf(w.get()));
  if (fatal_producer) {
    // Fenced or timed out by the broker: a new producer (same transactional.id) bumps the
    // epoch; give up if it keeps happening (another live instance with the same id).
    int64_t now = MonotonicNowNs();
    producer_restarts_ns_.push_back(now);
    std::erase_if(producer_restarts_ns_, [&](int64_t t) { return now - t > 300LL * kNanosPerSecond; });
    if (producer_restarts_ns_.size() > 5) {
      return absl::AbortedError(
          "the producer was fenced 6 times in 5 minutes: is another instance running with the "
          "same kafka.instance_id?");
    }
    ++kstats_.producer_restarts;
    KZ_LOG(kWarn, "kafka.producer.restart").Kv("transactional_id", transactional_id_);
    KZ_RETURN_IF_ERROR(MakeProducer());
  } else if (eos_) {
    kk::TxnResult r = producer_->Abort();
    if (r.ok()) r = producer_->Begin();
    if (!r.ok()) {
      ++kstats_.producer_restarts;
      KZ_RETURN_IF_ERROR(MakeProducer());
    }
  }
  producer_->Seal();  // whatever the aborted epoch delivered is not a checkpoint
  producer_->TakeDeliveryFailures(nullptr);
  for (auto& [p, g] : groups_) KZ_RETURN_IF_ERROR(SeekGroup(*g));
  open_.store(true, std::memory_order_release);
  KZ_LOG(kInfo, "kafka.rolled_back").Kv("partitions", groups_.size());
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------
// Rebalance and restore

absl::Status KafkaRunner::Impl::RestoreGroups(const std::vector<int32_t>& partitions,
                                              std::map<int32_t, std::vector<int64_t>>* starts) {
  int64_t t0 = MonotonicNowNs();
  auto is_boundary = [](int32_t p, state::Cf cf, std::string_view key) {
    return cf == state::Cf::kPositions && key == PositionKey(p);
  };
  const int kTimeoutMs = 300000;
  struct Info {
    int64_t from = -1;  // local checkpoint; -1: rebuild from the beginning
    bool full = false;
    int64_t checkpoint = 0;
    int64_t records = 0;
    std::vector<int64_t> pos;
  };
  std::map<int32_t, Info> info;
  // 1. Where each local store stands: caught up from its checkpoint, or rebuilt.
  for (int32_t p : partitions) {
    Info& in = info[p];
    auto ck = store_->Get(state::Cf::kPositions, CheckpointKey(p));
    if (ck.ok()) {
      auto parts = Split(*ck, ',');
      int64_t off = -1, at_ms = 0;
      // Older than half the tombstone retention: deletes may have been compacted away.
      if (parts.size() == 2 && ParseInt(parts[0], &off) && ParseInt(parts[1], &at_ms) &&
          NowMs(clock_) - at_ms < opts_.topics.changelog_delete_retention_ns / 2'000'000) {
        in.from = off;
      }
    } else if (!absl::IsNotFound(ck.status())) {
      return ck.status();
    }
    in.full = in.from < 0;
  }
  // Restores `ps` from their `from`; partitions whose checkpoint is out of range (the
  // changelog was truncated) are listed in `out_of_range` for a rebuild.
  auto restore = [&](const std::vector<int32_t>& ps,
                     std::vector<int32_t>* out_of_range) -> absl::Status {
    std::vector<kk::ChangelogReader::Request> reqs;
    for (int32_t p : ps) {
      Info& in = info[p];
      if (in.full && in.from < 0) {
        KZ_RETURN_IF_ERROR(store_->DropPrefix(state::PartitionPrefix(p)));
        in.from = RD_KAFKA_OFFSET_BEGINNING;
      }
      reqs.push_back({p, in.from});
    }
    std::vector<kk::ChangelogReader::Outcome> outs;
    KZ_RETURN_IF_ERROR(restorer_->RestoreMany(changelog_topic_, reqs, store_.get(), is_boundary,
                                              kTimeoutMs, &outs));
    for (size_t i = 0; i < reqs.size(); ++i) {
      Info& in = info[reqs[i].partition];
      if (absl::IsOutOfRange(outs[i].status) && out_of_range != nullptr) {
        in.full = true;
        in.from = -1;
        out_of_range->push_back(reqs[i].partition);
        continue;
      }
      KZ_RETURN_IF_ERROR(outs[i].status);
      in.checkpoint = outs[i].result.next_offset;
      in.from = in.checkpoint;
      in.records += outs[i].result.records;
    }
    return absl::OkStatus();
  };
  std::vector<int32_t> all(partitions.begin(), partitions.end());
  std::vector<int32_t> rebuild;
  KZ_RETURN_IF_ERROR(restore(all, &rebuild));
  if (!rebuild.empty()) KZ_RETURN_IF_ERROR(restore(rebuild, nullptr));

  // 2. Positions in the restored state vs the group's committed offsets: a transaction's
  // offsets can become visible a moment before its changelog markers; wait for those.
  auto read_pos = [&](int32_t p) -> absl::Status {
    Info& in = info[p];
    in.pos.clear();
    auto v = store_->Get(state::Cf::kPositions, PositionKey(p));
    if (absl::IsNotFound(v.status())) return absl::OkStatus();
    if (!v.ok()) return v.status();
    bool decoded = DecodeKafkaResume(*v, &in.pos);
    // State written before campaign.enabled was turned on: the campaign topics start from
    // the group's committed offsets (none yet: their beginning).
    if (decoded && in.pos.size() == data_inputs_) in.pos.resize(input_topics_.size(), RD_KAFKA_OFFSET_INVALID);
    if (!decoded || in.pos.size() != input_topics_.size()) {
      return absl::FailedPreconditionError(
          StrCat("partition ", p, ": stored position '", *v, "' does not match the configured ",
                 input_topics_.size(), " Kafka inputs; use a new group id or reset the state"));
    }
    return absl::OkStatus();
  };
  for (int32_t p : all) KZ_RETURN_IF_ERROR(read_pos(p));
  auto committed = consumer_->Committed(all, kMetadataTimeoutMs);
  if (!committed.ok()) return committed.status();
  auto behind = [&](int32_t p) {
    const auto& c = (*committed)[p];
    const auto& pos = info[p].pos;
    for (size_t i = 0; i < c.size(); ++i) {
      int64_t have = pos.empty() ? -1 : pos[i];
      if (c[i] >= 0 && have < c[i]) return true;
    }
    return false;
  };
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::vector<int32_t> late;
    for (int32_t p : all) {
      if (behind(p)) late.push_back(p);
    }
    if (late.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    KZ_RETURN_IF_ERROR(restore(late, nullptr));
    for (int32_t p : late) KZ_RETURN_IF_ERROR(read_pos(p));
  }
  state::StateDelta ck_delta;
  double secs = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  int64_t records = 0;
  for (int32_t p : all) {
    Info& in = info[p];
    if (behind(p)) {
      // The changelog lacks state the offsets claim (e.g. offsets committed by another tool):
      // reprocess from the state's positions (duplicates with the same ids, nothing lost).
      KZ_LOG(kWarn, "kafka.restore.behind_offsets")
          .Kv("partition", p)
          .Kv("state", in.pos.empty() ? std::string("none") : EncodeKafkaResume(in.pos))
          .Kv("committed", EncodeKafkaResume((*committed)[p]));
    }
    ck_delta.Put(state::Cf::kPositions, CheckpointKey(p), StrCat(in.checkpoint, ",", NowMs(clock_)));
    std::vector<int64_t>& start = (*starts)[p];
    start.assign(input_topics_.size(), RD_KAFKA_OFFSET_INVALID);
    if (!in.pos.empty()) start = in.pos;
    // at_least_once: the changelog (and so the state) can be ahead of the group's offsets (a
    // crash between the changelog and the offset commit): move the offsets up to it, so
    // that lag monitoring and a fresh instance see the progress.
    if (!eos_ && !in.pos.empty()) {
      const auto& c = (*committed)[p];
      for (size_t i = 0; i < c.size(); ++i) {
        if (in.pos[i] >= 0 && in.pos[i] > c[i]) {
          advance_offsets_[p] = in.pos;
          break;
        }
      }
    }
    records += in.records;
    KZ_LOG(kInfo, "kafka.restore")
        .Kv("partition", p)
        .Kv("full", in.full)
        .Kv("records", in.records)
        .Kv("checkpoint", in.checkpoint)
        .Kv("start", in.pos.empty() ? std::string("committed") : EncodeKafkaResume(in.pos));
  }
  KZ_RETURN_IF_ERROR(store_->Commit(ck_delta));
  kstats_.restored_partitions += all.size();
  kstats_.restored_records += static_cast<uint64_t>(records);
  kstats_.restore_seconds += secs;
  KZ_LOG(kInfo, "kafka.restore.done")
      .Kv("partitions", all.size())
      .Kv("records", records)
      .Kv("seconds", secs);
  return absl::OkStatus();
}

void KafkaRunner::Impl::OnRebalance(bool assign, const std::vector<int32_t>& partitions,
                                    bool lost) {
  ++kstats_.rebalances;
  absl::Status st = AwaitCommit(true);
  if (!st.ok() && rebalance_error_.ok()) rebalance_error_ = st;
  st = ParkAll();
  bool rolled_back = false;
  if (failed_) {
    // Stopping after an error: nothing is committed; the partitions are just let go.
  } else if (st.ok()) {
    if (lost) {
      // Someone else owns these now: nothing of the open transaction may be committed.
      st = RollbackParked(false);
    } else {
      st = CommitParked(&rolled_back);
    }
  }
  if (!st.ok() && rebalance_error_.ok()) rebalance_error_ = st;
  if (assign) {
    std::vector<kk::GroupStart> starts;
    std::map<int32_t, std::vector<int64_t>> restored;
    if (!failed_ && rebalance_error_.ok() && !partitions.empty()) {
      absl::Status rs = RestoreGroups(partitions, &restored);
      if (!rs.ok()) rebalance_error_ = rs;
    }
    for (int32_t p : partitions) {
      kk::GroupStart gs;
      gs.partition = p;
      gs.offsets = restored.count(p) ? restored[p]
                                     : std::vector<int64_t>(input_topics_.size(),
                                                            RD_KAFKA_OFFSET_INVALID);
      auto g = std::make_unique<Group>(input_topics_.size());
      g->partition = p;
      g->worker = WorkerFor(p);
      g->next = gs.offsets;
      g->committed = gs.offsets;
      g->last_activity_ns = MonotonicNowNs();
      g->worker->Release({p});  // parked: any stale in-memory state goes
      groups_[p] = std::move(g);
      starts.push_back(std::move(gs));
    }
    absl::Status as = consumer_->Assign(starts);
    if (!as.ok() && rebalance_error_.ok()) rebalance_error_ = as;
    if (ctx_->consumer != nullptr) {
      for (int32_t p : partitions) {
        for (const auto& t : input_topics_) ctx_->consumer->Assigned(t, p);
      }
    }
    if (as.ok() && !advance_offsets_.empty()) {
      absl::Status cs = consumer_->CommitOffsets(advance_offsets_);
      if (!cs.ok()) KZ_LOG(kWarn, "kafka.offset_commit_failed").Kv("error", std::string(cs.message()));
      advance_offsets_.clear();
    }
  } else {
    std::set<int32_t> gone(partitions.begin(), partitions.end());
    for (auto& w : workers_) w->Release(gone);
    for (int32_t p : partitions) {
      auto it = groups_.find(p);
      if (it == groups_.end()) continue;
      it->second->merger.Clear(
          [](void* h) { rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(h)); });
      groups_.erase(it);
    }
    absl::Status us = consumer_->Unassign(partitions);
    if (!us.ok() && rebalance_error_.ok()) rebalance_error_ = us;
    if (ctx_->consumer != nullptr) {
      for (int32_t p : partitions) {
        for (const auto& t : input_topics_) ctx_->consumer->Revoked(t, p);
      }
    }
  }
  // Readiness: in the group, and every partition owned is restored and positioned (an
  // instance that owns none — more instances than partitions — is ready to take some).
  if (ctx_->health != nullptr && rebalance_error_.ok() && !failed_) {
    ctx_->health->Set("state", true, StrCat(groups_.size(), " partition group(s) restored"));
    ctx_->health->Set("partitions", true, StrCat(groups_.size(), " partition group(s) assigned"));
  }
  UnparkAll();
}

// ---------------------------------------------------------------------------------------
// The poll loop

absl::Status KafkaRunner::Impl::Loop() {
  pthread_setname_np(pthread_self(), "kz-poll");
  while (!stop_->load()) {
    if (!rebalance_error_.ok()) return rebalance_error_;
    // Anything mergeable waiting for a free worker slot: poll without blocking.
    bool pending = false;
    for (auto& [p, g] : groups_) {
      size_t i;
      if (g->merger.Next(&i)) pending = true;
    }
    int timeout_ms = pending ? 1 : static_cast<int>(opts_.poll_timeout_ns / 1'000'000);
    int64_t until_commit = (next_commit_ns_ - MonotonicNowNs()) / 1'000'000;
    timeout_ms = static_cast<int>(std::clamp<int64_t>(until_commit, 1, std::max(timeout_ms, 1)));
    msgs_.clear();
    consumer_->Poll(timeout_ms, 10000, &msgs_);
    // The last record of each partition in this poll: if it is the partition's last record
    // (per the high watermark of the same fetch), the partition is at its end right away —
    // what its PARTITION_EOF would say one fetch round-trip (fetch.wait.max.ms) later. Without
    // this a sparse input would hold the merge of its group back for that long.
    poll_ns_ = MonotonicNowNs();
    touched_.clear();
    for (auto* m : msgs_) Route(m);
    msgs_.clear();
    for (const auto& [input, partition] : touched_) {
      auto it = groups_.find(partition);
      if (it == groups_.end()) continue;
      int64_t& offset = it->second->polled_last[static_cast<size_t>(input)];
      int64_t lo = 0, hi = 0;
      if (rd_kafka_get_watermark_offsets(consumer_->handle(),
                                         input_topics_[static_cast<size_t>(input)].c_str(),
                                         partition, &lo, &hi) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          hi >= 0 && offset + 1 >= hi) {
        it->second->merger.SetEof(static_cast<size_t>(input));
      }
      offset = -1;
    }
    if (!rebalance_error_.ok()) return rebalance_error_;

    int64_t now = MonotonicNowNs();
    if (opts_.max_records_per_second > 0) {
      // Token bucket, at most 100 ms of burst.
      double rate = static_cast<double>(opts_.max_records_per_second);
      if (tokens_ns_ > 0) tokens_ += rate * static_cast<double>(now - tokens_ns_) / 1e9;
      tokens_ = std::min(tokens_, rate / 10 + 1);
      tokens_ns_ = now;
    }
    for (auto& [p, g] : groups_) {
      bool blocked = false;
      Dispatch(*g, &blocked);
      PauseResume(*g);
      Idle(*g, now);
    }
    producer_->Poll(0);

    if (now >= next_progress_ns_) LogProgress(now);
    if (ctx_->consumer != nullptr && now >= next_lag_ns_) ReportLag(now);
    {
      uint64_t records = 0;
      for (auto& w : workers_) records += w->records();
      processed_->store(records, std::memory_order_relaxed);
    }
    KZ_RETURN_IF_ERROR(AwaitCommit(false));

    bool worker_failed = false;
    for (auto& w : workers_) worker_failed |= w->failed();
    if (worker_failed || now >= next_commit_ns_) {
      bool busy = false;
      KZ_RETURN_IF_ERROR(Commit(&busy));
      // A commit that is still running delays the next barrier only until it finishes: the
      // interval is counted from the barrier, not from the end of the previous commit.
      if (!busy) next_commit_ns_ = now + opts_.commit_interval_ns;
    }
  }
  return absl::OkStatus();
}

absl::Status KafkaRunner::Impl::Finish() {
  // Finish the batches handed to workers, commit them, then leave the group (the revocation
  // callback finds nothing left to commit).
  absl::Status st;
  if (!failed_ && !workers_.empty() && producer_) {
    // Let queued batches finish first so that their work is not thrown away.
    int64_t deadline = MonotonicNowNs() + 30LL * kNanosPerSecond;
    while (MonotonicNowNs() < deadline) {
      bool busy = false;
      for (auto& w : workers_) busy |= w->queued() > 0 && !w->failed();
      if (!busy) break;
      producer_->Poll(1);
    }
    st = AwaitCommit(true);
    if (st.ok()) st = ParkAll();
    if (st.ok()) {
      bool rolled_back = false;
      st = CommitParked(&rolled_back);
    }
    UnparkAll();
  }
  if (consumer_) {
    absl::Status cs = consumer_->Close();
    if (st.ok() && !cs.ok()) KZ_LOG(kWarn, "kafka.consumer.close").Kv("error", std::string(cs.message()));
  }
  if (!rebalance_error_.ok() && st.ok()) st = rebalance_error_;
  return st;
}

// One line every kafka.progress_interval: throughput, backlog and commit health, for operators and the tests.
void KafkaRunner::Impl::LogProgress(int64_t now) {
  uint64_t records = 0;
  for (auto& w : workers_) records += w->stats().records;
  size_t buffered = 0, paused = 0;
  for (auto& [p, g] : groups_) {
    buffered += g->merger.buffered_bytes();
    for (bool b : g->paused) paused += b;
  }
  double secs = static_cast<double>(now - last_progress_ns_) / 1e9;
  if (last_progress_ns_ > 0 && secs > 0) {
    KZ_LOG(kInfo, "kafka.progress")
        .Kv("records", records)
        .Kv("records_per_s", static_cast<double>(records - last_progress_records_) / secs)
        .Kv("partitions", groups_.size())
        .Kv("buffered_bytes", buffered)
        .Kv("paused", paused)
        .Kv("commits", kstats_.commits)
        .Kv("aborts", kstats_.aborts)
        .Kv("park_ms", static_cast<double>(park_ns_) / 1e6)
        .Kv("commit_ms", static_cast<double>(commit_ns_) / 1e6)
        .Kv("commit_max_ms", static_cast<double>(commit_max_ns_) / 1e6);
  }
  park_ns_ = commit_ns_ = commit_max_ns_ = 0;
  last_progress_records_ = records;
  last_progress_ns_ = now;
  next_progress_ns_ = now + opts_.progress_interval_ns;
}

// Consumer lag per input partition for the metrics: the high watermark librdkafka last saw
// (no broker round trip) minus the group's committed position. Once a second.
void KafkaRunner::Impl::ReportLag(int64_t now) {
  next_lag_ns_ = now + 1'000'000'000;
  for (const auto& [p, g] : groups_) {
    for (size_t i = 0; i < input_topics_.size() && i < g->committed.size(); ++i) {
      int64_t lo = 0, hi = 0;
      if (rd_kafka_get_watermark_offsets(consumer_->handle(), input_topics_[i].c_str(), p, &lo,
                                         &hi) != RD_KAFKA_RESP_ERR_NO_ERROR ||
          hi < 0) {
        continue;
      }
      int64_t pos = g->committed[i] >= 0 ? g->committed[i] : lo;
      ctx_->consumer->SetLag(input_topics_[i], p, std::max<int64_t>(0, hi - pos));
    }
  }
}

void KafkaRunner::Impl::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  hard_stop_.store(true);
  if (producer_) producer_->Interrupt();
  if (committer_.joinable()) {
    {
      std::lock_guard<std::mutex> l(commit_mu_);
      committer_stop_ = true;
    }
    commit_cv_.notify_all();
    committer_.join();
  }
  job_.reset();
  for (auto& w : workers_) w->Stop();
  for (auto& [p, g] : groups_) {
    g->merger.Clear([](void* h) { rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(h)); });
  }
  groups_.clear();
  consumer_.reset();
  if (producer_ && eos_) {
    // An open (empty or unfinished) transaction: abort it so readers are not held up.
    producer_->Resume();
    KZ_IGNORE_STATUS(producer_->Abort().status);
  }
  producer_.reset();
  restorer_.reset();
}

void KafkaRunner::Impl::Summarize(RunSummary* s, KafkaRunStats* k) {
  WorkerStats total;
  for (auto& w : workers_) {
    total += w->stats();
    s->notifications += w->counters().notifications.load();
    s->observations += w->counters().observations.load();
  }
  s->stats = total;
  s->seconds = static_cast<double>(MonotonicNowNs() - t0_ns_) / 1e9;
  if (k != nullptr) *k = kstats_;
}

// ---------------------------------------------------------------------------------------

KafkaRunner::KafkaRunner(const EngineConfig& config, const Clock* clock, RunnerContext context)
    : config_(config), clock_(clock), ctx_(std::move(context)) {}
KafkaRunner::~KafkaRunner() = default;

absl::Status KafkaRunner::Run(bool reset_state, RunSummary* summary, KafkaRunStats* kstats) {
  Impl impl(config_, clock_, &ctx_, &stop_, &processed_, &commits_);
  absl::Status st = impl.Setup(reset_state);
  if (st.ok()) st = impl.Loop();
  if (!st.ok()) impl.MarkFailed();
  absl::Status fin = impl.Finish();
  if (st.ok()) st = fin;
  KafkaRunStats k;
  impl.Summarize(summary, &k);
  if (kstats != nullptr) *kstats = k;
  KZ_LOG(kInfo, "kafka.summary")
      .Kv("commits", k.commits)
      .Kv("aborts", k.aborts)
      .Kv("producer_restarts", k.producer_restarts)
      .Kv("rebalances", k.rebalances)
      .Kv("restored_partitions", k.restored_partitions)
      .Kv("restored_records", k.restored_records)
      .Kv("restore_seconds", k.restore_seconds)
      .Kv("pauses", k.pauses);
  if (!st.ok()) KZ_LOG(kError, "kafka.stopped").Kv("error", std::string(st.message()));
  return st;
}

}  // namespace kizashi::runtime
