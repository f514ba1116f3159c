// End-to-end: the embedded default (deploy/demo/kizashi.yaml) replays the bundled recorded
// traffic through every stage. The expected documents are derived by hand from the input
// files, the demo registry, pack and rules (see the comments), not copied from output.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "engine/common/hash.h"
#include "engine/common/time.h"
#include "engine/evidence/evidence.h"
#include "engine/runtime/file_runner.h"
#include "tests/testing/testing.h"

namespace kizashi {
namespace {

struct Doc {
  std::string destination, kind, incident_id, target, rule, reason, change, category;
  int64_t revision = 0, event_count = 0;
  bool reportable = false;
  std::vector<std::string> clauses;
  std::vector<std::pair<std::string, int64_t>> positions;
  std::string near_miss, window_start;
  std::string raw;
};

std::vector<Doc> ReadDocs(const std::string& path) {
  std::vector<Doc> out;
  if (!std::filesystem::exists(path)) return out;
  std::string text = testing::ReadFileOrDie(path);
  simdjson::dom::parser parser;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    if (line.empty()) continue;
    simdjson::dom::element e = parser.parse(line);
    Doc d;
    d.raw = line;
    d.destination = std::string(e["destination"].get_string().value());
    d.kind = std::string(e["kind"].get_string().value());
    d.incident_id = std::string(e["incident_id"].get_string().value());
    d.revision = e["revision"].get_int64().value();
    d.change = std::string(e["change"].get_string().value());
    d.target = std::string(e["report"]["target_system"]["id"].get_string().value());
    d.rule = std::string(e["report"]["other"]["rule_id"].get_string().value());
    d.reportable = e["verdict"]["reportable"].get_bool().value();
    d.category = std::string(e["verdict"]["category"].get_string().value());
    for (auto c : e["verdict"]["annex4_clauses"].get_array()) {
      d.clauses.emplace_back(c.get_string().value());
    }
    auto r = e["verdict"]["not_reportable_reason"];
    if (r.is_string()) d.reason = std::string(r.get_string().value());
    auto nm = e["verdict"]["near_miss"];
    if (nm.is_string()) d.near_miss = std::string(nm.get_string().value());
    d.event_count = e["evidence"]["event_count"].get_int64().value();
    d.window_start = std::string(e["times"]["window_start"].get_string().value());
    for (auto p : e["evidence"]["positions"].get_array()) {
      d.positions.emplace_back(std::string(p["source"].get_string().value()),
                               p["offset"].get_int64().value());
    }
    out.push_back(std::move(d));
  }
  return out;
}

int64_t Ns(const char* iso) {
  int64_t ns = 0;
  EXPECT_TRUE(ParseIso8601(iso, &ns)) << iso;
  return ns;
}

std::string IncidentId(const std::string& op, const std::string& target, const std::string& rule,
                       std::vector<std::string> group, int64_t window_start) {
  IdBuilder b;
  b.Add(op).Add(target).Add(rule);
  for (const auto& g : group) b.Add(g);
  b.Add(window_start);
  return b.Finish();
}

class DemoReplay : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("demo"); }
  void TearDown() override { testing::RemoveTree(dir_); }

  // Runs the demo config with every destination redirected to dir/<name>.jsonl.
  runtime::RunSummary Run(const std::string& out_dir, int batch_size) {
    Diagnostics d;
    runtime::EngineConfig cfg = runtime::EngineConfig::Load(
        testing::SourcePath("deploy/demo/kizashi.yaml"),
        {"state.dir=" + out_dir + "/state", "output_dir=" + out_dir,
         "engine.batch_max_records=" + std::to_string(batch_size)},
        &d);
    cfg.Validate(&d);
    EXPECT_FALSE(d.has_errors()) << d.ToText();
    for (auto& dest : cfg.destinations) {
      dest.type = "file";
      dest.path = out_dir + "/" + dest.name + ".jsonl";
    }
    runtime::FileRunner runner(cfg, SystemClock::Get());
    runtime::RunSummary summary;
    absl::Status st = runner.Run(true, &summary);
    EXPECT_TRUE(st.ok()) << st;
    return summary;
  }

  std::string dir_;
};

