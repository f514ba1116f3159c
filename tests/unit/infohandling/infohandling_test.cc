// The framework's information handling end to end (file mode, the whole pipeline):
//   - canary: unique strings planted in operator A's events, registry entry and contacts never
//     reach what operator B or any advisory destination can see (documents, dead letters,
//     logs, metric labels) without consent; with consent exactly the consented field does;
//     and B's advisory carries attack type, pattern id with pack version and indicators;
//   - advisory scope: same sector for sector-specific systems, every sector otherwise;
//   - disclosure ledger completeness: every written document has exactly one ledger record,
//     also after a replay from scratch re-emits everything; the chain verifies;
//   - campaigns: A and B hit by the same pattern -> a campaign view with pseudonyms for the
//     ministry and the Cabinet Secretariat, and A's notification gets a "campaign" revision
//     whose count of other operators is 1;
//   - signatures on notifications and advisories verify with the public key;
//   - an exercise run: every document tagged, only exercise destinations, report as expected.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "engine/campaign/campaign.h"
#include "engine/common/hash.h"
#include "engine/runtime/disclosure.h"
#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/docsign/docsign.h"
#include "engine/exercise/exercise.h"
#include "engine/ledger/ledger.h"
#include "engine/runtime/file_runner.h"
#include "engine/runtime/pipeline_probe.h"
#include "engine/telemetry/metrics.h"
#include "tests/testing/testing.h"

namespace kizashi {
namespace {

namespace fs = std::filesystem;

// Every planted string contains "zq41" (case-insensitive) or is one of these addresses/digits.
const std::vector<std::string> kCanaryExtra = {"10.77.41.41", "203.0.113.41", "10.1.41.41",
                                               "94141414"};

std::string Operators(bool share_identity, bool share_sector, const std::string& a_category) {
  return std::string(R"(operators:
  - id: canaryop-zq41
    name: CANARY-NAME-Zq41 Bank
    sector: finance
    home_networks: [10.0.0.0/8, 203.0.113.0/24]
    advisory_destination: advisories.canaryop
    consent: {share_identity: )") +
         (share_identity ? "true" : "false") + ", share_sector: " + (share_sector ? "true" : "false") +
         R"(, record: "MoU CANARY-REC-Zq41"}
    contact:
      person: CANARY-PERSON-Zq41
      means:
        - {type: phone, value: "+81-3-9414-1414"}
        - {type: email, value: canary-mail-zq41@a.example}
    critical_systems:
      - id: canary-sys-zq41
        name: CANARY-SYSNAME-Zq41
        category: )" + a_category + R"(
        internal_only: true
        networks: [10.1.0.0/16]
        hostnames: [canary-host-zq41]
        software:
          - {name: CANARY-SW-Zq41, version: "1.0", patch_status: current}
        service: CANARY-SVC-Zq41
  - id: bank-b
    name: Bank B
    sector: finance
    home_networks: [10.0.0.0/8]
    advisory_destination: advisories.bank-b
    observation_destination: obs-bank-b
    contact:
      person: B SOC
      means:
        - {type: phone, value: "+81-3-0000-0002"}
        - {type: email, value: soc@b.example}
    critical_systems:
      - {id: core-b, name: Core B, category: core_banking, internal_only: true, networks: [10.1.0.0/16]}
  - id: rail-c
    name: Rail C
    sector: railway
    home_networks: [172.20.0.0/16]
    advisory_destination: advisories.rail-c
    contact:
      person: C CSIRT
      means:
        - {type: phone, value: "+81-6-0000-0003"}
        - {type: email, value: csirt@c.example}
    critical_systems:
      - {id: ttc-c, name: TTC C, category: train_traffic_control, internal_only: true, networks: [172.20.0.0/20]}
)";
}

std::string Alert(const std::string& op, const std::string& src, const std::string& dst, int second,
                  const std::string& extra = "") {
  char ts[64];
  std::snprintf(ts, sizeof ts, "2024-03-01T10:%02d:%02d.000000+0900", second / 60 % 60, second % 60);
  return std::string(R"({"timestamp":")") + ts + R"(","event_type":"alert","src_ip":")" + src +
         R"(","src_port":50000,"dest_ip":")" + dst + R"(","dest_port":22,"proto":"TCP","operator":")" +
         op + R"(")" + extra +
         R"(,"alert":{"action":"allowed","gid":1,"signature_id":2001219,"rev":20,"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2}})";
}

