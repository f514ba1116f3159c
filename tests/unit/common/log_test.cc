// Structured logging: logfmt and JSON lines, level filtering, per-site rate limiting.
#include <gtest/gtest.h>

#include <string>

#include "engine/common/log.h"

namespace kizashi::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_level_ = GetLevel();
    CaptureForTest(&out_);
  }
  void TearDown() override {
    CaptureForTest(nullptr);
    SetLevel(saved_level_);
    SetFormat(Format::kLogfmt);
  }
  std::string out_;
  Level saved_level_;
};

TEST_F(LogTest, LogfmtQuotesOnlyWhenNeeded) {
  SetFormat(Format::kLogfmt);
  KZ_LOG(kWarn, "reload.failed").Kv("file", "/etc/kizashi/packs/a b.yaml").Kv("line", 12)
      .Kv("ok", false).Kv("plain", "x");
  EXPECT_NE(out_.find(" level=warn event=reload.failed file=\"/etc/kizashi/packs/a b.yaml\" "
                      "line=12 ok=false plain=x\n"),
            std::string::npos)
      << out_;
  EXPECT_EQ(out_.rfind("ts=", 0), 0u);
}

TEST_F(LogTest, JsonLineIsOneObject) {
  SetFormat(Format::kJson);
  KZ_LOG(kError, "sink.failed").Kv("destination", "ministry \"fsa\"").Kv("n", uint64_t{3});
  ASSERT_FALSE(out_.empty());
  EXPECT_EQ(out_.front(), '{');
  EXPECT_EQ(out_.substr(out_.size() - 2), "}\n");
  EXPECT_NE(out_.find("\"level\":\"error\",\"event\":\"sink.failed\","
                      "\"destination\":\"ministry \\\"fsa\\\"\",\"n\":3}"),
            std::string::npos)
      << out_;
}

TEST_F(LogTest, LevelFilters) {
  SetLevel(Level::kWarn);
  KZ_LOG(kInfo, "hidden");
  KZ_LOG(kDebug, "hidden");
  KZ_LOG(kError, "shown");
  EXPECT_EQ(out_.find("hidden"), std::string::npos);
  EXPECT_NE(out_.find("event=shown"), std::string::npos);
}

TEST_F(LogTest, EveryPrintsOncePerPeriodAndCountsTheRest) {
  for (int i = 0; i < 5; ++i) {
    KZ_LOG_EVERY(kWarn, "sink.retry", 3600).Kv("i", i);
  }
  EXPECT_NE(out_.find("event=sink.retry suppressed=0 i=0\n"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("i=1"), std::string::npos);
  // An `else` after the macro belongs to the caller's `if`.
  bool took_else = false;
  bool condition = false;
  if (condition)
    KZ_LOG_EVERY(kWarn, "never", 1);
  else
    took_else = true;
  EXPECT_TRUE(took_else);
}

}  // namespace
}  // namespace kizashi::log
