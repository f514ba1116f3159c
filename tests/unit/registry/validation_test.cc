// Every registry validation rule (docs/registry.md, "Validation"): each test feeds a small
// registry with a known defect and checks the diagnostic's file, line, object id and reason.
// Line numbers are counted by hand from the YAML literals (line 1 = the first line after R"().
#include <gtest/gtest.h>

#include <string>

#include "engine/registry/registry.h"

namespace kizashi::registry {
namespace {

constexpr const char* kBase = R"(ministries:
  - {id: cas, name_en: Cabinet Secretariat, destination: cas, cabinet_secretariat: true}
  - {id: fsa, name_en: Financial Services Agency, destination: ministry.fsa}
sectors:
  - {id: finance, name_en: Finance, ministry: fsa}
  - {id: government, name_en: Government, ministry: cas}
)";

struct Result {
  Diagnostics diags;
  std::shared_ptr<const Registry> reg;
};

// base.yaml + ops.yaml, parsed and built (Build validates).
Result Load(const std::string& ops, const char* base = kBase) {
  Result r;
  RegistryData data;
  ParseRegistryText(base, "base.yaml", &data, &r.diags);
  ParseRegistryText(ops, "ops.yaml", &data, &r.diags);
  if (r.diags.has_errors()) {
    ValidateRegistry(data, &r.diags);  // as Registry::Load does: report everything at once
  } else {
    r.reg = Registry::Build(std::move(data), &r.diags);
  }
  return r;
}

// Whether `d` holds a diagnostic of `sev` at file:line for `id` whose reason contains `text`.
::testing::AssertionResult Has(const Diagnostics& d, Severity sev, const std::string& file,
                               int line, const std::string& id, const std::string& text) {
  for (const auto& x : d.items()) {
    if (x.severity == sev && x.file == file && x.line == line && x.object_id == id &&
        x.reason.find(text) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no " << (sev == Severity::kError ? "error" : "warning")
                                       << " " << file << ":" << line << " [" << id << "] ~ '"
                                       << text << "' in:\n"
                                       << d.ToText();
}
::testing::AssertionResult HasError(const Diagnostics& d, const std::string& file, int line,
                                    const std::string& id, const std::string& text) {
  return Has(d, Severity::kError, file, line, id, text);
}

// A valid operator; tests append or substitute lines.
constexpr const char* kGood = R"(operators:
  - id: bank-a
    name: Bank A
    sector: finance
    home_networks: [10.0.0.0/8]
    contact:
      person: Duty officer
      means:
        - {type: phone, value: "+81-3-0000-0001"}
        - {type: email, value: soc@bank-a.example}
    critical_systems:
      - id: core
        name: Core banking
        networks: [10.1.0.0/16]
)";

TEST(RegistryValidation, ValidRegistryHasNoDiagnostics) {
  Result r = Load(kGood);
  EXPECT_EQ(r.diags.size(), 0u) << r.diags.ToText();
  ASSERT_NE(r.reg, nullptr);
  EXPECT_EQ(r.reg->operators().size(), 1u);
  EXPECT_EQ(r.reg->cabinet_secretariat(), r.reg->FindMinistry("cas"));
}

TEST(RegistryValidation, DuplicateIds) {
  Result r = Load(std::string(kGood) + R"(      - id: core
        networks: [10.2.0.0/16]
    assets:
      - {id: core, role: office_mail, networks: [10.3.0.0/16]}
  - id: bank-a
    name: Bank A again
    sector: finance
    contact: {person: X, means: [{type: phone, value: "0300000002"}, {type: fax, value: "0300000003"}]}
it_providers:
  - {id: itco, serves: [bank-a]}
  - {id: itco, serves: [bank-a]}
)");
  EXPECT_EQ(r.reg, nullptr);
  // Second "core" system (line 15) and the asset "core" (line 18) clash with line 12.
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 15, "bank-a/core",
                       "duplicate system/asset id 'core' within operator 'bank-a' (first defined "
                       "as a critical system at ops.yaml:12)"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 18, "bank-a/core", "duplicate system/asset id"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 19, "bank-a",
                       "duplicate operator id 'bank-a' (first defined at ops.yaml:2)"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 25, "itco",
                       "duplicate IT-service provider id 'itco' (first defined at ops.yaml:24)"));
  EXPECT_EQ(r.diags.error_count(), 4u) << r.diags.ToText();
}

