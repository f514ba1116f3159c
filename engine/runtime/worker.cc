#include "engine/runtime/worker.h"

#include <unordered_map>

#include "engine/common/file_util.h"
#include "engine/common/log.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/route/documents.h"

namespace kizashi::runtime {

std::string PositionKey(int32_t partition) { return state::PartitionPrefix(partition) + "source"; }

Worker::Worker(const EngineConfig& config, state::StateStore* store,
               std::set<std::string> destinations)
    : config_(config),
      store_(store),
      destinations_(std::move(destinations)),
      classifier_(config.classify),
      router_(config.route),
      evidence_(config.evidence),
      advisor_(config.advisory) {}

absl::Status Worker::Init() {
  decoders_.clear();
  for (const auto& in : config_.inputs) {
    auto d = decode::MakeDecoder(in.decode);
    if (!d.ok()) return absl::InvalidArgumentError(StrCat("input '", in.name, "': ", d.status().message()));
    decoders_.push_back(std::move(*d));
  }
  auto signer = docsign::DocumentSigner::Create(config_.signing);
  if (!signer.ok()) return signer.status();
  signer_ = std::move(*signer);
  campaign_.reset();
  if (config_.campaign.enabled) {
    auto key = ReadFile(config_.campaign.pseudonym_key);
    if (!key.ok()) return absl::InvalidArgumentError(StrCat("campaign.pseudonym_key: ", key.status().message()));
    if (key->size() < 16) {
      return absl::InvalidArgumentError("campaign.pseudonym_key: the key must be at least 16 bytes");
    }
    if (campaign_repartition_) {
      campaign_key_ = std::move(*key);  // stages per partition, on first use
    } else {
      campaign_ = std::make_unique<campaign::CampaignStage>(config_.campaign, std::move(*key));
      KZ_RETURN_IF_ERROR(campaign_->Load(*store_));
    }
  }
  return absl::OkStatus();
}

namespace {
constexpr std::string_view kCountPrefix = "campaign-count|";
std::string CountKey(int32_t partition, std::string_view operator_and_key) {
  return StrCat(state::PartitionPrefix(partition), kCountPrefix, operator_and_key);
}
}  // namespace

absl::StatusOr<campaign::CampaignStage*> Worker::CampaignTask(int32_t partition) {
  auto it = campaign_tasks_.find(partition);
  if (it != campaign_tasks_.end()) return it->second.get();
  auto stage = std::make_unique<campaign::CampaignStage>(config_.campaign, campaign_key_,
                                                         state::PartitionPrefix(partition));
  KZ_RETURN_IF_ERROR(stage->Load(*store_));
  auto* raw = stage.get();
  campaign_tasks_.emplace(partition, std::move(stage));
  return raw;
}

absl::StatusOr<std::map<std::string, uint32_t>*> Worker::CampaignCounts(int32_t partition) {
  auto it = campaign_counts_.find(partition);
  if (it != campaign_counts_.end()) return &it->second;
  std::map<std::string, uint32_t> counts;
  std::string prefix = CountKey(partition, "");
  KZ_RETURN_IF_ERROR(store_->Scan(state::Cf::kMeta, prefix,
                                  [&](std::string_view k, std::string_view v) {
                                    uint32_t n = 0;
                                    if (!ParseInt(v, &n)) {
                                      return absl::DataLossError(StrCat(
                                          "campaign count record '", k.substr(4), "' is corrupt"));
                                    }
                                    counts.emplace(std::string(k.substr(prefix.size())), n);
                                    return absl::OkStatus();
                                  }));
  return &campaign_counts_.emplace(partition, std::move(counts)).first->second;
}

absl::Status Worker::ObserveSightings(int32_t partition, const std::vector<std::string>& records,
                                      const Snapshot& snap, std::vector<route::Output>* outputs,
                                      state::StateDelta* delta) {
  internal_.clear();
  if (!campaign_repartition_ || campaign_key_.empty()) return absl::OkStatus();
  KZ_ASSIGN_OR_RETURN(campaign::CampaignStage * stage, CampaignTask(partition));
  std::vector<campaign::Finding> findings;
  for (const auto& rec : records) {
    auto s = campaign::DecodeSighting(rec);
    if (!s.ok()) {
      ++campaign_bad_records_;
      KZ_LOG_EVERY(kWarn, "campaign.bad_sighting", 5)
          .Kv("partition", partition)
          .Kv("error", std::string(s.status().message()));
      continue;
    }
    size_t first = outputs->size();
    findings.clear();
    KZ_RETURN_IF_ERROR(stage->ObserveSighting(*s, *snap.registry, destinations_,
                                              config_.route.exercise, outputs, &findings, delta));
    if (signer_ != nullptr) {
      for (size_t i = first; i < outputs->size(); ++i) {
        route::Output& o = (*outputs)[i];
        if (signer_->Signs(route::DocKindName(o.kind))) KZ_RETURN_IF_ERROR(signer_->Sign(&o.json));
      }
    }
    for (const auto& f : findings) {
      internal_.push_back(InternalRecord{InternalRecord::kCampaignFinding, f.partition,
                                         f.operator_id, campaign::EncodeFinding(f)});
    }
  }
  stats_.outputs += outputs->size();
  return absl::OkStatus();
}

absl::Status Worker::ApplyFindings(int32_t partition, const std::vector<std::string>& records,
                                   const Snapshot& snap, std::vector<route::Output>* outputs,
                                   state::StateDelta* delta) {
  internal_.clear();
  facts_.revisions.clear();
  if (!campaign_repartition_) return absl::OkStatus();
  KZ_ASSIGN_OR_RETURN(auto* counts, CampaignCounts(partition));
  auto pc = Partition(partition);
  if (!pc.ok()) return pc.status();
  // Counts first, then the revisions (each incident once, in id order), so that every
  // revision carries the counts of the whole task.
  std::set<std::string> revise;
  for (const auto& rec : records) {
    auto f = campaign::DecodeFinding(rec);
    if (!f.ok() || f->partition != partition) {
      ++campaign_bad_records_;
      KZ_LOG_EVERY(kWarn, "campaign.bad_finding", 5)
          .Kv("partition", partition)
          .Kv("error", f.ok() ? std::string("finding for another partition")
                              : std::string(f.status().message()));
      continue;
    }
    std::string k = StrCat(f->operator_id, "|", f->key);
    (*counts)[k] = f->others;
    delta->Put(state::Cf::kMeta, CountKey(partition, k), StrCat(f->others));
    for (auto& id : f->incident_ids) revise.insert(std::move(id));
  }
  co_.Clear();
  for (const auto& id : revise) (*pc)->Revise(id, "campaign", &co_);
  KZ_RETURN_IF_ERROR(Emit(**pc, co_, nullptr, snap, outputs, delta));
  (*pc)->Flush(delta);
  stats_.outputs += outputs->size();
  return absl::OkStatus();
}

absl::StatusOr<correlate::PartitionCorrelator*> Worker::Partition(int32_t p) {
  auto it = partitions_.find(p);
  if (it != partitions_.end()) return it->second.get();
  auto pc = std::make_unique<correlate::PartitionCorrelator>(p, config_.correlate);
  pc->SetEpoch(epoch_);
  absl::Status st = pc->Load(*store_);
  if (!st.ok()) return st;
  auto* raw = pc.get();
  partitions_.emplace(p, std::move(pc));
  return raw;
}

absl::StatusOr<int64_t> Worker::Watermark(int32_t partition) {
  auto pc = Partition(partition);
  if (!pc.ok()) return pc.status();
  return (*pc)->watermark_ns();
}

size_t Worker::live_keys() const {
  size_t n = 0;
  for (const auto& [p, pc] : partitions_) n += pc->live_keys();
  return n;
}

absl::StatusOr<std::string> Worker::StoredPosition(int32_t partition) const {
  auto v = store_->Get(state::Cf::kPositions, PositionKey(partition));
  if (absl::IsNotFound(v.status())) return std::string();
  return v;
}

absl::Status Worker::Emit(correlate::PartitionCorrelator& pc, const correlate::CorrelateOutput& co,
                          const Batch* batch, const Snapshot& snap,
                          std::vector<route::Output>* outputs, state::StateDelta* delta) {
  size_t copy = static_cast<size_t>(config_.dead_letter_copy_bytes);
  if (batch != nullptr) {
    for (uint32_t i : co.late) {
      const Event& e = batch->events[i];
      outputs->push_back(route::Output{config_.late_destination, route::DocKind::kObservation, "",
                                       0, std::string(e.operator_id),
                                       route::RenderLateEvent(*batch, e, config_.inputs[batch->records[e.record].input].name,
                                                              pc.watermark_ns(), copy)});
      ++stats_.late;
    }
    for (uint32_t i : co.future) {
      const Event& e = batch->events[i];
      outputs->push_back(route::Output{config_.dead_letter_destination, route::DocKind::kObservation,
                                       "", 0, std::string(e.operator_id),
                                       route::RenderFutureEvent(*batch, e, config_.inputs[batch->records[e.record].input].name, copy)});
      ++stats_.dead_letters[static_cast<size_t>(DeadLetterReason::kFutureTimestamp)];
    }
    // People's inputs that name no incident of this partition (or another operator's).
    for (const auto& [i, why] : co.rejected) {
      const Event& e = batch->events[i];
      DeadLetter dl{e.record, DeadLetterReason::kMalformed, why};
      outputs->push_back(route::Output{config_.dead_letter_destination, route::DocKind::kObservation,
                                       "", 0, std::string(e.operator_id),
                                       route::RenderDeadLetter(*batch, dl, config_.inputs[batch->records[e.record].input].name, copy)});
      ++stats_.dead_letters[static_cast<size_t>(DeadLetterReason::kMalformed)];
    }
  }
  // Routing history per incident within this batch (revisions are copies), with the
  // partition whose correlator owns the incident.
  std::unordered_map<std::string, std::pair<int32_t, uint8_t>> routed;
  std::vector<campaign::ReviseRequest> revise;
  campaign_revisions_.clear();
  std::set<int32_t> touched;
  auto handle = [&](const correlate::Incident& inc) -> absl::Status {
    classify::Verdict v = classifier_.Classify(inc, *snap.registry);
    auto [it, fresh] = routed.emplace(inc.id, std::make_pair(inc.partition, inc.routed));
    size_t first = outputs->size();
    absl::Status st = router_.Route(inc, v, *snap.registry, destinations_, &it->second.second, outputs);
    if (!st.ok()) return st;
    KZ_RETURN_IF_ERROR(Disclose(inc, v, first, snap, outputs, &revise, delta));
    // Evidence preservation and history (processing time only for retention).
    int64_t now = SystemClock::Get()->NowNs();
    evidence_.RecordEvidence(inc, now, delta);
    if (outputs->size() > first) evidence_.RecordRevision(inc, (*outputs)[first].json, now, delta);
    ++stats_.revisions;
    ++(v.reportable ? stats_.reportable : stats_.not_reportable);
    facts_.revisions.push_back({&inc, v.category, v.reportable});
    return absl::OkStatus();
  };
  for (const auto& inc : co.revisions) KZ_RETURN_IF_ERROR(handle(inc));
  // The campaign stage's findings: a "campaign" revision of other operators' open incidents
  // (their notifications' count of other operators changed). Such revisions are not fed
  // back into the stage, so this terminates.
  while (!revise.empty()) {
    std::vector<campaign::ReviseRequest> next;
    next.swap(revise);
    for (const auto& r : next) {
      auto p = partitions_.find(r.partition);
      if (p == partitions_.end()) continue;  // not loaded in this worker: no revision
      correlate::PartitionCorrelator* owner = p->second.get();
      correlate::CorrelateOutput extra;
      if (!owner->Revise(r.incident_id, "campaign", &extra)) continue;
      if (owner != &pc) touched.insert(r.partition);  // flushed below (pc by the caller)
      for (auto& inc : extra.revisions) {
        campaign_revisions_.push_back(std::move(inc));
        KZ_RETURN_IF_ERROR(handle(campaign_revisions_.back()));
      }
    }
  }
  for (const auto& [id, pf] : routed) {
    auto p = partitions_.find(pf.first);
    (p != partitions_.end() ? *p->second : pc).SetRouted(id, pf.second);
  }
  for (int32_t p : touched) partitions_[p]->Flush(delta);
  return absl::OkStatus();
}

absl::Status Worker::Disclose(const correlate::Incident& inc, const classify::Verdict& v,
                              size_t first, const Snapshot& snap,
                              std::vector<route::Output>* outputs,
                              std::vector<campaign::ReviseRequest>* revise,
                              state::StateDelta* delta) {
  bool exercise = config_.route.exercise;
  if (campaign_repartition_ && !campaign_key_.empty()) {
    // Kafka mode: the count is what this partition last learnt from the campaign task; the
    // revision goes to that task as one sighting per key (its finding corrects the count
    // with a later "campaign" revision if it was stale).
    KZ_ASSIGN_OR_RETURN(auto* counts, CampaignCounts(inc.partition));
    uint32_t others = 0;
    std::vector<campaign::Sighting> sightings = campaign::CampaignStage::Sightings(inc);
    for (const auto& key : campaign::CampaignStage::KeysOf(inc)) {
      auto it = counts->find(StrCat(inc.operator_id, "|", key));
      if (it != counts->end()) others = std::max(others, it->second);
    }
    for (auto& s : sightings) {
      auto it = counts->find(StrCat(inc.operator_id, "|", s.key));
      s.known_count = it == counts->end() ? 0 : it->second;
      internal_.push_back(InternalRecord{InternalRecord::kCampaignSighting, -1, s.key,
                                         campaign::EncodeSighting(s)});
    }
    for (size_t i = first; i < outputs->size(); ++i) {
      campaign::FillOtherOperators(&(*outputs)[i].json, others);
    }
  }
  if (campaign_ != nullptr) {
    campaign_out_.clear();
    KZ_RETURN_IF_ERROR(campaign_->Observe(inc, *snap.registry, destinations_, exercise,
                                          &campaign_out_, revise, delta));
    uint32_t others = campaign_->OtherOperators(inc);
    for (size_t i = first; i < outputs->size(); ++i) {
      campaign::FillOtherOperators(&(*outputs)[i].json, others);
    }
  }
  KZ_RETURN_IF_ERROR(advisor_.Advise(inc, v, *snap.registry, snap.patterns.get(),
                                     destinations_, exercise, outputs));
  if (campaign_ != nullptr) {
    for (auto& o : campaign_out_) outputs->push_back(std::move(o));
  }
  if (signer_ != nullptr) {
    for (size_t i = first; i < outputs->size(); ++i) {
      route::Output& o = (*outputs)[i];
      if (signer_->Signs(route::DocKindName(o.kind))) KZ_RETURN_IF_ERROR(signer_->Sign(&o.json));
    }
  }
  return absl::OkStatus();
}

absl::Status Worker::Process(Batch& batch, const Snapshot& snap,
                             std::vector<route::Output>* outputs, state::StateDelta* delta) {
  facts_.revisions.clear();
  internal_.clear();
  int64_t t_start = MonotonicNowNs();
  ++stats_.batches;
  stats_.records += batch.records.size();
  for (const auto& r : batch.records) stats_.bytes += r.value.size();
  KZ_RETURN_IF_ERROR(decode::DecodeByInput(batch, decoders_));
  int64_t t_decoded = MonotonicNowNs();
  facts_.decoded_events = batch.events.size();
  enricher_.Enrich(batch, *snap.registry);
  stats_.events += batch.events.size();
  int64_t t_enriched = MonotonicNowNs();
  absl::Status st = matcher_.Match(batch, *snap.patterns);
  if (!st.ok()) return st;
  int64_t t_matched = MonotonicNowNs();
  facts_.decode_ns = t_decoded - t_start;
  facts_.enrich_ns = t_enriched - t_decoded;
  facts_.match_ns = t_matched - t_enriched;
  stats_.matches += batch.matches.size();
  for (size_t i = 0; i < batch.events.size(); ++i) stats_.events_matched += batch.match_count(i) > 0;

  // Dead letters in record order (decode and enrich append in different passes).
  std::sort(batch.dead_letters.begin(), batch.dead_letters.end(),
            [](const DeadLetter& a, const DeadLetter& b) { return a.record < b.record; });
  size_t copy = static_cast<size_t>(config_.dead_letter_copy_bytes);
  for (const auto& dl : batch.dead_letters) {
    ++stats_.dead_letters[static_cast<size_t>(dl.reason)];
    const RawRecord& r = batch.records[dl.record];
    outputs->push_back(route::Output{config_.dead_letter_destination, route::DocKind::kObservation,
                                     "", 0, "",
                                     route::RenderDeadLetter(batch, dl, config_.inputs[r.input].name, copy)});
  }

  evidence_.Remember(batch);
  auto pc = Partition(batch.partition);
  if (!pc.ok()) return pc.status();
  co_.Clear();
  (*pc)->Process(batch, *snap.rules, *snap.patterns, *snap.registry, &co_);
  int64_t t_correlated = MonotonicNowNs();
  st = Emit(**pc, co_, &batch, snap, outputs, delta);
  if (!st.ok()) return st;
  facts_.classify_route_ns = MonotonicNowNs() - t_correlated;
  (*pc)->Flush(delta);
  if (!batch.resume.empty()) delta->Put(state::Cf::kPositions, PositionKey(batch.partition), batch.resume);
  stats_.outputs += outputs->size();
  facts_.correlate_ns = MonotonicNowNs() - t_matched;
  return absl::OkStatus();
}

absl::Status Worker::AdvanceWatermark(int32_t partition, int64_t watermark_ns,
                                      const Snapshot& snap, std::vector<route::Output>* outputs,
                                      state::StateDelta* delta) {
  facts_ = BatchFacts{std::move(facts_.revisions)};
  facts_.revisions.clear();
  internal_.clear();
  auto pc = Partition(partition);
  if (!pc.ok()) return pc.status();
  co_.Clear();
  (*pc)->AdvanceWatermark(watermark_ns, &co_);
  absl::Status st = Emit(**pc, co_, nullptr, snap, outputs, delta);
  if (!st.ok()) return st;
  (*pc)->Flush(delta);
  return absl::OkStatus();
}

}  // namespace kizashi::runtime