std::vector<std::string> Traffic() {
  std::vector<std::string> l;
  const std::string a = "canaryop-zq41";
  const std::string planted =
      R"(,"host":"canary-evhost-zq41","payload_printable":"CANARY-PAYLOAD-Zq41 login")";
  // A: an external attacker, an internal host and A's own public address, 5 alerts each.
  for (int i = 0; i < 5; ++i) l.push_back(Alert(a, "198.51.100.23", "10.1.41.41", i, planted));
  for (int i = 0; i < 5; ++i) l.push_back(Alert(a, "10.77.41.41", "10.1.41.41", 10 + i, planted));
  for (int i = 0; i < 5; ++i) l.push_back(Alert(a, "203.0.113.41", "10.1.41.41", 20 + i, planted));
  // A record of A's that cannot be decoded: a dead letter.
  l.push_back(R"({"timestamp":"garbage","operator":"canaryop-zq41","note":"CANARY-DL-Zq41")");
  // B: the same attacker, the same pattern, a minute later.
  for (int i = 0; i < 5; ++i) l.push_back(Alert("bank-b", "198.51.100.23", "10.1.0.5", 60 + i));
  return l;
}

struct RunResult {
  std::string dir;
  std::string logs;
  std::string scrape;
  runtime::RunSummary summary;
  runtime::EngineConfig cfg;
};

class InfoHandlingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("infohandling");
    fs::create_directories(dir_ + "/registry");
    fs::create_directories(dir_ + "/keys");
    std::ofstream(dir_ + "/keys/pseudonym.key") << "test-pseudonym-key-0123456789abcdef";
    auto kp = patterns::GenerateEd25519KeyPair();
    ASSERT_TRUE(kp.ok());
    key_ = *kp;
    std::ofstream(dir_ + "/keys/sign.key") << kp->private_pem;
    std::ofstream(dir_ + "/keys/sign.pub") << kp->public_pem;
    std::ofstream out(dir_ + "/eve.jsonl");
    for (const auto& l : Traffic()) out << l << "\n";
  }
  void TearDown() override {
    log::CaptureForTest(nullptr);
    testing::RemoveTree(dir_);
  }

  void WriteConfig(bool share_identity, bool share_sector, const std::string& a_category,
                   const std::string& extra = "") {
    std::ofstream(dir_ + "/registry/operators.yaml") << Operators(share_identity, share_sector, a_category);
    std::ofstream c(dir_ + "/kizashi.yaml");
    c << "inputs:\n"
         "  - {name: sensors, type: file, path: eve.jsonl, format: eve, operator_from: field, "
         "operator_field: operator}\n"
      << "registry:\n  paths: [" << testing::SourcePath("deploy/registry/framework-2005.yaml")
      << ", registry]\n"
      << "patterns: {packs: [" << testing::SourcePath("patterns/packs/demo.yaml")
      << "], insecure_allow_unsigned: true}\n"
      << "rules: [" << testing::SourcePath("deploy/demo/rules.yaml") << "]\n"
      << "state: {dir: state}\n"
         "ledger: {dir: ledger, sync: false}\n"
         "campaign: {enabled: true, pseudonym_key: keys/pseudonym.key}\n"
         "signing: {key: keys/sign.key}\n"
         "metrics: {enabled: false}\n"
         "output_dir: out\n"
         "destinations:\n";
    for (const char* d : {"ministry.fsa", "ministry.mlit", "ministry.mic", "ministry.meti",
                          "cabinet-secretariat", "observations", "dead-letter", "late",
                          "advisories.canaryop", "advisories.bank-b", "advisories.rail-c",
                          "obs-bank-b"}) {
      c << "  - {name: " << d << ", type: file, path: " << d << ".jsonl}\n";
      std::string ex = std::string(d) + ".exercise";
      c << "  - {name: " << ex << ", type: file, path: " << ex << ".jsonl}\n";
    }
    c << extra;
  }

  runtime::EngineConfig Load() {
    Diagnostics d;
    auto cfg = runtime::EngineConfig::Load(dir_ + "/kizashi.yaml", {}, &d);
    if (!d.has_errors()) cfg.Validate(&d);
    EXPECT_FALSE(d.has_errors()) << d.ToText();
    return cfg;
  }

  RunResult Execute(bool reset) {
    RunResult r;
    r.cfg = Load();
    log::CaptureForTest(&r.logs);
    telemetry::Metrics metrics;
    runtime::PipelineProbe probe(metrics, r.cfg);
    runtime::RunnerContext ctx;
    ctx.metrics = &metrics;
    ctx.probe = &probe;
    runtime::FileRunner runner(r.cfg, SystemClock::Get(), std::move(ctx));
    absl::Status st = runner.Run(reset, &r.summary);
    EXPECT_TRUE(st.ok()) << st;
    r.scrape = metrics.Scrape();
    log::CaptureForTest(nullptr);
    return r;
  }

  std::vector<std::string> Lines(const std::string& dest) const {
    std::vector<std::string> out;
    std::ifstream in(dir_ + "/out/" + dest + ".jsonl");
    for (std::string l; std::getline(in, l);) {
      if (!l.empty()) out.push_back(l);
    }
    return out;
  }

  // Every planted string found in `text`.
  static std::vector<std::string> Canaries(const std::string& text) {
    std::vector<std::string> hits;
    std::string lower = AsciiLower(text);
    for (size_t at = 0; (at = lower.find("zq41", at)) != std::string::npos; ++at) {
      size_t b = at;
      while (b > 0 && lower[b - 1] != '"' && lower[b - 1] != ' ') --b;
      size_t e = at;
      while (e < lower.size() && lower[e] != '"' && lower[e] != ' ') ++e;
      hits.push_back(text.substr(b, e - b));
    }
    std::string digits;
    for (char c : text) {
      if (c >= '0' && c <= '9') digits.push_back(c);
    }
    for (const auto& x : kCanaryExtra) {
      if ((x.find('.') != std::string::npos ? text : digits).find(x) != std::string::npos) hits.push_back(x);
    }
    return hits;
  }

  // What operator B and the advisory destinations can see.
  std::string VisibleToOthers(const RunResult& r) const {
    std::string all;
    for (const char* d : {"advisories.bank-b", "advisories.rail-c", "obs-bank-b"}) {
      for (const auto& l : Lines(d)) all += l + "\n";
    }
    return all;
  }

  std::string dir_;
  patterns::KeyPair key_;
};

simdjson::dom::element Parse(simdjson::dom::parser& p, const std::string& line) {
  simdjson::dom::element e;
  EXPECT_EQ(p.parse(line).get(e), simdjson::SUCCESS) << line;
  return e;
}