TEST(RegistryValidation, DuplicateMinistryAndSectorAcrossFiles) {
  Result r = Load(R"(ministries:
  - {id: fsa, name_en: FSA again, destination: x}
sectors:
  - {id: finance, name_en: Finance again, ministry: fsa}
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 2, "fsa",
                       "duplicate ministry id 'fsa' (first defined at base.yaml:3)"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 4, "finance",
                       "duplicate sector id 'finance' (first defined at base.yaml:5)"));
  EXPECT_EQ(r.diags.error_count(), 2u) << r.diags.ToText();
}

TEST(RegistryValidation, SameSystemIdInTwoOperatorsIsFine) {
  Result r = Load(std::string(kGood) + R"(  - id: bank-b
    name: Bank B
    sector: finance
    contact: {person: X, means: [{type: phone, value: "0300000002"}, {type: email, value: a@b.example}]}
    critical_systems:
      - {id: core, networks: [10.1.0.0/16]}
)");
  EXPECT_EQ(r.diags.error_count(), 0u) << r.diags.ToText();
  EXPECT_NE(r.reg, nullptr);
}

TEST(RegistryValidation, UnknownSectorAndMinistry) {
  Result r = Load(R"(sectors:
  - {id: water, name_en: Water, ministry: mhlw}
operators:
  - id: city-water
    name: City water
    sector: waterworks
    contact: {person: X, means: [{type: phone, value: "0300000002"}, {type: email, value: a@b.example}]}
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 2, "water",
                       "unknown ministry 'mhlw' (known: cas, fsa)"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 4, "city-water",
                       "unknown sector 'waterworks' (known: finance, government, water)"));
  EXPECT_EQ(r.diags.error_count(), 2u) << r.diags.ToText();
}

// Operator `id` with the given contact block (indented 4 spaces, starting "contact:").
std::string OperatorWithContact(const std::string& id, const std::string& contact) {
  return "  - id: " + id + "\n    name: " + id + "\n    sector: finance\n" + contact;
}

TEST(RegistryValidation, ContactNeedsTwoDistinctMeans) {
  std::string ops = "operators:\n";
  // line 2: no contact at all
  ops += OperatorWithContact("no-contact", "");
  // line 5: one means
  ops += OperatorWithContact("one", "    contact: {person: A, means: [{type: phone, value: \"03-0000-0001\"}]}\n");
  // line 9: two phone numbers (same type)
  ops += OperatorWithContact("two-phones",
      "    contact: {person: A, means: [{type: phone, value: \"03-0000-0001\"}, {type: phone, value: \"03-0000-0002\"}]}\n");
  // line 13: phone and fax on the same line, written differently
  ops += OperatorWithContact("tel-fax-same",
      "    contact: {person: A, means: [{type: phone, value: \"+81 3-0000-0001\"}, {type: fax, value: \"(03) 0000-0001\"}]}\n");
  // line 17: phone and fax on different lines: fine
  ops += OperatorWithContact("tel-fax",
      "    contact: {person: A, means: [{type: phone, value: \"03-0000-0001\"}, {type: fax, value: \"03-0000-0009\"}]}\n");
  // line 21: two "other" means count once
  ops += OperatorWithContact("others",
      "    contact: {person: A, means: [{type: other, value: radio}, {type: other, value: courier}]}\n");
  // line 25: e-mail and other with identical text count once
  ops += OperatorWithContact("same-text",
      "    contact: {person: A, means: [{type: email, value: SOC@x.example}, {type: other, value: soc@x.example}]}\n");
  Result r = Load(ops);
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 2, "no-contact", "missing 'contact'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 5, "one",
                       "operator 'one' has 1 distinct contact means; the framework requires at "
                       "least two"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 9, "two-phones", "has 1 distinct contact means"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 13, "tel-fax-same", "has 1 distinct contact means"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 21, "others", "has 1 distinct contact means"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 25, "same-text", "has 1 distinct contact means"));
  EXPECT_EQ(r.diags.error_count(), 6u) << r.diags.ToText();
}

