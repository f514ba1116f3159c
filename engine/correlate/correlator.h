// Correlation per operator and critical system, in event time (docs/correlation.md).
//
// A PartitionCorrelator owns the correlation state of one input partition:
//   - per-key condition state (key = operator | target | rule | group-by values), compact
//     (key_state.h), hot in memory up to `max_keys_in_memory`, colder keys evicted to RocksDB
//     (CLOCK replacement) and faulted back in on their next event;
//   - the open incidents, their close timers and absence deadlines (ordered by
//     (deadline, id): firing order is deterministic);
//   - the partition's watermark = max event time seen - allowed lateness, advanced per event;
//   - a Dictionary of interned pattern hits / source names / IPv6 peers.
// It processes the matched events of a batch in arrival order, emits incident revisions, and
// writes its effect on durable state to a StateDelta that the runtime commits together with
// the batch's input positions (write-behind: one WriteBatch per batch).
//
// Determinism: outputs depend only on (restored state, the sequence of events, the
// rulebook): no wall clock, no hash-map iteration order leaks. Per-event watermark updates
// and per-event timer firing make results independent of batch boundaries; eviction and
// expiry only ever drop state that is equivalent to no state. The one use of processing time
// is IdleWatermark (the runtime decides when to call AdvanceWatermark).
//
// Ownership: one per partition, owned by the worker that owns the partition. Thread
// contract: single thread. The StateStore passed to Load must outlive the correlator.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "engine/config/schema.h"
#include "engine/correlate/dictionary.h"
#include "engine/correlate/huge_pages.h"
#include "engine/correlate/incident.h"
#include "engine/correlate/key_hash.h"
#include "engine/correlate/key_state.h"
#include "engine/correlate/rule.h"
#include "engine/event/batch.h"
#include "engine/registry/registry.h"
#include "engine/state/state_store.h"

namespace kizashi::correlate {

struct CorrelateOptions {
  // Events older than (max event time seen - allowed_lateness) are late: counted and sent to
  // the late output, never correlated.
  int64_t allowed_lateness_ns = 5 * 1'000'000'000LL;
  // Records dated further than this beyond their ingest time are dead-lettered
  // (future_timestamp) instead of advancing the watermark.
  int64_t max_future_skew_ns = 300 * 1'000'000'000LL;
  // When a partition has seen no record for this long (processing time), its watermark
  // advances with processing time so quiet periods and absence rules still fire. The only use
  // of processing time in decisions.
  int64_t idle_timeout_ns = 60 * 1'000'000'000LL;
  int64_t max_evidence = 20;  // source positions kept per incident
  int64_t max_sources = 32;   // distinct source addresses kept per incident
  // Keys kept in memory per partition; colder keys are evicted to RocksDB and faulted back in.
  int64_t max_keys_in_memory = 1'000'000;
  // Closed incidents stay in the store this long (event time) after closing.
  int64_t closed_retention_ns = 30 * 86400 * 1'000'000'000LL;
  // Write-behind log: a checkpoint of every in-memory key is written once the log records
  // since the last one exceed this many bytes (or the in-memory state's size, if larger).
  int64_t checkpoint_min_bytes = 64 << 20;
  // Pending triggers kept per absence key (the earliest are kept).
  int64_t max_pending_triggers = 64;
  // An incident opened by a person's input (threat notice, major failure, damage report)
  // closes after this much event time without a further input.
  int64_t input_quiet_ns = 7 * 86400 * 1'000'000'000LL;
  static void Declare(config::Schema& s, CorrelateOptions* o);
};

struct CorrelateOutput {
  std::vector<Incident> revisions;  // in emission order
  std::vector<uint32_t> late;       // batch event indexes that were late
  std::vector<uint32_t> future;     // batch event indexes dated too far in the future
  // People's inputs that could not be merged (batch event index, why): dead-lettered.
  std::vector<std::pair<uint32_t, std::string>> rejected;
  void Clear() {
    revisions.clear();
    late.clear();
    future.clear();
    rejected.clear();
  }
};

// Counters (monotonic, per partition) and gauges, for metrics and benchmarks.
struct CorrelatorStats {
  uint64_t events = 0;            // events considered (not late, not future)
  uint64_t rule_evaluations = 0;  // (event, rule) pairs whose predicates held
  uint64_t late = 0;
  uint64_t future = 0;
  uint64_t keys_created = 0;
  uint64_t keys_expired = 0;
  uint64_t evictions = 0;
  uint64_t faults = 0;        // cold keys read back from RocksDB
  uint64_t fault_misses = 0;  // lookups of possibly-cold keys that found nothing
  uint64_t peers_not_interned = 0;
  uint64_t log_records = 0;   // write-behind log records written
  uint64_t checkpoints = 0;   // write-behind checkpoints written
  uint64_t hot_keys = 0;       // gauge
  uint64_t cold_keys = 0;      // gauge: evicted keys not yet expired
  uint64_t open_incidents = 0; // gauge
  uint64_t memory_bytes = 0;   // gauge: estimated bytes of hot state
};

// An open incident and what the correlator needs to maintain it.
class IncidentRec {
 public:
  Incident inc;
  Fp key;                        // the state key whose matches it absorbs
  Fp id128;                      // inc.id as 128 bits (timer order)
  int64_t timer_ns = kNoTime;    // close deadline currently scheduled
  bool dirty = false;
};

class PartitionCorrelator {
 public:
  PartitionCorrelator(int32_t partition, const CorrelateOptions& options);
  ~PartitionCorrelator();
  PartitionCorrelator(const PartitionCorrelator&) = delete;
  PartitionCorrelator& operator=(const PartitionCorrelator&) = delete;

