// Unit tests for the skeleton stages: enrich, match, classify, route. Expected values are
// derived from the fixtures in fixtures.h.
#include <gtest/gtest.h>

#include "engine/classify/verdict.h"
#include "engine/enrich/enricher.h"
#include "engine/match/matcher.h"
#include "engine/route/router.h"
#include "tests/unit/pipeline/fixtures.h"

namespace kizashi {
namespace {

using correlate::Incident;
using correlate::PatternHit;

Event MakeEvent(std::string_view op, const char* src, const char* dst, std::string_view host = {}) {
  Event e;
  e.operator_id = op;
  if (src) IpAddr::Parse(src, &e.src);
  if (dst) IpAddr::Parse(dst, &e.dst);
  e.host = host;
  return e;
}

TEST(Enrich, ResolvesTargetsAndDeadLettersUnknownOperators) {
  auto reg = testing::TestRegistry();
  Batch b;
  b.records.resize(6);
  b.events.push_back(MakeEvent("bank", "198.51.100.1", "10.1.2.3"));     // dst critical core
  b.events.push_back(MakeEvent("bank", "10.1.9.9", "8.8.8.8"));          // src critical (outbound)
  b.events.push_back(MakeEvent("bank", "198.51.100.1", nullptr, "CBS01"));  // host, case-insensitive
  b.events.push_back(MakeEvent("bank", "10.3.0.1", "203.0.113.10"));     // asset, internal source
  b.events.push_back(MakeEvent("nobody", "1.1.1.1", "10.1.2.3"));        // unknown operator
  b.events.push_back(MakeEvent("bank", "1.1.1.1", "10.7.7.7"));          // unknown asset
  for (uint32_t i = 0; i < b.events.size(); ++i) b.events[i].record = i;
  enrich::Enricher().Enrich(b, *reg);
  ASSERT_EQ(b.events.size(), 5u);
  ASSERT_EQ(b.dead_letters.size(), 1u);
  EXPECT_EQ(b.dead_letters[0].record, 4u);
  EXPECT_EQ(b.dead_letters[0].reason, DeadLetterReason::kUnknownOperator);

  EXPECT_EQ(b.events[0].target_kind, TargetKind::kCriticalSystem);
  EXPECT_EQ(reg->systems()[b.events[0].target_ref].id, "core");
  EXPECT_TRUE(b.events[0].dst_is_target);
  EXPECT_FALSE(b.events[0].src_internal);

  EXPECT_EQ(b.events[1].target_kind, TargetKind::kCriticalSystem);
  EXPECT_FALSE(b.events[1].dst_is_target);

  EXPECT_EQ(b.events[2].target_kind, TargetKind::kCriticalSystem);
  EXPECT_EQ(reg->systems()[b.events[2].target_ref].id, "core");

  EXPECT_EQ(b.events[3].target_kind, TargetKind::kNonCriticalAsset);
  EXPECT_EQ(reg->assets()[b.events[3].target_ref].id, "adweb");
  EXPECT_TRUE(b.events[3].src_internal);

  EXPECT_EQ(b.events[4].target_kind, TargetKind::kUnknownAsset);
}

TEST(Match, ReportsEntryAndFieldPerEvent) {
  auto set = testing::TestPatterns();
  Batch b;
  Event a;
  a.set_field(FieldId::kMessage, "Failed password for root from 1.2.3.4");
  Event c;
  c.set_field(FieldId::kPayload, "xxKZWyy and bindshell");
  c.set_field(FieldId::kMessage, "nothing here");
  Event none;
  none.set_field(FieldId::kPayload, "Failed password");  // the entry targets message only
  b.events = {a, c, none};
  match::Matcher m;
  ASSERT_TRUE(m.Match(b, *set).ok());
  ASSERT_EQ(b.match_begin.size(), 4u);
  ASSERT_EQ(b.match_count(0), 1u);
  EXPECT_EQ(set->entries()[b.event_matches(0)[0].entry].entry_id, "ssh-fail");
  EXPECT_EQ(b.event_matches(0)[0].field, FieldId::kMessage);
  ASSERT_EQ(b.match_count(1), 2u);
  std::set<std::string> ids;
  for (size_t k = 0; k < 2; ++k) ids.insert(set->entries()[b.event_matches(1)[k].entry].entry_id);
  EXPECT_EQ(ids, (std::set<std::string>{"backdoor", "wiper"}));
  EXPECT_EQ(b.match_count(2), 0u);
}

PatternHit Hit(std::string id, patterns::EntryKind kind, patterns::AttackType at,
               patterns::Severity sev, bool disrupt = false, std::string actor = "",
               bool past = false) {
  PatternHit h;
  h.pack_id = "p";
  h.pack_version = "1";
  h.entry_id = std::move(id);
  h.kind = kind;
  h.attack_type = at;
  h.severity = sev;
  h.may_disrupt_critical_systems = disrupt;
  h.actor = std::move(actor);
  h.past_case = past;
  h.count = 1;
  return h;
}

Incident Inc(std::string op, TargetKind kind, std::string target, std::vector<PatternHit> hits) {
  Incident i;
  i.id = "inc-" + target;
  i.revision = 1;
  i.operator_id = std::move(op);
  i.target_kind = kind;
  i.target_id = std::move(target);
  i.rule_id = "r";
  i.patterns = std::move(hits);
  i.event_count = 1;
  return i;
}

using patterns::AttackType;
using patterns::EntryKind;
using patterns::Severity;

TEST(Classify, Annex4Clauses) {
  auto reg = testing::TestRegistry();
  classify::Classifier c(classify::ClassifyOptions{});
  // (a): access attempt, internal-only critical system.
  auto v = c.Classify(Inc("bank", TargetKind::kCriticalSystem, "core",
                          {Hit("ssh-fail", EntryKind::kAttackPattern, AttackType::kUnauthorizedAccess, Severity::kMedium)}),
                      *reg);
  EXPECT_TRUE(v.reportable);
  EXPECT_EQ(v.category, classify::Category::kAttackDetected);
  EXPECT_EQ(v.clauses, std::vector<char>{'a'});
  EXPECT_TRUE(v.escalate);
  // The same against a critical system that is reachable from outside: below threshold, and
  // the near miss names what is missing.
  v = c.Classify(Inc("bank", TargetKind::kCriticalSystem, "atm",
                     {Hit("ssh-fail", EntryKind::kAttackPattern, AttackType::kUnauthorizedAccess, Severity::kMedium)}),
                 *reg);
  EXPECT_FALSE(v.reportable);
  EXPECT_EQ(v.reason, classify::NotReportable::kBelowThreshold);
  EXPECT_NE(v.near_miss.find("internal_only"), std::string::npos) << v.near_miss;
  // (b): virus able to disrupt, inside a critical system.
  v = c.Classify(Inc("bank", TargetKind::kCriticalSystem, "atm",
                     {Hit("wiper", EntryKind::kVirusSignature, AttackType::kDestruction, Severity::kCritical, true)}),
                 *reg);
  EXPECT_EQ(v.clauses, std::vector<char>{'b'});
  // (c): severe pattern, or a past case even at low severity.
  v = c.Classify(Inc("bank", TargetKind::kCriticalSystem, "atm",
                     {Hit("exploit", EntryKind::kAttackPattern, AttackType::kUnauthorizedAccess, Severity::kHigh)}),
                 *reg);
  EXPECT_EQ(v.clauses, std::vector<char>{'c'});
  v = c.Classify(Inc("bank", TargetKind::kCriticalSystem, "atm",
                     {Hit("pastcase", EntryKind::kAttackPattern, AttackType::kUnauthorizedAccess, Severity::kLow, false, "", true)}),
                 *reg);
  EXPECT_EQ(v.clauses, std::vector<char>{'c'});
  // (d): named group.
  v = c.Classify(Inc("bank", TargetKind::kCriticalSystem, "atm",
                     {Hit("apt", EntryKind::kActorIndicator, AttackType::kMalware, Severity::kHigh, false, "APT-X")}),
                 *reg);
  EXPECT_EQ(v.clauses, std::vector<char>{'d'});  // (c) is for attack_pattern entries only
}

TEST(Classify, NotReportableReasonsAndPrecedence) {
  auto reg = testing::TestRegistry();
  classify::Classifier c(classify::ClassifyOptions{});
  auto v = c.Classify(Inc("bank", TargetKind::kCriticalSystem, "core",
                          {Hit("backdoor", EntryKind::kAttackPattern, AttackType::kPreparatory, Severity::kHigh)}),
                      *reg);
  EXPECT_FALSE(v.reportable);
  EXPECT_EQ(v.reason, classify::NotReportable::kPreparatoryAct);
  EXPECT_FALSE(v.near_miss.empty());
  v = c.Classify(Inc("bank", TargetKind::kCriticalSystem, "core",
                     {Hit("steal", EntryKind::kAttackPattern, AttackType::kCredentialTheft, Severity::kHigh)}),
                 *reg);
  EXPECT_EQ(v.reason, classify::NotReportable::kInformationTheft);
  // Precedence: a planted tool that the pack marks as a virus able to disrupt the system is (b).
  v = c.Classify(Inc("bank", TargetKind::kCriticalSystem, "core",
                     {Hit("backdoor", EntryKind::kAttackPattern, AttackType::kPreparatory, Severity::kHigh),
                      Hit("wiper", EntryKind::kVirusSignature, AttackType::kDestruction, Severity::kCritical, true)}),
                 *reg);
  EXPECT_TRUE(v.reportable);
  EXPECT_EQ(v.clauses, std::vector<char>{'b'});
  // Non-critical asset: not reportable whatever the pattern; near miss names the clauses.
  v = c.Classify(Inc("bank", TargetKind::kNonCriticalAsset, "adweb",
                     {Hit("exploit", EntryKind::kAttackPattern, AttackType::kUnauthorizedAccess, Severity::kHigh)}),
                 *reg);
  EXPECT_FALSE(v.reportable);
  EXPECT_EQ(v.reason, classify::NotReportable::kNonCriticalTarget);
  EXPECT_NE(v.near_miss.find("(a), (c)"), std::string::npos) << v.near_miss;
}

struct Routed {
  std::vector<route::Output> out;
  absl::Status status;
};

Routed RouteIt(const Incident& inc, const classify::Verdict& v, uint8_t* flags,
               std::set<std::string> dests = {"fsa", "cas", "mlit", "obs-bank", "observations"}) {
  auto reg = testing::TestRegistry();
  route::Router r(route::RouteOptions{});
  Routed res;
  res.status = r.Route(inc, v, *reg, dests, flags, &res.out);
  return res;
}

TEST(Route, ReportableGoesToMinistryAndCabinetSecretariat) {
  classify::Verdict v;
  v.reportable = true;
  v.category = classify::Category::kAttackDetected;
  v.clauses = {'a'};
  v.escalate = true;
  uint8_t flags = 0;
  auto r = RouteIt(Inc("bank", TargetKind::kCriticalSystem, "core", {}), v, &flags);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[0].destination, "fsa");
  EXPECT_EQ(r.out[0].kind, route::DocKind::kNotification);
  EXPECT_EQ(r.out[1].destination, "cas");
  EXPECT_EQ(r.out[1].kind, route::DocKind::kEscalation);
  EXPECT_EQ(r.out[0].document_id, r.out[1].document_id);
  EXPECT_EQ(flags, route::kSentToMinistry | route::kSentToCabinet);