TEST(RegistryValidation, MalformedContactMeans) {
  Result r = Load(R"(operators:
  - id: op
    name: Op
    sector: finance
    contact:
      means:
        - {type: phone, value: "call me"}
        - {type: email, value: "soc.example"}
        - {type: pager, value: "123456"}
        - {type: fax, value: "12345"}
        - {type: email}
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 2, "op", "contact has no 'person'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 7, "op", "'call me' is not a phone number"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 8, "op", "'soc.example' is not an e-mail address"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 9, "op", "unknown contact means type 'pager'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 10, "op", "'12345' has 5 digits"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 11, "op", "missing required field 'value'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 2, "op", "has 0 distinct contact means"));
  EXPECT_EQ(r.diags.error_count(), 7u) << r.diags.ToText();
}

TEST(RegistryValidation, DistinctContactMeansCountsPairwiseDifferentTypeAndValue) {
  auto count = [](std::vector<std::pair<ContactMeansType, std::string>> ms) {
    Contact c;
    for (auto& [t, v] : ms) c.means.push_back(ContactMeans{t, v, 0});
    return DistinctContactMeans(c);
  };
  using T = ContactMeansType;
  EXPECT_EQ(count({}), 0);
  EXPECT_EQ(count({{T::kPhone, "03-0000-0001"}}), 1);
  EXPECT_EQ(count({{T::kPhone, "03-0000-0001"}, {T::kEmail, "a@b.example"}}), 2);
  EXPECT_EQ(count({{T::kPhone, "03-0000-0001"}, {T::kFax, "+81 3 0000 0001"}}), 1);
  // Phone A and fax A are one line, but phone B with fax A makes two.
  EXPECT_EQ(count({{T::kPhone, "03-0000-0001"}, {T::kFax, "03-0000-0001"},
                   {T::kPhone, "03-0000-0002"}}),
            2);
  EXPECT_EQ(count({{T::kPhone, "03-0000-0001"}, {T::kFax, "03-0000-0002"},
                   {T::kEmail, "a@b.example"}, {T::kOther, "radio ch 3"}}),
            4);
  EXPECT_EQ(count({{T::kEmail, "not-an-address"}, {T::kPhone, "03-0000-0001"}}), 1);
}

TEST(RegistryValidation, MalformedAddresses) {
  Result r = Load(R"(operators:
  - id: op
    name: Op
    sector: finance
    contact: {person: A, means: [{type: phone, value: "0300000001"}, {type: email, value: a@b.example}]}
    home_networks:
      - 10.0.0.300/8
      - 10.1.0.0/8
    critical_systems:
      - id: s1
        networks:
          - 10.0.0.0/33
          - 2001:db8::/129
          - fe80::1%eth0
          - not-an-address
          - 10.2.0.0/16
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 7, "op",
                       "malformed network '10.0.0.300/8' in 'home_networks': not an IPv4 or IPv6 "
                       "address"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 8, "op",
                       "malformed network '10.1.0.0/8' in 'home_networks': host bits are set after "
                       "the prefix; did you mean 10.0.0.0/8?"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 12, "op/s1",
                       "'10.0.0.0/33' in 'networks': prefix length must be a number 0..32"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 13, "op/s1", "prefix length must be a number 0..128"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 14, "op/s1", "zone indexes"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 15, "op/s1", "'not-an-address'"));
  EXPECT_EQ(r.diags.error_count(), 6u) << r.diags.ToText();
}

TEST(RegistryValidation, IdenticalPrefixForTwoTargetsOfOneOperator) {
  Result r = Load(std::string(kGood) + R"(      - id: treasury
        networks: [10.1.0.0/16, "::ffff:10.9.0.0/112"]
      - id: settlement
        networks: [10.9.0.0/16]
    assets:
      - id: mail
        role: office_mail
        networks: [10.1.0.0/16]
)");
  EXPECT_EQ(r.reg, nullptr);
  // treasury's 10.1.0.0/16 (line 16) clashes with core's (line 14); settlement's 10.9.0.0/16
  // (line 18) is treasury's ::ffff:10.9.0.0/112; the asset's (line 22) clashes with core's.
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 16, "bank-a/treasury",
                       "network 10.1.0.0/16 maps to both critical system 'core' (ops.yaml:14) and "
                       "critical system 'treasury' of operator 'bank-a' with no more specific "
                       "prefix deciding"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 18, "bank-a/settlement",
                       "network 10.9.0.0/16 maps to both critical system 'treasury'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 22, "bank-a/mail",
                       "maps to both critical system 'core' (ops.yaml:14) and asset 'mail'"));
  EXPECT_EQ(r.diags.error_count(), 3u) << r.diags.ToText();
}

