// Hot reload: the watcher publishes only sets that loaded, keeps the old one on failure, and a
// swap under load loses and duplicates nothing.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <thread>

#include "engine/common/file_util.h"
#include "engine/match/matcher.h"
#include "patterns/load/probe.h"
#include "patterns/load/watcher.h"
#include "tests/testing/testing.h"
#include "tests/unit/patterns/pattern_test_util.h"

namespace kizashi::patterns {
namespace {

std::string PackText(std::string_view version, std::string_view regex) {
  return StrCat("pack:\n  id: live\n  version: \"", version,
                "\"\n  issuer: test\nentries:\n  - id: e\n    regex: '", regex,
                "'\n    fields: [message]\n");
}

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("watch");
    auto kp = GenerateEd25519KeyPair();
    ASSERT_TRUE(kp.ok());
    key_ = *kp;
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/issuer.pub", key_.public_pem).ok());
    config_.packs = {dir_ + "/live.yaml"};
    config_.trusted_keys = {dir_ + "/issuer.pub"};
    config_.cache_dir = dir_ + "/cache";
  }
  void TearDown() override { testing::RemoveTree(dir_); }
  void WritePack(const std::string& text, bool sign = true) {
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/live.yaml", text).ok());
    if (sign) {
      ASSERT_TRUE(WriteFileAtomic(dir_ + "/live.yaml.sig", *SignPack(text, key_.private_pem)).ok());
    }
  }
  std::string dir_;
  KeyPair key_;
  PatternsConfig config_;
};

TEST_F(WatcherTest, PublishesGoodSetsKeepsServingOnFailureAndReportsMetrics) {
  WritePack(PackText("1", "alpha"));
  prometheus::Registry registry;
  ReloadProbe probe(registry);
  std::vector<std::string> published;
  PackWatcher w(config_, [&](std::shared_ptr<const PatternSet> s) { published.push_back(s->version()); },
                &probe);
  w.set_settle_polls(0);
  LoadResult first = w.LoadNow();
  ASSERT_TRUE(first.ok()) << first.diags.ToText();
  EXPECT_EQ(published, std::vector<std::string>({"live@1"}));
  EXPECT_FALSE(w.PollOnce());  // nothing changed

  WritePack(PackText("2", "beta"));
  EXPECT_TRUE(w.PollOnce());
  EXPECT_EQ(published.back(), "live@2");

  // A pack that does not compile: nothing published, the old set stays, the reason is kept.
  WritePack(PackText("3", "a(b"));
  EXPECT_TRUE(w.PollOnce());
  EXPECT_EQ(published.size(), 2u);
  ReloadStatus st = w.status();
  EXPECT_FALSE(st.last_ok);
  EXPECT_EQ(st.version, "live@2");
  EXPECT_NE(st.last_error.find("Hyperscan rejects"), std::string::npos) << st.last_error;
  EXPECT_FALSE(w.PollOnce());  // the failed state is not retried until the files change

  // Modified after signing: refused.
  WritePack(PackText("4", "gamma"));
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/live.yaml", PackText("4", "delta")).ok());
  EXPECT_TRUE(w.PollOnce());
  EXPECT_EQ(published.size(), 2u);
  EXPECT_NE(w.status().last_error.find("modified after signing"), std::string::npos);

  // Back to a signed pack seen before: served from the cache.
  WritePack(PackText("2", "beta"));
  EXPECT_TRUE(w.PollOnce());
  EXPECT_EQ(published.back(), "live@2");
  st = w.status();
  EXPECT_TRUE(st.last_ok);
  EXPECT_TRUE(st.last_from_cache);
  EXPECT_EQ(st.attempts, 5u);
  EXPECT_EQ(st.failures, 2u);

  // Metrics: pack in service, reload counts and last result.
  std::map<std::string, double> m;
  for (const auto& fam : registry.Collect()) {
    for (const auto& metric : fam.metric) {
      std::string key = fam.name;
      for (const auto& l : metric.label) key += StrCat(",", l.name, "=", l.value);
      m[key] = fam.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
    }
  }
  EXPECT_EQ(m[StrCat("kizashi_patterns_pack_info,pack=live,signer=", key_.key_id, ",version=2")], 1);
  EXPECT_EQ(m["kizashi_patterns_reloads_total,result=ok"], 3);
  EXPECT_EQ(m["kizashi_patterns_reloads_total,result=error"], 2);
  EXPECT_EQ(m["kizashi_patterns_last_reload_success"], 1);
  EXPECT_EQ(m["kizashi_patterns_last_reload_from_cache"], 1);
  EXPECT_EQ(m["kizashi_patterns_entries,mode=direct"], 1);
}

TEST_F(WatcherTest, SettlesBeforeReloadingAndRunsInTheBackground) {
  WritePack(PackText("1", "alpha"));
  std::atomic<int> published{0};
  PackWatcher w(config_, [&](std::shared_ptr<const PatternSet>) { ++published; });
  w.set_settle_polls(1);
  ASSERT_TRUE(w.LoadNow().ok());
  WritePack(PackText("2", "beta"));
  EXPECT_FALSE(w.PollOnce());  // changed: wait one poll for the files to settle
  EXPECT_TRUE(w.PollOnce());
  EXPECT_EQ(published.load(), 2);
  // The thread starts and stops cleanly (no timing is asserted).
  w.Start();
  w.Stop();
}

