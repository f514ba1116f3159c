// Durable and bounded state: the same input gives the same incident revisions whatever the
// batch sizes, restart points and memory bound (eviction + fault-in); expired keys leave
// memory and the store; per-key memory stays within its budget.
#include <gtest/gtest.h>

#include "engine/common/hash.h"
#include "engine/state/codec.h"
#include "tests/unit/correlate/harness.h"

namespace kizashi::testing {
namespace {

using correlate::CorrelateOptions;
using correlate::Incident;
using correlate::PartitionCorrelator;

const char* kAllTypes = R"(
rules:
  - id: prep
    match: {attack_types: [preparatory]}
    condition: {type: single}
    suppress: 5m
    quiet: 2m
  - id: brute
    match: {entries: [ssh-fail]}
    group_by: [src_ip]
    condition: {type: event_count, count: 3, window: 30s}
    suppress: 2m
    quiet: 1m
  - id: spray
    match: {entries: [ssh-fail]}
    group_by: [src_ip]
    condition: {type: value_count, field: user, count: 3, window: 60s}
    suppress: 2m
  - id: combo
    condition:
      type: temporal
      window: 2m
      steps:
        - {id: exploit, match: {entries: [exploit]}}
        - {id: backdoor, match: {entries: [backdoor]}}
    suppress: 3m
  - id: chain
    group_by: [src_ip]
    condition:
      type: temporal_ordered
      window: 5m
      steps:
        - {id: exploit, match: {entries: [exploit]}}
        - {id: backdoor, match: {entries: [backdoor]}}
        - {id: steal, match: {entries: [steal]}}
    suppress: 3m
  - id: unpatched
    match: {target: critical_system}
    condition:
      type: absence
      window: 30s
      trigger: {entries: [exploit]}
      expect: {where: [{field: message, contains: patched}]}
    suppress: 2m
)";

struct SplitMix {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
};

// A seeded stream over every condition type, with event times jittered up to 12 s backwards
// (out of order; with 10 s lateness a few are late).
std::vector<In> RandomStream(uint64_t seed, size_t n) {
  SplitMix rng{seed};
  std::vector<In> out;
  int64_t t = 0;
  const char* dsts[] = {"10.1.0.1", "10.2.0.1", "203.0.113.10"};
  const char* users[] = {"root", "admin", "oracle", "alice", "bob", "svc"};
  for (size_t i = 0; i < n; ++i) {
    t += static_cast<int64_t>(rng.Below(3000)) * kNanosPerMilli;
    In in;
    in.t = t - static_cast<int64_t>(rng.Below(12000)) * kNanosPerMilli;
    uint64_t s = rng.Below(40);
    in.src = s < 35 ? StrCat("198.51.100.", s + 1) : StrCat("10.9.0.", s - 34);
    in.dst = dsts[rng.Below(3)];
    switch (rng.Below(6)) {
      case 0: in.message = "Failed password"; in.user = users[rng.Below(6)]; break;
      case 1: in.signature = "ET EXPLOIT attempt"; break;
      case 2: in.payload = "bindshell"; break;
      case 3: in.payload = "passwd-dump"; break;
      case 4: in.message = "system patched"; break;
      default: in.message = "Failed password"; in.user = users[rng.Below(2)]; break;
    }
    out.push_back(std::move(in));
  }
  return out;
}

// Each revision as its full encoding prefixed by a readable summary (for failure messages).
std::vector<std::string> Encoded(const std::vector<Incident>& v) {
  std::vector<std::string> out;
  for (const auto& i : v) {
    out.push_back(StrCat(i.rule_id, " ", i.id.substr(0, 8), " r", i.revision, " ", i.change,
                         " n=", i.event_count, " | ", HexEncode(i.Encode())));
  }
  return out;
}

// Compares revision lists, reporting the first difference readably.
::testing::AssertionResult SameRevisions(const std::vector<std::string>& got,
                                         const std::vector<std::string>& want) {
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i] != want[i]) {
      return ::testing::AssertionFailure()
             << "revision " << i << " differs:\n  got  " << got[i].substr(0, 200)
             << "\n  want " << want[i].substr(0, 200);
    }
  }
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << got.size() << " revisions, want " << want.size();
  }
  return ::testing::AssertionSuccess();
}

