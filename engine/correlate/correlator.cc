#include "engine/correlate/correlator.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "absl/container/flat_hash_set.h"
#include "engine/common/hash.h"
#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/inputs/input.h"
#include "engine/state/codec.h"

namespace kizashi::correlate {

void CorrelateOptions::Declare(config::Schema& s, CorrelateOptions* o) {
  s.Duration("allowed_lateness", &o->allowed_lateness_ns,
             "Events older than the partition's max event time minus this are late (late "
             "output, not correlated).",
             0, 86400 * kNanosPerSecond);
  s.Duration("max_future_skew", &o->max_future_skew_ns,
             "Records dated further than this past their ingest time are dead-lettered.",
             kNanosPerSecond, 30 * 86400 * kNanosPerSecond);
  s.Duration("idle_timeout", &o->idle_timeout_ns,
             "An idle partition's watermark advances with processing time after this much "
             "processing time without records (the one use of processing time).",
             kNanosPerSecond, 86400 * kNanosPerSecond);
  s.Int("max_evidence", &o->max_evidence, "Source positions kept per incident.", 1, 10000);
  s.Int("max_sources", &o->max_sources, "Distinct source addresses kept per incident.", 1, 10000);
  s.Int("max_keys_in_memory", &o->max_keys_in_memory,
        "Correlation keys kept in memory per partition (about 200 bytes each); colder keys are "
        "evicted to RocksDB and read back on their next event.",
        1, int64_t{1} << 32);
  s.Duration("closed_retention", &o->closed_retention_ns,
             "How long (event time) a closed incident stays in the state store.",
             kNanosPerSecond, 3650 * 86400 * kNanosPerSecond);
  s.Int("checkpoint_min_bytes", &o->checkpoint_min_bytes,
        "Write-behind: a checkpoint of the in-memory keys is written once the log records since "
        "the last one exceed this (or the in-memory state's size, if larger).",
        4096, int64_t{1} << 40);
  s.Int("max_pending_triggers", &o->max_pending_triggers,
        "Pending triggers kept per key of an absence rule (the earliest are kept).", 1, 65000);
  s.Duration("input_quiet", &o->input_quiet_ns,
             "An incident opened by an operator's report (threat notice, major failure, damage) "
             "closes after this much event time without a further input.",
             kNanosPerSecond, 3650 * 86400 * kNanosPerSecond);
}

namespace {

// Key-state encodings: 2 (times absolute, read only), 3 (times relative to the entry's
// deadline, flags byte, compact hit codes and IPv4 peers; written).
constexpr uint8_t kKeyFormatV2 = 2;
constexpr uint8_t kKeyFormat = 3;
// Format 3 flags byte.
constexpr uint8_t kKeyHasSuppress = 1;
constexpr uint8_t kKeyHasIncident = 2;
constexpr uint8_t kKeyHasExtra = 4;
constexpr uint32_t kMultiBit = 1u << 27;
constexpr char kKeyTag = 'k';         // an evicted key's state
constexpr char kLogTag = 'l';         // write-behind log record: seq | part
constexpr char kCheckpointTag = 's';  // checkpoint chunk: generation | chunk
constexpr char kMarkerTag = 'm';      // checkpoint generation, next log sequence
constexpr size_t kChunkBytes = 512 << 10;  // record size bound (Kafka changelog messages)
constexpr char kWatermarkTag = 'w';
constexpr char kOpenTag = 'o';
constexpr char kClosedTag = 'c';
constexpr int kColdBucketShift = 32;  // ~4.3 s of event time per cold-expiry bucket

bool PastCase(const std::vector<std::string>& refs) {
  for (const auto& r : refs) {
    if (StartsWith(r, "case:")) return true;
  }
  return false;
}

std::string EncodeHit(const patterns::EntryInfo& e) {
  std::string out;
  state::Encoder enc(&out);
  enc.Str(e.pack_id);
  enc.Str(e.pack_version);
  enc.Str(e.entry_id);
  enc.Str(e.title);
  enc.U8(static_cast<uint8_t>(e.kind));
  enc.U8(static_cast<uint8_t>(e.attack_type));
  enc.U8(static_cast<uint8_t>(e.severity));
  enc.U8(static_cast<uint8_t>(e.may_disrupt_critical_systems | (PastCase(e.references) << 1)));
  enc.Str(e.actor);
  enc.Varint(e.references.size());
  for (const auto& r : e.references) enc.Str(r);
  return out;
}

bool DecodeHit(std::string_view in, PatternHit* p) {
  state::Decoder d(in);
  uint8_t k, a, s, f;
  uint64_t n;
  if (!d.Str(&p->pack_id) || !d.Str(&p->pack_version) || !d.Str(&p->entry_id) ||
      !d.Str(&p->title) || !d.U8(&k) || !d.U8(&a) || !d.U8(&s) || !d.U8(&f) ||
      !d.Str(&p->actor) || !d.Varint(&n)) {
    return false;
  }
  p->kind = static_cast<patterns::EntryKind>(k);
  p->attack_type = static_cast<patterns::AttackType>(a);
  p->severity = static_cast<patterns::Severity>(s);
  p->may_disrupt_critical_systems = f & 1;
  p->past_case = f & 2;
  p->references.resize(n);
  for (auto& r : p->references) {
    if (!d.Str(&r)) return false;
  }
  p->count = 1;
  return d.done();
}

// Incident ids are 32 hex characters (IdBuilder); as 128 bits they order timers.
Fp IdBits(std::string_view hex) {
  Fp f;
  for (size_t i = 0; i < hex.size() && i < 32; ++i) {
    char c = hex[i];
    uint64_t v = c >= '0' && c <= '9' ? static_cast<uint64_t>(c - '0')
                                      : static_cast<uint64_t>((c | 0x20) - 'a' + 10) & 15;
    if (i < 16) f.hi = f.hi << 4 | v;
    else f.lo = f.lo << 4 | v;
  }
  return f;
}

std::string IdHex(const Fp& f) {
  static const char* kHex = "0123456789abcdef";
  std::string s(32, '0');
  for (int i = 0; i < 16; ++i) {
    s[static_cast<size_t>(i)] = kHex[(f.hi >> (60 - 4 * i)) & 15];
    s[static_cast<size_t>(16 + i)] = kHex[(f.lo >> (60 - 4 * i)) & 15];
  }
  return s;
}


Fp ReadFp(std::string_view s) {
  Fp f;
  for (size_t i = 0; i < 8; ++i) f.hi = f.hi << 8 | static_cast<uint8_t>(s[i]);
  for (size_t i = 8; i < 16; ++i) f.lo = f.lo << 8 | static_cast<uint8_t>(s[i]);
  return f;
}

int64_t SatAdd(int64_t a, int64_t b) {
  if (a == kNoTime) return kNoTime;
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

// Brings a KeyState (160 bytes, up to four cache lines) towards the cache.
void Prefetch(const KeyState* ks) {
  const char* p = reinterpret_cast<const char*>(ks);
  __builtin_prefetch(p);
  __builtin_prefetch(p + 64);
  __builtin_prefetch(p + 128);
  __builtin_prefetch(p + sizeof(KeyState) - 1);
}

bool SameEv(const Ev& a, const Ev& b) {
  return a.t == b.t && a.pos == b.pos && a.hits == b.hits && a.peer == b.peer;
}

}  // namespace

PartitionCorrelator::PartitionCorrelator(int32_t partition, const CorrelateOptions& options)
    : partition_(partition), opts_(options), prefix_(state::PartitionPrefix(partition)) {}

PartitionCorrelator::~PartitionCorrelator() {
  // Slab chunks hold constructed slots once handed out (AddChunk); the slabs go after.
  for (size_t c = kHeapChunks; c < chunks_.size(); ++c) {
    for (size_t i = 0; i < (size_t{1} << kChunkBits); ++i) chunks_[c][i].~KeyState();
  }
  for (void* slab : slabs_) HugeFree(slab, (kSlabChunks << kChunkBits) * sizeof(KeyState));
}

void PartitionCorrelator::AddChunk() {
  constexpr size_t kChunkSlots = size_t{1} << kChunkBits;
  static_assert((kSlabChunks * kChunkSlots * sizeof(KeyState)) % kHugePageBytes == 0,
                "a slab should be whole huge pages");
  if (chunks_.size() < kHeapChunks) {
    heap_chunks_.push_back(std::make_unique<KeyState[]>(kChunkSlots));
    chunks_.push_back(heap_chunks_.back().get());
    return;
  }
  if ((chunks_.size() - kHeapChunks) % kSlabChunks == 0) {
    size_t bytes = kSlabChunks * kChunkSlots * sizeof(KeyState);
    void* slab = HugeAlloc(bytes);
    if (slab == nullptr) throw std::bad_alloc();  // as make_unique would
    slabs_.push_back(slab);
  }
  // Slots are constructed (touched) only when their chunk is handed out: a slab's unused
  // chunks cost address space, not memory.
  size_t in_slab = (chunks_.size() - kHeapChunks) % kSlabChunks;
  KeyState* chunk = static_cast<KeyState*>(slabs_.back()) + in_slab * kChunkSlots;
  for (size_t i = 0; i < kChunkSlots; ++i) new (&chunk[i]) KeyState();
  chunks_.push_back(chunk);
}

// ---- keys ------------------------------------------------------------------------------

void PartitionCorrelator::AppendStoreKey(const Fp& fp, std::string* out) const {
  char k[21];
  std::memcpy(k, prefix_.data(), 4);
  k[4] = kKeyTag;
  for (int i = 0; i < 8; ++i) {
    k[5 + i] = static_cast<char>(fp.hi >> (56 - 8 * i));
    k[13 + i] = static_cast<char>(fp.lo >> (56 - 8 * i));
  }
  out->append(k, sizeof k);
}

std::string PartitionCorrelator::KeyStoreKey(const Fp& fp) const {
  std::string k;
  AppendStoreKey(fp, &k);
  return k;
}

void PartitionCorrelator::QueueExpiry(const KeyState& ks) {
  int64_t bucket = std::max(Deadline(ks), watermark_ns_) >> kWheelShift;
  if (bucket != wheel_last_bucket_ || wheel_last_ == nullptr) {
    auto [it, fresh] = wheel_.try_emplace(bucket);
    if (fresh && !wheel_spare_.empty()) {
      it->second = std::move(wheel_spare_.back());
      wheel_spare_.pop_back();
    }
    wheel_last_bucket_ = bucket;
    wheel_last_ = &it->second;
  }
  wheel_last_->push_back(ExpiryEntry{ks.slot, ks.gen});
}

KeyState& PartitionCorrelator::Create(const Fp& fp, uint8_t type) {
  uint32_t slot = NewSlot(fp, type);
  map_.emplace(fp, slot);
  return Slot(slot);
}

uint32_t PartitionCorrelator::NewSlot(const Fp& fp, uint8_t type) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    // The next new key will take the next free slot, cold since its key expired.
    if (!free_slots_.empty()) Prefetch(&Slot(free_slots_.back()));
  } else {
    if ((slot_count_ >> kChunkBits) >= chunks_.size()) {
      AddChunk();
    }
    slot = slot_count_++;
  }
  KeyState& ks = Slot(slot);
  ks.fp = fp;
  ks.type = type;
  ks.flags = KeyState::kLive | KeyState::kRef;
  ks.slot = slot;
  ++ks.gen;
  return slot;
}

