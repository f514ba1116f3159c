// The records of the Kafka-mode campaign topics (engine/campaign): sightings on the
// repartition topic and findings on the findings topic. They round-trip field for field
// (including bytes a text format would trip on), every truncation or corruption of a valid
// record decodes to an error rather than a crash or a wrong record, and the stage fed the
// same sightings in either order reaches the same campaign id (Kafka mode: the sightings of
// two operators come from different partitions, in no fixed order).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/campaign/campaign.h"
#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "tests/unit/pipeline/fixtures.h"

namespace kizashi::campaign {
namespace {

Sighting Sample() {
  Sighting s;
  s.key = "pattern:demo/ids-ssh-scan";
  s.operator_id = "bank-a";
  s.incident_id = "inc-0123456789abcdef";
  s.partition = 5;
  s.first_seen_ns = 1709254800000000000;
  s.last_seen_ns = 1709254804000000000;
  s.pack_version = "2024.03.1";
  // Separators of the older tab/newline state encoding, a colon and a NUL must survive.
  s.title = std::string("SSH\tscan\n12:34 \0x", 18);
  s.known_count = 0;
  return s;
}

TEST(CampaignRecords, SightingRoundTrips) {
  Sighting s = Sample();
  auto d = DecodeSighting(EncodeSighting(s));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->key, s.key);
  EXPECT_EQ(d->operator_id, s.operator_id);
  EXPECT_EQ(d->incident_id, s.incident_id);
  EXPECT_EQ(d->partition, 5);
  EXPECT_EQ(d->first_seen_ns, s.first_seen_ns);
  EXPECT_EQ(d->last_seen_ns, s.last_seen_ns);
  EXPECT_EQ(d->pack_version, "2024.03.1");
  EXPECT_EQ(d->title, s.title);
  EXPECT_EQ(d->title.size(), 18u);
  EXPECT_EQ(d->known_count, 0);
}

TEST(CampaignRecords, FindingRoundTrips) {
  Finding f{"bank-b", 3, "actor:APT-X", 2, {"inc-1", "inc-2", "inc-3"}};
  auto d = DecodeFinding(EncodeFinding(f));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->operator_id, "bank-b");
  EXPECT_EQ(d->partition, 3);
  EXPECT_EQ(d->key, "actor:APT-X");
  EXPECT_EQ(d->others, 2u);
  EXPECT_EQ(d->incident_ids, (std::vector<std::string>{"inc-1", "inc-2", "inc-3"}));
}

TEST(CampaignRecords, EveryTruncationIsAnError) {
  std::string s = EncodeSighting(Sample());
  for (size_t n = 0; n < s.size(); ++n) {
    EXPECT_FALSE(DecodeSighting(s.substr(0, n)).ok()) << n;
  }
  std::string f = EncodeFinding(Finding{"bank-b", 3, "pattern:p/e", 1, {"inc-1", "inc-2"}});
  for (size_t n = 0; n < f.size(); ++n) {
    EXPECT_FALSE(DecodeFinding(f.substr(0, n)).ok()) << n;
  }
  // Trailing bytes are not ignored either.
  EXPECT_FALSE(DecodeSighting(s + "0:").ok());
  EXPECT_FALSE(DecodeFinding(f + "x").ok());
}

TEST(CampaignRecords, HostileBytesDecodeToErrors) {
  // Hand-made hostile records: lengths past the end, huge lengths, negative numbers, an
  // absurd incident count, a wrong tag, a sighting given to the finding decoder.
  const std::vector<std::string> bad = {
      "",
      "kzcs1",
      "kzcs1999999999999999:x",
      "kzcs118446744073709551615:x",
      "kzcs1-1:x",
      "kzcs125:pattern:demo/ids-ssh-scan6:bank-a5:inc-12:-11:01:00:0:0:0",  // partition -1
      "kzcs125:pattern:demo/ids-ssh-scan6:bank-a5:inc-11:01:01:00:0:2:-5",  // known_count -5
      "kzcs15:other6:bank-a5:inc-11:01:01:00:0:1:0",                         // unknown key kind
      "kzcf16:bank-b1:311:pattern:p/e1:110:99999999",                        // 99999999 ids
      "kzcf16:bank-b1:311:pattern:p/e1:12:655:inc-1",                         // 65 > max ids
      "kzcf16:bank-b1:311:pattern:p/e1:x1:0",                                 // others not a number
      "kzcf0:1:311:pattern:p/e1:11:0",                                        // empty operator
      "KZCF16:bank-b1:311:pattern:p/e1:11:0",
      std::string("kzcs1\0\0\0", 8),
  };
  for (const auto& b : bad) {
    EXPECT_FALSE(DecodeSighting(b).ok()) << b;
    EXPECT_FALSE(DecodeFinding(b).ok()) << b;
  }
  EXPECT_FALSE(DecodeFinding(EncodeSighting(Sample())).ok());
  EXPECT_FALSE(DecodeSighting(EncodeFinding(Finding{"a", 0, "actor:x", 0, {}})).ok());
}