TEST_F(InfoHandlingTest, CanaryWithoutConsentNeverReachesOthers) {
  WriteConfig(false, false, "core_banking");
  RunResult r = Execute(true);
  // The engine did see the planted strings: A's ministry notification carries them (allowed:
  // framework 4(1), the competent ministry) and the dead letter holds the bad record.
  std::string fsa;
  for (const auto& l : Lines("ministry.fsa")) fsa += l;
  EXPECT_FALSE(Canaries(fsa).empty());
  std::string dl;
  for (const auto& l : Lines("dead-letter")) dl += l;
  EXPECT_NE(dl.find("CANARY-DL-Zq41"), std::string::npos);

  // B and the advisory destinations: not one planted string; nor in logs or metric labels.
  auto b_adv = Lines("advisories.bank-b");
  ASSERT_FALSE(b_adv.empty());
  EXPECT_EQ(Canaries(VisibleToOthers(r)), std::vector<std::string>{});
  EXPECT_EQ(Canaries(r.logs), std::vector<std::string>{}) << r.logs;
  EXPECT_EQ(Canaries(r.scrape), std::vector<std::string>{});
  // A's own advisory destination gets nothing about A's incidents (B's incident is about B).
  for (const auto& l : Lines("advisories.canaryop")) EXPECT_TRUE(Canaries(l).empty()) << l;

  // The advisory B receives is useful: attack type, pattern id with pack version, and the
  // external attacker as an indicator — and no reporter section without consent.
  simdjson::dom::parser p;
  bool found_external = false;
  for (const auto& l : b_adv) {
    auto doc = Parse(p, l);
    EXPECT_EQ(std::string_view(doc["schema"]), "kizashi.advisory/1");
    EXPECT_EQ(std::string_view(doc["scope"]), "sector");
    EXPECT_EQ(std::string_view(doc["attack_types"].at(0)), "unauthorized_access");
    EXPECT_EQ(std::string_view(doc["patterns"].at(0)["entry"]), "ids-ssh-scan");
    EXPECT_EQ(std::string_view(doc["patterns"].at(0)["pack_version"]), "2024.03.1");
    EXPECT_EQ(doc["reporter"].error(), simdjson::NO_SUCH_FIELD);
    for (auto ind : simdjson::dom::array(doc["indicators"])) {
      EXPECT_EQ(std::string_view(ind["type"]), "ip");
      found_external |= std::string_view(ind["value"]) == "198.51.100.23";
    }
  }
  EXPECT_TRUE(found_external);
  // Three incidents of A (three sources), each opened once: three advisories to B.
  EXPECT_EQ(b_adv.size(), 3u);
  // Sector scope: rail-c (railway) gets nothing about A's core banking system.
  EXPECT_TRUE(Lines("advisories.rail-c").empty());
}

TEST_F(InfoHandlingTest, CanaryWithConsentCarriesExactlyTheConsentedField) {
  WriteConfig(true, false, "core_banking");
  RunResult r = Execute(true);
  auto hits = Canaries(VisibleToOthers(r));
  ASSERT_FALSE(hits.empty());
  // Only the name: "CANARY-NAME-Zq41" (one per advisory), nothing else planted.
  std::set<std::string> distinct(hits.begin(), hits.end());
  EXPECT_EQ(distinct, std::set<std::string>{"CANARY-NAME-Zq41"});
  simdjson::dom::parser p;
  for (const auto& l : Lines("advisories.bank-b")) {
    auto doc = Parse(p, l);
    EXPECT_EQ(std::string_view(doc["reporter"]["name"]), "CANARY-NAME-Zq41 Bank");
    EXPECT_EQ(doc["reporter"]["sector"].error(), simdjson::NO_SUCH_FIELD);
  }
  // The ledger cites the consent record as the basis.
  auto l = ledger::Ledger::OpenReadOnly(dir_ + "/ledger");
  ASSERT_TRUE(l.ok());
  int advisories = 0;
  ASSERT_TRUE((*l)->Query("canaryop-zq41", [&](const ledger::LedgerRecord& rec) {
                 if (rec.body.find("\"kind\":\"advisory\"") != std::string::npos) {
                   ++advisories;
                   EXPECT_NE(rec.body.find("MoU CANARY-REC-Zq41"), std::string::npos) << rec.body;
                 }
                 return absl::OkStatus();
               }).ok());
  EXPECT_EQ(advisories, 3);
}

