// KafkaFixtureTest: the set-up every real-broker test shares — the fixture broker named by
// KIZASHI_KAFKA_DIR (the test is skipped, with the reason, when it is unavailable), a temporary
// directory kept for inspection when the test fails, and a topic prefix of its own per test
// (`<tag>-<pid>-<test name>.`) so tests never see each other's topics; and running the
// `kizashi` binary against it (to completion, or `run` until the group has caught up).
//
// Ownership: gtest creates one per test. Thread contract: the test's thread.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/common/strings.h"
#include "tests/integration/kafka_harness.h"
#include "tests/testing/testing.h"

namespace kizashi::itest {

class KafkaFixtureTest : public ::testing::Test {
 protected:
  explicit KafkaFixtureTest(std::string tag) : tag_(std::move(tag)) {}

  void SetUp() override {
    cluster_ = ClusterFromEnv("KIZASHI_KAFKA_DIR");
    if (!cluster_.skip.empty()) GTEST_SKIP() << cluster_.skip;
    ASSERT_FALSE(cluster_.bootstrap.empty()) << "no bootstrap address in " << cluster_.dir;
    dir_ = testing::MakeTempDir(StrCat("kafka-", tag_));
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = StrCat(tag_, "-", ::getpid(), "-", info->name(), ".");
  }
  void TearDown() override {
    if (!dir_.empty() && !HasFailure()) testing::RemoveTree(dir_);
    else if (!dir_.empty()) std::fprintf(stderr, "kept %s for inspection\n", dir_.c_str());
  }

  // `kizashi <args> --config cfg --set s ...`.
  static std::vector<std::string> KizashiArgv(const std::vector<std::string>& args,
                                              const std::string& cfg,
                                              const std::vector<std::string>& sets) {
    std::vector<std::string> argv = {KizashiBin()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(cfg);
    for (const auto& s : sets) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    return argv;
  }

  // Runs `kizashi <args>` to completion and returns its exit status; its standard error and
  // output go to `err` and `out` (both printed when it fails).
  int Kizashi(const std::vector<std::string>& args, const std::string& cfg,
              const std::vector<std::string>& sets, std::string* err = nullptr,
              std::string* out = nullptr) {
    std::string o, e;
    int rc = RunCommand(KizashiArgv(args, cfg, sets), &o, &e);
    if (out) *out = o;
    if (err) *err = e;
    if (rc != 0) {
      std::fprintf(stderr, "kizashi %s: exit %d\n%s\n%s\n", args[0].c_str(), rc, o.c_str(),
                   e.c_str());
    }
    return rc;
  }

  // Starts `kizashi run` (log in dir_/log_name), waits until `group` has committed every record
  // of `inputs` (3 minutes at most), calls `caught_up` with the log's path, stops it.
  void RunUntilCaughtUp(const std::string& cfg, const std::vector<std::string>& sets,
                        const std::string& group, const std::vector<std::string>& inputs,
                        const std::string& log_name = "run.log",
                        const std::function<void(const std::string& log)>& caught_up = {}) {
    Process p;
    ASSERT_TRUE(p.Start(KizashiArgv({"run"}, cfg, sets), dir_ + "/" + log_name));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    bool done = false;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(p.running()) << "kizashi run exited early; log: " << dir_ << "/" << log_name;
      auto c = CaughtUp(cluster_.bootstrap, group, inputs);
      done = c.ok() && *c;
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_TRUE(done) << "not caught up after 3 minutes; log: " << dir_ << "/" << log_name;
    if (caught_up) caught_up(dir_ + "/" + log_name);
    EXPECT_EQ(p.Stop(), 0) << "log: " << dir_ << "/" << log_name;
  }

  // The demo traffic (deploy/demo/traffic) produced with kcat onto the demo Kafka
  // configuration's inputs (deploy/kafka/kizashi-kafka.yaml) under prefix_.
  void KcatProduceDemo() {
    ASSERT_TRUE(KcatProduce(cluster_.bootstrap, prefix_ + "bank-a-syslog",
                            testing::SourcePath("deploy/demo/traffic/bank-a-syslog.log"), "bank-a",
                            dir_).ok());
    ASSERT_TRUE(KcatProduce(cluster_.bootstrap, prefix_ + "sensors-eve",
                            testing::SourcePath("deploy/demo/traffic/eve.jsonl"), "", dir_).ok());
    ASSERT_TRUE(KcatProduce(cluster_.bootstrap, prefix_ + "operator-reports",
                            testing::SourcePath("deploy/demo/traffic/operator-reports.jsonl"), "",
                            dir_).ok());
  }

  Cluster cluster_;
  std::string dir_;
  std::string prefix_;

 private:
  std::string tag_;
};

}  // namespace kizashi::itest