CorrelateOptions Opts() {
  CorrelateOptions o;
  o.allowed_lateness_ns = 10 * kS;
  return o;
}

class Determinism : public ::testing::Test {
 protected:
  void SetUp() override {
    in_ = RandomStream(7, 3000);
    end_ = in_.back().t + 86400 * kS;
    Harness h(kAllTypes);
    PartitionCorrelator pc(0, Opts());
    auto got = h.Run(pc, in_);
    auto tail = h.Advance(pc, end_);
    got.insert(got.end(), tail.begin(), tail.end());
    want_ = Encoded(got);
  }

  // Runs the stream in batches of `batch`, committing to a store and restarting (a new
  // correlator loading the store) every `restart_every` batches.
  std::vector<std::string> RunWithRestarts(size_t batch, size_t restart_every,
                                           CorrelateOptions opts) {
    std::string dir = MakeTempDir("determinism");
    state::StateOptions so;
    so.dir = dir;
    std::vector<Incident> got;
    Harness h(kAllTypes);
    for (size_t from = 0; from < in_.size(); from += batch * restart_every) {
      auto store = state::StateStore::Open(so);
      EXPECT_TRUE(store.ok());
      PartitionCorrelator pc(0, opts);
      EXPECT_TRUE(pc.Load(**store).ok());
      auto part = h.Run(pc, in_, batch, store->get(), from, from + batch * restart_every);
      got.insert(got.end(), part.begin(), part.end());
      if (from + batch * restart_every >= in_.size()) {
        auto tail = h.Advance(pc, end_, store->get());
        got.insert(got.end(), tail.begin(), tail.end());
      }
    }
    RemoveTree(dir);
    return Encoded(got);
  }

  std::vector<In> in_;
  int64_t end_ = 0;
  std::vector<std::string> want_;
};

TEST_F(Determinism, TheStreamRaisesIncidentsOfEveryType) {
  // Sanity of the fixture: every rule fires at least once, so the comparisons below cover
  // every condition type.
  Harness h(kAllTypes);
  PartitionCorrelator pc(0, Opts());
  auto got = h.Run(pc, in_);
  std::set<std::string> rules;
  for (const auto& i : got) rules.insert(i.rule_id);
  EXPECT_EQ(rules, (std::set<std::string>{"prep", "brute", "spray", "combo", "chain",
                                          "unpatched"}));
  EXPECT_FALSE(h.late().empty());
}

TEST_F(Determinism, BatchSizesDoNotChangeTheOutput) {
  for (size_t batch : {1, 7, 256}) {
    Harness h(kAllTypes);
    PartitionCorrelator pc(0, Opts());
    auto got = h.Run(pc, in_, batch);
    auto tail = h.Advance(pc, end_);
    got.insert(got.end(), tail.begin(), tail.end());
    EXPECT_TRUE(SameRevisions(Encoded(got), want_)) << "batch " << batch;
  }
}

TEST_F(Determinism, RestartsFromTheStoreDoNotChangeTheOutput) {
  EXPECT_TRUE(SameRevisions(RunWithRestarts(37, 3, Opts()), want_));
  EXPECT_TRUE(SameRevisions(RunWithRestarts(500, 1, Opts()), want_));
}

TEST_F(Determinism, CheckpointsDoNotChangeTheOutput) {
  // A checkpoint whenever the write-behind log outgrows the in-memory state (every few
  // batches here), with restarts that load checkpoint + logs.
  CorrelateOptions o = Opts();
  o.checkpoint_min_bytes = 1;
  {
    std::string dir = MakeTempDir("checkpoints");
    state::StateOptions so;
    so.dir = dir;
    auto store = state::StateStore::Open(so);
    ASSERT_TRUE(store.ok());
    Harness h(kAllTypes);
    PartitionCorrelator pc(0, o);
    ASSERT_TRUE(pc.Load(**store).ok());
    h.Run(pc, in_, 37, store->get());
    EXPECT_GT(pc.stats().checkpoints, 3u);  // the path under test is taken
    EXPECT_GT(pc.stats().log_records, 3u);
    RemoveTree(dir);
  }
  EXPECT_TRUE(SameRevisions(RunWithRestarts(37, 3, o), want_));
  o.max_keys_in_memory = 8;  // and evicted keys' own records alongside
  EXPECT_TRUE(SameRevisions(RunWithRestarts(50, 4, o), want_));
}

