// Pure pieces of the Kafka connector and runtime: the broker compatibility decision (Kafka 4 vs
// librdkafka < 2.11), the ApiVersions debug-line parser, changelog keys, resume positions and
// the topic plan. Expected values are written from the Kafka protocol tables (KIP-896) and the
// configuration by hand.
#include <gtest/gtest.h>

#include <map>

#include <string>
#include <vector>

#include "connectors/kafka/changelog.h"
#include "connectors/kafka/compat.h"
#include "engine/runtime/kafka_runner.h"
#include "engine/runtime/kafka_topics.h"

namespace kizashi::connectors::kafka {
namespace {

// The group-related ApiVersions a Kafka 3.9 broker advertises.
std::vector<ApiVersionRange> Kafka39() {
  return {{kApiProduce, 0, 11},      {kApiOffsetCommit, 0, 9}, {kApiOffsetFetch, 0, 9},
          {kApiFindCoordinator, 0, 6}, {kApiJoinGroup, 0, 9},  {kApiHeartbeat, 0, 4},
          {kApiLeaveGroup, 0, 5},    {kApiSyncGroup, 0, 5}};
}

// Kafka 4.0.0 after KIP-896: Produce v0-v2, OffsetCommit v0-v1, OffsetFetch v0, JoinGroup
// v0-v1 and friends are gone.
std::vector<ApiVersionRange> Kafka40() {
  return {{kApiProduce, 3, 12},      {kApiOffsetCommit, 2, 9}, {kApiOffsetFetch, 1, 9},
          {kApiFindCoordinator, 0, 6}, {kApiJoinGroup, 2, 9},  {kApiHeartbeat, 0, 4},
          {kApiLeaveGroup, 0, 5},    {kApiSyncGroup, 0, 5}};
}

constexpr int kLibrdkafka202 = 0x020002ff;
constexpr int kLibrdkafka2110 = 0x020b00ff;

TEST(BrokerCompatibility, Kafka39WorksWithDebiansLibrdkafka) {
  EXPECT_FALSE(LooksLikeKafka4(Kafka39()));
  EXPECT_TRUE(CheckBrokerCompatibility(Kafka39(), kLibrdkafka202).ok());
}

TEST(BrokerCompatibility, Kafka4WithLibrdkafkaBefore211IsRefusedNamingTheFix) {
  EXPECT_TRUE(LooksLikeKafka4(Kafka40()));
  absl::Status st = CheckBrokerCompatibility(Kafka40(), kLibrdkafka202);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  std::string msg(st.message());
  EXPECT_NE(msg.find("librdkafka 2.11.0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Kafka 4.0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2.0.2"), std::string::npos) << msg;  // the linked version
  EXPECT_NE(msg.find("JoinGroup v0..v0 (broker offers v2..v9)"), std::string::npos) << msg;
}

TEST(BrokerCompatibility, Kafka4WithLibrdkafka211IsFine) {
  EXPECT_TRUE(CheckBrokerCompatibility(Kafka40(), kLibrdkafka2110).ok());
  EXPECT_EQ(LibrdkafkaVersionText(kLibrdkafkaForKafka4), "2.11.0");
}

TEST(BrokerCompatibility, Kafka4WithJoinGroupV0RestoredStillLacksOffsetCommitV1) {
  // KAFKA-19444 put JoinGroup v0-v1 back in 4.0.1/4.1; librdkafka 2.0.2 also needs
  // OffsetCommit within v1..v2, which v2 still satisfies; so this pairing passes.
  auto apis = Kafka40();
  for (auto& a : apis) {
    if (a.key == kApiJoinGroup) a.min = 0;
  }
  EXPECT_TRUE(CheckBrokerCompatibility(apis, kLibrdkafka202).ok());
}

TEST(BrokerCompatibility, UnknownVersionsDoNotBlock) {
  EXPECT_TRUE(CheckBrokerCompatibility({}, kLibrdkafka202).ok());
}

TEST(BrokerCompatibility, MissingGroupApiIsReported) {
  auto apis = Kafka39();
  apis.pop_back();  // no SyncGroup
  absl::Status st = CheckBrokerCompatibility(apis, kLibrdkafka202);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("SyncGroup (not offered)"), std::string::npos);
}

TEST(ApiVersionLine, ParsesLibrdkafkaFeatureDebugLines) {
  ApiVersionRange r;
  ASSERT_TRUE(ParseApiVersionLine(
      "[thrd:127.0.0.1:9092/bootstrap]: 127.0.0.1:9092/bootstrap:   ApiKey JoinGroup (11) "
      "Versions 2..9",
      &r));
  EXPECT_EQ(r.key, 11);
  EXPECT_EQ(r.min, 2);
  EXPECT_EQ(r.max, 9);
  ASSERT_TRUE(ParseApiVersionLine("  ApiKey Produce (0) Versions 0..11", &r));
  EXPECT_EQ(r.key, 0);
  EXPECT_EQ(r.max, 11);
  EXPECT_FALSE(ParseApiVersionLine(" Feature MsgVer2: Produce (3..3) supported by broker", &r));
  EXPECT_FALSE(ParseApiVersionLine("  ApiKey Produce (x) Versions 0..11", &r));
}

TEST(Changelog, KeysCarryTheColumnFamily) {
  std::string k = ChangelogKey(state::Cf::kIncidents, std::string("\0\0\0\x05inc-1", 9));
  ASSERT_EQ(k.size(), 10u);
  EXPECT_EQ(static_cast<uint8_t>(k[0]), static_cast<uint8_t>(state::Cf::kIncidents));
  state::Cf cf;
  std::string_view key;
  ASSERT_TRUE(ParseChangelogKey(k, &cf, &key));
  EXPECT_EQ(cf, state::Cf::kIncidents);
  EXPECT_EQ(key, std::string_view("\0\0\0\x05inc-1", 9));
  EXPECT_FALSE(ParseChangelogKey("", &cf, &key));
  EXPECT_FALSE(ParseChangelogKey(std::string(1, '\x7f'), &cf, &key));
}

}  // namespace
}  // namespace kizashi::connectors::kafka

