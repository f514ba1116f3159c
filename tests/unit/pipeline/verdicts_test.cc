// Verdicts with people's inputs, precedence, the signal->clause mapping, forwarding policies
// and the rule that not-reportable cases reach a ministry only as the withdrawal/downgrade of
// something sent earlier. Registry: tests/unit/pipeline/fixtures.h (bank: finance -> fsa,
// immediate; rail: railway -> mlit, after_acknowledgement; gov: government -> cas).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/classify/verdict.h"
#include "engine/correlate/incident.h"
#include "engine/decode/decoder.h"
#include "engine/inputs/input.h"
#include "engine/route/router.h"
#include "tests/unit/pipeline/fixtures.h"

namespace kizashi {
namespace {

using correlate::Incident;
using correlate::PatternHit;
using patterns::AttackType;
using patterns::EntryKind;
using patterns::Severity;

PatternHit Hit(std::string id, EntryKind kind, AttackType at, Severity sev, bool disrupt = false) {
  PatternHit h;
  h.pack_id = "p";
  h.pack_version = "1";
  h.entry_id = std::move(id);
  h.kind = kind;
  h.attack_type = at;
  h.severity = sev;
  h.may_disrupt_critical_systems = disrupt;
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
  i.event_count = i.patterns.empty() ? 0 : 1;
  return i;
}

inputs::IncidentInput Input(std::string json) {
  auto in = inputs::ParseInput(json);
  EXPECT_TRUE(in.ok()) << in.status();
  return in.ok() ? *in : inputs::IncidentInput{};
}

// ---- the input format --------------------------------------------------------------------

TEST(Inputs, ParsesEveryFieldOfAReport) {
  auto in = inputs::ParseInput(
      R"({"schema":"kizashi.input/1","id":"x1","type":"response_status","operator":"bank",)"
      R"("incident_id":"abc","time":"2024-03-01T10:00:00+09:00","by":"SOC","status":"contained",)"
      R"("countermeasures":["port closed"],"other_contacts":[{"organisation":"police","detail":"ref 7"}],)"
      R"("impact":"none","attack_types":["dos"],"summary":"s"})");
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->type, inputs::InputType::kResponseStatus);
  EXPECT_EQ(in->time_ns, 1709254800LL * 1'000'000'000);  // 2024-03-01T01:00:00Z
  EXPECT_EQ(in->countermeasures, std::vector<std::string>{"port closed"});
  ASSERT_EQ(in->other_contacts.size(), 1u);
  EXPECT_EQ(in->other_contacts[0].organisation, "police");
  EXPECT_FALSE(inputs::IsAnalystAction(in->type));
}

TEST(Inputs, RejectsWhatItCannotUseAndSaysWhy) {
  auto err = [](std::string json) {
    auto in = inputs::ParseInput(json);
    return in.ok() ? std::string("ok") : std::string(in.status().message());
  };
  const std::string base = R"("schema":"kizashi.input/1","id":"x","operator":"bank","time":"2024-03-01T10:00:00Z","by":"me")";
  EXPECT_NE(err("{" + base + R"(,"type":"acknowledge"})").find("'incident_id': is required"), std::string::npos);
  EXPECT_NE(err("{" + base + R"(,"type":"threat_notice"})").find("'system': is required"), std::string::npos);
  EXPECT_NE(err("{" + base + R"(,"type":"explode","system":"s"})").find("'type'"), std::string::npos);
  EXPECT_NE(err("{" + base + R"(,"type":"threat_notice","system":"s","colour":"red"})").find("'colour': unknown field"), std::string::npos);
  EXPECT_NE(err("{" + base + R"(,"type":"threat_notice","system":"s","cause":"attack"})").find("only for major_failure"), std::string::npos);
  EXPECT_NE(err("{" + base + R"(,"type":"major_failure","system":"s","attack_types":["laser"]})").find("'laser' is not an attack type"), std::string::npos);
  EXPECT_NE(err(R"({"schema":"kizashi.input/2","id":"x","type":"annotate"})").find("'schema'"), std::string::npos);
  EXPECT_NE(err("[1]").find("must be a JSON object"), std::string::npos);
  EXPECT_EQ(err("{" + base + R"(,"type":"threat_notice","system":"s"})"), "ok");
}

TEST(Inputs, MergeIsIdempotentAndKeepsWhoAndWhen) {
  Incident inc = Inc("bank", TargetKind::kCriticalSystem, "core", {});
  auto ack = Input(R"({"schema":"kizashi.input/1","id":"a1","type":"acknowledge","operator":"bank","incident_id":"i","time":"2024-03-01T10:00:00Z","by":"analyst 1"})");
  EXPECT_TRUE(correlate::MergeInput(&inc, ack));
  EXPECT_FALSE(correlate::MergeInput(&inc, ack));  // the same input id again: nothing changes
  EXPECT_TRUE(inc.acknowledged);
  ASSERT_EQ(inc.history.size(), 1u);
  EXPECT_EQ(inc.history[0].by, "analyst 1");
  EXPECT_EQ(inc.history[0].type, "acknowledge");
  EXPECT_EQ(inc.history[0].at_ns, 1709287200LL * 1'000'000'000);
  // A later "unknown" cause does not take back a stated attack cause.
  EXPECT_TRUE(correlate::MergeInput(&inc, Input(R"({"schema":"kizashi.input/1","id":"m1","type":"major_failure","operator":"bank","incident_id":"i","time":"2024-03-01T10:00:00Z","by":"op","cause":"attack"})")));
  EXPECT_TRUE(correlate::MergeInput(&inc, Input(R"({"schema":"kizashi.input/1","id":"m2","type":"major_failure","operator":"bank","incident_id":"i","time":"2024-03-01T10:05:00Z","by":"op","cause":"unknown","countermeasures":["a","a"]})")));
  EXPECT_EQ(inc.facts.failure_cause, static_cast<uint8_t>(inputs::FailureCause::kAttack));
  EXPECT_EQ(inc.facts.countermeasures, std::vector<std::string>{"a"});
  // The encoding keeps all of it.
  Incident back;
  ASSERT_TRUE(back.Decode(inc.Encode()));
  EXPECT_EQ(back.Encode(), inc.Encode());
  EXPECT_TRUE(back.acknowledged);
  EXPECT_TRUE(back.facts.major_failure);
  EXPECT_EQ(back.history.size(), 3u);
}

// People's inputs arrive through two decoders that accept only their own family.
TEST(Inputs, DecodersAcceptOnlyTheirFamilyAndTheInputsOperator) {
  auto batch_of = [](const std::vector<std::string>& recs) {
    auto b = std::make_unique<Batch>();
    b->sources = {"in"};
    for (size_t i = 0; i < recs.size(); ++i) {
      char* mem = b->arena.Allocate(recs[i].size() + decode::kRecordPadding);
      std::memcpy(mem, recs[i].data(), recs[i].size());
      std::memset(mem + recs[i].size(), 0, decode::kRecordPadding);
      RawRecord r;
      r.value = std::string_view(mem, recs[i].size());
      r.pos.offset = static_cast<int64_t>(i) + 1;
      b->records.push_back(r);
    }
    return b;
  };
  const std::string notice = R"({"schema":"kizashi.input/1","id":"x","type":"threat_notice","operator":"bank","system":"core","time":"2024-03-01T10:00:00Z","by":"op"})";
  const std::string ack = R"({"schema":"kizashi.input/1","id":"y","type":"acknowledge","operator":"bank","incident_id":"i","time":"2024-03-01T10:00:00Z","by":"analyst"})";
  const std::string claim_rail = R"({"schema":"kizashi.input/1","id":"z","type":"threat_notice","operator":"rail","system":"ttc","time":"2024-03-01T10:00:00Z","by":"op"})";
  decode::DecodeOptions o;
  o.format = "operator_input";
  o.max_future_skew_ns = 0;
  auto dec = decode::MakeDecoder(o);
  ASSERT_TRUE(dec.ok()) << dec.status();
  auto b = batch_of({notice, ack, "{not json", claim_rail});
  (*dec)->Decode(*b);
  ASSERT_EQ(b->events.size(), 2u);  // the notice, and rail's own notice (operator_from: field)
  EXPECT_EQ(b->events[0].kind, EventKind::kOperatorInput);
  EXPECT_EQ(b->events[0].operator_id, "bank");
  EXPECT_EQ(b->events[0].host, "core");
  EXPECT_EQ(b->events[0].event_time_ns, 1709287200LL * 1'000'000'000);
  EXPECT_TRUE(b->events[0].field(FieldId::kRaw).empty());  // never matched against packs
  EXPECT_EQ(b->events[1].operator_id, "rail");
  ASSERT_EQ(b->dead_letters.size(), 2u);
  EXPECT_EQ(b->dead_letters[0].record, 1u);
  EXPECT_NE(b->dead_letters[0].detail.find("analyst action on an operator_input input"), std::string_view::npos);
  EXPECT_EQ(b->dead_letters[1].record, 2u);
  EXPECT_NE(b->dead_letters[1].detail.find("not JSON"), std::string_view::npos);

  // A per-operator report topic: another operator's claim is refused, not attributed.
  o.operator_from = "fixed";
  o.operator_fixed = "bank";
  o.authoritative = true;
  dec = decode::MakeDecoder(o);
  ASSERT_TRUE(dec.ok()) << dec.status();
  b = batch_of({notice, claim_rail});
  (*dec)->Decode(*b);
  ASSERT_EQ(b->events.size(), 1u);
  ASSERT_EQ(b->dead_letters.size(), 1u);
  EXPECT_EQ(b->dead_letters[0].reason, DeadLetterReason::kOperatorMismatch);

  // The control input takes analyst actions only.
  o = decode::DecodeOptions{};
  o.format = "analyst_action";
  o.max_future_skew_ns = 0;
  dec = decode::MakeDecoder(o);
  ASSERT_TRUE(dec.ok()) << dec.status();
  b = batch_of({ack, notice});
  (*dec)->Decode(*b);
  ASSERT_EQ(b->events.size(), 1u);
  EXPECT_EQ(b->events[0].kind, EventKind::kAnalystAction);
  ASSERT_EQ(b->dead_letters.size(), 1u);
  EXPECT_NE(b->dead_letters[0].detail.find("operator report on an analyst_action input"), std::string_view::npos);
}

// ---- verdicts ------------------------------------------------------------------------------

TEST(Verdict, PrecedenceAReportableClauseWinsOverANotReportableReason) {
  auto reg = testing::TestRegistry();
  classify::Classifier c(classify::ClassifyOptions{});
  // A planted tool alone: preparatory act.
  Incident inc = Inc("bank", TargetKind::kCriticalSystem, "atm",
                     {Hit("backdoor", EntryKind::kAttackPattern, AttackType::kPreparatory, Severity::kCritical)});
  auto v = c.Classify(inc, *reg);
  EXPECT_FALSE(v.reportable);
  EXPECT_EQ(v.reason, classify::NotReportable::kPreparatoryAct);
  // ... unless the pack marks the program as a virus able to disrupt the system: (b), and the
  // preparatory pattern does not make it not reportable.
  inc.patterns.push_back(Hit("wiper", EntryKind::kVirusSignature, AttackType::kPreparatory, Severity::kHigh, true));
  v = c.Classify(inc, *reg);
  EXPECT_TRUE(v.reportable);
  EXPECT_EQ(v.clauses, std::vector<char>{'b'});
  EXPECT_EQ(v.reason, classify::NotReportable::kNone);
  // Every clause that holds is listed: theft + a high exploit on an internal-only system.
  Incident both = Inc("bank", TargetKind::kCriticalSystem, "core",
                      {Hit("steal", EntryKind::kAttackPattern, AttackType::kCredentialTheft, Severity::kHigh),
                       Hit("exploit", EntryKind::kAttackPattern, AttackType::kUnauthorizedAccess, Severity::kHigh)});
  v = c.Classify(both, *reg);
  EXPECT_TRUE(v.reportable);
  EXPECT_EQ(v.clauses, (std::vector<char>{'a', 'c'}));
}

TEST(Verdict, TheSignalToClauseMappingIsConfigurable) {
  auto reg = testing::TestRegistry();
  Incident inc = Inc("bank", TargetKind::kCriticalSystem, "core",
                     {Hit("dos", EntryKind::kAttackPattern, AttackType::kDos, Severity::kMedium)});
  classify::ClassifyOptions o;
  EXPECT_FALSE(classify::Classifier(o).Classify(inc, *reg).reportable);  // medium: no (c), dos: no (a)
  o.clause_a_attack_types = {"unauthorized_access", "dos"};
  auto v = classify::Classifier(o).Classify(inc, *reg);
  EXPECT_TRUE(v.reportable);
  EXPECT_EQ(v.clauses, std::vector<char>{'a'});
  o.clause_a_attack_types = {"unauthorized_access"};
  o.clause_c_min_severity = "medium";
  EXPECT_EQ(classify::Classifier(o).Classify(inc, *reg).clauses, std::vector<char>{'c'});
  // A type listed as preparatory is never (c), whatever its severity.
  o.preparatory_attack_types = {"preparatory", "dos"};
  v = classify::Classifier(o).Classify(inc, *reg);
  EXPECT_FALSE(v.reportable);
  EXPECT_EQ(v.reason, classify::NotReportable::kPreparatoryAct);
  o.preparatory_attack_types = {"nonsense"};
  EXPECT_FALSE(o.Validate().ok());
}

TEST(Verdict, OperatorReportsSetTheAnnex3Category) {
  auto reg = testing::TestRegistry();
  classify::Classifier c(classify::ClassifyOptions{});
  auto report = [](std::string type, std::string extra = "") {
    return Input(R"({"schema":"kizashi.input/1","id":")" + type + R"(","type":")" + type +
                 R"(","operator":"bank","system":"core","time":"2024-03-01T10:00:00Z","by":"op")" +
                 extra + "}");
  };
  Incident notice = Inc("bank", TargetKind::kCriticalSystem, "core", {});
  correlate::MergeInput(&notice, report("threat_notice"));
  auto v = c.Classify(notice, *reg);
  EXPECT_TRUE(v.reportable);
  EXPECT_EQ(v.category, classify::Category::kAttackNotice);
  EXPECT_TRUE(v.escalate);

  // Note 3: a failure not caused by an attack is not escalated ...
  Incident failure = Inc("bank", TargetKind::kCriticalSystem, "core", {});
  correlate::MergeInput(&failure, report("major_failure", R"(,"cause":"non_attack")"));
  v = c.Classify(failure, *reg);
  EXPECT_EQ(v.category, classify::Category::kMajorFailure);
  EXPECT_FALSE(v.escalate);
  // ... unless an Annex 4 clause holds on the same incident.
  failure.patterns.push_back(Hit("exploit", EntryKind::kAttackPattern, AttackType::kUnauthorizedAccess, Severity::kHigh));
  v = c.Classify(failure, *reg);
  EXPECT_EQ(v.category, classify::Category::kMajorFailure);
  EXPECT_TRUE(v.escalate);
  EXPECT_EQ(v.clauses, (std::vector<char>{'a', 'c'}));

  // Damage beats everything else and keeps the clauses.
  correlate::MergeInput(&failure, report("damage_confirmed"));
  v = c.Classify(failure, *reg);
  EXPECT_EQ(v.category, classify::Category::kDamage);
  EXPECT_TRUE(v.escalate);
  EXPECT_EQ(v.clauses, (std::vector<char>{'a', 'c'}));

  // A report about a system that is not critical stays not reportable.
  Incident ad = Inc("bank", TargetKind::kNonCriticalAsset, "adweb", {});
  correlate::MergeInput(&ad, report("damage_confirmed"));
  v = c.Classify(ad, *reg);
  EXPECT_FALSE(v.reportable);
  EXPECT_EQ(v.reason, classify::NotReportable::kNonCriticalTarget);

  // A withdrawal overrides everything, and says what the verdict was.
  correlate::MergeInput(&failure, Input(R"({"schema":"kizashi.input/1","id":"w","type":"withdraw","operator":"bank","incident_id":"x","time":"2024-03-01T11:00:00Z","by":"analyst 9","summary":"drill"})"));
  v = c.Classify(failure, *reg);
  EXPECT_FALSE(v.reportable);
  EXPECT_EQ(v.reason, classify::NotReportable::kWithdrawn);
  EXPECT_TRUE(v.clauses.empty());
  ASSERT_GE(v.reasons.size(), 2u);
  EXPECT_NE(v.reasons[0].find("withdraw by analyst 9"), std::string::npos) << v.reasons[0];
  EXPECT_NE(v.reasons[1].find("reportable (damage, Annex 4 (a), (c))"), std::string::npos) << v.reasons[1];
}

// ---- routing ------------------------------------------------------------------------------

const std::set<std::string> kDests = {"fsa", "cas", "mlit", "obs-bank", "observations"};

std::vector<std::string> Dests(const std::vector<route::Output>& out) {
  std::vector<std::string> d;
  for (const auto& o : out) d.push_back(o.destination);
  return d;
}

TEST(Route, AfterAcknowledgementForwardsOnlyOnceAcknowledgedOrForwarded) {
  auto reg = testing::TestRegistry();
  route::Router r(route::RouteOptions{});
  classify::Verdict v;
  v.reportable = true;
  v.category = classify::Category::kAttackDetected;
  v.clauses = {'a'};
  v.escalate = true;
  Incident inc = Inc("rail", TargetKind::kCriticalSystem, "ttc", {});
  uint8_t flags = 0;
  std::vector<route::Output> out;
  ASSERT_TRUE(r.Route(inc, v, *reg, kDests, &flags, &out).ok());
  EXPECT_EQ(Dests(out), std::vector<std::string>{"mlit"});
  inc.acknowledged = true;
  out.clear();
  ASSERT_TRUE(r.Route(inc, v, *reg, kDests, &flags, &out).ok());
  EXPECT_EQ(Dests(out), (std::vector<std::string>{"mlit", "cas"}));
  EXPECT_EQ(flags, route::kSentToMinistry | route::kSentToCabinet);
  // An explicit forward releases it too, and overrides note 3 (the ministry's decision).
  inc.acknowledged = false;
  inc.forwarded = true;
  v.category = classify::Category::kMajorFailure;
  v.escalate = false;
  out.clear();
  ASSERT_TRUE(r.Route(inc, v, *reg, kDests, &flags, &out).ok());
  EXPECT_EQ(Dests(out), (std::vector<std::string>{"mlit", "cas"}));
  // Immediate policy (bank/fsa): note 3 without a forward stays with the ministry.
  Incident bank = Inc("bank", TargetKind::kCriticalSystem, "core", {});
  flags = 0;
  out.clear();
  ASSERT_TRUE(r.Route(bank, v, *reg, kDests, &flags, &out).ok());
  EXPECT_EQ(Dests(out), std::vector<std::string>{"fsa"});
  // The document records who did what.
  correlate::MergeInput(&bank, Input(R"({"schema":"kizashi.input/1","id":"n1","type":"annotate","operator":"bank","incident_id":"x","time":"2024-03-01T10:00:00Z","by":"FSA analyst","summary":"called the bank"})"));
  std::string doc = route::Router::RenderNotification(bank, v, *reg, route::DocKind::kNotification,
                                                      "fsa", false, false);
  EXPECT_NE(doc.find(R"("handling":{"acknowledged":false,"forwarded":false,"withdrawn":false,"inputs":[{"input_id":"n1","type":"annotate","by":"FSA analyst","at":"2024-03-01T10:00:00.000Z")"),
            std::string::npos) << doc;
}

TEST(Route, NotReportableReachesAMinistryOnlyAsTheDowngradeOfSomethingSent) {
  auto reg = testing::TestRegistry();
  route::Router r(route::RouteOptions{});
  const std::set<std::string> ministries = {"fsa", "mlit", "cas"};
  for (auto reason : {classify::NotReportable::kPreparatoryAct, classify::NotReportable::kInformationTheft,
                      classify::NotReportable::kNonCriticalTarget, classify::NotReportable::kBelowThreshold,
                      classify::NotReportable::kWithdrawn}) {
    for (std::string op : {"bank", "rail", "gov"}) {
      for (uint8_t before : {0, 1, 3}) {
        for (bool ack : {false, true}) {
          classify::Verdict v;
          v.reason = reason;
          v.reasons = {"x"};
          Incident inc = Inc(op, TargetKind::kCriticalSystem, op == "bank" ? "core" : op == "rail" ? "ttc" : "portal", {});
          inc.acknowledged = inc.forwarded = ack;
          uint8_t flags = before;
          std::vector<route::Output> out;
          ASSERT_TRUE(r.Route(inc, v, *reg, kDests, &flags, &out).ok());
          for (const auto& o : out) {
            bool to_ministry = ministries.count(o.destination) > 0;
            if (!to_ministry) continue;
            SCOPED_TRACE(o.json);
            EXPECT_TRUE(before & route::kSentToMinistry) << o.destination;
            if (o.destination == "cas" && op != "gov") {
              EXPECT_TRUE(before & route::kSentToCabinet);
            }
            EXPECT_NE(o.json.find("\"downgrade\":true"), std::string::npos);
          }
          // The operator always gets its observation.
          ASSERT_FALSE(out.empty());
          EXPECT_EQ(out.back().kind, route::DocKind::kObservation);
          EXPECT_EQ(flags, before);  // a not-reportable revision never adds a recipient
        }
      }
    }
  }
}

}  // namespace
}  // namespace kizashi