TEST(RegistryValidation, NestedPrefixesAndSeparateOperatorsAreNotConflicts) {
  Result r = Load(std::string(kGood) + R"(      - id: core-db
        networks: [10.1.2.0/24, 10.1.2.0/24]
    assets:
      - {id: office, role: office_mail, networks: [10.0.0.0/8]}
  - id: bank-b
    name: Bank B
    sector: finance
    contact: {person: X, means: [{type: phone, value: "0300000002"}, {type: email, value: a@b.example}]}
    critical_systems:
      - {id: other-core, networks: [10.1.0.0/16]}
)");
  EXPECT_EQ(r.diags.error_count(), 0u) << r.diags.ToText();
  ASSERT_NE(r.reg, nullptr);
  // The same prefix listed twice by one target is only a warning.
  EXPECT_TRUE(Has(r.diags, Severity::kWarning, "ops.yaml", 16, "bank-a/core-db",
                  "network 10.1.2.0/24 is listed twice"));
}

TEST(RegistryValidation, HostNames) {
  Result r = Load(std::string(kGood) + R"(        hostnames: [CCS.bank-a.example, "ccs2.bank-a.example."]
      - id: web
        hostnames:
          - ccs.bank-a.example
          - 10.1.2.3
          - "*.bank-a.example"
          - "a..b"
          - "ｗｗｗ.example"
          - "under_score.example"
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 18, "bank-a/web",
                       "host name 'ccs.bank-a.example' is already assigned to critical system "
                       "'core' (ops.yaml:15)"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 19, "bank-a/web",
                       "malformed host name '10.1.2.3': is an IP address: list it under "
                       "'networks'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 20, "bank-a/web", "wildcards are not supported"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 21, "bank-a/web", "has an empty label"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 22, "bank-a/web", "non-ASCII"));
  EXPECT_EQ(r.diags.error_count(), 5u) << r.diags.ToText();
}

TEST(RegistryValidation, TargetsNeedANetworkOrHostName) {
  Result r = Load(std::string(kGood) + R"(      - id: ghost
        name: nowhere
    assets:
      - id: ghost-asset
        role: other
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 15, "bank-a/ghost",
                       "a critical system needs at least one network or host name"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 18, "bank-a/ghost-asset",
                       "an asset needs at least one network or host name"));
  EXPECT_EQ(r.diags.error_count(), 2u) << r.diags.ToText();
}

TEST(RegistryValidation, AssetRoles) {
  Result r = Load(std::string(kGood) + R"(    assets:
      - {id: fw, role: firewall, networks: [192.0.2.1]}
      - {id: web, networks: [192.0.2.2]}
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 16, "bank-a/fw",
                       "unknown asset role 'firewall' (internet_firewall, advertising_web, "
                       "office_mail, other)"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 17, "bank-a/web", "missing required field 'role'"));
  EXPECT_EQ(r.diags.error_count(), 2u) << r.diags.ToText();
}

TEST(RegistryValidation, ItProviders) {
  Result r = Load(std::string(kGood) + R"(      - {id: atm, networks: [10.5.0.0/16], run_by: itco}
      - {id: web, networks: [10.6.0.0/16], run_by: nobody}
      - {id: net, networks: [10.7.0.0/16], run_by: other-it}
it_providers:
  - {id: itco, name: IT Co, serves: [bank-a]}
  - {id: other-it, name: Other IT, serves: [bank-z]}
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 16, "bank-a/web",
                       "run_by names unknown IT-service provider 'nobody' (known: itco, other-it)"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 17, "bank-a/net",
                       "run_by provider 'other-it' does not list operator 'bank-a' in 'serves'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 20, "other-it", "serves unknown operator 'bank-z'"));
  EXPECT_EQ(r.diags.error_count(), 3u) << r.diags.ToText();
}

TEST(RegistryValidation, IdFormat) {
  Result r = Load(R"(sectors:
  - {id: "bad sector", name_en: X, ministry: fsa}
operators:
  - id: "a|b"
    name: X
    sector: finance
    contact: {person: X, means: [{type: phone, value: "0300000002"}, {type: email, value: a@b.example}]}
    critical_systems:
      - {id: "-core", networks: [10.0.0.0/8]}
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 2, "bad sector", "sector id 'bad sector' must be"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 4, "a|b", "operator id 'a|b' must be"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 9, "a|b/-core", "critical system id '-core' must be"));
  EXPECT_EQ(r.diags.error_count(), 3u) << r.diags.ToText();
}