void PartitionCorrelator::MarkDirty(KeyState& ks) {
  ks.flags |= KeyState::kRef;
  if (!(ks.flags & KeyState::kDirty)) {
    ks.flags |= KeyState::kDirty;
    dirty_slots_.push_back(ks.slot);
  }
}

void PartitionCorrelator::Drop(uint32_t slot, bool delete_from_store) {
  KeyState& ks = Slot(slot);
  if (ks.extra && ks.extra->timer_ns != kNoTime && delete_from_store) {
    absence_timers_ -= timers_.erase(Timer{ks.extra->timer_ns, TimerKind::kAbsence, ks.fp});
  }
  map_.erase(ks.fp);
  if (delete_from_store) deleted_keys_.push_back(ks.fp);
  ks.Reset();
  ++ks.gen;
  free_slots_.push_back(slot);
}

// The key's state is equivalent to no state once the watermark passes this: its condition
// state is out of every future window, its suppression is over, and the incident it refers
// to (whose closing its next event could trigger) has closed.
int64_t PartitionCorrelator::Deadline(const KeyState& ks) const {
  int64_t d = std::max(ks.expires_ns, ks.suppress_until_ns);
  if (ks.incident != nullptr) d = std::max(d, ks.incident->inc.close_at_ns);
  return d;
}

void PartitionCorrelator::ExpireKeys() {
  // A bucket is due once the watermark has passed its last instant.
  while (!wheel_.empty() &&
         ((wheel_.begin()->first + 1) << kWheelShift) - 1 < watermark_ns_) {
    std::vector<ExpiryEntry> due = std::move(wheel_.begin()->second);
    if (wheel_last_bucket_ == wheel_.begin()->first) wheel_last_ = nullptr;
    wheel_.erase(wheel_.begin());
    for (size_t k = 0; k < due.size(); ++k) {
      // Two-stage lookahead: the slot first, then (once its fingerprint is readable) the
      // hash-table group that Drop will erase from.
      if (k + 8 < due.size()) Prefetch(&Slot(due[k + 8].slot));
      if (k + 4 < due.size()) map_.prefetch(Slot(due[k + 4].slot).fp);
      const ExpiryEntry& e = due[k];
      KeyState& ks = Slot(e.slot);
      if (!(ks.flags & KeyState::kLive) || ks.gen != e.gen) continue;  // dropped since
      bool timer_pending = ks.extra && ks.extra->timer_ns != kNoTime;
      if (Deadline(ks) < watermark_ns_ && !timer_pending) {
        Drop(e.slot, true);
        ++stats_.keys_expired;
      } else {
        QueueExpiry(ks);  // its deadline moved on: file it again
      }
    }
    due.clear();
    wheel_spare_.push_back(std::move(due));
  }
  ColdExpire();
}

void PartitionCorrelator::ColdAdd(int64_t deadline) {
  ++cold_by_deadline_[deadline >> kColdBucketShift];
  ++cold_keys_;
}

void PartitionCorrelator::ColdRemove(int64_t deadline) {
  auto it = cold_by_deadline_.find(deadline >> kColdBucketShift);
  if (it == cold_by_deadline_.end()) return;
  if (--it->second == 0) cold_by_deadline_.erase(it);
  --cold_keys_;
}

void PartitionCorrelator::ColdExpire() {
  // A bucket's keys are all expired once the watermark passes the bucket's last instant.
  while (!cold_by_deadline_.empty()) {
    auto it = cold_by_deadline_.begin();
    int64_t last = SatAdd(it->first, 1);
    if (last != INT64_MAX && last < (INT64_MAX >> kColdBucketShift)) {
      last = (last << kColdBucketShift) - 1;
    } else {
      break;
    }
    if (last >= watermark_ns_) break;
    cold_keys_ -= it->second;
    cold_by_deadline_.erase(it);
  }
}

void PartitionCorrelator::Evict(state::StateDelta* delta) {
  if (store_ == nullptr || opts_.max_keys_in_memory <= 0) return;
  size_t max = static_cast<size_t>(opts_.max_keys_in_memory);
  if (map_.size() <= max) return;
  // CLOCK: a key touched since the hand last passed gets a second chance. Evict down to 90%
  // so that evictions come in batches, not one per new key.
  size_t target = max - max / 10;
  while (map_.size() > target) {
    if (clock_hand_ >= slot_count_) clock_hand_ = 0;
    uint32_t slot = clock_hand_++;
    KeyState& ks = Slot(slot);
    if (!(ks.flags & KeyState::kLive)) continue;
    if (ks.flags & KeyState::kRef) {
      ks.flags &= static_cast<uint8_t>(~KeyState::kRef);
      continue;
    }
    int64_t d = Deadline(ks);
    // The key gets its own record (in this batch's delta); until the runtime reports the
    // delta committed it is also served from memory.
    state::StateDelta::Op& op = delta->Add(state::Cf::kCorrelation, false);
    AppendStoreKey(ks.fp, &op.key);
    state::AppendExpiringHeader(&op.value, d);
    EncodeKeyTo(ks, d, &op.value);
    evicting_[ks.fp] = {op.value, epoch_};
    ColdAdd(d);
    ++stats_.evictions;
    Drop(slot, false);
  }
}

KeyState* PartitionCorrelator::Find(const Fp& fp, bool fault_in) {
  auto it = map_.find(fp);
  if (it != map_.end()) return &Slot(it->second);
  if (!fault_in) return nullptr;
  uint32_t slot = FaultIn(fp);
  if (slot == kNoSlot) return nullptr;
  map_.emplace(fp, slot);
  return &Slot(slot);
}

uint32_t PartitionCorrelator::FaultIn(const Fp& fp) {
  if (cold_keys_ == 0) return kNoSlot;
  std::string value;
  auto ev = evicting_.find(fp);
  if (ev != evicting_.end()) {
    value = std::move(ev->second.first);
    evicting_.erase(ev);
  } else if (faulted_.contains(fp)) {
    ++stats_.fault_misses;  // read back earlier; its record's delete is not committed yet
    return kNoSlot;
  } else if (store_ != nullptr) {
    auto r = store_->Get(state::Cf::kCorrelation, KeyStoreKey(fp));
    if (!r.ok()) {
      ++stats_.fault_misses;
      return kNoSlot;
    }
    value = std::move(*r);
  } else {
    return kNoSlot;
  }
  int64_t deadline;
  std::string_view payload;
  if (!state::ParseExpiringValue(value, &deadline, &payload)) {
    KZ_LOG(kWarn, "correlate.corrupt_key").Kv("partition", partition_);
    return kNoSlot;
  }
  ColdRemove(deadline);
  uint32_t slot = NewSlot(fp, 0);
  KeyState& ks = Slot(slot);
  std::string incident_id;
  auto give_up = [&]() {
    ks.Reset();
    ++ks.gen;
    free_slots_.push_back(slot);
    return kNoSlot;
  };
  // The key's record goes; its state is logged with this batch (marked dirty below).
  cold_deletes_.push_back(fp);
  faulted_[fp] = epoch_;
  if (!DecodeKey(payload, deadline, &ks, &incident_id)) {
    KZ_LOG(kWarn, "correlate.corrupt_key").Kv("partition", partition_);
    return give_up();
  }
  // Past its deadline the state is the same as none, except pending absence triggers: their
  // timer is firing right now (the watermark just passed it) and needs them.
  bool pending_triggers = ks.type == static_cast<uint8_t>(ConditionType::kAbsence) && ks.n > 0;
  if (deadline < watermark_ns_ && !pending_triggers) return give_up();
  if (!incident_id.empty()) {
    auto inc = incidents_.find(incident_id);
    if (inc != incidents_.end() && inc->second->key == fp) ks.incident = inc->second.get();
  }
  if (ks.extra && ks.type == static_cast<uint8_t>(ConditionType::kAbsence) && ks.n > 0) {
    Proto p;
    if (DecodeProto(ks.extra->desc, &p)) ks.extra->timer_ns = SatAdd(ks[0].t, p.window_ns);
  }
  QueueExpiry(ks);
  MarkDirty(ks);
  ++stats_.faults;
  return slot;
}

// ---- encoding --------------------------------------------------------------------------

size_t PartitionCorrelator::MaxKeyBytes(const KeyState& ks) {
  size_t incident = ks.incident != nullptr ? ks.incident->inc.id.size() : 0;
  return 3 + 10 + 10 + 10 + incident + 3 + size_t{ks.n} * 30;
}

namespace {
// Wrapping difference as a zigzag varint value: exact for any pair of times (kNoTime
// included), small for the usual ones (the key's times sit within a window of its deadline).
inline uint64_t ZigzagDelta(int64_t v, int64_t base) {
  int64_t d = static_cast<int64_t>(static_cast<uint64_t>(v) - static_cast<uint64_t>(base));
  return (static_cast<uint64_t>(d) << 1) ^ static_cast<uint64_t>(d >> 63);
}
inline int64_t UnZigzagDelta(uint64_t z, int64_t base) {
  uint64_t d = (z >> 1) ^ (0 - (z & 1));
  return static_cast<int64_t>(static_cast<uint64_t>(base) + d);
}
// Hit codes keep their four flag bits on top; rotated to the bottom they encode in one or two
// varint bytes instead of five.
inline uint32_t RotateHits(uint32_t h) { return (h << 4) | (h >> 28); }
inline uint32_t UnrotateHits(uint32_t h) { return (h >> 4) | (h << 28); }
}  // namespace

uint8_t* PartitionCorrelator::EncodeKeyRaw(const KeyState& ks, int64_t deadline, uint8_t* p) {
  // Hot in every batch's flush: the fixed part and the events are written through a raw
  // pointer into space reserved for their largest encoding (MaxKeyBytes). The extras (rare)
  // are appended by the caller. Times are written relative to `deadline` (the entry's
  // envelope carries it), so the usual key costs one byte for its expiry and a few per event.
  std::string_view incident =
      ks.incident != nullptr ? std::string_view(ks.incident->inc.id) : std::string_view();
  auto varint = [&p](uint64_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<uint8_t>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<uint8_t>(v);
  };
  *p++ = kKeyFormat;
  *p++ = ks.type;
  uint8_t flags = (ks.suppress_until_ns != kNoTime ? kKeyHasSuppress : 0) |
                  (!incident.empty() ? kKeyHasIncident : 0) | (ks.extra ? kKeyHasExtra : 0);
  *p++ = flags;
  varint(ZigzagDelta(ks.expires_ns, deadline));
  if (flags & kKeyHasSuppress) varint(ZigzagDelta(ks.suppress_until_ns, deadline));
  if (flags & kKeyHasIncident) {
    varint(incident.size());
    std::memcpy(p, incident.data(), incident.size());
    p += incident.size();
  }
  varint(ks.n);
  int64_t prev = deadline;
  for (size_t i = 0; i < ks.n; ++i) {
    const Ev& v = ks[i];
    varint(ZigzagDelta(v.t, prev));
    prev = v.t;
    varint(v.pos);
    varint(RotateHits(v.hits));
    if (v.hits & Ev::kPeerV4) {  // four bytes, little-endian
      for (int b = 0; b < 4; ++b) *p++ = static_cast<uint8_t>(v.peer >> (8 * b));
    } else {
      varint(v.peer);
    }
  }
  return p;
}