TEST_F(DemoReplay, RaisesTheExpectedNotifications) {
  runtime::RunSummary s = Run(dir_, 4096);
  // 15 syslog lines + 14 EVE lines + 3 operator reports = 32 records; 3 are dead letters.
  EXPECT_EQ(s.stats.records, 32u);

  // (1) bank-a, core-banking (internal_only), sshd on cbs-app01: failed passwords from
  // 198.51.100.23 at 10:00:01, :04, :09, :15, :40 JST (lines 2,3,5,7,9) reach the rule's 5 in
  // 2 minutes at line 9; line 10 (10:00:52) is absorbed without a new revision (no new
  // source/pattern, count 6 < 2*5). unauthorized_access on an internal-only critical system:
  // reportable, Annex 4 (a); finance -> FSA, escalated to the Cabinet Secretariat.
  std::string ssh = IncidentId("bank-a", "core-banking", "access-attempt-critical",
                               {"198.51.100.23"}, Ns("2024-03-01T10:00:01+09:00"));
  // (2) bank-a, ad-web (advertising_web asset): WPScan POSTs to /wp-login.php from 192.0.2.66
  // at 10:00:06.55, :07.00, :10.12 (EVE lines 4, 5, 7; line 6 is truncated) -> 3 in 5 min.
  // Not reportable: non_critical_target; near miss: (a) on an internal-only critical system.
  std::string web = IncidentId("bank-a", "ad-web", "attack-on-non-critical", {"192.0.2.66"},
                               Ns("2024-03-01T10:00:06.5512+09:00"));
  // (3) bank-a, core-banking: bind-shell listener "nc -lvp 4444 -e /bin/sh" (EVE line 10).
  // preparatory attack type, no reportable clause: preparatory_act.
  std::string backdoor = IncidentId("bank-a", "core-banking", "preparatory-on-critical", {},
                                    Ns("2024-03-01T10:00:33.018221+09:00"));
  // (4) rail-b, train-control: "KZWIPER-v2" in a download to 172.20.1.5 (EVE line 11), virus
  // signature marked able to disrupt critical systems: reportable, Annex 4 (b); railway -> MLIT.
  std::string virus = IncidentId("rail-b", "train-control", "virus-on-critical", {},
                                 Ns("2024-03-01T10:00:45.7+09:00"));

  // (5) Operator reports (operator-reports.jsonl): rail-b's threat notice on train-control
  // (line 1: attack_notice, MLIT + Cabinet Secretariat), bank-a's major failure caused by an
  // operator error (line 2: Annex 3 note 3, FSA only) and the response status of (1) (line 3:
  // revision 2 of the SSH incident, to FSA and the Cabinet Secretariat).
  auto fsa = ReadDocs(dir_ + "/ministry.fsa.jsonl");
  ASSERT_EQ(fsa.size(), 3u);
  EXPECT_EQ(fsa[0].category, "major_failure");
  EXPECT_EQ(fsa[0].rule, "operator-report");
  EXPECT_EQ(fsa[2].incident_id, ssh);
  EXPECT_EQ(fsa[2].revision, 2);
  EXPECT_EQ(fsa[2].category, "attack_detected");
  fsa.erase(fsa.begin());
  fsa.pop_back();
  EXPECT_EQ(fsa[0].incident_id, ssh);
  EXPECT_EQ(fsa[0].revision, 1);
  EXPECT_EQ(fsa[0].kind, "notification");
  EXPECT_TRUE(fsa[0].reportable);
  EXPECT_EQ(fsa[0].clauses, std::vector<std::string>{"a"});
  EXPECT_EQ(fsa[0].event_count, 5);
  EXPECT_EQ(fsa[0].window_start, "2024-03-01T01:00:01.000Z");
  EXPECT_EQ(fsa[0].positions, (std::vector<std::pair<std::string, int64_t>>{
                                  {"bank-a-syslog", 2}, {"bank-a-syslog", 3}, {"bank-a-syslog", 5},
                                  {"bank-a-syslog", 7}, {"bank-a-syslog", 9}}));

  auto mlit = ReadDocs(dir_ + "/ministry.mlit.jsonl");
  ASSERT_EQ(mlit.size(), 2u);
  EXPECT_EQ(mlit[0].category, "attack_notice");
  EXPECT_EQ(mlit[0].rule, "operator-report");
  mlit.erase(mlit.begin());
  EXPECT_EQ(mlit[0].incident_id, virus);
  EXPECT_TRUE(mlit[0].reportable);
  EXPECT_EQ(mlit[0].clauses, std::vector<std::string>{"b"});
  EXPECT_EQ(mlit[0].positions, (std::vector<std::pair<std::string, int64_t>>{{"sensors-eve", 11}}));

  auto cas = ReadDocs(dir_ + "/cabinet-secretariat.jsonl");
  ASSERT_EQ(cas.size(), 4u);  // notice, ssh r1, virus, ssh r2; never the note-3 failure
  std::set<std::string> cas_ids;
  for (const auto& d : cas) {
    EXPECT_EQ(d.kind, "escalation");
    EXPECT_NE(d.category, "major_failure");
    if (d.rule != "operator-report") cas_ids.insert(d.incident_id);
  }
  EXPECT_EQ(cas_ids, (std::set<std::string>{ssh, virus}));

  auto obs = ReadDocs(dir_ + "/observations.jsonl");
  ASSERT_EQ(obs.size(), 2u);
  std::map<std::string, Doc> by_id;
  for (auto& d : obs) by_id[d.incident_id] = d;
  ASSERT_TRUE(by_id.count(web));
  ASSERT_TRUE(by_id.count(backdoor));
  EXPECT_FALSE(by_id[web].reportable);
  EXPECT_EQ(by_id[web].reason, "non_critical_target");
  EXPECT_EQ(by_id[web].event_count, 3);
  EXPECT_NE(by_id[web].near_miss.find("(a)"), std::string::npos) << by_id[web].near_miss;
  EXPECT_EQ(by_id[web].positions, (std::vector<std::pair<std::string, int64_t>>{
                                      {"sensors-eve", 4}, {"sensors-eve", 5}, {"sensors-eve", 7}}));
  EXPECT_EQ(by_id[backdoor].reason, "preparatory_act");
  EXPECT_EQ(by_id[backdoor].target, "core-banking");

  // Ministries never see not-reportable incidents, and the other ministries see nothing.
  for (const auto& d : fsa) EXPECT_TRUE(d.reportable);
  EXPECT_TRUE(ReadDocs(dir_ + "/ministry.mic.jsonl").empty());
  EXPECT_TRUE(ReadDocs(dir_ + "/ministry.meti.jsonl").empty());

  // Dead letters: EVE line 6 (the record ends inside a string: truncated), syslog line 11 (no
  // syslog header, so no timestamp), EVE line 12 (operator bank-z is not in the registry).
  std::string dl = testing::ReadFileOrDie(dir_ + "/dead-letter.jsonl");
  EXPECT_EQ(std::count(dl.begin(), dl.end(), '\n'), 3);
  auto has = [&](const std::string& reason, const std::string& input, int line) {
    std::string needle = "\"reason\":\"" + reason + "\"";
    std::string pos = "\"input\":\"" + input + "\",\"source\":\"" + input +
                      "\",\"partition\":0,\"offset\":" + std::to_string(line) + ",";
    for (size_t p = 0; p < dl.size();) {
      size_t nl = dl.find('\n', p);
      std::string l = dl.substr(p, nl - p);
      if (l.find(needle) != std::string::npos && l.find(pos) != std::string::npos) return true;
      p = nl + 1;
    }
    return false;
  };
  EXPECT_TRUE(has("truncated", "sensors-eve", 6)) << dl;
  EXPECT_TRUE(has("missing_timestamp", "bank-a-syslog", 11)) << dl;
  EXPECT_TRUE(has("unknown_operator", "sensors-eve", 12)) << dl;
}

