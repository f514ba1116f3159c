// The shipped sector lists, the example operators (deploy/registry/examples) and every
// `yaml` block of docs/registry.md load without a single diagnostic, cover every sector,
// and resolve as their text says.
#include <gtest/gtest.h>

#include <set>

#include "engine/registry/registry.h"
#include "tests/testing/testing.h"

namespace kizashi::registry {
namespace {

using kizashi::testing::SourcePath;

std::shared_ptr<const Registry> LoadOrFail(const std::vector<std::string>& rel) {
  std::vector<std::string> paths;
  for (const auto& r : rel) paths.push_back(SourcePath(r));
  Diagnostics d;
  auto reg = Registry::Load(paths, &d);
  EXPECT_TRUE(reg.ok()) << reg.status();
  EXPECT_EQ(d.size(), 0u) << d.ToText();  // no warnings either
  return reg.ok() ? *reg : nullptr;
}

// Every sector has at least one operator.
void ExpectEverySectorCovered(const Registry& r) {
  std::set<std::string> covered;
  for (const auto& o : r.operators()) covered.insert(o.sector);
  for (const auto& s : r.sectors()) EXPECT_TRUE(covered.contains(s.id)) << s.id;
}

std::string MinistryOf(const Registry& r, const char* op) {
  uint32_t m = r.MinistryOf(r.FindOperator(op));
  return m == kNone ? "none" : r.ministries()[m].id;
}

IpAddr A(const char* s) {
  IpAddr a;
  EXPECT_TRUE(IpAddr::Parse(s, &a)) << s;
  return a;
}

TEST(RegistryExamples, Framework2005) {
  auto r = LoadOrFail({"deploy/registry/framework-2005.yaml",
                       "deploy/registry/examples/operators-common.yaml",
                       "deploy/registry/examples/operators-it-services-2005.yaml"});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->sectors().size(), 8u);
  EXPECT_EQ(r->operators().size(), 8u);
  ExpectEverySectorCovered(*r);
  // Annex 2's channels.
  EXPECT_EQ(MinistryOf(*r, "example-telecom"), "mic");
  EXPECT_EQ(MinistryOf(*r, "example-bank"), "fsa");
  EXPECT_EQ(MinistryOf(*r, "example-air"), "mlit");
  EXPECT_EQ(MinistryOf(*r, "example-rail"), "mlit");
  EXPECT_EQ(MinistryOf(*r, "example-power"), "meti");
  EXPECT_EQ(MinistryOf(*r, "example-gas"), "meti");
  EXPECT_EQ(MinistryOf(*r, "example-dc"), "meti");
  EXPECT_EQ(MinistryOf(*r, "example-city"), "cas");
  ASSERT_NE(r->cabinet_secretariat(), kNone);
  EXPECT_EQ(r->ministries()[r->cabinet_secretariat()].id, "cas");
  EXPECT_EQ(r->sectors()[r->FindSector("finance")].relay_body.empty(), false);

