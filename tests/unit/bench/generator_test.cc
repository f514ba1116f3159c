// The traffic generator's annex4 profile: the catalogue is complete and labelled as the
// framework expects, output is deterministic, and attacks use the real lines of the data set.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "bench/traffic/generator.h"
#include "bench/traffic/real_lines.h"
#include "engine/common/diag.h"
#include "engine/runtime/engine_config.h"
#include "tests/testing/testing.h"

namespace kizashi::traffic {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The value of "key":"..." in a flat JSON line (labels are written by the generator: no escapes).
std::string Field(const std::string& line, const std::string& key) {
  std::string k = "\"" + key + "\":\"";
  size_t a = line.find(k);
  if (a == std::string::npos) return "";
  a += k.size();
  return line.substr(a, line.find('"', a) - a);
}

size_t Lines(const fs::path& p) {
  std::ifstream f(p);
  std::string l;
  size_t n = 0;
  while (std::getline(f, l)) ++n;
  return n;
}

GenOptions Annex4(uint64_t events) {
  GenOptions o;
  o.annex4 = true;
  o.events = events;
  o.attack_fraction = 0.2;  // many instances in a small corpus
  return o;
}

TEST(Annex4Generator, EveryCaseIsInjectedAndLabelledWithTheFrameworkExpectation) {
  std::string dir = testing::MakeTempDir("annex4");
  uint64_t eve = 0, sys = 0;
  ASSERT_TRUE(Generator::WriteDirectory(Annex4(20'000), dir, true, &eve, &sys).ok());
  // The four reportable cases of Annex 4 and its ten not-reportable examples.
  const std::map<std::string, std::string> expected = {
      {"a_access_attempt_internal_system", "reportable"},
      {"b_virus_inside_critical_system", "reportable"},
      {"c_severe_attack_pattern", "reportable"},
      {"d_group_intent", "reportable"},
      {"nr_backdoor_found", "not_reportable"},
      {"nr_suspicious_modem", "not_reportable"},
      {"nr_attack_tool_planted", "not_reportable"},
      {"nr_open_maintenance_port", "not_reportable"},
      {"nr_configuration_stolen", "not_reportable"},
      {"nr_passwords_stolen", "not_reportable"},
      {"nr_sniffer_on_gateway", "not_reportable"},
      {"nr_firewall_port_scan", "not_reportable"},
      {"nr_advertising_web_attack", "not_reportable"},
      {"nr_office_mail_virus", "not_reportable"},
  };
  std::map<std::string, size_t> lines;
  std::set<std::string> seen;
  std::ifstream labels(fs::path(dir) / "labels.jsonl");
  std::string l;
  while (std::getline(labels, l)) {
    std::string scenario = Field(l, "scenario");
    ASSERT_TRUE(expected.count(scenario)) << l;
    EXPECT_EQ(Field(l, "expect"), expected.at(scenario)) << l;
    EXPECT_EQ(Field(l, "origin"), "template") << "no data dir given: " << l;
    std::string file = Field(l, "file");
    if (!lines.count(file)) lines[file] = Lines(fs::path(dir) / file);
    size_t at = l.find("\"line\":");
    ASSERT_NE(at, std::string::npos);
    size_t line = std::stoul(l.substr(at + 7));
    EXPECT_GE(line, 1u);
    EXPECT_LE(line, lines[file]) << l;
    seen.insert(scenario);
  }
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_GE(eve + sys, 20'000u);  // plus the records that complete the last instances
  // The support files name the firewall asset the scan scenario targets.
  EXPECT_NE(Slurp(fs::path(dir) / "registry.yaml").find("role: internet_firewall"), std::string::npos);
}

TEST(Annex4Generator, BothConfigurationsItWritesAreValid) {
  std::string dir = testing::MakeTempDir("annex4-config");
  uint64_t e = 0, s = 0;
  ASSERT_TRUE(Generator::WriteDirectory(Annex4(1'000), dir, false, &e, &s).ok());
  for (const char* f : {"kizashi.yaml", "kizashi-kafka.yaml"}) {
    Diagnostics d;
    runtime::EngineConfig c = runtime::EngineConfig::Load((fs::path(dir) / f).string(), {}, &d);
    c.Validate(&d);
    EXPECT_FALSE(d.has_errors()) << f << "\n" << d.ToText();
    // eve + one syslog input per operator (8 by default).
    EXPECT_EQ(c.inputs.size(), 9u) << f;
  }
  Diagnostics d;
  runtime::EngineConfig k = runtime::EngineConfig::Load((fs::path(dir) / "kizashi-kafka.yaml").string(), {}, &d);
  for (const auto& in : k.inputs) {
    EXPECT_EQ(in.type, "kafka") << in.name;
    EXPECT_EQ(in.topic, in.name);
  }
  // annex4: one partition per syslog file in file mode.
  runtime::EngineConfig f = runtime::EngineConfig::Load((fs::path(dir) / "kizashi.yaml").string(), {}, &d);
  EXPECT_EQ(f.inputs[0].partition, 0);
  EXPECT_EQ(f.inputs[1].partition, 1);
  EXPECT_EQ(f.inputs[8].partition, 8);
}

// Every recording of a directory ends at the same instant: the last line of eve.jsonl and of
// each syslog file carries the latest event time of its file, and it is the same second in
// all of them (JST wall clock: 2024-03-01T01:02:03.000000+0900 is "Mar  1 01:02:03").
TEST(Annex4Generator, EveryRecordingEndsAtTheSameInstant) {
  std::string dir = testing::MakeTempDir("annex4-end");
  uint64_t e = 0, s = 0;
  ASSERT_TRUE(Generator::WriteDirectory(Annex4(5'000), dir, false, &e, &s).ok());
  // EVE: "timestamp":"2024-03-01THH:MM:SS.ffffff+0900"; the same day throughout (5,000
  // records are a few minutes of traffic), so the strings compare as the times do.
  std::string eve_max, eve_last;
  {
    std::ifstream f(fs::path(dir) / "eve.jsonl");
    std::string l;
    while (std::getline(f, l)) {
      eve_last = Field(l, "timestamp");
      eve_max = std::max(eve_max, eve_last);
    }
  }
  ASSERT_EQ(eve_last.size(), 31u) << eve_last;
  EXPECT_EQ(eve_last, eve_max);
  EXPECT_EQ(eve_last.substr(19), ".000000+0900") << "a whole second, like syslog's";
  const std::string end = eve_last.substr(11, 8);  // HH:MM:SS
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("syslog-", 0) != 0) continue;
    ++files;
    std::ifstream f(entry.path());
    std::string l, last, max;
    while (std::getline(f, l)) {
      last = l.substr(7, 8);  // "Mar  1 HH:MM:SS host ..."
      max = std::max(max, last);
    }
    EXPECT_EQ(last, end) << name;
    EXPECT_EQ(max, end) << name;
  }
  EXPECT_EQ(files, 8);
}

TEST(Annex4Generator, SameOptionsSameBytes) {
  std::string a = testing::MakeTempDir("annex4-a"), b = testing::MakeTempDir("annex4-b");
  uint64_t e = 0, s = 0;
  ASSERT_TRUE(Generator::WriteDirectory(Annex4(5'000), a, true, &e, &s).ok());
  ASSERT_TRUE(Generator::WriteDirectory(Annex4(5'000), b, true, &e, &s).ok());
  for (const char* f : {"eve.jsonl", "labels.jsonl", "syslog-op-00.log", "rules.yaml", "pack.yaml"}) {
    EXPECT_EQ(Slurp(fs::path(a) / f), Slurp(fs::path(b) / f)) << f;
  }
}

TEST(RealLines, SshFailuresAreCanonicalAndComeFromTheRecordings) {
  KZ_SKIP_WITHOUT_SHARED_DATA("fail2ban/logs/sshd");
  std::string data = testing::SharedDataDir();
  RealLines r = RealLines::Load(data);
  ASSERT_FALSE(r.ssh_failures.empty());
  std::string sshd = Slurp(fs::path(data) / "fail2ban/logs/sshd");
  for (const auto& m : r.ssh_failures) {
    size_t src = m.find("{SRC}");
    ASSERT_NE(src, std::string::npos) << m;
    EXPECT_EQ(m.find("{SRC}", src + 1), std::string::npos) << m;
    EXPECT_EQ(m.find(" from "), src - 6) << "one 'from', just before the address: " << m;
    EXPECT_TRUE(m.rfind("Failed password for ", 0) == 0 || m.rfind("Invalid user ", 0) == 0) << m;
  }
  // fail2ban's crafted injection line (a second address after "ssh2:") is left out.
  for (const auto& m : r.ssh_failures) EXPECT_EQ(m.find("ssh2:"), std::string::npos) << m;
}

TEST(RealLines, AttacksInTheAnnex4ProfileUseThem) {
  KZ_SKIP_WITHOUT_SHARED_DATA("crowdsec-hub/tests/suricata-eve-detect/suricata-eve-detect.log");
  std::string data = testing::SharedDataDir();
  RealLines r = RealLines::Load(data);
  ASSERT_FALSE(r.exploit_alerts.empty());
  for (const auto& a : r.exploit_alerts) {
    EXPECT_EQ(a.rfind("\"alert\":{", 0), 0u) << a;
    EXPECT_NE(a.find("\"signature\":\"ET EXPLOIT"), std::string::npos) << a;
    EXPECT_EQ(a.back(), '}') << a;
  }
  std::string dir = testing::MakeTempDir("annex4-real");
  GenOptions o = Annex4(20'000);
  o.data_dir = data;
  uint64_t e = 0, s = 0;
  ASSERT_TRUE(Generator::WriteDirectory(o, dir, true, &e, &s).ok());
  std::string eve = Slurp(fs::path(dir) / "eve.jsonl");
  // Every recorded exploit alert object appears verbatim in the generated EVE.
  size_t used = 0;
  for (const auto& a : r.exploit_alerts) used += eve.find(a) != std::string::npos;
  EXPECT_GT(used, 0u);
  std::ifstream labels(fs::path(dir) / "labels.jsonl");
  std::string l;
  std::set<std::string> real;
  while (std::getline(labels, l)) {
    if (Field(l, "origin").rfind("real:", 0) == 0) real.insert(Field(l, "scenario"));
  }
  EXPECT_TRUE(real.count("a_access_attempt_internal_system"));
  EXPECT_TRUE(real.count("c_severe_attack_pattern"));
  EXPECT_TRUE(real.count("nr_firewall_port_scan"));
}

}  // namespace
}  // namespace kizashi::traffic