TEST_F(DemoReplay, PreservesEvidenceAndRevisionHistory) {
  Run(dir_, 2);  // small batches: the window's first records arrive batches before it opens
  state::StateOptions so;
  so.dir = dir_ + "/state";
  auto store = state::StateStore::OpenReadOnly(so);
  ASSERT_TRUE(store.ok()) << store.status();
  std::string ssh = IncidentId("bank-a", "core-banking", "access-attempt-critical",
                               {"198.51.100.23"}, Ns("2024-03-01T10:00:01+09:00"));
  auto ev = evidence::Evidence(**store, 0, ssh);
  ASSERT_TRUE(ev.ok());
  // The five cited syslog lines, copied byte for byte from deploy/demo/traffic.
  std::string text = testing::ReadFileOrDie(testing::SourcePath("deploy/demo/traffic/bank-a-syslog.log"));
  std::vector<std::string> lines;
  for (size_t p = 0; p < text.size();) {
    size_t nl = text.find('\n', p);
    lines.push_back(text.substr(p, nl - p));
    p = nl + 1;
  }
  // ... line 10, absorbed (cited by revision 2), and the operator's response status
  // (operator-reports.jsonl line 3), preserved the same way.
  ASSERT_EQ(ev->size(), 7u);
  std::vector<int64_t> want = {2, 3, 5, 7, 9};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*ev)[i].source, "bank-a-syslog");
    EXPECT_EQ((*ev)[i].offset, want[i]);
    EXPECT_EQ((*ev)[i].record, lines[static_cast<size_t>(want[i] - 1)]);
  }
  std::string reports =
      testing::ReadFileOrDie(testing::SourcePath("deploy/demo/traffic/operator-reports.jsonl"));
  size_t third = reports.find('\n', reports.find('\n') + 1) + 1;
  EXPECT_EQ((*ev)[5].source, "bank-a-syslog");
  EXPECT_EQ((*ev)[5].offset, 10);
  EXPECT_EQ((*ev)[5].record, lines[9]);
  EXPECT_EQ((*ev)[6].source, "operator-reports");
  EXPECT_EQ((*ev)[6].offset, 3);
  EXPECT_EQ((*ev)[6].record, reports.substr(third, reports.find('\n', third) - third));
  auto revs = evidence::Revisions(**store, 0, ssh);
  ASSERT_TRUE(revs.ok());
  ASSERT_EQ(revs->size(), 2u);
  EXPECT_EQ((*revs)[0].revision, 1u);
  EXPECT_NE((*revs)[0].document.find("\"destination\":\"ministry.fsa\""), std::string::npos);
  EXPECT_EQ((*revs)[1].revision, 2u);
  EXPECT_NE((*revs)[1].document.find("\"change\":\"response_status\""), std::string::npos);
  auto all = evidence::ListIncidents(**store);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 6u);  // four from telemetry, two opened by operator reports
}