  // Restores this partition's dictionary, keys (up to max_keys_in_memory; the rest stay
  // cold), open incidents, timers and watermark from the store, and keeps `store` for
  // faulting evicted keys back in.
  absl::Status Load(const state::StateStore& store);

  void Process(const Batch& batch, const Rulebook& rules, const patterns::PatternSet& patterns,
               const registry::Registry& registry, CorrelateOutput* out);
  // Advances the watermark to at least `watermark_ns` and fires due timers (idle partitions).
  void AdvanceWatermark(int64_t watermark_ns, CorrelateOutput* out);
  // The watermark an idle partition should advance to at processing time `now_ns`, or
  // INT64_MIN while the partition is not idle (no record for idle_timeout). Event time is
  // assumed to have kept pace with processing time since the last record.
  int64_t IdleWatermark(int64_t now_ns) const;
  // Records which destinations have received revisions of incident `id` (route stage).
  void SetRouted(const std::string& id, uint8_t routed);
  // Emits a new revision of the open incident `id` with `change` (a later stage's finding,
  // e.g. "campaign": the cross-operator stage changed what its notification says about other
  // operators). False when the incident is not open in this partition.
  bool Revise(std::string_view id, const char* change, CorrelateOutput* out);
  // Moves every change since the last call into `delta` (one WriteBatch with the batch's
  // input positions), then evicts cold keys if over the memory bound.
  void Flush(state::StateDelta* delta);
  // Every delta returned by Flush so far is durable in the store: evicted keys may now be
  // read back from it (until then they are served from memory).
  void Committed();
  // For runtimes that commit asynchronously (the Kafka runner keeps processing while a commit
  // runs): the deltas flushed from now on belong to `epoch` (non-decreasing), and
  // CommittedThrough(e) says those of every epoch <= e are durable — what they evicted or
  // closed may be read back from the store, the rest stays in memory.
  void SetEpoch(uint64_t epoch) { epoch_ = epoch; }
  void CommittedThrough(uint64_t epoch);

  int64_t watermark_ns() const { return watermark_ns_; }
  size_t live_keys() const { return map_.size(); }