TEST(RegistryValidation, CabinetSecretariat) {
  Result two = Load(R"(ministries:
  - {id: cas2, name_en: Another, destination: x, cabinet_secretariat: true}
)");
  EXPECT_TRUE(HasError(two.diags, "ops.yaml", 2, "cas2",
                       "more than one ministry is marked cabinet_secretariat (also 'cas' at "
                       "base.yaml:2)"));
  Result none = Load(kGood, R"(ministries:
  - {id: fsa, name_en: FSA, destination: ministry.fsa}
sectors:
  - {id: finance, name_en: Finance, ministry: fsa}
)");
  EXPECT_EQ(none.diags.error_count(), 0u) << none.diags.ToText();
  EXPECT_TRUE(Has(none.diags, Severity::kWarning, "base.yaml", 0, "",
                  "no ministry is marked cabinet_secretariat"));
  ASSERT_NE(none.reg, nullptr);
  EXPECT_EQ(none.reg->cabinet_secretariat(), kNone);
}

TEST(RegistryValidation, UnknownFieldsAndWrongTypes) {
  Result r = Load(R"(operators:
  - id: op
    name: Op
    sector: finance
    sectr: typo
    consent: {share_identity: maybe}
    contact: {person: A, means: [{type: phone, value: "0300000001"}, {type: email, value: a@b.example}]}
    critical_systems:
      - id: s
        networks: [10.0.0.0/8]
        internal_only: sometimes
        owner: nobody
extra: 1
)");
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 5, "op", "unknown field 'sectr'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 6, "op", "'share_identity' must be true or false"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 11, "op/s", "'internal_only' must be true or false"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 12, "op/s", "unknown field 'owner'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 13, "", "unknown field 'extra'"));
  EXPECT_EQ(r.diags.error_count(), 5u) << r.diags.ToText();
}

TEST(RegistryValidation, YamlSyntaxErrorHasALine) {
  Result r = Load("operators:\n  - id: op\n    name: [unclosed\n");
  ASSERT_TRUE(r.diags.has_errors());
  EXPECT_EQ(r.diags.items()[0].file, "ops.yaml");
  EXPECT_GT(r.diags.items()[0].line, 0);
  EXPECT_NE(r.diags.items()[0].reason.find("YAML"), std::string::npos);
}

TEST(RegistryValidation, InternalOnlyAdvice) {
  Result r = Load(std::string(kGood) + R"(      - id: scada
        internal_only: true
        networks: [10.8.0.0/16, 192.0.2.0/24]
  - id: bank-b
    name: Bank B
    sector: finance
    contact: {person: X, means: [{type: phone, value: "0300000002"}, {type: email, value: a@b.example}]}
    critical_systems:
      - {id: plc, internal_only: true, networks: [172.16.0.0/12]}
)");
  EXPECT_EQ(r.diags.error_count(), 0u) << r.diags.ToText();
  EXPECT_TRUE(Has(r.diags, Severity::kWarning, "ops.yaml", 17, "bank-a/scada",
                  "internal_only system network 192.0.2.0/24 is not inside operator 'bank-a' "
                  "home_networks"));
  EXPECT_TRUE(Has(r.diags, Severity::kWarning, "ops.yaml", 23, "bank-b/plc",
                  "declares no home_networks"));
  EXPECT_EQ(r.diags.size(), 2u) << r.diags.ToText();
}

TEST(RegistryValidation, AllErrorsOfAFileAreCollectedInOnePass) {
  // One defect of each kind in one file: nothing stops at the first.
  Result r = Load(R"(operators:
  - id: op
    name: Op
    sector: nowhere
    contact: {person: A, means: [{type: phone, value: "0300000001"}]}
    home_networks: [10.0.0.1/8]
    critical_systems:
      - {id: a, networks: [10.1.0.0/16]}
      - {id: b, networks: [10.1.0.0/16]}
      - {id: a, networks: [10.2.0.0/16]}
)");
  EXPECT_EQ(r.reg, nullptr);
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 6, "op", "host bits are set"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 2, "op", "unknown sector 'nowhere'"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 2, "op", "has 1 distinct contact means"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 9, "op/b", "maps to both"));
  EXPECT_TRUE(HasError(r.diags, "ops.yaml", 10, "op/a", "duplicate system/asset id 'a'"));
  EXPECT_EQ(r.diags.error_count(), 5u) << r.diags.ToText();
}

}  // namespace
}  // namespace kizashi::registry
