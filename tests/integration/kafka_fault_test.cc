// Fault tests on a real three-node Apache Kafka 3.9 cluster (replication factor 3,
// min.insync.replicas 2; two input topics of 6 partitions), exactly-once mode:
//
//   KillInstanceRepeatedly   kill -9 one instance again and again — at random moments and
//                            exactly inside transaction commits (KIZASHI_FAULT points) — and
//                            restart it each time
//   ScaleOutAndIn            1 -> 2 -> 1 instances mid-stream, one of them killed with kill -9
//   KillBroker               kill -9 one broker mid-run, start it again later
//   StopCluster              stop all three brokers mid-run (30 s long, 10 s short), restart
//   AtLeastOnceSurvivesKills kill -9 in at_least_once mode: nothing lost, duplicates allowed
//
// In every case the set of (destination, notification id, revision) read back with kcat in
// read_committed mode must equal the uninterrupted single-instance run of the same data (which
// must itself equal the file replay; the data is produced in the file replay's order, `kizashi
// produce --order file-replay`), with 0 lost and 0 duplicates (at_least_once: 0 lost).
//
// The default run is short (200 k events, 3 kills); KIZASHI_LONG=1 (deploy/test.sh --long)
// runs 1 M events, 12 kills and a 30 s cluster stop. Kill moments are seeded (reproducible).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "bench/traffic/sensors.h"
#include "engine/common/strings.h"
#include "tests/integration/kafka_harness.h"
#include "tests/testing/testing.h"

namespace kizashi::itest {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Suite {
  Cluster cluster;
  std::string dir;
  std::string scenario;
  int64_t records = 0;
  Outcome reference;      // uninterrupted single-instance Kafka run
  std::string setup_error;
};
Suite* g_suite = nullptr;

void Progress(const std::string& what) {
  std::fprintf(stderr, "[%s] %s\n", Now().c_str(), what.c_str());
}

class Scenario {
 public:
  Scenario(Suite* s, std::string name, std::string guarantee = "exactly_once", int64_t rate = -1)
      : s_(s), name_(std::move(name)), guarantee_(std::move(guarantee)) {
    // Per instance: the input takes about 5 s (short) or 40 s (long) with one instance.
    rate_ = rate >= 0 ? rate : (Long() ? 25'000 : 40'000);
    dir_ = s->dir + "/" + name_;
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    prefix_ = StrCat("f", ::getpid(), "-", name_, ".");
  }
  ~Scenario() {
    for (auto& [n, p] : procs_) p->Signal(SIGKILL);
  }

  std::string Config(const std::string& instance) {
    std::string path = StrCat(dir_, "/", instance, ".yaml");
    if (!fs::exists(path)) {
      KafkaConfig c;
      c.scenario_dir = s_->scenario;
      c.bootstrap = s_->cluster.bootstrap;
      c.prefix = prefix_;
      c.state_dir = StrCat(dir_, "/state-", instance);
      c.guarantee = guarantee_;
      c.instance_id = instance;
      c.partitions = 6;
      c.replication = 3;
      // Paced, so that the kills, rebalances and broker failures land while the input is
      // being processed (unpaced, a 1 M-event run is over in a few seconds).
      if (rate_ > 0) c.extra_kafka = StrCat("  max_records_per_second: ", rate_, "\n");
      WriteGeneratedKafkaConfig(path, c);
    }
    return path;
  }

  ::testing::AssertionResult Prepare() {
    std::string cfg = Config("a");
    std::string err;
    if (RunCommand({KizashiBin(), "topics", "create", "--config", cfg}, nullptr, &err) != 0) {
      return ::testing::AssertionFailure() << "topics create: " << err;
    }
    // The file replay this is compared with merges both feeds in one partition by fraction
    // read, an order that is not event time: the same order, to reproduce it exactly (in
    // event time, 8 of the 700 notification keys of the 200 k run differ: docs/kafka.md).
    if (RunCommand({KizashiBin(), "produce", "--config", cfg, "--order", "file-replay"}, nullptr,
                   &err) != 0) {
      return ::testing::AssertionFailure() << "produce: " << err;
    }
    // The high watermarks follow the acknowledgements within moments.
    absl::StatusOr<int64_t> n;
    for (int i = 0; i < 300; ++i) {
      n = TopicRecords(s_->cluster.bootstrap, Inputs());
      if (n.ok() && *n == s_->records) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!n.ok() || *n != s_->records) {
      return ::testing::AssertionFailure() << "input topics hold " << (n.ok() ? *n : -1)
                                           << " records, want " << s_->records;
    }
    Progress(StrCat(name_, ": ", s_->records, " records produced"));
    return ::testing::AssertionSuccess();
  }