  // A key's state as stored (evicted keys, write-behind logs, checkpoints): times relative to
  // `deadline`, the value of the expiring envelope it is stored in (the state's deadline).
  // DecodeKey reads the current format and every earlier one; false on corrupt input.
  static void EncodeKeyTo(const KeyState& ks, int64_t deadline, std::string* out);
  static bool DecodeKey(std::string_view v, int64_t deadline, KeyState* ks,
                        std::string* incident_id);
  size_t open_incidents() const { return incidents_.size(); }
  CorrelatorStats stats() const;

 private:
  struct Cand {
    uint32_t rule;
    uint32_t steps;
    uint32_t entry;  // kNone for unindexed steps
  };
  struct ExpiryEntry {
    uint32_t slot;
    uint32_t gen;
  };
  enum class TimerKind : uint8_t { kClose = 0, kAbsence = 1 };
  struct Timer {
    int64_t deadline;
    TimerKind kind;
    Fp id;
    bool operator<(const Timer& o) const {
      if (deadline != o.deadline) return deadline < o.deadline;
      if (kind != o.kind) return kind < o.kind;
      return id < o.id;
    }
  };
  // What identifies a key's incidents: built from the event when an incident opens, stored
  // for absence keys (whose incidents open on a timer, without an event).
  struct Proto {
    std::string operator_id;
    TargetKind target_kind = TargetKind::kUnknownAsset;
    std::string target_id;
    std::vector<std::string> group_values;
    std::string rule_id;
    std::string rule_title;
    int64_t suppress_ns = 0;
    int64_t quiet_ns = 0;
    int64_t window_ns = 0;
  };
  struct RuleParams {  // what a key's handling needs from its rule
    const CompiledRule* cr;
    int64_t window_ns;
    int64_t count;
    int64_t suppress_ns;
    int64_t quiet_ns;
  };

  // Event path.
  // `known_fp`: the key, when already computed (prefetch plan) for this rule.
  void HandleRule(const Event& e, const Batch& batch, const Fp* known_fp, const CompiledRule& cr,
                  uint32_t steps, const Cand* cands, size_t ncands,
                  const patterns::PatternSet& patterns, const registry::Registry& reg,
                  CorrelateOutput* out);
  Fp KeyOf(const CompiledRule& cr, const Event& e, const registry::Registry& reg) const;
  Proto MakeProto(const Rule& rule, const Event& e, const registry::Registry& reg) const;
  uint32_t HitsCode(const Cand* cands, size_t n, const patterns::PatternSet& patterns);
  uint32_t EntryCode(uint32_t entry, const patterns::PatternSet& patterns);
  Ev MakeEv(const Event& e, uint32_t hits);

  // Condition handlers: return after updating `ks`; may open incidents.
  void OnEventCount(KeyState& ks, const RuleParams& rp, const Ev& ev, const Proto* proto,
                    const Event& e, const registry::Registry& reg, CorrelateOutput* out);
  void OnValueCount(KeyState& ks, const RuleParams& rp, const Ev& ev, uint64_t value,
                    const Event& e, const registry::Registry& reg, CorrelateOutput* out);
  void OnTemporal(KeyState& ks, const RuleParams& rp, const Ev& ev, uint32_t steps,
                  const Event& e, const registry::Registry& reg, CorrelateOutput* out);
  void OnOrdered(KeyState& ks, const RuleParams& rp, const Ev& ev, uint32_t steps,
                 const Event& e, const registry::Registry& reg, CorrelateOutput* out);
  void OnAbsence(KeyState& ks, const RuleParams& rp, const Ev& ev, uint32_t steps,
                 const Event& e, const registry::Registry& reg, CorrelateOutput* out);
  void FireAbsence(const Fp& key, CorrelateOutput* out);
  void ScheduleAbsence(KeyState& ks, int64_t window_ns);

  // People's inputs (engine/inputs): merged into the named incident (open, closed in memory
  // or in the store) or opening one; never late, never moving the watermark.
  void ApplyInput(const Event& e, uint32_t index, const Batch& batch,
                  const registry::Registry& reg, CorrelateOutput* out);