TEST_F(Determinism, EvictionAndFaultInDoNotChangeTheOutput) {
  CorrelateOptions o = Opts();
  o.max_keys_in_memory = 8;  // far fewer than the live keys: constant eviction
  EXPECT_TRUE(SameRevisions(RunWithRestarts(50, 1000, o), want_));  // no restart
  EXPECT_TRUE(SameRevisions(RunWithRestarts(50, 4, o), want_));     // and with restarts
}

// The Kafka runner commits asynchronously: a batch's delta reaches the store a few batches
// after it was flushed, while the correlator goes on evicting and faulting keys back in. What
// it evicted must be served from memory, and what it read back must not be read again from
// the store's stale record, until CommittedThrough covers the epoch.
TEST_F(Determinism, EvictionWithAsynchronousCommitsDoesNotChangeTheOutput) {
  for (size_t keys : {size_t{1} << 30, size_t{8}})
  for (size_t lag : {0, 1, 3}) {
    CorrelateOptions o = Opts();
    o.max_keys_in_memory = keys;
    std::string dir = MakeTempDir("async-commit");
    state::StateOptions so;
    so.dir = dir;
    auto store = state::StateStore::Open(so);
    ASSERT_TRUE(store.ok());
    Harness h(kAllTypes);
    h.set_commit_lag(lag);
    PartitionCorrelator pc(0, o);
    ASSERT_TRUE(pc.Load(**store).ok());
    auto got = h.Run(pc, in_, 50, store->get());
    if (keys == 8) {
      EXPECT_GT(pc.stats().evictions, 0u);  // the path under test is taken
    }
    auto tail = h.Advance(pc, end_, store->get());
    got.insert(got.end(), tail.begin(), tail.end());
    EXPECT_TRUE(SameRevisions(Encoded(got), want_)) << "commit lag " << lag << ", keys " << keys;
    RemoveTree(dir);
  }
}

TEST(KeyState, ExpiredKeysLeaveMemoryAndTheStore) {
  std::string dir = MakeTempDir("expiry");
  state::StateOptions so;
  so.dir = dir;
  auto store = state::StateStore::Open(so);
  ASSERT_TRUE(store.ok());
  Harness h(R"(
rules:
  - id: brute
    match: {entries: [ssh-fail]}
    group_by: [src_ip]
    condition: {type: event_count, count: 3, window: 30s}
)");
  PartitionCorrelator pc(0, Opts());
  ASSERT_TRUE(pc.Load(**store).ok());
  std::vector<In> in;
  for (int i = 0; i < 1000; ++i) {
    in.push_back(Msg(i * kNanosPerMilli, "Failed password", StrCat("198.18.", i / 250, ".", i % 250)));
  }
  EXPECT_TRUE(h.Run(pc, in, 100, store->get()).empty());
  EXPECT_EQ(pc.live_keys(), 1000u);
  // Live keys as a restarted correlator sees them (hot + evicted) from the store.
  auto count_keys = [&]() {
    PartitionCorrelator fresh(0, Opts());
    EXPECT_TRUE(fresh.Load(**store).ok());
    return fresh.live_keys() + fresh.stats().cold_keys;
  };
  EXPECT_EQ(count_keys(), 1000u);
  // Each key's deadline is its event time + 30 s (< 31 s): a watermark at 40 s expires all.
  h.Advance(pc, 40 * kS, store->get());
  EXPECT_EQ(pc.live_keys(), 0u);
  EXPECT_EQ(pc.stats().keys_expired, 1000u);
  EXPECT_EQ(count_keys(), 0u);
  RemoveTree(dir);
}