TEST_F(InfoHandlingTest, SectorConsentAddsOnlyTheSector) {
  WriteConfig(false, true, "core_banking");
  RunResult r = Execute(true);
  EXPECT_EQ(Canaries(VisibleToOthers(r)), std::vector<std::string>{});
  simdjson::dom::parser p;
  auto adv = Lines("advisories.bank-b");
  ASSERT_FALSE(adv.empty());
  for (const auto& l : adv) {
    auto doc = Parse(p, l);
    EXPECT_EQ(std::string_view(doc["reporter"]["sector"]), "Finance");
    EXPECT_EQ(doc["reporter"]["name"].error(), simdjson::NO_SUCH_FIELD);
  }
}

TEST_F(InfoHandlingTest, CrossSectorScopeForCommonPlatforms) {
  // A "vpn" system is not sector-specific: the advisory goes to every sector.
  WriteConfig(false, false, "vpn");
  RunResult r = Execute(true);
  auto c = Lines("advisories.rail-c");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(Lines("advisories.bank-b").size(), 3u);
  simdjson::dom::parser p;
  EXPECT_EQ(std::string_view(Parse(p, c[0])["scope"]), "cross_sector");
  EXPECT_EQ(Canaries(VisibleToOthers(r)), std::vector<std::string>{});
}

TEST_F(InfoHandlingTest, ConcernedSectorsLimitCrossSectorScope) {
  WriteConfig(false, false, "vpn", "advisory: {concerned_sectors: [finance]}\n");
  Execute(true);
  EXPECT_TRUE(Lines("advisories.rail-c").empty());
  EXPECT_EQ(Lines("advisories.bank-b").size(), 3u);
}

// (document id, revision, destination) of a written line, as the runner keys the ledger.
std::tuple<std::string, uint64_t, std::string> KeyOf(simdjson::dom::parser& p, const std::string& line,
                                                     const std::string& dest) {
  auto doc = Parse(p, line);
  for (const char* id : {"notification_id", "advisory_id", "campaign_id"}) {
    std::string_view v;
    if (doc[id].get(v) == simdjson::SUCCESS) {
      return {std::string(v), uint64_t(doc["revision"]), dest};
    }
  }
  return {IdBuilder().Add("document").Add(line).Finish(), 0, dest};
}

TEST_F(InfoHandlingTest, LedgerHasExactlyOneRecordPerWrittenDocumentAlsoAfterReplay) {
  WriteConfig(false, false, "core_banking");
  Execute(true);
  auto count_records = [&]() {
    std::map<std::tuple<std::string, uint64_t, std::string>, int> recs;
    auto l = ledger::Ledger::OpenReadOnly(dir_ + "/ledger");
    EXPECT_TRUE(l.ok());
    simdjson::dom::parser p;
    EXPECT_TRUE((*l)->Query("", [&](const ledger::LedgerRecord& r) {
                   auto doc = Parse(p, r.body);
                   ++recs[{std::string(std::string_view(doc["document_id"])),
                           uint64_t(doc["revision"]),
                           std::string(std::string_view(doc["destination"]))}];
                   return absl::OkStatus();
                 }).ok());
    ledger::VerifyResult v = (*l)->Verify();
    EXPECT_TRUE(v.ok);
    return recs;
  };
  auto written = [&]() {
    std::set<std::tuple<std::string, uint64_t, std::string>> keys;
    size_t lines = 0;
    simdjson::dom::parser p;
    for (const auto& e : fs::directory_iterator(dir_ + "/out")) {
      std::string dest = e.path().stem().string();
      for (const auto& l : Lines(dest)) {
        keys.insert(KeyOf(p, l, dest));
        ++lines;
      }
    }
    return std::make_pair(keys, lines);
  };
  auto [keys1, lines1] = written();
  auto recs1 = count_records();
  ASSERT_GT(keys1.size(), 10u);
  EXPECT_EQ(recs1.size(), keys1.size());
  for (const auto& k : keys1) EXPECT_EQ(recs1[k], 1) << std::get<0>(k) << " " << std::get<2>(k);
  for (const auto& [k, n] : recs1) EXPECT_EQ(n, 1);

  // Replay from scratch (as after losing the state): every document is written again with
  // the same id and revision; the ledger gains nothing.
  Execute(true);
  auto [keys2, lines2] = written();
  EXPECT_EQ(lines2, 2 * lines1);
  EXPECT_EQ(keys2, keys1);
  auto recs2 = count_records();
  EXPECT_EQ(recs2, recs1);

  // Who received what about A: its notifications (ministry), escalations (Cabinet
  // Secretariat), advisories (bank-b), the campaign views; never obs-bank-b.
  auto l = ledger::Ledger::OpenReadOnly(dir_ + "/ledger");
  std::set<std::string> dests;
  ASSERT_TRUE((*l)->Query("canaryop-zq41", [&](const ledger::LedgerRecord& r) {
                 simdjson::dom::parser p;
                 dests.insert(std::string(std::string_view(Parse(p, r.body)["destination"])));
                 return absl::OkStatus();
               }).ok());
  EXPECT_EQ(dests, (std::set<std::string>{"advisories.bank-b", "cabinet-secretariat", "ministry.fsa"}));
}