  // Incidents.
  // Absorbs `ev` into the key's open incident if it is within the suppression period.
  bool TryAbsorb(KeyState& ks, const Ev& ev, int64_t quiet_ns, CorrelateOutput* out);
  void OpenIncident(KeyState& ks, const Proto& proto, const Ev* window, size_t n,
                    const Ev* extra, size_t nextra, CorrelateOutput* out);
  bool Absorb(Incident& inc, const Ev& ev);
  void Emit(IncidentRec& rec, const char* change, CorrelateOutput* out);
  void Close(IncidentRec* rec, CorrelateOutput* out);
  void SetCloseTimer(IncidentRec& rec, int64_t deadline);
  void FireTimers(CorrelateOutput* out);
  const std::vector<PatternHit>& HitsOf(uint32_t code);

  // Keys.
  KeyState* Find(const Fp& fp, bool fault_in);
  // Reads an evicted key back (from memory until Committed(), else RocksDB) into a new slot,
  // which it returns (kNoSlot: not cold, expired or corrupt). Does not touch map_.
  uint32_t FaultIn(const Fp& fp);
  KeyState& Create(const Fp& fp, uint8_t type);
  uint32_t NewSlot(const Fp& fp, uint8_t type);
  KeyState& Slot(uint32_t i) { return chunks_[i >> kChunkBits][i & kChunkMask]; }
  // Files the key in the expiry heap (lazily re-checked when its deadline passes).
  void QueueExpiry(const KeyState& ks);
  void MarkDirty(KeyState& ks);
  void Drop(uint32_t slot, bool delete_from_store);
  int64_t Deadline(const KeyState& ks) const;
  int64_t WindowOf(const KeyState& ks) const;
  void ExpireKeys();
  void Evict(state::StateDelta* delta);
  // Write-behind (see Flush): entry = fingerprint, length, expiring key state (0: dropped).
  void AppendEntry(const Fp& fp, const KeyState* ks, std::string* out) const;
  // Applies one loaded entry (checkpoint or log) to the in-memory keys.
  absl::Status ApplyLoaded(const Fp& fp, std::string_view value);
  void ColdAdd(int64_t deadline);
  void ColdRemove(int64_t deadline);
  void ColdExpire();

  // Encoding.
  // The key state's encoding without its extras, written at `p` (room for MaxKeyBytes);
  // returns the end. AppendExtra appends the extras (after EncodeKeyRaw's bytes). Times are
  // encoded relative to `deadline`, the value of the envelope the encoding goes into
  // (Deadline(ks)); DecodeKey needs the same value back.
  static size_t MaxKeyBytes(const KeyState& ks);
  static uint8_t* EncodeKeyRaw(const KeyState& ks, int64_t deadline, uint8_t* p);
  static void AppendExtra(const KeyState& ks, std::string* out);

  void AppendStoreKey(const Fp& fp, std::string* out) const;
  std::string KeyStoreKey(const Fp& fp) const;
  static std::string EncodeProto(const Proto& p);
  static bool DecodeProto(std::string_view in, Proto* p);

  int32_t partition_;
  CorrelateOptions opts_;
  std::string prefix_;  // partition prefix of every state key
  const state::StateStore* store_ = nullptr;
  int64_t max_event_ns_ = INT64_MIN;
  int64_t watermark_ns_ = INT64_MIN;
  int64_t last_ingest_ns_ = 0;  // processing time of the latest record (idle detection only)
  bool watermark_dirty_ = false;

  Dictionary dict_;
  // Per pattern-set caches (rebuilt when the set's serial changes).
  uint64_t patterns_serial_ = 0;
  std::vector<uint32_t> entry_code_;
  std::vector<std::vector<PatternHit>> hits_cache_;  // by entry code
  std::vector<std::vector<uint32_t>> multi_cache_;   // by multi code: entry codes
  std::vector<uint16_t> source_codes_;               // per batch source index