TEST(KeyState, ColdKeysExpireInTheStoreByCompaction) {
  std::string dir = MakeTempDir("coldexpiry");
  state::StateOptions so;
  so.dir = dir;
  auto store = state::StateStore::Open(so);
  ASSERT_TRUE(store.ok());
  Harness h(R"(
rules:
  - id: brute
    match: {entries: [ssh-fail]}
    group_by: [src_ip]
    condition: {type: event_count, count: 3, window: 30s}
)");
  CorrelateOptions o = Opts();
  o.max_keys_in_memory = 10;
  PartitionCorrelator pc(0, o);
  ASSERT_TRUE(pc.Load(**store).ok());
  std::vector<In> in;
  for (int i = 0; i < 200; ++i) {
    in.push_back(Msg(i * kNanosPerMilli, "Failed password", StrCat("198.18.0.", i)));
  }
  h.Run(pc, in, 200, store->get());
  auto st = pc.stats();
  EXPECT_LE(st.hot_keys, 10u);
  EXPECT_EQ(st.hot_keys + st.cold_keys, 200u);
  h.Advance(pc, 40 * kS, store->get());  // commits watermark 40 s: every deadline passed
  EXPECT_EQ(pc.stats().cold_keys, 0u);
  ASSERT_TRUE((*store)->CompactAll().ok());
  size_t left = 0;
  ASSERT_TRUE((*store)->Scan(state::Cf::kCorrelation, state::PartitionPrefix(0) + "k",
                             [&](std::string_view, std::string_view) {
                               ++left;
                               return absl::OkStatus();
                             }).ok());
  EXPECT_EQ(left, 0u);
  RemoveTree(dir);
}

TEST(KeyState, EventCountKeysStayWithin256Bytes) {
  Harness h(R"(
rules:
  - id: brute
    match: {entries: [ssh-fail]}
    group_by: [src_ip]
    condition: {type: event_count, count: 5, window: 1h}
)");
  PartitionCorrelator pc(0, Opts());
  // 3 * 4096 keys with 3 pending events each (count 5: up to 4 pending never allocate).
  std::vector<In> in;
  const int keys = 3 * 4096;
  for (int r = 0; r < 3; ++r) {
    for (int i = 0; i < keys; ++i) {
      in.push_back(Msg((r * keys + i) * kNanosPerMilli, "Failed password",
                       StrCat("198.", 18 + i / 65536, ".", (i / 256) % 256, ".", i % 256)));
    }
  }
  EXPECT_TRUE(h.Run(pc, in, 4096).empty());
  auto st = pc.stats();
  ASSERT_EQ(st.hot_keys, static_cast<uint64_t>(keys));
  double per_key = static_cast<double>(st.memory_bytes) / static_cast<double>(st.hot_keys);
  EXPECT_LE(per_key, 256.0) << per_key;
}

