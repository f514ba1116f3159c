// Fixtures for the runtime's operational tests: a temp directory holding a configuration, a
// copy of the demo pack and rules (so tests can change them), and generated EVE input.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/common/diag.h"
#include "engine/runtime/engine_config.h"
#include "tests/testing/testing.h"

namespace kizashi::testing {

// One Suricata EVE alert that the demo pack's `ids-ssh-scan` entry matches, from `src` to the
// demo bank's core banking system (10.1.0.0/16, internal only), at 2024-03-01 10:MM:SS JST.
inline std::string SshScanAlert(const std::string& src, int seconds,
                                const std::string& op = "bank-a") {
  char ts[64];
  std::snprintf(ts, sizeof ts, "2024-03-01T10:%02d:%02d.000000+0900", seconds / 60 % 60,
                seconds % 60);
  return std::string(R"({"timestamp":")") + ts +
         R"(","event_type":"alert","src_ip":")" + src +
         R"(","src_port":50000,"dest_ip":"10.1.0.5","dest_port":22,"proto":"TCP","operator":")" +
         op +
         R"(","alert":{"action":"allowed","gid":1,"signature_id":2001219,"rev":20,"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2}})";
}

inline std::string DnsQuery(int seconds, const std::string& op = "bank-a") {
  char ts[64];
  std::snprintf(ts, sizeof ts, "2024-03-01T10:%02d:%02d.000000+0900", seconds / 60 % 60,
                seconds % 60);
  return std::string(R"({"timestamp":")") + ts +
         R"(","event_type":"dns","src_ip":"10.1.5.5","src_port":53211,"dest_ip":"10.1.0.53","dest_port":53,"proto":"UDP","operator":")" +
         op + R"(","dns":{"type":"query","id":1,"rrname":"updates.bank-a.example","rrtype":"A"}})";
}

// `sources` attackers, each sending 5 scan alerts within 5 seconds (one incident each under
// the demo rule access-attempt-critical: 5 events in 2 minutes against a critical system),
// one attacker after the other, 10 seconds apart.
inline std::vector<std::string> ScanWaves(int sources) {
  std::vector<std::string> lines;
  for (int s = 0; s < sources; ++s) {
    for (int i = 0; i < 5; ++i) {
      lines.push_back(SshScanAlert("198.51.100." + std::to_string(s + 1), s * 10 + i));
    }
  }
  return lines;
}

struct OpsFixture {
  std::string dir;
  std::string config_path;
  std::string input_path;
  std::string pack_path;
  std::string rules_path;
  std::string notifications_path;

  explicit OpsFixture(const std::string& tag) {
    dir = MakeTempDir(tag);
    config_path = dir + "/kizashi.yaml";
    input_path = dir + "/eve.jsonl";
    std::filesystem::create_directories(dir + "/packs");
    pack_path = dir + "/packs/demo.yaml";
    rules_path = dir + "/rules.yaml";
    notifications_path = dir + "/out/notifications.jsonl";
    std::filesystem::copy_file(SourcePath("patterns/packs/demo.yaml"), pack_path);
    std::filesystem::copy_file(SourcePath("deploy/demo/rules.yaml"), rules_path);
  }
  ~OpsFixture() { RemoveTree(dir); }

  void WriteInput(const std::vector<std::string>& lines) const {
    std::ofstream out(input_path);
    for (const auto& l : lines) out << l << "\n";
  }

  // The configuration, with `extra` YAML appended (e.g. "log:\n  level: debug\n").
  void WriteConfig(int batch_max_records, const std::string& extra = "") const {
    std::ofstream out(config_path);
    out << "inputs:\n"
           "  - {name: sensors, type: file, path: eve.jsonl, format: eve,\n"
           "     operator_from: field, operator_field: operator}\n"
        << "registry:\n  paths: [" << SourcePath("deploy/registry/framework-2005.yaml") << ", "
        << SourcePath("deploy/demo/registry") << "]\n"
        << "patterns: {packs: [packs], insecure_allow_unsigned: true}\n"
           "rules: [rules.yaml]\n"
           "state: {dir: state}\n"
           "output_dir: out\n"
           "engine: {batch_max_records: "
        << batch_max_records
        << "}\n"
           "destinations:\n"
           "  - {name: ministry.fsa, type: file, path: notifications.jsonl}\n"
           "  - {name: ministry.mlit, type: file, path: notifications.jsonl}\n"
           "  - {name: ministry.mic, type: file, path: notifications.jsonl}\n"
           "  - {name: ministry.meti, type: file, path: notifications.jsonl}\n"
           "  - {name: cabinet-secretariat, type: file, path: notifications.jsonl}\n"
           "  - {name: observations, type: file, path: observations.jsonl}\n"
           "  - {name: dead-letter, type: file, path: dead-letter.jsonl}\n"
           "  - {name: late, type: file, path: late.jsonl}\n"
        << extra;
  }

  runtime::EngineConfig Load(Diagnostics* d) const {
    runtime::EngineConfig c = runtime::EngineConfig::Load(config_path, {}, d);
    if (!d->has_errors()) c.Validate(d);
    return c;
  }

  // The demo pack with the SSH-scan entry's regex replaced by one that never matches, and a
  // new version.
  void DisableSshScanEntry(const std::string& version) const {
    std::string text = ReadFileOrDie(SourcePath("patterns/packs/demo.yaml"));
    Replace(&text, "regex: 'ET SCAN Potential SSH Scan'", "regex: 'NEVER-SEEN-SIGNATURE-7f3a'");
    Replace(&text, "version: \"2024.03.1\"", "version: \"" + version + "\"");
    std::ofstream(pack_path) << text;
  }
  // A pack whose entry has an invalid regex (an error at a known line).
  void BreakPack() const {
    std::string text = ReadFileOrDie(pack_path);
    Replace(&text, "regex: '/wp-login", "regex: '(unclosed/wp-login");
    std::ofstream(pack_path) << text;
  }
  static void Replace(std::string* s, const std::string& from, const std::string& to) {
    size_t at = s->find(from);
    if (at == std::string::npos) throw std::runtime_error("fixture text not found: " + from);
    s->replace(at, from.size(), to);
  }
  std::vector<std::string> Notifications() const { return Lines(notifications_path); }
  static std::vector<std::string> Lines(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    for (std::string l; std::getline(in, l);) {
      if (!l.empty()) out.push_back(l);
    }
    return out;
  }
};

// The value of one sample ("name{a=\"x\",b=\"y\"}", labels in alphabetical order) in a
// scrape; -1 when absent.
inline double SampleValue(const std::string& scrape, const std::string& sample) {
  size_t at = 0;
  while ((at = scrape.find(sample + " ", at)) != std::string::npos) {
    if (at == 0 || scrape[at - 1] == '\n') {
      return std::strtod(scrape.c_str() + at + sample.size() + 1, nullptr);
    }
    at += sample.size();
  }
  return -1;
}

}  // namespace kizashi::testing