  // Hot keys: fingerprint -> slot in chunked storage (stable addresses).
  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunkMask = (1u << kChunkBits) - 1;
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  // The table and the slots are in huge pages once large (huge_pages.h: most of a key's
  // cost is cache and TLB misses on them).
  absl::flat_hash_map<Fp, uint32_t, absl::Hash<Fp>, std::equal_to<Fp>,
                      HugePageAllocator<std::pair<const Fp, uint32_t>>>
      map_;
  // Slot chunks (kChunkBits slots each). The first kHeapChunks are heap arrays (a small
  // partition stays small); later ones are carved kSlabChunks at a time from huge-page
  // slabs (kSlabChunks chunks = a whole number of 2 MiB pages).
  static constexpr size_t kHeapChunks = 16;
  static constexpr size_t kSlabChunks = 16;
  void AddChunk();
  std::vector<KeyState*> chunks_;
  std::vector<std::unique_ptr<KeyState[]>> heap_chunks_;
  std::vector<void*> slabs_;
  std::vector<uint32_t> free_slots_;
  uint32_t slot_count_ = 0;
  uint32_t clock_hand_ = 0;
  std::vector<uint32_t> dirty_slots_;
  std::vector<Fp> deleted_keys_;  // hot keys dropped since the last flush (log tombstones)
  std::vector<Fp> cold_deletes_;  // evicted keys' records to delete (faulted back in, stale)
  // Write-behind log and checkpoints (see Flush).
  uint64_t next_seq_ = 1;
  uint64_t ckpt_gen_ = 0;
  std::vector<std::string> ckpt_keys_;  // chunks of the current checkpoint
  std::vector<std::string> log_keys_;   // log records written since it
  uint64_t log_bytes_ = 0;
  bool marker_dirty_ = false;
  // Expiry wheel: coarse deadline bucket -> keys filed there. A bucket is processed once the
  // watermark passes its end: each key is dropped if its (possibly later) deadline passed,
  // else re-filed. O(1) per key and deadline, no sweep over all keys.
  static constexpr int kWheelShift = 30;  // ~1.07 s of event time per bucket
  std::map<int64_t, std::vector<ExpiryEntry>> wheel_;
  int64_t wheel_last_bucket_ = INT64_MIN;
  std::vector<ExpiryEntry>* wheel_last_ = nullptr;
  std::vector<std::vector<ExpiryEntry>> wheel_spare_;
  // Evicted keys whose latest value may not be committed yet (see Committed()).
  // Value: the encoded key state, and the epoch of the delta that holds it (SetEpoch).
  absl::flat_hash_map<Fp, std::pair<std::string, uint64_t>> evicting_;
  // Keys read back whose record's delete is not committed yet, with that delete's epoch: the
  // store may still hold the old record, which must not come back as the key's state.
  absl::flat_hash_map<Fp, uint64_t> faulted_;
  uint64_t epoch_ = 0;
  std::map<int64_t, uint64_t> cold_by_deadline_;  // coarse deadline bucket -> evicted keys
  uint64_t cold_keys_ = 0;

  absl::flat_hash_map<std::string, std::unique_ptr<IncidentRec>> incidents_;  // open, by id
  std::set<Timer> timers_;
  size_t absence_timers_ = 0;  // absence keys with pending triggers (timers of that kind)
  std::vector<Incident> closed_;  // closed since the last Flush (persisted, then dropped)
  // Closed incidents flushed but maybe not committed yet (inputs naming them read them here);
  // cleared by Committed(), and bounded for runtimes that never call it.
  std::deque<std::pair<Incident, uint64_t>> closing_;  // with the epoch of its delta
  static constexpr size_t kMaxClosing = 4096;
  std::vector<std::string> dirty_incidents_;

  // Scratch reused per event / batch.
  struct Plan {
    Fp fp;
    uint32_t rule = 0;
    bool valid = false;
  };
  std::vector<Plan> plan_;  // per batch event: the key to prefetch (see Process)
  std::vector<Cand> cands_;
  std::vector<Ev> scratch_evs_;
  CorrelatorStats stats_;
};

}  // namespace kizashi::correlate
