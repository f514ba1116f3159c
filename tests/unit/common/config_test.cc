#include <gtest/gtest.h>

#include <cstdlib>

#include "engine/common/time.h"
#include "engine/config/schema.h"

namespace kizashi::config {
namespace {

struct Input {
  std::string name;
  std::string format = "eve";
  static void Declare(Schema& s, Input* c) {
    s.String("name", &c->name, "Input name.");
    s.String("format", &c->format, "Record format.", {"eve", "syslog"});
  }
};

struct TestConfig {
  int64_t max_bytes = 65536;
  bool strict = false;
  int64_t window_ns = 60 * kNanosPerSecond;
  std::string level = "info";
  std::vector<Input> inputs;
  static void Declare(Schema& s, TestConfig* c) {
    s.Section("decode", [&](Schema& d) {
      d.Int("max_event_bytes", &c->max_bytes, "Max record size.", 256, 1 << 24);
      d.Bool("strict", &c->strict, "Strict mode.");
    });
    s.Duration("window", &c->window_ns, "Window.", kNanosPerSecond, 86400 * kNanosPerSecond,
               Reload::kLive);
    s.String("log.level", &c->level, "Log level.", {"debug", "info", "warn", "error"});
    s.List("inputs", &c->inputs, "Inputs.", &Input::Declare);
  }
};

TEST(Schema, AppliesYamlWithDefaults) {
  TestConfig c;
  Schema s;
  TestConfig::Declare(s, &c);
  Diagnostics d;
  s.ApplyText("decode:\n  max_event_bytes: 128KiB\nwindow: 5m\ninputs:\n  - name: a\n  - name: b\n    format: syslog\n",
              "t.yaml", &d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();
  EXPECT_EQ(c.max_bytes, 131072);
  EXPECT_FALSE(c.strict);
  EXPECT_EQ(c.window_ns, 300 * kNanosPerSecond);
  ASSERT_EQ(c.inputs.size(), 2u);
  EXPECT_EQ(c.inputs[0].format, "eve");
  EXPECT_EQ(c.inputs[1].format, "syslog");
}

TEST(Schema, ReportsEveryErrorWithLine) {
  TestConfig c;
  Schema s;
  TestConfig::Declare(s, &c);
  Diagnostics d;
  s.ApplyText(
      "decode:\n  max_event_bytes: 1\n  strict: maybe\n  typo: 3\nwindow: forever\n"
      "inputs:\n  - name: a\n    format: pcap\n",
      "t.yaml", &d);
  EXPECT_EQ(d.error_count(), 5u) << d.ToText();
  std::string text = d.ToText();
  EXPECT_NE(text.find("t.yaml:2: error: [decode.max_event_bytes]"), std::string::npos) << text;
  EXPECT_NE(text.find("t.yaml:3: error: [decode.strict]"), std::string::npos);
  EXPECT_NE(text.find("t.yaml:4: error: [decode.typo] unknown configuration key"),
            std::string::npos);
  EXPECT_NE(text.find("t.yaml:5: error: [window]"), std::string::npos);
  EXPECT_NE(text.find("t.yaml:8: error: [inputs[0].format]"), std::string::npos);
}

TEST(Schema, OverridesAndEnvironment) {
  TestConfig c;
  Schema s;
  TestConfig::Declare(s, &c);
  Diagnostics d;
  s.ApplyOverride("decode.strict=true", &d);
  s.ApplyOverride("nope=1", &d);
  setenv("KIZASHI_DECODE__MAX_EVENT_BYTES", "4096", 1);
  s.ApplyEnvironment(&d);
  unsetenv("KIZASHI_DECODE__MAX_EVENT_BYTES");
  EXPECT_TRUE(c.strict);
  EXPECT_EQ(c.max_bytes, 4096);
  EXPECT_EQ(d.error_count(), 1u);
}

TEST(Schema, ReferenceListsEveryKey) {
  TestConfig c;
  Schema s;
  TestConfig::Declare(s, &c);
  auto ref = s.Reference();
  std::vector<std::string> paths;
  for (auto& k : ref) paths.push_back(k.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"decode.max_event_bytes", "decode.strict", "inputs",
                                             "inputs[].format", "inputs[].name", "log.level",
                                             "window"}));
  EXPECT_EQ(ref[0].default_value, "65536");
  EXPECT_EQ(ref[6].default_value, "1m");
  EXPECT_NE(s.ReferenceMarkdown().find("| `window` | duration | `1m` |"), std::string::npos);
}

}  // namespace
}  // namespace kizashi::config