void PartitionCorrelator::AppendExtra(const KeyState& ks, std::string* out) {
  if (!ks.extra) return;
  state::Encoder e(out);
  e.Varint(ks.extra->vals.size());
  for (uint64_t v : ks.extra->vals) e.Fixed64BE(v);
  e.Str(ks.extra->desc);
}

void PartitionCorrelator::EncodeKeyTo(const KeyState& ks, int64_t deadline,
                                      std::string* out) {
  size_t base = out->size();
  out->resize(base + MaxKeyBytes(ks));
  uint8_t* begin = reinterpret_cast<uint8_t*>(out->data());
  out->resize(static_cast<size_t>(EncodeKeyRaw(ks, deadline, begin + base) - begin));
  AppendExtra(ks, out);
}

bool PartitionCorrelator::DecodeKey(std::string_view v, int64_t deadline, KeyState* ks,
                                    std::string* incident_id) {
  state::Decoder d(v);
  uint8_t fmt, type, has_extra;
  uint64_t n;
  if (!d.U8(&fmt) || (fmt != kKeyFormat && fmt != kKeyFormatV2) || !d.U8(&type)) return false;
  ks->type = type;
  if (fmt == kKeyFormatV2) {
    if (!d.SignedVarint(&ks->expires_ns) || !d.SignedVarint(&ks->suppress_until_ns) ||
        !d.Str(incident_id) || !d.Varint(&n) || n > 65535) {
      return false;
    }
    ks->Resize(n);
    uint64_t prev = 0;
    for (size_t i = 0; i < n; ++i) {
      int64_t dt;
      uint64_t pos, hits, peer;
      if (!d.SignedVarint(&dt) || !d.Varint(&pos) || !d.Varint(&hits) || !d.Varint(&peer)) {
        return false;
      }
      prev += static_cast<uint64_t>(dt);
      Ev& ev = (*ks)[i];
      ev.t = static_cast<int64_t>(prev);
      ev.pos = pos;
      ev.hits = static_cast<uint32_t>(hits);
      ev.peer = static_cast<uint32_t>(peer);
    }
    if (!d.U8(&has_extra)) return false;
  } else {
    uint8_t flags;
    uint64_t z;
    if (!d.U8(&flags) || !d.Varint(&z)) return false;
    ks->expires_ns = UnZigzagDelta(z, deadline);
    ks->suppress_until_ns = kNoTime;
    if (flags & kKeyHasSuppress) {
      if (!d.Varint(&z)) return false;
      ks->suppress_until_ns = UnZigzagDelta(z, deadline);
    }
    incident_id->clear();
    if ((flags & kKeyHasIncident) && !d.Str(incident_id)) return false;
    if (!d.Varint(&n) || n > 65535) return false;
    ks->Resize(n);
    int64_t prev = deadline;
    for (size_t i = 0; i < n; ++i) {
      uint64_t pos, hits, peer;
      if (!d.Varint(&z) || !d.Varint(&pos) || !d.Varint(&hits) || hits > UINT32_MAX) {
        return false;
      }
      Ev& ev = (*ks)[i];
      ev.t = UnZigzagDelta(z, prev);
      prev = ev.t;
      ev.pos = pos;
      ev.hits = UnrotateHits(static_cast<uint32_t>(hits));
      if (ev.hits & Ev::kPeerV4) {
        ev.peer = 0;
        for (int b = 0; b < 4; ++b) {
          uint8_t x;
          if (!d.U8(&x)) return false;
          ev.peer |= static_cast<uint32_t>(x) << (8 * b);
        }
      } else {
        if (!d.Varint(&peer)) return false;
        ev.peer = static_cast<uint32_t>(peer);
      }
    }
    has_extra = (flags & kKeyHasExtra) != 0;
  }
  if (has_extra) {
    ks->extra = std::make_unique<KeyExtra>();
    if (!d.Varint(&n) || n > 65535) return false;
    ks->extra->vals.resize(n);
    for (auto& x : ks->extra->vals) {
      if (!d.Fixed64BE(&x)) return false;
    }
    if (!d.Str(&ks->extra->desc)) return false;
  }
  return d.done();
}

std::string PartitionCorrelator::EncodeProto(const Proto& p) {
  std::string out;
  state::Encoder e(&out);
  e.Str(p.operator_id);
  e.U8(static_cast<uint8_t>(p.target_kind));
  e.Str(p.target_id);
  e.Varint(p.group_values.size());
  for (const auto& g : p.group_values) e.Str(g);
  e.Str(p.rule_id);
  e.Str(p.rule_title);
  e.SignedVarint(p.suppress_ns);
  e.SignedVarint(p.quiet_ns);
  e.SignedVarint(p.window_ns);
  return out;
}

bool PartitionCorrelator::DecodeProto(std::string_view in, Proto* p) {
  state::Decoder d(in);
  uint8_t tk;
  uint64_t n;
  if (!d.Str(&p->operator_id) || !d.U8(&tk) || !d.Str(&p->target_id) || !d.Varint(&n) ||
      n > 64) {
    return false;
  }
  p->target_kind = static_cast<TargetKind>(tk);
  p->group_values.resize(n);
  for (auto& g : p->group_values) {
    if (!d.Str(&g)) return false;
  }
  return d.Str(&p->rule_id) && d.Str(&p->rule_title) && d.SignedVarint(&p->suppress_ns) &&
         d.SignedVarint(&p->quiet_ns) && d.SignedVarint(&p->window_ns) && d.done();
}

// ---- load / flush ----------------------------------------------------------------------