TEST_F(DemoReplay, OutputIsIndependentOfBatchSize) {
  std::vector<std::string> outputs;
  for (int batch : {1, 3, 4096}) {
    std::string d = dir_ + "/b" + std::to_string(batch);
    Run(d, batch);
    std::string all;
    for (const char* n : {"ministry.fsa", "ministry.mlit", "cabinet-secretariat", "observations",
                          "dead-letter", "late"}) {
      std::string p = d + "/" + n + ".jsonl";
      all += std::string(n) + ":\n" + (std::filesystem::exists(p) ? testing::ReadFileOrDie(p) : "");
    }
    outputs.push_back(all);
  }
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(outputs[0], outputs[2]);
}

TEST_F(DemoReplay, ResumesAfterTheLastCommittedBatch) {
  // A second run over the same state directory finds every file position committed and emits
  // nothing new.
  Run(dir_, 4);
  std::string before = testing::ReadFileOrDie(dir_ + "/ministry.fsa.jsonl");
  Diagnostics d;
  runtime::EngineConfig cfg = runtime::EngineConfig::Load(
      testing::SourcePath("deploy/demo/kizashi.yaml"),
      {"state.dir=" + dir_ + "/state", "output_dir=" + dir_}, &d);
  for (auto& dest : cfg.destinations) {
    dest.type = "file";
    dest.path = dir_ + "/" + dest.name + ".jsonl";
  }
  runtime::FileRunner runner(cfg, SystemClock::Get());
  runtime::RunSummary s;
  ASSERT_TRUE(runner.Run(false, &s).ok());
  EXPECT_EQ(s.stats.records, 0u);
  EXPECT_EQ(testing::ReadFileOrDie(dir_ + "/ministry.fsa.jsonl"), before);
}

}  // namespace
}  // namespace kizashi
