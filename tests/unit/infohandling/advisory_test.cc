// Advisor unit tests: triggers (reportable attack; CVE-citing pattern even when not
// reportable), scope, indicator filtering, fail-closed destinations, and the allow-list.
#include "engine/advisory/advisory.h"

#include <gtest/gtest.h>

#include "engine/common/diag.h"

namespace kizashi::advisory {
namespace {

using correlate::Incident;
using correlate::PatternHit;

const char* kRegistry = R"(
ministries:
  - {id: cas, name_en: Cabinet Secretariat, destination: cas, cabinet_secretariat: true}
  - {id: fsa, name_en: FSA, destination: fsa}
  - {id: meti, name_en: METI, destination: meti}
sectors:
  - {id: finance, name_en: Finance, ministry: fsa}
  - {id: electricity, name_en: Electricity, ministry: meti}
operators:
  - id: rep
    name: Reporter Secret Name
    sector: finance
    home_networks: [10.0.0.0/8, 198.51.100.0/28]
    contact: {person: Secret Person, means: [{type: phone, value: "+81-3-0000-0001"}, {type: email, value: secret@rep.example}]}
    critical_systems:
      - {id: core, name: Secret Core, category: core_banking, internal_only: true, networks: [10.1.0.0/16]}
  - id: peer
    name: Peer
    sector: finance
    advisory_destination: adv.peer
    contact: {person: P, means: [{type: phone, value: "+81-3-0000-0002"}, {type: email, value: p@peer.example}]}
  - id: power
    name: Power
    sector: electricity
    advisory_destination: adv.power
    contact: {person: Q, means: [{type: phone, value: "+81-3-0000-0003"}, {type: email, value: q@power.example}]}
)";

std::shared_ptr<const registry::Registry> Reg() {
  registry::RegistryData data;
  Diagnostics d;
  registry::ParseRegistryText(kRegistry, "advisory-test.yaml", &data, &d);
  auto reg = registry::Registry::Build(std::move(data), &d);
  EXPECT_TRUE(reg != nullptr) << d.ToText();
  return reg;
}

Incident Inc(std::vector<std::string> references, patterns::Severity sev) {
  Incident inc;
  inc.id = "incident-1";
  inc.revision = 1;
  inc.change = "opened";
  inc.operator_id = "rep";
  inc.target_kind = TargetKind::kCriticalSystem;
  inc.target_id = "core";
  inc.first_seen_ns = 1'709'254'800'000'000'000;  // 2024-03-01T01:00:00Z
  inc.last_seen_ns = inc.first_seen_ns + 4'000'000'000;
  // An outside attacker, an internal host, the reporter's own public range, a private range
  // outside the reporter's networks, and something that is not an address.
  inc.sources = {"192.0.2.77", "10.9.9.9", "198.51.100.5", "172.16.5.5", "not-an-ip"};
  PatternHit h;
  h.pack_id = "p";
  h.pack_version = "7";
  h.entry_id = "e1";
  h.title = "Pattern title";
  h.attack_type = patterns::AttackType::kUnauthorizedAccess;
  h.severity = sev;
  h.references = std::move(references);
  h.references.push_back("sid:123");
  inc.patterns.push_back(h);
  return inc;
}

TEST(Advisor, ReportableAttackGoesToTheSectorOnly) {
  auto reg = Reg();
  Advisor a{AdvisoryOptions{}};
  classify::Verdict v;
  v.reportable = true;
  v.category = classify::Category::kAttackDetected;
  v.clauses = {'a'};
  std::vector<route::Output> out;
  ASSERT_TRUE(a.Advise(Inc({}, patterns::Severity::kMedium), v, *reg, nullptr,
                       {"adv.peer", "adv.power"}, false, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].destination, "adv.peer");
  EXPECT_EQ(out[0].kind, route::DocKind::kAdvisory);
  EXPECT_EQ(out[0].operator_id, "");
  EXPECT_EQ(out[0].subject_operator, "rep");
  const std::string& j = out[0].json;
  EXPECT_NE(j.find("\"scope\":\"sector\""), std::string::npos);
  EXPECT_NE(j.find("\"indicators\":[{\"type\":\"ip\",\"value\":\"192.0.2.77\"}]"), std::string::npos) << j;
  EXPECT_NE(j.find("\"references\":[]"), std::string::npos) << j;  // sid: is not copied
  for (const char* secret : {"Secret", "secret", "rep", "core", "10.9.9.9", "198.51.100.5",
                             "172.16.5.5", "not-an-ip", "Finance"}) {
    EXPECT_EQ(j.find(secret), std::string::npos) << secret << " in " << j;
  }
}

TEST(Advisor, CveCitingPatternIsSharedAcrossSectorsEvenIfNotReportable) {
  auto reg = Reg();
  Advisor a{AdvisoryOptions{}};
  classify::Verdict v;  // not reportable
  Incident inc = Inc({"cve:CVE-2099-0001"}, patterns::Severity::kHigh);
  EXPECT_EQ(a.Triggers(inc, v), std::vector<std::string>{"shared_vulnerability"});
  std::vector<route::Output> out;
  ASSERT_TRUE(a.Advise(inc, v, *reg, nullptr, {"adv.peer", "adv.power"}, false, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].destination, "adv.peer");
  EXPECT_EQ(out[1].destination, "adv.power");
  EXPECT_NE(out[1].json.find("\"scope\":\"cross_sector\""), std::string::npos);
  EXPECT_NE(out[1].json.find("\"references\":[\"cve:CVE-2099-0001\"]"), std::string::npos);
  EXPECT_NE(out[1].basis.find("4(1)(i)"), std::string::npos) << out[1].basis;
  // Below min_severity: no trigger.
  EXPECT_TRUE(a.Triggers(Inc({"cve:CVE-2099-0001"}, patterns::Severity::kMedium), v).empty());
}

TEST(Advisor, UnconfiguredDestinationHolds) {
  auto reg = Reg();
  Advisor a{AdvisoryOptions{}};
  classify::Verdict v;
  v.reportable = true;
  std::vector<route::Output> out;
  EXPECT_FALSE(a.Advise(Inc({}, patterns::Severity::kMedium), v, *reg, nullptr, {"adv.power"},
                        false, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(Advisor, ClosingAndCampaignRevisionsProduceNothing) {
  auto reg = Reg();
  Advisor a{AdvisoryOptions{}};
  classify::Verdict v;
  v.reportable = true;
  for (const char* change : {"closed", "campaign"}) {
    Incident inc = Inc({}, patterns::Severity::kMedium);
    inc.change = change;
    std::vector<route::Output> out;
    ASSERT_TRUE(a.Advise(inc, v, *reg, nullptr, {"adv.peer", "adv.power"}, false, &out).ok());
    EXPECT_TRUE(out.empty()) << change;
  }
}

TEST(Advisor, ExerciseRoutesToExerciseDestinations) {
  auto reg = Reg();
  Advisor a{AdvisoryOptions{}};
  classify::Verdict v;
  v.reportable = true;
  std::vector<route::Output> out;
  ASSERT_TRUE(a.Advise(Inc({}, patterns::Severity::kMedium), v, *reg, nullptr,
                       {"adv.peer.exercise"}, true, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].destination, "adv.peer.exercise");
  EXPECT_NE(out[0].json.find("\"exercise\":true"), std::string::npos);
}

}  // namespace
}  // namespace kizashi::advisory