absl::Status PartitionCorrelator::Load(const state::StateStore& store) {
  store_ = &store;
  absl::Status st = dict_.Load(store, prefix_);
  if (!st.ok()) return st;
  auto wm = store.Get(state::Cf::kCorrelation, prefix_ + kWatermarkTag);
  if (wm.ok()) {
    state::Decoder d(*wm);
    if (!d.SignedVarint(&max_event_ns_) || !d.SignedVarint(&watermark_ns_)) {
      return absl::DataLossError(StrCat("corrupt watermark record, partition ", partition_));
    }
  } else if (!absl::IsNotFound(wm.status())) {
    return wm.status();
  }
  st = store.Scan(state::Cf::kIncidents, prefix_ + kOpenTag,
                  [&](std::string_view, std::string_view v) {
                    auto rec = std::make_unique<IncidentRec>();
                    if (!rec->inc.Decode(v)) {
                      return absl::DataLossError(
                          StrCat("corrupt incident record, partition ", partition_));
                    }
                    rec->id128 = IdBits(rec->inc.id);
                    std::string id = rec->inc.id;
                    IncidentRec* r = rec.get();
                    incidents_.emplace(id, std::move(rec));
                    SetCloseTimer(*r, r->inc.close_at_ns);
                    return absl::OkStatus();
                  });
  if (!st.ok()) return st;
  // Evicted keys first: they stay cold, and older copies of them in the checkpoint or logs
  // are ignored.
  absl::flat_hash_set<Fp> cold;
  std::string key_prefix = prefix_ + kKeyTag;
  st = store.Scan(state::Cf::kCorrelation, key_prefix, [&](std::string_view k,
                                                           std::string_view v) {
    if (k.size() != key_prefix.size() + 16) {
      return absl::DataLossError(StrCat("corrupt correlation key, partition ", partition_));
    }
    Fp fp = ReadFp(k.substr(key_prefix.size()));
    int64_t deadline;
    std::string_view payload;
    if (!state::ParseExpiringValue(v, &deadline, &payload)) {
      return absl::DataLossError(StrCat("corrupt correlation value, partition ", partition_));
    }
    KeyState tmp;
    std::string incident_id;
    if (!DecodeKey(payload, deadline, &tmp, &incident_id)) {
      return absl::DataLossError(StrCat("corrupt correlation state, partition ", partition_));
    }
    bool pending = tmp.type == static_cast<uint8_t>(ConditionType::kAbsence) && tmp.n > 0;
    if (deadline < watermark_ns_ && !pending) {
      cold_deletes_.push_back(fp);  // expired while it was cold
      return absl::OkStatus();
    }
    cold.insert(fp);
    ColdAdd(deadline);
    if (!incident_id.empty()) {
      auto inc = incidents_.find(incident_id);
      if (inc != incidents_.end()) inc->second->key = fp;
    }
    if (pending && tmp.extra) {
      Proto p;
      if (DecodeProto(tmp.extra->desc, &p)) {
        absence_timers_ += timers_.insert(Timer{SatAdd(tmp[0].t, p.window_ns), TimerKind::kAbsence, fp}).second;
      }
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  // The checkpoint and the logs since, in order.
  auto apply_record = [&](std::string_view v) -> absl::Status {
    while (!v.empty()) {
      if (v.size() < 17) return absl::DataLossError("corrupt write-behind record");
      Fp fp = ReadFp(v.substr(0, 16));
      std::string_view rest = v.substr(16);
      size_t head = 0;
      uint64_t len = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (head >= rest.size()) return absl::DataLossError("corrupt write-behind record");
        uint8_t b = static_cast<uint8_t>(rest[head++]);
        len |= static_cast<uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
      }
      if (head + len > rest.size()) return absl::DataLossError("corrupt write-behind record");
      if (!cold.contains(fp)) {
        absl::Status a = ApplyLoaded(fp, rest.substr(head, len));
        if (!a.ok()) return a;
      }
      v = rest.substr(head + len);
    }
    return absl::OkStatus();
  };
  auto marker = store.Get(state::Cf::kCorrelation, prefix_ + kMarkerTag);
  if (marker.ok()) {
    state::Decoder d(*marker);
    if (!d.Varint(&ckpt_gen_) || !d.Varint(&next_seq_)) {
      return absl::DataLossError(StrCat("corrupt checkpoint marker, partition ", partition_));
    }
  } else if (!absl::IsNotFound(marker.status())) {
    return marker.status();
  }
  if (ckpt_gen_ > 0) {
    std::string ck = prefix_ + kCheckpointTag;
    for (int i = 7; i >= 0; --i) ck.push_back(static_cast<char>(ckpt_gen_ >> (8 * i)));
    st = store.Scan(state::Cf::kCorrelation, ck, [&](std::string_view k, std::string_view v) {
      ckpt_keys_.emplace_back(k);
      return apply_record(v);
    });
    if (!st.ok()) return st;
  }
  st = store.Scan(state::Cf::kCorrelation, prefix_ + kLogTag,
                  [&](std::string_view k, std::string_view v) {
                    log_keys_.emplace_back(k);
                    log_bytes_ += v.size();
                    return apply_record(v);
                  });
  if (!st.ok()) return st;
  // What the loaded keys imply: expiry filing, incident links, absence timers.
  for (const auto& [fp, slot] : map_) {
    KeyState& ks = Slot(slot);
    ks.flags = KeyState::kLive;
    QueueExpiry(ks);
    if (ks.type == static_cast<uint8_t>(ConditionType::kAbsence) && ks.extra && ks.n > 0) {
      Proto p;
      if (DecodeProto(ks.extra->desc, &p)) {
        ks.extra->timer_ns = SatAdd(ks[0].t, p.window_ns);
        absence_timers_ += timers_.insert(Timer{ks.extra->timer_ns, TimerKind::kAbsence, fp}).second;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status PartitionCorrelator::ApplyLoaded(const Fp& fp, std::string_view value) {
  auto it = map_.find(fp);
  if (it != map_.end()) {  // an older version (checkpoint or earlier log): replaced
    Drop(it->second, false);
  }
  if (value.empty()) return absl::OkStatus();  // dropped
  int64_t deadline;
  std::string_view payload;
  if (!state::ParseExpiringValue(value, &deadline, &payload)) {
    return absl::DataLossError(StrCat("corrupt correlation value, partition ", partition_));
  }
  KeyState& ks = Create(fp, 0);
  std::string incident_id;
  if (!DecodeKey(payload, deadline, &ks, &incident_id)) {
    return absl::DataLossError(StrCat("corrupt correlation state, partition ", partition_));
  }
  bool pending = ks.type == static_cast<uint8_t>(ConditionType::kAbsence) && ks.n > 0;
  if (deadline < watermark_ns_ && !pending) {  // expired while we were down
    Drop(ks.slot, false);
    deleted_keys_.push_back(fp);
    return absl::OkStatus();
  }
  if (!incident_id.empty()) {
    auto inc = incidents_.find(incident_id);
    if (inc != incidents_.end()) {
      ks.incident = inc->second.get();
      inc->second->key = fp;
    }
  }
  return absl::OkStatus();
}

void PartitionCorrelator::AppendEntry(const Fp& fp, const KeyState* ks, std::string* out) const {
  // fingerprint (16), length (a varint, 0 = dropped: two bytes, or three for the rare key
  // whose encoding may reach 16 KiB, written before the length is known), then the expiring
  // key state — written in one pass through a raw pointer.
  size_t base = out->size();
  size_t bound = ks != nullptr ? 9 + MaxKeyBytes(*ks) : 0;
  if (ks != nullptr && ks->extra) {
    bound += 20 + ks->extra->vals.size() * 8 + ks->extra->desc.size();
  }
  const size_t len_bytes = bound < (size_t{1} << 14) ? 2 : 3;
  out->resize(base + 16 + len_bytes + bound);
  uint8_t* begin = reinterpret_cast<uint8_t*>(out->data());
  uint8_t* p = begin + base;
  for (int i = 0; i < 8; ++i) {
    p[i] = static_cast<uint8_t>(fp.hi >> (56 - 8 * i));
    p[8 + i] = static_cast<uint8_t>(fp.lo >> (56 - 8 * i));
  }
  p += 16;
  if (ks == nullptr) {
    *p++ = 0;  // dropped
    out->resize(static_cast<size_t>(p - begin));
    return;
  }
  uint8_t* len_at = p;
  p += len_bytes;
  uint8_t* start = p;
  // The expiring envelope (state::AppendExpiringHeader's bytes).
  int64_t deadline = Deadline(*ks);
  *p++ = static_cast<uint8_t>(state::kExpiringTag);
  for (int i = 7; i >= 0; --i) *p++ = static_cast<uint8_t>(static_cast<uint64_t>(deadline) >> (i * 8));
  p = EncodeKeyRaw(*ks, deadline, p);
  size_t len_pos = static_cast<size_t>(len_at - begin);
  size_t start_pos = static_cast<size_t>(start - begin);
  out->resize(static_cast<size_t>(p - begin));
  AppendExtra(*ks, out);
  size_t n = out->size() - start_pos;
  if (len_bytes == 2) {
    (*out)[len_pos] = static_cast<char>(0x80 | (n & 0x7f));
    (*out)[len_pos + 1] = static_cast<char>((n >> 7) & 0x7f);
  } else {
    (*out)[len_pos] = static_cast<char>(0x80 | (n & 0x7f));
    (*out)[len_pos + 1] = static_cast<char>(0x80 | ((n >> 7) & 0x7f));
    (*out)[len_pos + 2] = static_cast<char>((n >> 14) & 0x7f);
  }
}

namespace {

// Appends write-behind entries straight into the values of chunked records (keyed
// partition | tag | major | part) of at most kChunkBytes each — an entry never straddles
// two: one that overflows a chunk moves to the next. No intermediate body, no copy.
class ChunkWriter {
 public:
  ChunkWriter(const std::string& prefix, char tag, uint64_t major, size_t expected_bytes,
              state::StateDelta* delta, std::vector<std::string>* keys)
      : prefix_(prefix), tag_(tag), major_(major), expected_(expected_bytes), delta_(delta),
        keys_(keys) {}
  // The value the next entry is appended to.
  std::string* out() {
    if (op_ == nullptr) Open();
    return &op_->value;
  }
  // After appending an entry that started at `start` of out().
  void Appended(size_t start) {
    if (op_->value.size() <= kChunkBytes || start == 0) return;
    tail_.assign(op_->value, start);
    op_->value.resize(start);
    Open();
    op_->value.append(tail_);
  }
  uint64_t bytes() const { return bytes_ + (op_ != nullptr ? op_->value.size() : 0); }

 private:
  void Open() {
    if (op_ != nullptr) bytes_ += op_->value.size();
    // Only this writer adds to the delta while it is alive: op_ stays valid until this Add.
    op_ = &delta_->Add(state::Cf::kCorrelation, false);
    op_->key.append(prefix_);
    op_->key.push_back(tag_);
    for (int i = 7; i >= 0; --i) op_->key.push_back(static_cast<char>(major_ >> (8 * i)));
    for (int i = 3; i >= 0; --i) op_->key.push_back(static_cast<char>(part_ >> (8 * i)));
    op_->value.reserve(std::min(expected_ + 4096, kChunkBytes + 4096));
    expected_ = expected_ > kChunkBytes ? expected_ - kChunkBytes : 0;
    if (keys_ != nullptr) keys_->push_back(op_->key);
    ++part_;
  }
  const std::string& prefix_;
  char tag_;
  uint64_t major_;
  size_t expected_;
  state::StateDelta* delta_;
  std::vector<std::string>* keys_;
  state::StateDelta::Op* op_ = nullptr;
  uint32_t part_ = 0;
  uint64_t bytes_ = 0;
  std::string tail_;
};

}  // namespace

// Write-behind. Instead of one RocksDB record per changed key (a random memtable insert
// each — the cost that bounds throughput), the batch's changed keys go into one log record
// (chunked), written with the batch's positions. When the log since the last checkpoint
// outgrows the in-memory state, a checkpoint of every in-memory key replaces it (same
// WriteBatch: new chunks, deletes of the old chunks and logs, the marker). Evicted keys have
// a record of their own, written when evicted and deleted when read back. Load: evicted
// keys' records, then the checkpoint, then the logs in order (skipping evicted keys).
void PartitionCorrelator::Flush(state::StateDelta* delta) {
  dict_.Flush(prefix_, delta);
  std::sort(cold_deletes_.begin(), cold_deletes_.end());
  cold_deletes_.erase(std::unique(cold_deletes_.begin(), cold_deletes_.end()), cold_deletes_.end());
  for (const Fp& fp : cold_deletes_) AppendStoreKey(fp, &delta->Add(state::Cf::kCorrelation, true).key);
  cold_deletes_.clear();
  // Dropped keys (tombstones) in key order; changed keys in the order the batch first
  // changed them (dirty_slots_: event order, so the record is the same for the same
  // processing). No sort of the changed keys and one pass over their slots, with lookahead.
  std::sort(deleted_keys_.begin(), deleted_keys_.end());
  deleted_keys_.erase(std::unique(deleted_keys_.begin(), deleted_keys_.end()),
                      deleted_keys_.end());
  if (!dirty_slots_.empty() || !deleted_keys_.empty()) {
    // Checkpoint once the log is twice the in-memory state (rough size: ~96 bytes a key):
    // the checkpoint's cost, a pass over every key, is then amortised over as many logged
    // key changes as there are keys, twice.
    uint64_t state_bytes = map_.size() * 96;
    uint64_t threshold = std::max<uint64_t>(static_cast<uint64_t>(opts_.checkpoint_min_bytes),
                                            2 * state_bytes);
    if (log_bytes_ + dirty_slots_.size() * 64 < threshold) {
      // A log record: tombstones of dropped keys, then the changed keys.
      ChunkWriter w(prefix_, kLogTag, next_seq_++, (deleted_keys_.size() + dirty_slots_.size()) * 96,
                    delta, &log_keys_);
      for (const Fp& fp : deleted_keys_) {
        if (map_.contains(fp)) continue;
        std::string* out = w.out();
        size_t start = out->size();
        AppendEntry(fp, nullptr, out);
        w.Appended(start);
      }
      const size_t n = dirty_slots_.size();
      for (size_t i = 0; i < n; ++i) {
        if (i + 8 < n) Prefetch(&Slot(dirty_slots_[i + 8]));
        KeyState& ks = Slot(dirty_slots_[i]);
        // A slot may be listed twice (its key dropped and the slot reused in the batch):
        // the flag makes the first listing the only one.
        if (!(ks.flags & KeyState::kLive) || !(ks.flags & KeyState::kDirty)) continue;
        ks.flags &= static_cast<uint8_t>(~KeyState::kDirty);
        std::string* out = w.out();
        size_t start = out->size();
        AppendEntry(ks.fp, &ks, out);
        w.Appended(start);
      }
      log_bytes_ += w.bytes();
      ++stats_.log_records;
    } else {
      // A checkpoint: every in-memory key, in slot order (a sequential pass over the slot
      // chunks); then the old checkpoint and logs go.
      for (const auto& k : ckpt_keys_) delta->Add(state::Cf::kCorrelation, true).key = k;
      for (const auto& k : log_keys_) delta->Add(state::Cf::kCorrelation, true).key = k;
      ckpt_keys_.clear();
      log_keys_.clear();
      log_bytes_ = 0;
      ++ckpt_gen_;
      ChunkWriter w(prefix_, kCheckpointTag, ckpt_gen_, map_.size() * 96, delta, &ckpt_keys_);
      for (uint32_t slot = 0; slot < slot_count_; ++slot) {
        if (slot + 8 < slot_count_) Prefetch(&Slot(slot + 8));
        KeyState& ks = Slot(slot);
        if (!(ks.flags & KeyState::kLive)) continue;
        ks.flags &= static_cast<uint8_t>(~KeyState::kDirty);
        std::string* out = w.out();
        size_t start = out->size();
        AppendEntry(ks.fp, &ks, out);
        w.Appended(start);
      }
      ++stats_.checkpoints;
    }
    marker_dirty_ = true;
  }
  dirty_slots_.clear();
  deleted_keys_.clear();
  if (marker_dirty_) {
    std::string v;
    state::Encoder e(&v);
    e.Varint(ckpt_gen_);
    e.Varint(next_seq_);
    delta->Put(state::Cf::kCorrelation, prefix_ + kMarkerTag, v);
    marker_dirty_ = false;
  }
  std::sort(dirty_incidents_.begin(), dirty_incidents_.end());
  dirty_incidents_.erase(std::unique(dirty_incidents_.begin(), dirty_incidents_.end()),
                         dirty_incidents_.end());
  for (const auto& id : dirty_incidents_) {
    auto it = incidents_.find(id);
    if (it == incidents_.end() || !it->second->dirty) continue;
    it->second->dirty = false;
    state::StateDelta::Op& op = delta->Add(state::Cf::kIncidents, false);
    op.key.append(prefix_);
    op.key.push_back(kOpenTag);
    op.key.append(id);
    it->second->inc.EncodeTo(&op.value);
  }
  dirty_incidents_.clear();
  for (const auto& inc : closed_) {
    delta->Delete(state::Cf::kIncidents, StrCat(prefix_, std::string_view(&kOpenTag, 1), inc.id));
    delta->Put(state::Cf::kIncidents, StrCat(prefix_, std::string_view(&kClosedTag, 1), inc.id),
               state::ExpiringValue(SatAdd(inc.close_at_ns, opts_.closed_retention_ns),
                                    inc.Encode()));
  }
  // Until the delta is committed the store may not have them: inputs naming them read them here.
  for (auto& inc : closed_) closing_.emplace_back(std::move(inc), epoch_);
  while (closing_.size() > kMaxClosing) closing_.pop_front();
  closed_.clear();
  if (watermark_dirty_) {
    std::string v;
    state::Encoder e(&v);
    e.SignedVarint(max_event_ns_);
    e.SignedVarint(watermark_ns_);
    delta->Put(state::Cf::kCorrelation, prefix_ + kWatermarkTag, v);
    delta->NoteWatermark(partition_, watermark_ns_);
    watermark_dirty_ = false;
  }
  Evict(delta);
}

void PartitionCorrelator::Committed() {
  evicting_.clear();
  faulted_.clear();
  closing_.clear();
}

void PartitionCorrelator::CommittedThrough(uint64_t epoch) {
  absl::erase_if(evicting_, [epoch](const auto& kv) { return kv.second.second <= epoch; });
  absl::erase_if(faulted_, [epoch](const auto& kv) { return kv.second <= epoch; });
  while (!closing_.empty() && closing_.front().second <= epoch) closing_.pop_front();
}

// ---- timers and incidents --------------------------------------------------------------

// Close deadlines only move later while an incident absorbs matches, so the armed timer is
// left in place and re-armed at the incident's current close_at when it fires early (no set
// update per absorbed match). Firing order is unchanged: a stale timer emits nothing.
void PartitionCorrelator::SetCloseTimer(IncidentRec& rec, int64_t deadline) {
  if (rec.timer_ns == deadline) return;
  if (deadline != kNoTime && rec.timer_ns != kNoTime && rec.timer_ns < deadline) return;
  if (rec.timer_ns != kNoTime) timers_.erase(Timer{rec.timer_ns, TimerKind::kClose, rec.id128});
  rec.timer_ns = deadline;
  if (deadline != kNoTime) timers_.insert(Timer{deadline, TimerKind::kClose, rec.id128});
}

void PartitionCorrelator::ScheduleAbsence(KeyState& ks, int64_t window_ns) {
  KeyExtra& x = *ks.extra;
  int64_t want = ks.n > 0 ? SatAdd(ks[0].t, window_ns) : kNoTime;
  if (x.timer_ns == want) return;
  if (x.timer_ns != kNoTime) absence_timers_ -= timers_.erase(Timer{x.timer_ns, TimerKind::kAbsence, ks.fp});
  x.timer_ns = want;
  if (want != kNoTime) absence_timers_ += timers_.insert(Timer{want, TimerKind::kAbsence, ks.fp}).second;
}

void PartitionCorrelator::FireTimers(CorrelateOutput* out) {
  while (!timers_.empty() && timers_.begin()->deadline <= watermark_ns_) {
    Timer t = *timers_.begin();
    timers_.erase(timers_.begin());
    if (t.kind == TimerKind::kAbsence) --absence_timers_;
    if (t.kind == TimerKind::kClose) {
      auto it = incidents_.find(IdHex(t.id));
      if (it == incidents_.end()) continue;
      IncidentRec& rec = *it->second;
      rec.timer_ns = kNoTime;
      if (rec.inc.close_at_ns != t.deadline) {
        // Matches extended it since it was armed: re-arm at the real deadline, which then
        // fires in its own place of the (deadline, kind, id) order.
        SetCloseTimer(rec, rec.inc.close_at_ns);
        continue;
      }
      Close(&rec, out);
    } else {
      KeyState* ks = Find(t.id, true);
      if (ks == nullptr || !ks->extra) continue;
      ks->extra->timer_ns = kNoTime;
      FireAbsence(t.id, out);
    }
  }
}

void PartitionCorrelator::Emit(IncidentRec& rec, const char* change, CorrelateOutput* out) {
  Incident& inc = rec.inc;
  ++inc.revision;
  inc.change = change;
  inc.count_at_revision = inc.event_count;
  out->revisions.push_back(inc);
  if (!rec.dirty) {
    rec.dirty = true;
    dirty_incidents_.push_back(inc.id);
  }
}

bool PartitionCorrelator::Revise(std::string_view id, const char* change, CorrelateOutput* out) {
  auto it = incidents_.find(std::string(id));
  if (it == incidents_.end() || it->second->inc.state != IncidentState::kOpen) return false;
  Emit(*it->second, change, out);
  return true;
}

void PartitionCorrelator::Close(IncidentRec* rec, CorrelateOutput* out) {
  rec->inc.state = IncidentState::kClosed;
  Emit(*rec, "closed", out);
  SetCloseTimer(*rec, kNoTime);
  auto k = map_.find(rec->key);
  if (k != map_.end()) {
    KeyState& ks = Slot(k->second);
    if (ks.incident == rec) {
      ks.incident = nullptr;
      MarkDirty(ks);
    }
  }
  // Closed incidents stay in the store (for `retention`) but leave memory.
  closed_.push_back(std::move(rec->inc));
  incidents_.erase(closed_.back().id);
}

const std::vector<PatternHit>& PartitionCorrelator::HitsOf(uint32_t code) {
  static const std::vector<PatternHit> kNone;
  if (code == 0) return kNone;
  auto entry_hits = [&](uint32_t c) -> const std::vector<PatternHit>& {
    if (c >= hits_cache_.size()) hits_cache_.resize(c + 1);
    auto& h = hits_cache_[c];
    if (h.empty()) {
      PatternHit p;
      if (DecodeHit(dict_.Get(Dictionary::kEntry, c), &p)) h.push_back(std::move(p));
    }
    return h;
  };
  if (!(code & kMultiBit)) return entry_hits(code);
  uint32_t m = code & ~kMultiBit;
  if (m >= multi_cache_.size()) multi_cache_.resize(m + 1);
  auto& codes = multi_cache_[m];
  if (codes.empty()) {
    state::Decoder d(dict_.Get(Dictionary::kMulti, m));
    uint64_t c;
    while (!d.done() && d.Varint(&c)) codes.push_back(static_cast<uint32_t>(c));
  }
  // Multi-hit sets are rare: assemble into a scratch list.
  static thread_local std::vector<PatternHit> assembled;
  assembled.clear();
  for (uint32_t c : codes) {
    const auto& h = entry_hits(c);
    assembled.insert(assembled.end(), h.begin(), h.end());
  }
  return assembled;
}

bool PartitionCorrelator::Absorb(Incident& inc, const Ev& ev) {
  bool material = false;
  ++inc.event_count;
  inc.first_seen_ns = std::min(inc.first_seen_ns, ev.t);
  inc.last_seen_ns = std::max(inc.last_seen_ns, ev.t);
  if (static_cast<int64_t>(inc.evidence.size()) < opts_.max_evidence) {
    inc.evidence.push_back(EvidenceRef{std::string(dict_.Get(Dictionary::kSource, ev.source())),
                                       partition_, ev.offset(), ev.t});
  }
  std::string peer;
  if (ev.hits & Ev::kPeerV4) peer = IpAddr::V4(ev.peer).ToString();
  else if (ev.hits & Ev::kPeerV6) peer = std::string(dict_.Get(Dictionary::kAddr, ev.peer));
  if (!peer.empty()) {
    auto it = std::lower_bound(inc.sources.begin(), inc.sources.end(), peer);
    if (it == inc.sources.end() || *it != peer) {
      if (static_cast<int64_t>(inc.sources.size()) < opts_.max_sources) {
        inc.sources.insert(it, peer);
        ++inc.distinct_sources;
        material = inc.revision > 0;
      } else if (inc.distinct_sources < static_cast<uint32_t>(opts_.max_sources) + 1) {
        // Beyond the bound only "more than max_sources" is known.
        inc.distinct_sources = static_cast<uint32_t>(opts_.max_sources) + 1;
      }
    }
  }
  if ((ev.hits & Ev::kExternal) && !inc.external_source) {
    inc.external_source = true;
    material = material || inc.revision > 0;
  }
  if (ev.hits & Ev::kInternal) inc.internal_source = true;
  for (const auto& h : HitsOf(ev.hit_code())) {
    auto it = std::lower_bound(inc.patterns.begin(), inc.patterns.end(), h,
                               [](const PatternHit& a, const PatternHit& b) {
                                 return std::tie(a.pack_id, a.entry_id) <
                                        std::tie(b.pack_id, b.entry_id);
                               });
    if (it != inc.patterns.end() && it->pack_id == h.pack_id && it->entry_id == h.entry_id) {
      ++it->count;
    } else {
      inc.patterns.insert(it, h);
      material = material || inc.revision > 0;
    }
  }
  return material;
}

bool PartitionCorrelator::TryAbsorb(KeyState& ks, const Ev& ev, int64_t quiet_ns,
                                    CorrelateOutput* out) {
  IncidentRec* rec = ks.incident;
  if (rec == nullptr) return false;
  if (ev.t > rec->inc.close_at_ns) {
    // In event time the incident's quiet period ended before this event.
    Close(rec, out);
    return false;
  }
  if (ev.t > ks.suppress_until_ns) return false;
  Incident& inc = rec->inc;
  bool material = Absorb(inc, ev);
  if (!material && inc.event_count >= 2 * std::max<uint64_t>(inc.count_at_revision, 1)) {
    material = true;  // the count doubled since the last revision
  }
  inc.close_at_ns = std::max(inc.close_at_ns, SatAdd(inc.last_seen_ns, quiet_ns));
  if (material) {
    Emit(*rec, "updated", out);
  } else if (!rec->dirty) {
    rec->dirty = true;
    dirty_incidents_.push_back(inc.id);
  }
  SetCloseTimer(*rec, inc.close_at_ns);
  return true;
}

void PartitionCorrelator::OpenIncident(KeyState& ks, const Proto& proto, const Ev* window,
                                       size_t n, const Ev* extra, size_t nextra,
                                       CorrelateOutput* out) {
  int64_t start = window[0].t;
  IdBuilder idb;
  idb.Add(proto.operator_id).Add(proto.target_id).Add(proto.rule_id);
  for (const auto& g : proto.group_values) idb.Add(g);
  idb.Add(start);
  std::string id = idb.Finish();
  auto existing = incidents_.find(id);
  if (existing != incidents_.end()) {
    // Same key and window start (only after a state reset): continue that incident.
    ks.incident = existing->second.get();
    ks.suppress_until_ns = existing->second->inc.suppress_until_ns;
    for (size_t i = 0; i < n; ++i) TryAbsorb(ks, window[i], proto.quiet_ns, out);
    return;
  }
  auto rec = std::make_unique<IncidentRec>();
  Incident& inc = rec->inc;
  inc.id = id;
  inc.partition = partition_;
  inc.operator_id = proto.operator_id;
  inc.target_kind = proto.target_kind;
  inc.target_id = proto.target_id;
  inc.rule_id = proto.rule_id;
  inc.rule_title = proto.rule_title;
  inc.group_values = proto.group_values;
  inc.window_start_ns = start;
  inc.first_seen_ns = start;
  inc.last_seen_ns = start;
  inc.suppress_until_ns = SatAdd(start, proto.suppress_ns);
  for (size_t i = 0; i < n; ++i) Absorb(inc, window[i]);
  for (size_t i = 0; i < nextra; ++i) Absorb(inc, extra[i]);
  inc.close_at_ns = SatAdd(inc.last_seen_ns, proto.quiet_ns);
  rec->key = ks.fp;
  rec->id128 = IdBits(id);
  IncidentRec* r = rec.get();
  incidents_.emplace(id, std::move(rec));
  Emit(*r, "opened", out);
  SetCloseTimer(*r, inc.close_at_ns);
  ks.incident = r;
  ks.suppress_until_ns = inc.suppress_until_ns;
  MarkDirty(ks);
}

// ---- the event path --------------------------------------------------------------------

uint32_t PartitionCorrelator::EntryCode(uint32_t entry, const patterns::PatternSet& patterns) {
  uint32_t& c = entry_code_[entry];
  if (c == 0) c = dict_.Intern(Dictionary::kEntry, EncodeHit(patterns.entries()[entry]));
  return c;
}

uint32_t PartitionCorrelator::HitsCode(const Cand* cands, size_t n,
                                       const patterns::PatternSet& patterns) {
  uint32_t first = 0;
  uint32_t codes[16];
  size_t nc = 0;
  for (size_t i = 0; i < n; ++i) {
    if (cands[i].entry == kNone) continue;
    uint32_t c = EntryCode(cands[i].entry, patterns);
    if (c == 0) continue;
    if (nc == 0) first = c;
    bool dup = false;
    for (size_t k = 0; k < nc; ++k) dup = dup || codes[k] == c;
    if (!dup && nc < 16) codes[nc++] = c;
  }
  if (nc <= 1) return first;
  std::sort(codes, codes + nc);
  std::string key;
  state::Encoder e(&key);
  for (size_t k = 0; k < nc; ++k) e.Varint(codes[k]);
  uint32_t m = dict_.Intern(Dictionary::kMulti, key);
  return m == 0 ? first : (m | kMultiBit);
}

Ev PartitionCorrelator::MakeEv(const Event& e, uint32_t hits) {
  Ev ev;
  ev.t = e.event_time_ns;
  uint16_t src = 0;
  if (e.pos.source < source_codes_.size()) src = source_codes_[e.pos.source];
  uint64_t off = e.pos.offset < 0 ? 0 : static_cast<uint64_t>(e.pos.offset);
  if (off > Ev::kOffsetMask) off = Ev::kOffsetMask;
  ev.pos = off | (static_cast<uint64_t>(src) << 48);
  ev.hits = hits & Ev::kHitsMask;
  const IpAddr& peer = e.dst_is_target ? e.src : e.dst;
  if (peer.valid) {
    ev.hits |= e.src_internal ? Ev::kInternal : Ev::kExternal;
    if (peer.is_v4()) {
      ev.peer = static_cast<uint32_t>(peer.bytes[12]) << 24 |
                static_cast<uint32_t>(peer.bytes[13]) << 16 |
                static_cast<uint32_t>(peer.bytes[14]) << 8 | peer.bytes[15];
      ev.hits |= Ev::kPeerV4;
    } else {
      uint32_t code = dict_.Intern(Dictionary::kAddr, peer.ToString());
      if (code != 0) {
        ev.peer = code;
        ev.hits |= Ev::kPeerV6;
      } else {
        ++stats_.peers_not_interned;
      }
    }
  }
  return ev;
}

Fp PartitionCorrelator::KeyOf(const CompiledRule& cr, const Event& e,
                              const registry::Registry& reg) const {
  KeyHasher h(cr.seed_hi, cr.seed_lo);
  h.Add(e.operator_id);
  if (e.target_kind == TargetKind::kCriticalSystem && e.target_ref < reg.systems().size()) {
    h.Add(uint64_t{1}).Add(reg.systems()[e.target_ref].id);
  } else if (e.target_kind == TargetKind::kNonCriticalAsset &&
             e.target_ref < reg.assets().size()) {
    h.Add(uint64_t{2}).Add(reg.assets()[e.target_ref].id);
  } else {
    const IpAddr& t = e.dst_is_target ? e.dst : e.src;
    if (t.valid) h.Add(uint64_t{3}).Add(t.hi()).Add(t.lo());
    else h.Add(uint64_t{4}).Add(e.host);
  }
  std::string scratch;
  for (const auto& g : cr.rule.group_by) {
    if (g.is_ip()) {
      const IpAddr& a = FieldIp(g, e);
      h.Add(uint64_t{a.valid}).Add(a.hi()).Add(a.lo());
    } else if (g.is_number()) {
      h.Add(static_cast<uint64_t>(FieldNumber(g, e)));
    } else {
      h.Add(FieldText(g, e, reg, &scratch));
    }
  }
  return h.Finish();
}

PartitionCorrelator::Proto PartitionCorrelator::MakeProto(const Rule& rule, const Event& e,
                                                          const registry::Registry& reg) const {
  Proto p;
  p.operator_id = std::string(e.operator_id);
  p.target_kind = e.target_kind;
  FieldRef target;
  target.kind = FieldKind::kTarget;
  std::string scratch;
  p.target_id = std::string(FieldText(target, e, reg, &scratch));
  for (const auto& g : rule.group_by) p.group_values.emplace_back(FieldText(g, e, reg, &scratch));
  p.rule_id = rule.id;
  p.rule_title = rule.title;
  p.suppress_ns = rule.suppress_ns;
  p.quiet_ns = rule.quiet_ns;
  p.window_ns = rule.condition.window_ns;
  return p;
}

void PartitionCorrelator::Process(const Batch& batch, const Rulebook& rules,
                                  const patterns::PatternSet& patterns,
                                  const registry::Registry& reg, CorrelateOutput* out) {
  if (patterns.serial() != patterns_serial_ || entry_code_.size() != patterns.entries().size()) {
    entry_code_.assign(patterns.entries().size(), 0);
    patterns_serial_ = patterns.serial();
  }
  source_codes_.resize(batch.sources.size());
  for (size_t s = 0; s < batch.sources.size(); ++s) {
    source_codes_[s] = static_cast<uint16_t>(dict_.Intern(Dictionary::kSource, batch.sources[s]));
  }
  const auto& unindexed = rules.unindexed();
  // Memory-level parallelism: with a million keys every lookup misses the cache. A few
  // events ahead, compute the key of the event's first candidate rule and prefetch its
  // hash-table group; a little closer, probe it and prefetch the key's state. (A guess: the
  // real work below recomputes everything; a wrong guess only wastes a prefetch.)
  const uint32_t n = static_cast<uint32_t>(batch.events.size());
  constexpr uint32_t kFar = 12, kNear = 4;
  plan_.resize(n);
  auto plan = [&](uint32_t j) {
    const Event& x = batch.events[j];
    const RuleRef* ref = nullptr;
    if (batch.match_count(j) > 0) {
      const auto& refs = rules.rules_for_entry(batch.event_matches(j)[0].entry);
      if (!refs.empty()) ref = &refs[0];
    }
    // (Unindexed rules are not planned: their predicates reject most events, and hashing
    // every event's key just to prefetch would cost more than it saves.)
    plan_[j].valid = ref != nullptr;
    if (ref == nullptr) return;
    plan_[j].rule = ref->rule;
    plan_[j].fp = KeyOf(rules.compiled()[ref->rule], x, reg);
    map_.prefetch(plan_[j].fp);
  };
  for (uint32_t j = 0; j < std::min(n, kFar); ++j) plan(j);
  for (uint32_t i = 0; i < n; ++i) {
    if (i + kFar < n) plan(i + kFar);
    if (i + kNear < n && plan_[i + kNear].valid) {
      auto it = map_.find(plan_[i + kNear].fp);
      if (it != map_.end()) Prefetch(&Slot(it->second));
    }
    const Event& e = batch.events[i];
    if (e.kind == EventKind::kOperatorInput || e.kind == EventKind::kAnalystAction) {
      ApplyInput(e, i, batch, reg, out);
      continue;
    }
    int64_t t = e.event_time_ns;
    if (e.ingest_time_ns > 0 && t > e.ingest_time_ns + opts_.max_future_skew_ns) {
      out->future.push_back(i);
      ++stats_.future;
      continue;
    }
    if (watermark_ns_ != INT64_MIN && t < watermark_ns_) {
      out->late.push_back(i);
      ++stats_.late;
      continue;
    }
    last_ingest_ns_ = std::max(last_ingest_ns_, e.ingest_time_ns);
    ++stats_.events;
    if (t > max_event_ns_) {
      max_event_ns_ = t;
      watermark_dirty_ = true;
      int64_t wm = t - opts_.allowed_lateness_ns;
      if (wm > watermark_ns_) {
        watermark_ns_ = wm;
        // Timers due before this event fire first: they happened earlier in event time.
        FireTimers(out);
      }
    }
    cands_.clear();
    size_t nm = batch.match_count(i);
    if (nm > 0) {
      const Match* m = batch.event_matches(i);
      for (size_t k = 0; k < nm; ++k) {
        for (const RuleRef& ref : rules.rules_for_entry(m[k].entry)) {
          cands_.push_back(Cand{ref.rule, ref.steps, m[k].entry});
        }
      }
    }
    for (const RuleRef& ref : unindexed) cands_.push_back(Cand{ref.rule, ref.steps, kNone});
    if (cands_.empty()) continue;
    if (cands_.size() > 1) {
      std::sort(cands_.begin(), cands_.end(), [](const Cand& a, const Cand& b) {
        return a.rule != b.rule ? a.rule < b.rule : a.entry < b.entry;
      });
    }
    for (size_t b = 0; b < cands_.size();) {
      size_t end = b + 1;
      uint32_t steps = cands_[b].steps;
      while (end < cands_.size() && cands_[end].rule == cands_[b].rule) steps |= cands_[end++].steps;
      const Fp* known = plan_[i].valid && plan_[i].rule == cands_[b].rule ? &plan_[i].fp : nullptr;
      HandleRule(e, batch, known, rules.compiled()[cands_[b].rule], steps, &cands_[b], end - b,
                 patterns, reg, out);
      b = end;
    }
  }
  ExpireKeys();
}

void PartitionCorrelator::HandleRule(const Event& e, const Batch& batch, const Fp* known_fp,
                                     const CompiledRule& cr, uint32_t steps, const Cand* cands,
                                     size_t ncands, const patterns::PatternSet& patterns,
                                     const registry::Registry& reg, CorrelateOutput* out) {
  const Rule& rule = cr.rule;
  // An absence rule's expected event matters only while some trigger is pending (common:
  // the expect step has no pattern selector and is evaluated for every event).
  if (rule.condition.type == ConditionType::kAbsence && !(steps & 1u) && absence_timers_ == 0) {
    return;
  }
  if (!Rulebook::Accepts(rule.match, e, reg)) return;
  const auto& cond = rule.condition;
  if (!cond.steps.empty()) {
    for (uint32_t s = 0; s < cond.steps.size(); ++s) {
      if ((steps & (1u << s)) && !Rulebook::Accepts(cond.steps[s].match, e, reg)) {
        steps &= ~(1u << s);
      }
    }
    if (steps == 0) return;
  }
  ++stats_.rule_evaluations;
  Fp fp = known_fp != nullptr ? *known_fp : KeyOf(cr, e, reg);
  auto type = static_cast<uint8_t>(cond.type);
  // One probe: find the key or reserve its entry.
  auto [it, inserted] = map_.try_emplace(fp, kNoSlot);
  bool created = false;
  if (inserted) {
    uint32_t slot = FaultIn(fp);
    if (slot == kNoSlot) {
      // An absence rule's expected event with nothing pending changes nothing.
      if (cond.type == ConditionType::kAbsence && !(steps & 1u)) {
        map_.erase(it);
        return;
      }
      slot = NewSlot(fp, type);
      created = true;
      ++stats_.keys_created;
    }
    it->second = slot;
  }
  KeyState* ks = &Slot(it->second);
  if (ks->type != type) {
    // The rule changed its condition type on a reload: its old state is meaningless.
    if (ks->extra && ks->extra->timer_ns != kNoTime) {
      absence_timers_ -= timers_.erase(Timer{ks->extra->timer_ns, TimerKind::kAbsence, ks->fp});
    }
    ks->ClearEvents();
    ks->extra.reset();
    ks->type = type;
  }
  MarkDirty(*ks);
  // Only the entries that feed accepted steps are this event's hits for the rule.
  uint32_t hits = 0;
  {
    Cand local[16];
    size_t nl = 0;
    for (size_t k = 0; k < ncands && nl < 16; ++k) {
      if (cands[k].steps & steps) local[nl++] = cands[k];
    }
    hits = HitsCode(local, nl, patterns);
  }
  Ev ev = MakeEv(e, hits);
  ks->expires_ns = std::max(ks->expires_ns, SatAdd(ev.t, cond.window_ns));
  if (created) QueueExpiry(*ks);
  RuleParams rp{&cr, cond.window_ns, cond.count, rule.suppress_ns, rule.quiet_ns};
  (void)batch;
  switch (cond.type) {
    case ConditionType::kSingle:
      if (TryAbsorb(*ks, ev, rule.quiet_ns, out)) return;
      OpenIncident(*ks, MakeProto(rule, e, reg), &ev, 1, nullptr, 0, out);
      return;
    case ConditionType::kEventCount:
      if (TryAbsorb(*ks, ev, rule.quiet_ns, out)) return;
      OnEventCount(*ks, rp, ev, nullptr, e, reg, out);
      return;
    case ConditionType::kValueCount: {
      if (TryAbsorb(*ks, ev, rule.quiet_ns, out)) return;
      KeyHasher vh;
      const FieldRef& f = cond.distinct;
      if (f.is_ip()) {
        const IpAddr& a = FieldIp(f, e);
        if (!a.valid) return;  // no value: nothing to count
        vh.Add(a.hi()).Add(a.lo());
      } else if (f.is_number()) {
        int64_t v = FieldNumber(f, e);
        if (v == 0) return;
        vh.Add(static_cast<uint64_t>(v));
      } else {
        std::string scratch;
        std::string_view v = FieldText(f, e, reg, &scratch);
        if (v.empty()) return;
        vh.Add(v);
      }
      OnValueCount(*ks, rp, ev, vh.Finish().lo, e, reg, out);
      return;
    }
    case ConditionType::kTemporal:
      if (TryAbsorb(*ks, ev, rule.quiet_ns, out)) return;
      OnTemporal(*ks, rp, ev, steps, e, reg, out);
      return;
    case ConditionType::kTemporalOrdered:
      if (TryAbsorb(*ks, ev, rule.quiet_ns, out)) return;
      OnOrdered(*ks, rp, ev, steps, e, reg, out);
      return;
    case ConditionType::kAbsence:
      OnAbsence(*ks, rp, ev, steps, e, reg, out);
      return;
  }
}

// ---- conditions ------------------------------------------------------------------------

void PartitionCorrelator::OnEventCount(KeyState& ks, const RuleParams& rp, const Ev& ev,
                                       const Proto*, const Event& e,
                                       const registry::Registry& reg, CorrelateOutput* out) {
  const size_t need = static_cast<size_t>(rp.count);
  if (need <= 1) {
    OpenIncident(ks, MakeProto(rp.cr->rule, e, reg), &ev, 1, nullptr, 0, out);
    return;
  }
  const int64_t T = rp.window_ns;
  // Events before (watermark - window) can never share a window with a future event.
  if (watermark_ns_ != INT64_MIN) {
    int64_t horizon = watermark_ns_ - T;
    size_t k = 0;
    while (k < ks.n && ks[k].t < horizon) ++k;
    if (k > 0) ks.Erase(0, k);
  }
  // Insert in event-time order (after equal times: arrival order breaks ties).
  size_t pos = ks.n;
  while (pos > 0 && ks[pos - 1].t > ev.t) --pos;
  ks.Insert(pos, ev);
  size_t n = ks.n;
  if (n >= need) {
    // No window qualified before this event, so a qualifying one contains it: the earliest
    // run of `need` consecutive events around it spanning <= window.
    size_t jlo = pos >= need - 1 ? pos - (need - 1) : 0;
    size_t jhi = std::min(pos, n - need);
    for (size_t j = jlo; j <= jhi; ++j) {
      if (ks[j + need - 1].t - ks[j].t <= T) {
        scratch_evs_.assign(ks.evs() + j, ks.evs() + n);
        ks.ClearEvents();
        OpenIncident(ks, MakeProto(rp.cr->rule, e, reg), scratch_evs_.data(), need,
                     scratch_evs_.data() + need, scratch_evs_.size() - need, out);
        return;
      }
    }
  }
  // Out-of-order input can leave more than need-1 events inside the horizon; bound them.
  size_t cap = std::max<size_t>(2 * need, 8);
  if (ks.n > cap) ks.Erase(0, ks.n - cap);
}

void PartitionCorrelator::OnValueCount(KeyState& ks, const RuleParams& rp, const Ev& ev,
                                       uint64_t value, const Event& e,
                                       const registry::Registry& reg, CorrelateOutput* out) {
  if (!ks.extra) ks.extra = std::make_unique<KeyExtra>();
  auto& vals = ks.extra->vals;
  const int64_t T = rp.window_ns;
  auto erase = [&](size_t from, size_t to) {
    ks.Erase(from, to);
    vals.erase(vals.begin() + static_cast<long>(from), vals.begin() + static_cast<long>(to));
  };
  auto insert_sorted = [&](const Ev& x, uint64_t v) {
    size_t pos = ks.n;
    while (pos > 0 && ks[pos - 1].t > x.t) --pos;
    ks.Insert(pos, x);
    vals.insert(vals.begin() + static_cast<long>(pos), v);
  };
  if (watermark_ns_ != INT64_MIN) {
    int64_t horizon = watermark_ns_ - T;
    size_t k = 0;
    while (k < ks.n && ks[k].t < horizon) ++k;
    if (k > 0) erase(0, k);
  }
  // Each distinct value is represented by its latest occurrence.
  size_t found = vals.size();
  for (size_t k = 0; k < vals.size(); ++k) {
    if (vals[k] == value) {
      found = k;
      break;
    }
  }
  if (found == vals.size()) {
    insert_sorted(ev, value);
  } else if (ev.t >= ks[found].t) {
    erase(found, found + 1);
    insert_sorted(ev, value);
  }
  // The window ends at the key's latest event time.
  int64_t tm = ks[ks.n - 1].t;
  size_t idx = 0;
  while (idx < ks.n && ks[idx].t < tm - T) ++idx;
  size_t distinct = ks.n - idx;
  const size_t need = static_cast<size_t>(rp.count);
  if (distinct >= need) {
    scratch_evs_.assign(ks.evs() + idx, ks.evs() + ks.n);
    ks.ClearEvents();
    OpenIncident(ks, MakeProto(rp.cr->rule, e, reg), scratch_evs_.data(), scratch_evs_.size(),
                 nullptr, 0, out);
    return;
  }
  size_t cap = need + 64;
  if (ks.n > cap) erase(0, ks.n - cap);
}

void PartitionCorrelator::OnTemporal(KeyState& ks, const RuleParams& rp, const Ev& ev,
                                     uint32_t steps, const Event& e,
                                     const registry::Registry& reg, CorrelateOutput* out) {
  const size_t k = rp.cr->rule.condition.steps.size();
  if (ks.n != k) {
    ks.ClearEvents();
    ks.Resize(k);
  }
  const int64_t T = rp.window_ns;
  for (size_t s = 0; s < k; ++s) {
    if ((steps & (1u << s)) && (ks[s].t == kNoTime || ev.t >= ks[s].t)) ks[s] = ev;
    if (ks[s].t != kNoTime && watermark_ns_ != INT64_MIN && ks[s].t < watermark_ns_ - T) {
      ks[s] = Ev{};
    }
  }
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t s = 0; s < k; ++s) {
    if (ks[s].t == kNoTime) return;
    lo = std::min(lo, ks[s].t);
    hi = std::max(hi, ks[s].t);
  }
  if (hi - lo > T) return;
  // Every step has an occurrence within one window: the incident cites each once.
  scratch_evs_.assign(ks.evs(), ks.evs() + k);
  std::stable_sort(scratch_evs_.begin(), scratch_evs_.end(),
                   [](const Ev& a, const Ev& b) { return a.t < b.t; });
  scratch_evs_.erase(std::unique(scratch_evs_.begin(), scratch_evs_.end(), SameEv),
                     scratch_evs_.end());
  ks.ClearEvents();
  OpenIncident(ks, MakeProto(rp.cr->rule, e, reg), scratch_evs_.data(), scratch_evs_.size(),
               nullptr, 0, out);
}

void PartitionCorrelator::OnOrdered(KeyState& ks, const RuleParams& rp, const Ev& ev,
                                    uint32_t steps, const Event& e,
                                    const registry::Registry& reg, CorrelateOutput* out) {
  const size_t k = rp.cr->rule.condition.steps.size();
  const size_t total = (k - 1) * k / 2;
  if (ks.n != total) {
    ks.ClearEvents();
    ks.Resize(total);
  }
  const int64_t T = rp.window_ns;
  auto row = [&](size_t i) { return ks.evs() + i * (i + 1) / 2; };  // row i: i+1 events
  // Partial sequences that started before (watermark - window) can never complete.
  if (watermark_ns_ != INT64_MIN) {
    for (size_t i = 0; i + 1 < k; ++i) {
      if (row(i)[0].t != kNoTime && row(i)[0].t < watermark_ns_ - T) row(i)[0].t = kNoTime;
    }
  }
  // Highest step first, so that one event never extends a partial it just created. For each
  // length the partial with the latest start is kept: it dominates for every completion.
  for (size_t i = k - 1; i >= 1; --i) {
    if (!(steps & (1u << i))) continue;
    const Ev* prev = row(i - 1);
    if (prev[0].t == kNoTime) continue;
    if (prev[i - 1].t > ev.t || prev[0].t < ev.t - T) continue;
    if (i == k - 1) {
      scratch_evs_.assign(prev, prev + i);
      scratch_evs_.push_back(ev);
      ks.ClearEvents();
      ks.Resize(total);
      OpenIncident(ks, MakeProto(rp.cr->rule, e, reg), scratch_evs_.data(), scratch_evs_.size(),
                   nullptr, 0, out);
      return;
    }
    Ev* cur = row(i);
    if (cur[0].t == kNoTime || prev[0].t >= cur[0].t) {
      std::copy(prev, prev + i, cur);
      cur[i] = ev;
    }
  }
  if ((steps & 1u) && (row(0)[0].t == kNoTime || ev.t >= row(0)[0].t)) row(0)[0] = ev;
}

void PartitionCorrelator::OnAbsence(KeyState& ks, const RuleParams& rp, const Ev& ev,
                                    uint32_t steps, const Event& e,
                                    const registry::Registry& reg, CorrelateOutput*) {
  if (!ks.extra) ks.extra = std::make_unique<KeyExtra>();
  const int64_t T = rp.window_ns;
  // The expected event answers every pending trigger at or before it, within the window.
  if (steps & 2u) {
    size_t w = 0;
    for (size_t r = 0; r < ks.n; ++r) {
      bool answered = ks[r].t <= ev.t && ev.t <= SatAdd(ks[r].t, T);
      if (!answered) ks[w++] = ks[r];
    }
    ks.n = static_cast<uint16_t>(w);
  }
  if (steps & 1u) {
    if (ks.n == 0) ks.extra->desc = EncodeProto(MakeProto(rp.cr->rule, e, reg));
    size_t pos = ks.n;
    while (pos > 0 && ks[pos - 1].t > ev.t) --pos;
    ks.Insert(pos, ev);
    if (ks.n > opts_.max_pending_triggers) ks.Erase(ks.n - 1, ks.n);
  }
  ScheduleAbsence(ks, T);
}

void PartitionCorrelator::FireAbsence(const Fp& key, CorrelateOutput* out) {
  KeyState* ks = Find(key, true);
  if (ks == nullptr || !ks->extra) return;
  Proto p;
  if (!DecodeProto(ks->extra->desc, &p)) return;
  MarkDirty(*ks);
  size_t due = 0;
  while (due < ks->n && SatAdd((*ks)[due].t, p.window_ns) <= watermark_ns_) ++due;
  scratch_evs_.assign(ks->evs(), ks->evs() + due);
  ks->Erase(0, due);
  for (const Ev& a : scratch_evs_) {
    if (!TryAbsorb(*ks, a, p.quiet_ns, out)) OpenIncident(*ks, p, &a, 1, nullptr, 0, out);
  }
  ScheduleAbsence(*ks, p.window_ns);
}

// ---- watermark, routing, stats ---------------------------------------------------------

void PartitionCorrelator::AdvanceWatermark(int64_t watermark_ns, CorrelateOutput* out) {
  if (watermark_ns > watermark_ns_) {
    watermark_ns_ = watermark_ns;
    watermark_dirty_ = true;
  }
  FireTimers(out);
  ExpireKeys();
}

int64_t PartitionCorrelator::IdleWatermark(int64_t now_ns) const {
  if (last_ingest_ns_ <= 0 || max_event_ns_ == INT64_MIN) return INT64_MIN;
  int64_t idle = now_ns - last_ingest_ns_;
  if (idle < opts_.idle_timeout_ns) return INT64_MIN;
  return SatAdd(max_event_ns_, idle - opts_.allowed_lateness_ns);
}

void PartitionCorrelator::SetRouted(const std::string& id, uint8_t routed) {
  auto it = incidents_.find(id);
  if (it != incidents_.end()) {
    IncidentRec& rec = *it->second;
    if (rec.inc.routed != routed) {
      rec.inc.routed = routed;
      if (!rec.dirty) {
        rec.dirty = true;
        dirty_incidents_.push_back(id);
      }
    }
    return;
  }
  for (auto& inc : closed_) {
    if (inc.id == id) inc.routed = routed;
  }
}

CorrelatorStats PartitionCorrelator::stats() const {
  CorrelatorStats s = stats_;
  s.hot_keys = map_.size();
  s.cold_keys = cold_keys_;
  s.open_incidents = incidents_.size();
  uint64_t bytes = chunks_.size() * (uint64_t{1} << kChunkBits) * sizeof(KeyState);
  for (uint32_t i = 0; i < slot_count_; ++i) {
    const KeyState& ks = chunks_[i >> kChunkBits][i & kChunkMask];
    if (ks.flags & KeyState::kLive) bytes += ks.heap_bytes();
  }
  bytes += map_.capacity() * (sizeof(std::pair<Fp, uint32_t>) + 1);
  for (const auto& [b, v] : wheel_) bytes += v.capacity() * sizeof(ExpiryEntry) + 64;
  bytes += free_slots_.capacity() * 4;
  bytes += dict_.bytes();
  s.memory_bytes = bytes;
  return s;
}

// ---- people's inputs ---------------------------------------------------------------------

void PartitionCorrelator::ApplyInput(const Event& e, uint32_t index, const Batch& batch,
                                     const registry::Registry& reg, CorrelateOutput* out) {
  std::string_view raw = batch.records[e.record].value;
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
  auto parsed = inputs::ParseInput(raw);
  if (!parsed.ok()) {  // the decoder checked it; a snapshot change cannot make it invalid
    out->rejected.emplace_back(index, std::string(parsed.status().message()));
    return;
  }
  inputs::IncidentInput& in = *parsed;
  in.operator_id = std::string(e.operator_id);  // as the input's operator rule resolved it
  std::string change(inputs::InputTypeName(in.type));
  auto cite = [&](Incident& inc) {
    if (inc.evidence.size() < static_cast<size_t>(opts_.max_evidence)) {
      inc.evidence.push_back(EvidenceRef{batch.sources[e.pos.source], e.pos.partition,
                                         e.pos.offset, e.event_time_ns});
    }
  };

  if (in.incident_id.empty()) {
    // A report that opens an incident of its own on the named system.
    std::string id = IdBuilder().Add("input").Add(in.operator_id).Add(in.system).Add(change)
                         .Add(in.id).Finish();
    in.incident_id = id;
    if (incidents_.find(id) == incidents_.end()) {
      auto rec = std::make_unique<IncidentRec>();
      Incident& inc = rec->inc;
      inc.id = id;
      inc.partition = partition_;
      inc.operator_id = in.operator_id;
      inc.target_id = in.system;
      inc.target_kind = TargetKind::kUnknownAsset;
      uint32_t op = reg.FindOperator(in.operator_id);
      if (op != kNone) {
        for (uint32_t si : reg.operators()[op].systems) {
          if (reg.systems()[si].id == in.system) inc.target_kind = TargetKind::kCriticalSystem;
        }
        for (uint32_t ai : reg.operators()[op].assets) {
          if (reg.assets()[ai].id == in.system) inc.target_kind = TargetKind::kNonCriticalAsset;
        }
      }
      inc.rule_id = "operator-report";
      inc.rule_title = StrCat("operator report: ", change);
      inc.window_start_ns = inc.first_seen_ns = inc.last_seen_ns = in.time_ns;
      inc.suppress_until_ns = in.time_ns;
      inc.close_at_ns = SatAdd(std::max(in.time_ns, watermark_ns_), opts_.input_quiet_ns);
      MergeInput(&inc, in);
      cite(inc);
      rec->id128 = IdBits(id);
      IncidentRec* r = rec.get();
      incidents_.emplace(id, std::move(rec));
      Emit(*r, "opened", out);
      SetCloseTimer(*r, r->inc.close_at_ns);
      return;
    }
  }

  auto check_owner = [&](const Incident& inc) {
    if (inc.operator_id == in.operator_id) return true;
    out->rejected.emplace_back(index, StrCat("incident ", in.incident_id,
                                             " belongs to another operator"));
    return false;
  };
  if (auto it = incidents_.find(in.incident_id); it != incidents_.end()) {
    IncidentRec& rec = *it->second;
    if (!check_owner(rec.inc) || !MergeInput(&rec.inc, in)) return;
    cite(rec.inc);
    if (rec.inc.rule_id == "operator-report") {
      rec.inc.close_at_ns =
          std::max(rec.inc.close_at_ns, SatAdd(std::max(in.time_ns, watermark_ns_), opts_.input_quiet_ns));
      SetCloseTimer(rec, rec.inc.close_at_ns);
    }
    Emit(rec, change.c_str(), out);
    return;
  }
  // A closed incident: still in memory (this batch, or flushed but not yet committed), else
  // in the store for `closed_retention`. It gets a new revision and stays closed.
  auto update_closed = [&](Incident& inc) {
    if (!check_owner(inc) || !MergeInput(&inc, in)) return;
    cite(inc);
    ++inc.revision;
    inc.change = change;
    inc.count_at_revision = inc.event_count;
    out->revisions.push_back(inc);
  };
  for (auto& inc : closed_) {
    if (inc.id == in.incident_id) return update_closed(inc);
  }
  Incident inc;
  bool found = false;
  for (auto it = closing_.rbegin(); it != closing_.rend() && !found; ++it) {
    if (it->first.id == in.incident_id) inc = it->first, found = true;
  }
  if (!found && store_ != nullptr) {
    auto v = store_->Get(state::Cf::kIncidents,
                         StrCat(prefix_, std::string_view(&kClosedTag, 1), in.incident_id));
    found = v.ok() && inc.Decode(*v);
  }
  if (!found) {
    out->rejected.emplace_back(
        index, StrCat("no incident ", in.incident_id, " on partition ", partition_,
                      " (inputs must go to the partition named in the notification)"));
    return;
  }
  size_t before = out->revisions.size();
  update_closed(inc);
  if (out->revisions.size() > before) closed_.push_back(std::move(inc));
}

}  // namespace kizashi::correlate