TEST_F(InfoHandlingTest, CampaignViewAndLaterRevisionWithCount) {
  WriteConfig(false, false, "core_banking");
  Execute(true);
  campaign::Pseudonymizer ps("test-pseudonym-key-0123456789abcdef");
  simdjson::dom::parser p;
  // Campaign views to the Cabinet Secretariat and the FSA (both members are finance).
  int views = 0;
  for (const char* d : {"cabinet-secretariat", "ministry.fsa"}) {
    for (const auto& l : Lines(d)) {
      if (l.find("kizashi.campaign/1") == std::string::npos) continue;
      ++views;
      auto doc = Parse(p, l);
      EXPECT_EQ(uint64_t(doc["operator_count"]), 2u);
      EXPECT_EQ(uint64_t(doc["sector_count"]), 1u);
      std::set<std::string> members;
      for (auto m : simdjson::dom::array(doc["members"])) {
        members.insert(std::string(std::string_view(m["pseudonym"])));
        EXPECT_EQ(m["name"].error(), simdjson::NO_SUCH_FIELD);
      }
      EXPECT_EQ(members, (std::set<std::string>{ps.Of("canaryop-zq41"), ps.Of("bank-b")}));
      EXPECT_TRUE(Canaries(l).empty()) << l;
      EXPECT_EQ(l.find("bank-b"), std::string::npos);
    }
  }
  EXPECT_EQ(views, 2);
  // Each of A's three open incidents on the pattern got a "campaign" revision: one other
  // operator.
  int campaign_revisions = 0;
  for (const auto& l : Lines("ministry.fsa")) {
    if (l.find("\"change\":\"campaign\"") == std::string::npos) continue;
    ++campaign_revisions;
    auto doc = Parse(p, l);
    EXPECT_EQ(std::string_view(doc["operator"]["id"]), "canaryop-zq41");
    EXPECT_EQ(uint64_t(doc["report"]["other_operators"]["operators_with_same_pattern"]), 1u);
  }
  EXPECT_EQ(campaign_revisions, 3);
  // B's notification, routed after A's sightings, already counts A.
  bool b_counts = false;
  for (const auto& l : Lines("ministry.fsa")) {
    if (l.find("\"id\":\"bank-b\"") == std::string::npos || l.find("kizashi.notification/1") == std::string::npos) continue;
    auto doc = Parse(p, l);
    b_counts |= uint64_t(doc["report"]["other_operators"]["operators_with_same_pattern"]) == 1u;
  }
  EXPECT_TRUE(b_counts);
}

