// The rule language: every error reported with file:line and rule id, predicates on events
// and registry facts, pattern selectors, and the loader entry point.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/testing.h"
#include "tests/unit/correlate/harness.h"

namespace kizashi::testing {
namespace {

using correlate::Rulebook;
using correlate::RuleMatch;

TEST(RuleParse, ReportsEveryErrorWithFileLineAndRule) {
  Diagnostics d;
  auto rules = correlate::ParseRulesText(R"(rules:
  - id: a
    match: {where: [{field: nope, equals: x}]}
    condition: {type: event_count, count: 3}
  - id: b
    match: {kinds: [attack_pattern]}
    condition:
      type: temporal
      window: 5m
      steps:
        - {id: one, match: {entries: [x]}}
  - id: c
    match:
      where:
        - {field: user, regex: '(unclosed'}
        - {field: user, cidr: [10.0.0.0/8]}
        - {field: user, equals: x, prefix: y}
    condition: {type: absence, window: 1m, trigger: {kinds: [attack_pattern]}}
  - id: d
    match: {target: critical_system, asset_roles: [advertising_web]}
    group_by: [operator]
    condition: {type: single, window: 5m}
)", "r.yaml", &d);
  std::string t = d.ToText();
  EXPECT_NE(t.find("r.yaml:3: error: [a] unknown field 'nope'"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:4: error: [a] missing required field 'window'"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:11: error: [b] temporal needs 2..8 steps, got 1"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:15: error: [c] regex does not compile"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:16: error: [c] 'cidr' applies to src_ip or dst_ip"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:17: error: [c] a predicate needs exactly one test"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:18: error: [c] absence needs 'expect'"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:20: error: [d] 'asset_roles' applies to non-critical assets only"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:21: error: [d] 'operator' is always part of the key"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:22: error: [d] 'window' does not apply to single"), std::string::npos) << t;
  EXPECT_EQ(d.error_count(), 10u) << t;
  EXPECT_TRUE(rules.empty());
}

TEST(RuleCompile, UnknownEntriesAreErrorsAndUnselectiveRulesWarn) {
  auto patterns = TestPatterns();
  Diagnostics d;
  auto rules = correlate::ParseRulesText(R"(rules:
  - id: typo
    match: {entries: [ssh-fial]}
    condition: {type: single}
  - id: everything
    match: {where: [{field: program, equals: sshd}]}
    condition: {type: single}
  - id: typo
    match: {entries: [p/ssh-fail]}
    condition: {type: single}
)", "r.yaml", &d);
  EXPECT_FALSE(d.has_errors()) << d.ToText();
  auto rb = Rulebook::Compile(rules, *patterns, &d);
  EXPECT_EQ(rb, nullptr);
  std::string t = d.ToText();
  EXPECT_NE(t.find("r.yaml:3: error: [typo] match.entries names 'ssh-fial'"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:8: error: [typo] duplicate rule id"), std::string::npos) << t;
  EXPECT_NE(t.find("r.yaml:5: warning: [everything] no pattern selector"), std::string::npos) << t;
}

TEST(RuleCompile, IndexesEntriesToRulesAndSteps) {
  auto patterns = TestPatterns();
  Diagnostics d;
  auto rules = correlate::ParseRulesText(R"(rules:
  - id: high
    match: {min_severity: high, attack_types: [unauthorized_access, preparatory]}
    condition: {type: single}
  - id: seq
    match: {kinds: [attack_pattern]}
    condition:
      type: temporal_ordered
      window: 1m
      steps:
        - {id: a, match: {entries: [exploit]}}
        - {id: b, match: {attack_types: [preparatory]}}
  - id: off
    enabled: false
    match: {entries: [exploit]}
    condition: {type: single}
)", "r.yaml", &d);
  auto rb = Rulebook::Compile(rules, *patterns, &d);
  ASSERT_NE(rb, nullptr) << d.ToText();
  EXPECT_EQ(rb->size(), 2u);  // "off" is validated, not compiled
  auto entry = [&](const std::string& id) {
    for (uint32_t i = 0; i < patterns->entries().size(); ++i) {
      if (patterns->entries()[i].entry_id == id) return i;
    }
    return kNone;
  };
  // exploit: high + unauthorized_access -> rule 0; seq step a -> rule 1, steps bit 0.
  const auto& ex = rb->rules_for_entry(entry("exploit"));
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[0].rule, 0u);
  EXPECT_EQ(ex[1].rule, 1u);
  EXPECT_EQ(ex[1].steps, 1u);
  // backdoor: high preparatory -> rule 0; seq step b -> bit 1.
  const auto& bd = rb->rules_for_entry(entry("backdoor"));
  ASSERT_EQ(bd.size(), 2u);
  EXPECT_EQ(bd[1].steps, 2u);
  // ssh-fail is medium: not rule 0; not a step of seq.
  EXPECT_TRUE(rb->rules_for_entry(entry("ssh-fail")).empty());
}

class Predicates : public ::testing::Test {
 protected:
  void SetUp() override { reg_ = TestRegistry(); }

  // An event of operator bank from `src` to `dst`, enriched.
  Event Make(const std::string& src, const std::string& dst) {
    keep_.push_back(src);
    Batch b;
    Event e;
    e.operator_id = "bank";
    IpAddr::Parse(src, &e.src);
    IpAddr::Parse(dst, &e.dst);
    e.src_port = 40000;
    e.dst_port = 22;
    e.set_field(FieldId::kUser, "Root");
    e.set_field(FieldId::kMessage, "Accepted password for root");
    b.events.push_back(e);
    enrich::Enricher().Enrich(b, *reg_);
    return b.events.at(0);
  }

  RuleMatch Parse(const std::string& match_yaml) {
    Diagnostics d;
    auto rules = correlate::ParseRulesText(
        "rules:\n  - id: r\n    match: " + match_yaml + "\n    condition: {type: single}\n",
        "r.yaml", &d);
    EXPECT_FALSE(d.has_errors()) << d.ToText();
    return rules.empty() ? RuleMatch{} : rules[0].match;
  }

  bool Accepts(const std::string& match_yaml, const Event& e) {
    return Rulebook::Accepts(Parse(match_yaml), e, *reg_);
  }

  std::shared_ptr<const registry::Registry> reg_;
  std::vector<std::string> keep_;
};

TEST_F(Predicates, RegistryFacts) {
  Event to_core = Make("198.51.100.1", "10.1.0.1");   // external -> internal-only system
  Event to_atm = Make("10.9.9.9", "10.2.0.1");        // internal -> not internal-only
  Event to_web = Make("198.51.100.1", "203.0.113.10");  // advertising_web asset
  EXPECT_TRUE(Accepts("{target: critical_system, internal_only: true, source: external}", to_core));
  EXPECT_FALSE(Accepts("{internal_only: true}", to_atm));
  EXPECT_TRUE(Accepts("{internal_only: false, source: internal}", to_atm));
  EXPECT_FALSE(Accepts("{source: external}", to_atm));
  EXPECT_TRUE(Accepts("{asset_roles: [advertising_web]}", to_web));
  EXPECT_FALSE(Accepts("{asset_roles: [office_mail]}", to_web));
  EXPECT_FALSE(Accepts("{target: non_critical_asset}", to_core));
  EXPECT_TRUE(Accepts("{operators: [bank]}", to_core));
  EXPECT_FALSE(Accepts("{operators: [gov, rail]}", to_core));
}

TEST_F(Predicates, EventFields) {
  Event e = Make("198.51.100.7", "10.1.0.1");
  EXPECT_TRUE(Accepts("{where: [{field: user, equals: Root}]}", e));
  EXPECT_FALSE(Accepts("{where: [{field: user, equals: root}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: user, in: [admin, root], nocase: true}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: message, prefix: Accepted}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: message, suffix: root}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: message, contains: PASSWORD, nocase: true}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: message, regex: '^Accepted \\w+ for'}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: src_ip, cidr: [198.51.100.0/24]}]}", e));
  EXPECT_FALSE(Accepts("{where: [{field: src_ip, cidr: [10.0.0.0/8]}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: src_ip, cidr: [10.0.0.0/8], not: true}]}", e));
  // Oriented ports: dst_port is the target's side.
  EXPECT_TRUE(Accepts("{where: [{field: dst_port, lte: 1023}, {field: src_port, gte: 1024}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: dst_ip, equals: 10.1.0.1}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: target, equals: core}]}", e));
  EXPECT_FALSE(Accepts("{where: [{field: program, exists: true}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: program, exists: false}]}", e));
  // All predicates must hold.
  EXPECT_FALSE(Accepts("{where: [{field: user, equals: Root}, {field: dst_port, gte: 1024}]}", e));
}

TEST_F(Predicates, OrientationFollowsTheTarget) {
  // A response from the core system (source side) to an outside host: the target is still
  // "core", so src_ip names the outside peer.
  Event e = Make("10.1.0.1", "198.51.100.9");
  EXPECT_TRUE(Accepts("{where: [{field: src_ip, equals: 198.51.100.9}]}", e));
  EXPECT_TRUE(Accepts("{where: [{field: target, equals: core}]}", e));
}

TEST(LoadRulebook, CollectsErrorsAcrossFilesAndPublishesNothing) {
  std::string dir = MakeTempDir("rules");
  {
    std::ofstream(dir + "/a.yaml") << "rules:\n  - id: ok\n    match: {entries: [exploit]}\n"
                                      "    condition: {type: single}\n";
    std::ofstream(dir + "/b.yaml") << "rules:\n  - id: bad\n    match: {entries: [exploit]}\n"
                                      "    condition: {type: event_count, count: 0, window: 1m}\n";
  }
  auto patterns = TestPatterns();
  Diagnostics d;
  auto rb = correlate::LoadRulebook({dir + "/a.yaml", dir + "/b.yaml"}, *patterns, &d);
  EXPECT_EQ(rb, nullptr);
  EXPECT_NE(d.ToText().find(dir + "/b.yaml:4: error: [bad] 'count' = 0 is outside 1..10000"),
            std::string::npos)
      << d.ToText();
  Diagnostics d2;
  rb = correlate::LoadRulebook({dir + "/a.yaml"}, *patterns, &d2);
  ASSERT_NE(rb, nullptr) << d2.ToText();
  EXPECT_EQ(rb->size(), 1u);
  RemoveTree(dir);
}

}  // namespace
}  // namespace kizashi::testing