// 20 * 4096 keys: beyond the correlator's heap slot chunks (16 * 4096 slots) into its
// huge-page slabs, and write-behind log records of 7-11 MB, cut into 512 KiB parts. Every key
// comes back after a restart, from the log and then from a checkpoint, and counts on.
TEST(KeyState, ManyKeysSurviveRestartsFromChunkedLogsAndCheckpoints) {
  Harness h(R"(
rules:
  - id: brute
    match: {entries: [ssh-fail]}
    group_by: [src_ip]
    condition: {type: event_count, count: 4, window: 1h}
)");
  const int keys = 20 * 4096;
  auto src = [](int i) { return StrCat("198.", 18 + i / 65536, ".", (i / 256) % 256, ".", i % 256); };
  std::vector<In> in;
  for (int r = 0; r < 3; ++r) {
    for (int i = 0; i < keys; ++i) in.push_back(Msg((r * keys + i) * kNanosPerMilli / 8, "Failed password", src(i)));
  }
  // Fourth events of the first and the last key, then of key 70000 (in a slab).
  int64_t t3 = 3 * keys * kNanosPerMilli / 8;
  std::vector<In> third = {Msg(t3, "Failed password", src(0)),
                           Msg(t3 + 1, "Failed password", src(keys - 1)),
                           Msg(t3 + 2, "Failed password", src(70000))};
  std::string dir = MakeTempDir("many-keys");
  state::StateOptions so;
  so.dir = dir;
  auto store = state::StateStore::Open(so);
  ASSERT_TRUE(store.ok());
  CorrelateOptions o = Opts();
  {
    PartitionCorrelator pc(0, o);
    ASSERT_TRUE(pc.Load(**store).ok());
    EXPECT_TRUE(h.Run(pc, in, keys, store->get()).empty());  // a log record per round
    EXPECT_EQ(pc.stats().hot_keys, static_cast<uint64_t>(keys));
    EXPECT_EQ(pc.stats().log_records, 3u);
    EXPECT_EQ(pc.stats().checkpoints, 0u);
  }
  {
    // From the logs; the first key's fourth event is written with a checkpoint (the minimum
    // is 1 byte, and the logs, ~27 MB, exceed twice the state's rough size, ~16 MB).
    o.checkpoint_min_bytes = 1;
    PartitionCorrelator pc(0, o);
    ASSERT_TRUE(pc.Load(**store).ok());
    EXPECT_EQ(pc.stats().hot_keys, static_cast<uint64_t>(keys));
    auto got = h.Run(pc, third, 1, store->get(), 0, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].event_count, 4u);
    EXPECT_EQ(got[0].group_values, std::vector<std::string>{src(0)});
    EXPECT_EQ(pc.stats().checkpoints, 1u);
  }
  {
    // From the checkpoint.
    PartitionCorrelator pc(0, o);
    ASSERT_TRUE(pc.Load(**store).ok());
    EXPECT_EQ(pc.stats().hot_keys, static_cast<uint64_t>(keys));
    auto got = h.Run(pc, third, 1, store->get(), 1, 3);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].group_values, std::vector<std::string>{src(keys - 1)});
    EXPECT_EQ(got[1].group_values, std::vector<std::string>{src(70000)});
    EXPECT_EQ(got[1].event_count, 4u);
  }
  store->reset();
  RemoveTree(dir);
}

// The stored key-state encoding: every field comes back exactly, including times far from
// the deadline (kNoTime slots of a temporal key, a suppression before it), IPv4 peers
// (fixed four bytes) and dictionary-coded IPv6 peers, hit flags, and the extras.
TEST(KeyState, EncodingRoundTripsEveryField) {
  using correlate::Ev;
  using correlate::KeyState;
  using correlate::kNoTime;
  const int64_t deadline = 1'700'000'000'000'000'000;
  KeyState ks;
  ks.type = 3;
  ks.expires_ns = deadline - 5;
  ks.suppress_until_ns = deadline - 3'600 * kNanosPerSecond;
  Ev a;
  a.t = kNoTime;  // a temporal step not seen yet
  Ev b;
  b.t = deadline - 60 * kNanosPerSecond;
  b.pos = (uint64_t{7} << 48) | 123'456'789;
  b.hits = 42 | Ev::kExternal | Ev::kPeerV4;
  b.peer = 0xC6336401;  // 198.51.100.1
  Ev c;
  c.t = deadline - 1;
  c.pos = 3;
  c.hits = (Ev::kHitsMask - 1) | Ev::kInternal | Ev::kPeerV6;
  c.peer = 9;  // dictionary code
  ks.Insert(0, a);
  ks.Insert(1, b);
  ks.Insert(2, c);
  ks.extra = std::make_unique<correlate::KeyExtra>();
  ks.extra->vals = {1, ~uint64_t{0}, 3};
  ks.extra->desc = "descriptor";
  std::string enc;
  PartitionCorrelator::EncodeKeyTo(ks, deadline, &enc);
  KeyState back;
  std::string incident;
  ASSERT_TRUE(PartitionCorrelator::DecodeKey(enc, deadline, &back, &incident));
  EXPECT_TRUE(incident.empty());
  EXPECT_EQ(back.type, ks.type);
  EXPECT_EQ(back.expires_ns, ks.expires_ns);
  EXPECT_EQ(back.suppress_until_ns, ks.suppress_until_ns);
  ASSERT_EQ(back.n, 3);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].t, ks[i].t) << i;
    EXPECT_EQ(back[i].pos, ks[i].pos) << i;
    EXPECT_EQ(back[i].hits, ks[i].hits) << i;
    EXPECT_EQ(back[i].peer, ks[i].peer) << i;
  }
  ASSERT_TRUE(back.extra);
  EXPECT_EQ(back.extra->vals, ks.extra->vals);
  EXPECT_EQ(back.extra->desc, "descriptor");
  // Without a suppression the key costs a few bytes plus its events.
  KeyState plain;
  plain.type = 1;
  plain.expires_ns = deadline;
  std::string small;
  PartitionCorrelator::EncodeKeyTo(plain, deadline, &small);
  EXPECT_LE(small.size(), 5u);
  KeyState plain_back;
  ASSERT_TRUE(PartitionCorrelator::DecodeKey(small, deadline, &plain_back, &incident));
  EXPECT_EQ(plain_back.suppress_until_ns, kNoTime);
  EXPECT_EQ(plain_back.expires_ns, deadline);
  // Every truncation is refused, never read past.
  for (size_t n = 0; n < enc.size(); ++n) {
    KeyState t;
    EXPECT_FALSE(PartitionCorrelator::DecodeKey(enc.substr(0, n), deadline, &t, &incident)) << n;
  }
}