  // The example bank, resolved by hand from operators-common.yaml.
  uint32_t bank = r->FindOperator("example-bank");
  auto sys = [&](const char* addr) {
    Resolution res = r->ResolveAddress(bank, A(addr));
    return res.kind == TargetKind::kCriticalSystem ? r->systems()[res.index].id : "-";
  };
  auto role = [&](Resolution res) {
    return res.kind == TargetKind::kNonCriticalAsset
               ? std::string(AssetRoleName(r->assets()[res.index].role))
               : "-";
  };
  EXPECT_EQ(sys("10.1.2.3"), "core-banking");
  EXPECT_EQ(sys("198.51.100.10"), "internet-banking");  // 198.51.100.0/26
  EXPECT_EQ(sys("2001:db8:200:ff::1"), "internet-banking");
  EXPECT_EQ(role(r->ResolveAddress(bank, A("198.51.100.254"))), "internet_firewall");
  EXPECT_EQ(role(r->ResolveAddress(bank, A("198.51.100.130"))), "advertising_web");
  EXPECT_EQ(role(r->ResolveHost(bank, "MAIL.bank.example")), "office_mail");
  EXPECT_EQ(r->ResolveAddress(bank, A("198.51.100.100")).kind, TargetKind::kUnknownAsset);
  const CriticalSystem& core = r->systems()[r->ResolveHost(bank, "ccs02.bank.example").index];
  EXPECT_EQ(core.id, "core-banking");
  EXPECT_TRUE(core.internal_only);
  EXPECT_EQ(core.run_by, "example-it");
  EXPECT_TRUE(r->IsInternal(bank, A("172.16.5.5")));
  EXPECT_FALSE(r->IsInternal(bank, A("198.51.100.10")));
  EXPECT_EQ(r->operators()[bank].contact.means.size(), 2u);
}

TEST(RegistryExamples, Sectors2024) {
  auto r = LoadOrFail({"deploy/registry/sectors-2024.yaml",
                       "deploy/registry/examples/operators-common.yaml",
                       "deploy/registry/examples/operators-2024-additions.yaml"});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->sectors().size(), 15u);
  EXPECT_EQ(r->operators().size(), 15u);
  ExpectEverySectorCovered(*r);
  EXPECT_EQ(r->FindSector("it_services"), kNone);
  EXPECT_EQ(MinistryOf(*r, "example-hospital"), "mhlw");
  EXPECT_EQ(MinistryOf(*r, "example-waterworks"), "mlit");
  EXPECT_EQ(MinistryOf(*r, "example-logistics"), "mlit");
  EXPECT_EQ(MinistryOf(*r, "example-chemical"), "meti");
  EXPECT_EQ(MinistryOf(*r, "example-card"), "meti");
  EXPECT_EQ(MinistryOf(*r, "example-refinery"), "meti");
  EXPECT_EQ(MinistryOf(*r, "example-port"), "mlit");
  EXPECT_EQ(MinistryOf(*r, "example-airport"), "mlit");
  EXPECT_EQ(MinistryOf(*r, "example-bank"), "fsa");
  uint32_t port = r->FindOperator("example-port");
  Resolution tos = r->ResolveAddress(port, A("10.96.1.1"));
  ASSERT_EQ(tos.kind, TargetKind::kCriticalSystem);
  EXPECT_EQ(r->systems()[tos.index].id, "tos");
}

TEST(RegistryExamples, BothSectorListsCannotBeLoadedTogether) {
  Diagnostics d;
  auto reg = Registry::Load({SourcePath("deploy/registry/framework-2005.yaml"),
                             SourcePath("deploy/registry/sectors-2024.yaml")},
                            &d);
  EXPECT_FALSE(reg.ok());
  EXPECT_NE(d.ToText().find("duplicate sector id 'finance'"), std::string::npos) << d.ToText();
}

TEST(RegistryExamples, EveryYamlBlockOfTheDocsLoads) {
  const std::string doc = kizashi::testing::ReadFileOrDie(SourcePath("docs/registry.md"));
  RegistryData data;
  Diagnostics d;
  ParseRegistryFile(SourcePath("deploy/registry/framework-2005.yaml"), &data, &d);
  int blocks = 0;
  size_t pos = 0;
  const std::string open = "```yaml\n";
  while ((pos = doc.find(open, pos)) != std::string::npos) {
    size_t start = pos + open.size();
    size_t end = doc.find("```", start);
    ASSERT_NE(end, std::string::npos);
    ParseRegistryText(doc.substr(start, end - start), "docs/registry.md#" + std::to_string(++blocks),
                      &data, &d);
    pos = end + 3;
  }
  EXPECT_GE(blocks, 8);
  auto reg = Registry::Build(std::move(data), &d);
  ASSERT_NE(reg, nullptr) << d.ToText();
  EXPECT_EQ(d.size(), 0u) << d.ToText();
  ExpectEverySectorCovered(*reg);
}

}  // namespace
}  // namespace kizashi::registry