  // Government reports to the Cabinet Secretariat directly: one copy, no duplicate.
  flags = 0;
  r = RouteIt(Inc("gov", TargetKind::kCriticalSystem, "portal", {}), v, &flags);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].destination, "cas");
  // A ministry forwarding after acknowledgement gets no automatic escalation copy.
  flags = 0;
  r = RouteIt(Inc("rail", TargetKind::kCriticalSystem, "ttc", {}), v, &flags);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].destination, "mlit");
  // Annex 3 note 3: not escalated.
  v.escalate = false;
  flags = 0;
  r = RouteIt(Inc("bank", TargetKind::kCriticalSystem, "core", {}), v, &flags);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].destination, "fsa");
}

TEST(Route, NotReportableStaysWithTheOperatorUnlessItDowngradesASentOne) {
  classify::Verdict v;
  v.reportable = false;
  v.reason = classify::NotReportable::kNonCriticalTarget;
  uint8_t flags = 0;
  auto r = RouteIt(Inc("bank", TargetKind::kNonCriticalAsset, "adweb", {}), v, &flags);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].destination, "obs-bank");
  EXPECT_EQ(r.out[0].kind, route::DocKind::kObservation);
  // Operators without their own destination use the default.
  flags = 0;
  r = RouteIt(Inc("rail", TargetKind::kCriticalSystem, "ttc", {}), v, &flags);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].destination, "observations");
  // A downgrade of a verdict already sent to the ministry and the Cabinet Secretariat goes
  // back to both, marked, plus the observation.
  flags = route::kSentToMinistry | route::kSentToCabinet;
  r = RouteIt(Inc("bank", TargetKind::kCriticalSystem, "core", {}), v, &flags);
  ASSERT_EQ(r.out.size(), 3u);
  EXPECT_EQ(r.out[0].destination, "fsa");
  EXPECT_NE(r.out[0].json.find("\"downgrade\":true"), std::string::npos);
  EXPECT_EQ(r.out[1].destination, "cas");
  EXPECT_EQ(r.out[2].destination, "obs-bank");
}

TEST(Route, FailsClosedOnUnknownDestination) {
  classify::Verdict v;
  v.reportable = true;
  v.escalate = true;
  uint8_t flags = 0;
  auto r = RouteIt(Inc("bank", TargetKind::kCriticalSystem, "core", {}), v, &flags, {"cas", "obs-bank"});
  EXPECT_FALSE(r.status.ok());
  EXPECT_TRUE(r.out.empty());  // nothing goes anywhere else instead
  EXPECT_EQ(flags, 0);
}

}  // namespace
}  // namespace kizashi
