// KafkaFixtureTest: the set-up every real-broker test shares — the fixture broker named by
// KIZASHI_KAFKA_DIR (the test is skipped, with the reason, when it is unavailable), a temporary
// directory kept for inspection when the test fails, and a topic prefix of its own per test
// (`<tag>-<pid>-<test name>.`) so tests never see each other's topics.
//
// Ownership: gtest creates one per test. Thread contract: the test's thread.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>

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

  Cluster cluster_;
  std::string dir_;
  std::string prefix_;

 private:
  std::string tag_;
};

}  // namespace kizashi::itest