namespace kizashi::runtime {
namespace {

TEST(KafkaResume, RoundTripsOffsetsPerInput) {
  std::vector<int64_t> offs = {17, -1001, 0};
  std::string r = EncodeKafkaResume(offs);
  EXPECT_EQ(r, "kafka:17,-1001,0");
  std::vector<int64_t> back;
  ASSERT_TRUE(DecodeKafkaResume(r, &back));
  EXPECT_EQ(back, offs);
  EXPECT_FALSE(DecodeKafkaResume("120,3;", &back));  // a file position
  EXPECT_FALSE(DecodeKafkaResume("kafka:1,x", &back));
}

TEST(TopicPlan, CoversInputsOutputsChangelogAndPacksWithThePrefix) {
  EngineConfig c;
  c.kafka.topic_prefix = "t1.";
  c.kafka.topics.input_partitions = 6;
  c.kafka.topics.output_partitions = 2;
  InputConfig a;
  a.name = "ids";
  a.type = "kafka";
  a.topic = "ids";
  InputConfig b = a;
  b.name = "syslog";
  b.topic = "syslog";
  c.inputs = {a, b};
  DestinationConfig fsa{"ministry.fsa", "kafka", "", "notifications.fsa"};
  DestinationConfig cas{"cabinet-secretariat", "kafka", "", "notifications.cas"};
  DestinationConfig dl{"dead-letter", "kafka", "", "dead-letter"};
  DestinationConfig late{"late", "file", "/tmp/late.jsonl", ""};
  c.destinations = {fsa, cas, dl, late};
  auto plan = PlanTopics(c, 3, 0);
  std::vector<std::string> names;
  for (const auto& s : plan) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"t1.ids", "t1.syslog", "t1.kizashi-changelog",
                                             "t1.ledger", "t1.notifications.fsa", "t1.notifications.cas",
                                             "t1.dead-letter", "t1.kizashi-packs"}));
  // 3 brokers: replication 3, min.insync.replicas 2; the changelog has one partition per
  // input partition and is compacted, so is the ledger topic.
  for (const auto& s : plan) {
    EXPECT_EQ(s.replication, 3) << s.name;
    bool isr2 = false, compact = false;
    for (const auto& [k, v] : s.configs) {
      isr2 |= k == "min.insync.replicas" && v == "2";
      compact |= k == "cleanup.policy" && v == "compact";
    }
    EXPECT_TRUE(isr2) << s.name;
    EXPECT_EQ(compact, s.role == "changelog" || s.role == "packs" || s.role == "ledger")
        << s.name;
  }
  EXPECT_EQ(plan[0].partitions, 6);
  EXPECT_EQ(plan[2].partitions, 6);
  EXPECT_EQ(plan[3].partitions, 6);  // the ledger: one partition per input partition
  EXPECT_EQ(plan[4].partitions, 2);
  EXPECT_EQ(plan[7].partitions, 1);
  // Existing input topics with 4 partitions decide the count of the rest.
  auto plan4 = PlanTopics(c, 1, 4);
  EXPECT_EQ(plan4[1].partitions, 4);
  EXPECT_EQ(plan4[2].partitions, 4);
  EXPECT_EQ(plan4[3].partitions, 4);
  EXPECT_EQ(plan4[0].replication, 1);
}