// State written by the previous format (2: absolute times) is still read.
TEST(KeyState, TheEarlierEncodingIsStillRead) {
  using correlate::Ev;
  using correlate::KeyState;
  std::string v;
  state::Encoder e(&v);
  e.U8(2);  // format
  e.U8(1);  // event_count
  e.SignedVarint(5'000);
  e.SignedVarint(correlate::kNoTime);
  e.Str("inc-1");
  e.Varint(2);
  for (int64_t dt : {1'000, 500}) {
    e.SignedVarint(dt);
    e.Varint(77);
    e.Varint(Ev::kPeerV4 | 5);
    e.Varint(0x0A000001);
  }
  e.U8(0);  // no extras
  KeyState ks;
  std::string incident;
  ASSERT_TRUE(PartitionCorrelator::DecodeKey(v, 9'999, &ks, &incident));
  EXPECT_EQ(ks.type, 1);
  EXPECT_EQ(ks.expires_ns, 5'000);
  EXPECT_EQ(ks.suppress_until_ns, correlate::kNoTime);
  EXPECT_EQ(incident, "inc-1");
  ASSERT_EQ(ks.n, 2);
  EXPECT_EQ(ks[0].t, 1'000);
  EXPECT_EQ(ks[1].t, 1'500);
  EXPECT_EQ(ks[1].hits, Ev::kPeerV4 | 5);
  EXPECT_EQ(ks[1].peer, 0x0A000001u);
}

TEST(KeyState, AConditionTypeChangeOnReloadResetsTheKey) {
  Harness counting(R"(
rules:
  - id: brute
    match: {entries: [ssh-fail]}
    condition: {type: event_count, count: 3, window: 1m}
)");
  Harness single(R"(
rules:
  - id: brute
    match: {entries: [ssh-fail]}
    condition: {type: single}
)");
  PartitionCorrelator pc(0, Opts());
  std::vector<In> in = {Msg(0, "Failed password"), Msg(1 * kS, "Failed password"),
                        Msg(2 * kS, "Failed password")};
  EXPECT_TRUE(counting.Run(pc, in, 1, nullptr, 0, 2).empty());
  // Reloaded as single: the third event opens on its own (window start = its time).
  auto got = single.Run(pc, in, 1, nullptr, 2, 3);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].window_start_ns, kT0 + 2 * kS);
  EXPECT_EQ(got[0].event_count, 1u);
}

}  // namespace
}  // namespace kizashi::testing