TEST_F(InfoHandlingTest, NotificationsAndAdvisoriesAreSigned) {
  WriteConfig(false, false, "core_banking");
  Execute(true);
  patterns::TrustStore trust;
  ASSERT_TRUE(trust.AddPublicKeyPem(key_.public_pem, "test").ok());
  size_t n = 0;
  for (const char* d : {"ministry.fsa", "cabinet-secretariat", "advisories.bank-b"}) {
    for (const auto& l : Lines(d)) {
      auto r = docsign::VerifyDocument(l, trust);
      EXPECT_TRUE(r.ok()) << d << ": " << r.status();
      ++n;
    }
  }
  EXPECT_GT(n, 5u);
  for (const auto& l : Lines("dead-letter")) EXPECT_EQ(l.find("\"signature\""), std::string::npos);
}

TEST_F(InfoHandlingTest, ExerciseRunIsTaggedAndStaysInExerciseDestinations) {
  WriteConfig(false, false, "core_banking");
  std::ofstream(dir_ + "/scenario.yaml") << R"(exercise: {id: annex4-a-test, title: SSH scan of an internal-only system, annex4_case: a}
inputs: [{name: sensors, path: eve.jsonl}]
expect:
  - {kind: notification, operator: canaryop-zq41, destination: ministry.fsa, category: attack_detected, clauses: [a]}
  - {kind: escalation, operator: canaryop-zq41, destination: cabinet-secretariat}
  - {kind: advisory, operator: canaryop-zq41, destination: advisories.bank-b, min_count: 3}
  - {kind: advisory, destination: advisories.rail-c, max_count: 0}
  - {kind: dead_letter, min_count: 1}
)";
  Diagnostics d;
  auto sc = exercise::LoadScenario(dir_ + "/scenario.yaml", &d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();
  auto cfg = Load();
  auto report = exercise::RunExercise(cfg, sc, dir_ + "/exercise-work", SystemClock::Get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->ToText();
  EXPECT_EQ(report->untagged, 0u);
  EXPECT_EQ(report->outside_exercise, 0u);
  ASSERT_EQ(report->results.size(), 5u);
  for (const auto& r : report->results) EXPECT_TRUE(r.met) << report->ToText();
  // Nothing reached a real destination: only *.exercise files exist, every line tagged.
  size_t lines = 0;
  for (const auto& e : fs::directory_iterator(dir_ + "/out")) {
    std::string name = e.path().filename().string();
    EXPECT_NE(name.find(".exercise."), std::string::npos) << name;
    for (const auto& l : Lines(e.path().stem().string())) {
      EXPECT_NE(l.find("\"exercise\":true"), std::string::npos) << l;
      ++lines;
    }
  }
  EXPECT_EQ(lines, report->observed.size());
  // The exercise ledger, not the real one, recorded them (tagged).
  EXPECT_FALSE(fs::exists(dir_ + "/ledger"));
  auto l = ledger::Ledger::OpenReadOnly(dir_ + "/ledger.exercise");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ((*l)->size(), lines);
  EXPECT_NE(report->ToText().find("result: PASS"), std::string::npos);
}

TEST_F(InfoHandlingTest, ExerciseRefusesARealDestination) {
  WriteConfig(false, false, "core_banking");
  auto cfg = Load();
  cfg.route.exercise = true;
  std::vector<route::Output> outs(1);
  outs[0].destination = "ministry.fsa";
  outs[0].json = "{}";
  EXPECT_FALSE(runtime::CheckExercise(cfg, &outs).ok());
  outs[0].destination = "ministry.fsa.exercise";
  EXPECT_TRUE(runtime::CheckExercise(cfg, &outs).ok());
  EXPECT_EQ(outs[0].json, "{\"exercise\":true,}");  // (a real document is never empty)
}

}  // namespace
}  // namespace kizashi