  void Start(const std::string& instance, const std::string& fault = "") {
    auto p = std::make_unique<Process>();
    std::error_code ec;
    auto size = fs::file_size(StrCat(dir_, "/", instance, ".log"), ec);
    log_start_[instance] = ec ? 0 : static_cast<size_t>(size);
    std::vector<std::string> env;
    if (!fault.empty()) env.push_back("KIZASHI_FAULT=" + fault);
    ASSERT_TRUE(p->Start({KizashiBin(), "run", "--config", Config(instance)},
                         StrCat(dir_, "/", instance, ".log"), env));
    Progress(StrCat(name_, ": started ", instance, fault.empty() ? "" : " with " + fault));
    procs_[instance] = std::move(p);
  }
  void Kill(const std::string& instance) {
    procs_[instance]->Signal(SIGKILL);
    procs_[instance]->Wait();
    Progress(StrCat(name_, ": kill -9 ", instance));
  }
  int Stop(const std::string& instance) {
    // An instance killed right after it started may not have installed its signal handling
    // yet: wait until it says it has started (or has exited).
    for (int i = 0; i < 600 && procs_[instance]->running(); ++i) {
      std::ifstream in(procs_[instance]->log());
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (text.find("event=kafka.started", log_start_[instance]) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    int rc = procs_[instance]->Stop();
    Progress(StrCat(name_, ": stopped ", instance, " (exit ", rc, ")"));
    return rc;
  }
  bool Running(const std::string& instance) {
    auto it = procs_.find(instance);
    return it != procs_.end() && it->second->running();
  }
  // Waits until `instance` exits by itself (a KIZASHI_FAULT kill). If the input runs out
  // before the fault point is reached (a fast machine), kills it instead. False on timeout.
  bool WaitExit(const std::string& instance, std::chrono::seconds timeout) {
    auto end = Clock::now() + timeout;
    int polls = 0;
    while (Clock::now() < end) {
      if (!Running(instance)) {
        int rc = procs_[instance]->Wait();
        Progress(StrCat(name_, ": ", instance, " killed itself at its fault point (exit ", rc, ")"));
        return rc == 128 + SIGKILL;
      }
      if (++polls % 20 == 0) {
        auto c = CaughtUp(s_->cluster.bootstrap, prefix_ + "kizashi", Inputs());
        if (c.ok() && *c) {
          Progress(StrCat(name_, ": input finished before the fault point"));
          Kill(instance);
          return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Waits until the group commits beyond `before` (the instance just started is working).
  bool WaitProgressBeyond(int64_t before, std::chrono::seconds timeout = std::chrono::seconds(120)) {
    auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      int64_t n = Committed();
      if (n > before || n >= s_->records) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  int64_t Committed() {
    auto n = CommittedRecords(s_->cluster.bootstrap, prefix_ + "kizashi", Inputs());
    return n.ok() ? *n : -1;
  }
  // Waits until the group has committed at least `fraction` of the input (false on timeout or
  // when every instance has died).
  bool WaitFraction(double fraction, std::chrono::seconds timeout = std::chrono::seconds(300)) {
    auto end = Clock::now() + timeout;
    int64_t want = static_cast<int64_t>(fraction * static_cast<double>(s_->records));
    while (Clock::now() < end) {
      if (Committed() >= want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Waits for the end of the input, stops every instance, reads back and compares.
  void FinishAndCompare(bool exactly_once = true) {
    auto end = Clock::now() + std::chrono::minutes(6);
    bool done = false;
    while (!done && Clock::now() < end) {
      auto c = CaughtUp(s_->cluster.bootstrap, prefix_ + "kizashi", Inputs());
      done = c.ok() && *c;
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_TRUE(done) << name_ << ": input not fully committed; logs in " << dir_;
    for (auto& [n, p] : procs_) {
      if (p->running()) {
        EXPECT_EQ(Stop(n), 0) << "log: " << p->log();
      }
    }
    auto got = ReadOutputs(s_->cluster.bootstrap, prefix_, exactly_once);
    ASSERT_TRUE(got.ok()) << got.status();
    Outcome g = Summarize(*got);
    Progress(StrCat(name_, ": ", g.notifications.size(), " notifications read back (reference ",
                    s_->reference.notifications.size(), ")"));
    EXPECT_EQ(SetDifference(s_->reference, g), "") << "logs in " << dir_;
    if (exactly_once) {
      EXPECT_TRUE(g.Duplicates().empty()) << Join(g.Duplicates(), "\n");
      EXPECT_EQ(g.notifications.size(), s_->reference.notifications.size());
    }
    for (auto& [n, p] : procs_) {
      std::string log = testing::ReadFileOrDie(p->log());
      size_t at = 0;
      while ((at = log.find("event=kafka.restore.done", at)) != std::string::npos) {
        size_t eol = log.find('\n', at);
        Progress(StrCat(name_, ": ", n, ": ", log.substr(at, eol - at)));
        at = eol;
      }
    }
  }

  std::vector<std::string> Inputs() { return {prefix_ + "sensors-a", prefix_ + "sensors-b"}; }
  const std::string& dir() const { return dir_; }

 private:
  Suite* s_;
  std::string name_, guarantee_, dir_, prefix_;
  int64_t rate_ = 0;
  std::map<std::string, std::unique_ptr<Process>> procs_;
  std::map<std::string, size_t> log_start_;  // log size when each instance last started
};

class KafkaFault : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g_suite = new Suite();
    Suite& s = *g_suite;
    s.cluster = ClusterFromEnv("KIZASHI_KAFKA3_DIR");
    if (!s.cluster.skip.empty()) return;
    s.dir = testing::MakeTempDir("kafka-fault");
    s.scenario = s.dir + "/scenario";
    traffic::sensors::GenOptions o;
    o.events = Long() ? 1'000'000 : 200'000;
    traffic::sensors::GenResult r;
    absl::Status st = traffic::sensors::WriteScenario(s.scenario, o, &r);
    if (!st.ok()) {
      s.setup_error = std::string(st.message());
      return;
    }
    s.records = r.records_a + r.records_b;
    Progress(StrCat("generated ", s.records, " records (", r.bytes, " bytes, ", r.episodes,
                    " attack episodes)"));
    // The reference: one instance, no faults.
    Scenario ref(&s, "reference", "exactly_once", /*rate=*/0);
    auto ok = ref.Prepare();
    if (!ok) {
      s.setup_error = ok.message();
      return;
    }
    ref.Start("a");
    if (!ref.WaitFraction(1.0)) {
      s.setup_error = "the reference run did not finish; logs in " + ref.dir();
      return;
    }
    ref.Stop("a");
    auto got = ReadOutputs(s.cluster.bootstrap, StrCat("f", ::getpid(), "-reference."));
    if (!got.ok()) {
      s.setup_error = std::string(got.status().message());
      return;
    }
    s.reference = Summarize(*got);
    std::vector<Doc> replay;
    st = FileReplay(s.scenario, s.dir + "/replay", &replay);
    if (!st.ok()) {
      s.setup_error = std::string(st.message());
      return;
    }
    std::string diff = SetDifference(Summarize(replay), s.reference);
    if (!diff.empty()) s.setup_error = "the reference run differs from the file replay:\n" + diff;
    if (!s.reference.Duplicates().empty()) {
      s.setup_error = "the reference run has duplicates: " + Join(s.reference.Duplicates(), "\n");
    }
    Progress(StrCat("reference: ", s.reference.notifications.size(), " notifications, ",
                    s.reference.dead_letters.size(), " dead letters"));
  }
  static void TearDownTestSuite() {
    if (g_suite && !g_suite->dir.empty() && !::testing::UnitTest::GetInstance()->Failed()) {
      testing::RemoveTree(g_suite->dir);
    }
    delete g_suite;
    g_suite = nullptr;
  }
  void SetUp() override {
    if (!g_suite->cluster.skip.empty()) GTEST_SKIP() << g_suite->cluster.skip;
    ASSERT_EQ(g_suite->setup_error, "");
    ASSERT_GT(g_suite->reference.notifications.size(), 100u);
    ASSERT_EQ(g_suite->cluster.nodes, 3);
  }
};

TEST_F(KafkaFault, KillInstanceRepeatedly) {
  Scenario run(g_suite, "kills");
  ASSERT_TRUE(run.Prepare());
  // Kill moments: alternately inside a commit (a fault point on the n-th commit of that
  // incarnation) and at a seeded random fraction of the input.
  const char* points[] = {"commit.before_end", "commit.after_end", "commit.before_offsets"};
  int kills = Long() ? 12 : 3;
  uint64_t seed = 12345;
  auto next = [&seed]() {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  for (int k = 0; k < kills; ++k) {
    if (k % 2 == 0) {
      std::string fault = StrCat(points[(k / 2) % 3], ":", 2 + next() % 4);
      run.Start("a", fault);
      ASSERT_TRUE(run.WaitExit("a", std::chrono::seconds(120))) << "fault point never reached";
    } else {
      int64_t before = run.Committed();
      run.Start("a");
      double f = (static_cast<double>(k) + static_cast<double>(next() % 100) / 100.0) / kills;
      ASSERT_TRUE(run.WaitProgressBeyond(before));
      ASSERT_TRUE(run.WaitFraction(std::min(f, 0.95)));
      run.Kill("a");
    }
  }
  run.Start("a");
  run.FinishAndCompare();
}

TEST_F(KafkaFault, ScaleOutAndIn) {
  Scenario run(g_suite, "scale");
  ASSERT_TRUE(run.Prepare());
  run.Start("a");
  ASSERT_TRUE(run.WaitFraction(0.15));
  run.Start("b");  // 1 -> 2: b takes over partitions, restoring them from the changelog
  ASSERT_TRUE(run.WaitFraction(0.45));
  run.Kill("a");   // 2 -> 1 the hard way: b takes a's partitions after its session expires
  ASSERT_TRUE(run.WaitFraction(0.65));
  run.Start("a");  // 1 -> 2 again (a's local state is behind: caught up from the changelog)
  ASSERT_TRUE(run.WaitFraction(0.8));
  EXPECT_EQ(run.Stop("b"), 0);  // 2 -> 1 gracefully: b commits and hands over
  run.FinishAndCompare();
}

TEST_F(KafkaFault, KillBroker) {
  Scenario run(g_suite, "broker");
  ASSERT_TRUE(run.Prepare());
  run.Start("a");
  ASSERT_TRUE(run.WaitFraction(0.3));
  ASSERT_EQ(KafkaSh(g_suite->cluster, {"kill-node", "2"}), 0);
  Progress("kill -9 broker 2");
  ASSERT_TRUE(run.WaitFraction(0.7, std::chrono::seconds(600)));
  ASSERT_EQ(KafkaSh(g_suite->cluster, {"start-node", "2"}), 0);
  Progress("broker 2 started again");
  run.FinishAndCompare();
}

TEST_F(KafkaFault, StopCluster) {
  Scenario run(g_suite, "cluster");
  ASSERT_TRUE(run.Prepare());
  run.Start("a");
  ASSERT_TRUE(run.WaitFraction(0.3));
  ASSERT_EQ(KafkaSh(g_suite->cluster, {"stop"}), 0);
  int secs = Long() ? 30 : 10;
  Progress(StrCat("cluster stopped for ", secs, " s"));
  std::this_thread::sleep_for(std::chrono::seconds(secs));
  EXPECT_TRUE(run.Running("a")) << "the instance gave up while the cluster was down";
  ASSERT_EQ(KafkaSh(g_suite->cluster, {"start"}), 0);
  Progress("cluster started again");
  run.FinishAndCompare();
}

TEST_F(KafkaFault, AtLeastOnceSurvivesKills) {
  Scenario run(g_suite, "alos", "at_least_once");
  ASSERT_TRUE(run.Prepare());
  int kills = Long() ? 6 : 2;
  for (int k = 0; k < kills; ++k) {
    int64_t before = run.Committed();
    run.Start("a");
    ASSERT_TRUE(run.WaitProgressBeyond(before));
    ASSERT_TRUE(run.WaitFraction((k + 0.5) / kills));
    run.Kill("a");
  }
  run.Start("a");
  run.FinishAndCompare(/*exactly_once=*/false);
}

}  // namespace
}  // namespace kizashi::itest