// Reload under load: worker threads pin the current set per batch (as the runtime does with
// its snapshot) and scan; another thread swaps between two sets. Every event must be scanned
// exactly once, against exactly one set, and its matches must be exactly that set's.
TEST(ReloadUnderLoad, NoEventIsLostOrScannedTwice) {
  Diagnostics d;
  auto set_a = testutil::CompileYaml(
      "pack:\n  id: p\n  version: a\n  issuer: t\nentries:\n"
      "  - id: from-a\n    literal: token\n    fields: [message]\n",
      &d);
  auto set_b = testutil::CompileYaml(
      "pack:\n  id: p\n  version: b\n  issuer: t\nentries:\n"
      "  - id: from-b\n    literal: token\n    fields: [message]\n"
      "  - id: b-only\n    regex: 'to+ken'\n    fields: [message]\n",
      &d);
  ASSERT_NE(set_a, nullptr) << d.ToText();
  ASSERT_NE(set_b, nullptr) << d.ToText();

  constexpr size_t kEvents = 40000;
  constexpr size_t kBatch = 64;
  constexpr int kWorkers = 3;
  const std::string text = "user token seen";
  std::atomic<std::shared_ptr<const PatternSet>> current(set_a);
  std::atomic<size_t> next{0};
  std::atomic<int> swaps{0};
  std::atomic<bool> workers_done{false};
  // Per event: how many times it was scanned, which set (1 = a, 2 = b), what matched.
  std::vector<std::atomic<int>> scanned(kEvents);
  std::vector<int> set_of(kEvents, 0);
  std::vector<std::string> got(kEvents);

  std::atomic<size_t> pinned_a{0}, pinned_b{0};
  std::thread swapper([&] {
    // Alternate between the sets, swapping only once a worker has pinned the set in service
    // (set a at first): both sets are used whatever the scheduling, and swaps happen while
    // other workers are mid-batch on the previous set.
    bool b_in_service = false;
    size_t used_at_store = 0;
    while (!workers_done.load()) {
      std::atomic<size_t>& used = b_in_service ? pinned_b : pinned_a;
      while (used.load() == used_at_store && !workers_done.load()) std::this_thread::yield();
      b_in_service = !b_in_service;
      used_at_store = (b_in_service ? pinned_b : pinned_a).load();
      current.store(b_in_service ? set_b : set_a);
      swaps.fetch_add(1);
    }
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      match::Matcher matcher;
      Batch batch;
      while (true) {
        size_t begin = next.fetch_add(kBatch);
        if (begin >= kEvents) break;
        size_t end = std::min(kEvents, begin + kBatch);
        // Checkpoint: the second half of the events waits for the first swap, so that set b
        // is used whatever the scheduling (the swapper leaves b in service until it is used).
        if (begin >= kEvents / 2) {
          while (swaps.load() == 0) std::this_thread::yield();
        }
        std::shared_ptr<const PatternSet> pinned = current.load();  // one set per batch
        (pinned == set_a ? pinned_a : pinned_b).fetch_add(1);
        batch.Clear();
        for (size_t i = begin; i < end; ++i) {
          Event e;
          e.pos.offset = static_cast<int64_t>(i);
          e.set_field(FieldId::kMessage, text);
          batch.events.push_back(e);
        }
        ASSERT_TRUE(matcher.Match(batch, *pinned).ok());
        for (size_t k = 0; k < batch.events.size(); ++k) {
          size_t i = static_cast<size_t>(batch.events[k].pos.offset);
          scanned[i].fetch_add(1);
          set_of[i] = pinned == set_a ? 1 : 2;
          std::vector<std::string> ids;
          for (uint32_t m = batch.match_begin[k]; m < batch.match_begin[k + 1]; ++m) {
            ids.push_back(pinned->entries()[batch.matches[m].entry].entry_id);
          }
          std::sort(ids.begin(), ids.end());
          got[i] = Join(ids, ",");
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  workers_done.store(true);
  swapper.join();

  size_t on_a = 0, on_b = 0;
  for (size_t i = 0; i < kEvents; ++i) {
    ASSERT_EQ(scanned[i].load(), 1) << "event " << i;
    if (set_of[i] == 1) {
      ++on_a;
      EXPECT_EQ(got[i], "from-a") << "event " << i;
    } else {
      ++on_b;
      EXPECT_EQ(got[i], "b-only,from-b") << "event " << i;
    }
  }
  EXPECT_EQ(on_a + on_b, kEvents);
  EXPECT_GT(swaps.load(), 1);
  EXPECT_GT(on_a, 0u);
  EXPECT_GT(on_b, 0u);
}

}  // namespace
}  // namespace kizashi::patterns