TEST(CampaignRecords, RandomCorruptionNeverCrashes) {
  // Seeded: flips and overwrites bytes of valid records; decoding must return (ok or not)
  // and an ok result must still satisfy the decoder's range checks.
  std::mt19937 rng(20261126);
  std::string s = EncodeSighting(Sample());
  std::string f = EncodeFinding(Finding{"bank-b", 3, "pattern:p/e", 1, {"inc-1", "inc-2"}});
  for (int i = 0; i < 20000; ++i) {
    std::string x = (i % 2 == 0) ? s : f;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) x[rng() % x.size()] = static_cast<char>(rng() & 0xff);
    auto ds = DecodeSighting(x);
    if (ds.ok()) {
      EXPECT_GE(ds->partition, 0);
      EXPECT_GE(ds->known_count, -1);
    }
    auto df = DecodeFinding(x);
    if (df.ok()) {
      EXPECT_GE(df->partition, 0);
      EXPECT_LE(df->incident_ids.size(), 64u);
    }
  }
}

TEST(CampaignRecords, PartitionOfKeyIsStableAndInRange) {
  for (int32_t n : {1, 2, 6, 7, 64}) {
    for (const char* k : {"pattern:demo/ids-ssh-scan", "actor:APT-X", ""}) {
      int32_t p = CampaignPartition(k, n);
      EXPECT_GE(p, 0);
      EXPECT_LT(p, n);
      EXPECT_EQ(p, CampaignPartition(k, n));
    }
  }
  // SHA-256("actor:APT-X") decides, not the process: the value is fixed by the formula
  // (first 32 bits of the digest, modulo the partition count).
  EXPECT_EQ(CampaignPartition("abc", 1000),
            static_cast<int32_t>(0xba7816bfu % 1000u));  // SHA-256("abc") = ba7816bf...
}

// Kafka mode: sightings of `bank` (finance, partition 0) and `rail` (railway, partition 1)
// on one key reach the campaign task in whichever order their partitions committed. The
// campaign view must not depend on it: same id (epoch = earliest first sighting, fixed once
// shown), same revision and members; and each member learns its count of others (1).
struct StageRun {
  std::vector<route::Output> views;
  std::vector<Finding> findings;
};

StageRun Feed(const std::vector<Sighting>& order) {
  CampaignOptions o;
  o.enabled = true;
  CampaignStage stage(o, "test-pseudonym-key-0123456789abcdef", state::PartitionPrefix(3));
  auto reg = testing::TestRegistry();
  std::set<std::string> known = {"cas", "fsa", "mlit"};
  StageRun r;
  state::StateDelta delta;
  for (const auto& s : order) {
    absl::Status st = stage.ObserveSighting(s, *reg, known, false, &r.views, &r.findings, &delta);
    EXPECT_TRUE(st.ok()) << st;
  }
  // State keys carry the task's partition prefix (the changelog routes by it).
  for (const auto& op : delta.ops()) {
    int32_t p = -1;
    EXPECT_TRUE(state::KeyPartition(op.key, &p));
    EXPECT_EQ(p, 3);
  }
  return r;
}

TEST(CampaignStageKafka, SameViewWhateverTheArrivalOrder) {
  const int64_t kMin = 60'000'000'000;
  Sighting bank{"pattern:p/ssh-fail", "bank", "inc-bank", 0, 10 * kMin, 11 * kMin, "1", "SSH", 0};
  Sighting rail{"pattern:p/ssh-fail", "rail", "inc-rail", 1, 12 * kMin, 13 * kMin, "1", "SSH", 0};
  StageRun ab = Feed({bank, rail});
  StageRun ba = Feed({rail, bank});
  // One view per destination: the Cabinet Secretariat and both members' ministries.
  ASSERT_EQ(ab.views.size(), 3u);
  ASSERT_EQ(ba.views.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ab.views[i].destination, ba.views[i].destination);
    EXPECT_EQ(ab.views[i].document_id, ba.views[i].document_id);
    EXPECT_EQ(ab.views[i].revision, 2u);
    EXPECT_EQ(ab.views[i].json, ba.views[i].json);
    EXPECT_EQ(ab.views[i].json.find("\"bank\""), std::string::npos);
  }
  // The id is derived from the key and the earliest first sighting (bank's, 10 min).
  EXPECT_EQ(ab.views[0].document_id,
            IdBuilder().Add("campaign").Add("pattern:p/ssh-fail").Add(10 * kMin).Finish());
  // Both members hear "1 other operator": the one that was there before (its incidents to
  // revise) and the one whose sighting said 0 (its own incident).
  for (const StageRun* r : {&ab, &ba}) {
    std::map<std::string, Finding> by_op;
    for (const auto& f : r->findings) by_op[f.operator_id] = f;
    ASSERT_EQ(by_op.size(), 2u);
    EXPECT_EQ(by_op["bank"].others, 1u);
    EXPECT_EQ(by_op["bank"].partition, 0);
    EXPECT_EQ(by_op["bank"].incident_ids, (std::vector<std::string>{"inc-bank"}));
    EXPECT_EQ(by_op["rail"].others, 1u);
    EXPECT_EQ(by_op["rail"].partition, 1);
    EXPECT_EQ(by_op["rail"].incident_ids, (std::vector<std::string>{"inc-rail"}));
  }
}

TEST(CampaignStageKafka, NoFindingWhenTheNotificationWasRight) {
  const int64_t kMin = 60'000'000'000;
  Sighting bank{"actor:APT-X", "bank", "inc-bank", 0, kMin, kMin, "", "", 0};
  StageRun r = Feed({bank});
  EXPECT_TRUE(r.views.empty());     // one operator: below min_operators
  EXPECT_TRUE(r.findings.empty());  // its count (0) was right
  bank.known_count = 4;             // a stale count: corrected
  r = Feed({bank});
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].others, 0u);
}

}  // namespace
}  // namespace kizashi::campaign