// Topic prefix "t1." and one Kafka input, "ids".
EngineConfig OneKafkaInput() {
  EngineConfig c;
  c.kafka.topic_prefix = "t1.";
  InputConfig a;
  a.name = "ids";
  a.type = "kafka";
  a.topic = "ids";
  c.inputs = {a};
  return c;
}

TEST(TopicPlan, CampaignTopicsAreCoPartitionedNotCompactedAndSuffixedInExercises) {
  EngineConfig c = OneKafkaInput();
  c.campaign.enabled = true;
  std::map<std::string, kizashi::connectors::kafka::TopicSpec> by_name;
  for (auto& s : PlanTopics(c, 1, 5)) by_name[s.name] = s;
  for (const char* t : {"t1.campaign-repartition", "t1.campaign-findings"}) {
    ASSERT_TRUE(by_name.count(t)) << t;
    const auto& s = by_name[t];
    EXPECT_EQ(s.role, "internal");
    EXPECT_EQ(s.partitions, 5) << t;  // = the input partitions
    std::map<std::string, std::string> cfg(s.configs.begin(), s.configs.end());
    EXPECT_EQ(cfg["cleanup.policy"], "delete") << t;
    EXPECT_EQ(cfg["retention.ms"], "604800000") << t;  // 7 days
  }
  // Exercise runs never mix their sightings with live ones.
  c.route.exercise = true;
  EXPECT_EQ(CampaignRepartitionTopic(c), "t1.campaign-repartition.exercise");
  EXPECT_EQ(CampaignFindingsTopic(c), "t1.campaign-findings.exercise");
  // Without campaigns: no internal topics.
  c.campaign.enabled = false;
  for (const auto& s : PlanTopics(c, 1, 5)) EXPECT_NE(s.role, "internal") << s.name;
}

TEST(TopicPlan, LedgerTopicFollowsTheLedgerSettingAndExercises) {
  EngineConfig c = OneKafkaInput();
  EXPECT_EQ(LedgerTopic(c), "t1.ledger");
  c.route.exercise = true;
  EXPECT_EQ(LedgerTopic(c), "t1.ledger.exercise");
  bool found = false;
  for (const auto& s : PlanTopics(c, 1, 3)) {
    if (s.role != "ledger") continue;
    found = true;
    EXPECT_EQ(s.name, "t1.ledger.exercise");
    EXPECT_EQ(s.partitions, 3);
  }
  EXPECT_TRUE(found);
  c.ledger.enabled = false;
  for (const auto& s : PlanTopics(c, 1, 3)) EXPECT_NE(s.role, "ledger") << s.name;
}

}  // namespace
}  // namespace kizashi::runtime
