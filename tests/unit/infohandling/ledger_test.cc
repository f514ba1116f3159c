// Disclosure ledger: append-only, deduplicated by (document id, revision, destination),
// hash-chained; Verify detects a modified, removed or reordered record.
#include "engine/ledger/ledger.h"

#include <gtest/gtest.h>

#include "engine/common/hash.h"
#include "tests/unit/infohandling/ledger_entry.h"
#include "tests/testing/testing.h"

namespace kizashi::ledger {
namespace {

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("ledger"); }
  void TearDown() override { testing::RemoveTree(dir_); }
  LedgerOptions Opts() const {
    LedgerOptions o;
    o.dir = dir_ + "/ledger";
    o.sync = false;
    return o;
  }
  std::vector<LedgerRecord> All(const Ledger& l, std::string_view op = "") {
    std::vector<LedgerRecord> out;
    EXPECT_TRUE(l.Query(op, [&](const LedgerRecord& r) {
                   out.push_back(r);
                   return absl::OkStatus();
                 }).ok());
    return out;
  }
  std::string dir_;
};

TEST_F(LedgerTest, AppendsOncePerKeyAcrossReopen) {
  {
    auto l = Ledger::Open(Opts());
    ASSERT_TRUE(l.ok()) << l.status();
    // Two destinations of one revision are two disclosures; a repeat within the batch is not.
    auto n = (*l)->Append({Entry("d1", 1, "ministry.fsa", "bank-a"),
                           Entry("d1", 1, "cabinet-secretariat", "bank-a"),
                           Entry("d1", 1, "ministry.fsa", "bank-a")});
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 2u);
  }
  // A re-emit after a crash: same keys, nothing added; a new revision is added.
  auto l = Ledger::Open(Opts());
  ASSERT_TRUE(l.ok());
  auto n = (*l)->Append({Entry("d1", 1, "ministry.fsa", "bank-a"), Entry("d1", 2, "ministry.fsa", "bank-a"),
                         Entry("d9", 1, "ministry.mlit", "rail-b")});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ((*l)->size(), 4u);
  auto recs = All(**l);
  ASSERT_EQ(recs.size(), 4u);
  for (size_t i = 0; i < recs.size(); ++i) EXPECT_EQ(recs[i].seq, i + 1);
  // Who received what about bank-a: three records (d1 r1 twice to two destinations, d1 r2).
  auto bank = All(**l, "bank-a");
  ASSERT_EQ(bank.size(), 3u);
  EXPECT_NE(bank[1].body.find("\"destination\":\"cabinet-secretariat\""), std::string::npos);
  EXPECT_EQ(All(**l, "rail-b").size(), 1u);
  EXPECT_TRUE(All(**l, "nobody").empty());
  VerifyResult v = (*l)->Verify();
  EXPECT_TRUE(v.ok) << (v.problems.empty() ? "" : v.problems[0]);
  EXPECT_EQ(v.records, 4u);
}

TEST_F(LedgerTest, ChainHashIsShaOfPreviousHashAndBody) {
  auto l = Ledger::Open(Opts());
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE((*l)->Append({Entry("d1", 1, "x", "a"), Entry("d2", 1, "x", "a")}).ok());
  auto recs = All(**l);
  ASSERT_EQ(recs.size(), 2u);
  std::string genesis(64, '0');
  EXPECT_EQ(recs[0].hash, Sha256Hex(genesis + recs[0].body));
  EXPECT_EQ(recs[1].hash, Sha256Hex(recs[0].hash + recs[1].body));
  EXPECT_NE(recs[1].body.find("\"prev_hash\":\"" + recs[0].hash + "\""), std::string::npos);
}

TEST_F(LedgerTest, VerifyDetectsModifiedRecord) {
  auto l = Ledger::Open(Opts());
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE((*l)->Append({Entry("d1", 1, "ministry.fsa", "bank-a"), Entry("d2", 1, "ministry.fsa", "bank-a"),
                            Entry("d3", 1, "ministry.fsa", "bank-a")})
                  .ok());
  auto recs = All(**l);
  // Rewrite record 2's destination, keeping its stored hash.
  std::string body = recs[1].body;
  size_t at = body.find("ministry.fsa");
  body.replace(at, 12, "someone.else");
  ASSERT_TRUE((*l)->TestOnlyOverwrite(2, recs[1].hash + body).ok());
  VerifyResult v = (*l)->Verify();
  EXPECT_FALSE(v.ok);
  ASSERT_FALSE(v.problems.empty());
  EXPECT_NE(v.problems[0].find("record 2"), std::string::npos) << v.problems[0];
}

TEST_F(LedgerTest, VerifyDetectsRecomputedHashOfOneRecord) {
  // An editor who also recomputes the edited record's hash breaks the next link.
  auto l = Ledger::Open(Opts());
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE((*l)->Append({Entry("d1", 1, "x", "a"), Entry("d2", 1, "x", "a"), Entry("d3", 1, "x", "a")}).ok());
  auto recs = All(**l);
  std::string body = recs[0].body;
  body.replace(body.find("\"d1\""), 4, "\"dX\"");
  std::string genesis(64, '0');
  ASSERT_TRUE((*l)->TestOnlyOverwrite(1, Sha256Hex(genesis + body) + body).ok());
  VerifyResult v = (*l)->Verify();
  EXPECT_FALSE(v.ok);
  bool names_record_2 = false;
  for (const auto& p : v.problems) names_record_2 |= p.find("record 2") != std::string::npos;
  EXPECT_TRUE(names_record_2);
}

TEST(DisclosedFieldsTest, ListsNonEmptyLeaves) {
  auto f = DisclosedFields(
      R"({"a":1,"b":{"c":"x","d":"","e":null},"f":[{"g":true},{"g":false,"h":"y"}],"i":[]})");
  std::vector<std::string> want = {"a", "b.c", "f[].g", "f[].h"};
  EXPECT_EQ(f, want);
  EXPECT_TRUE(DisclosedFields("not json").empty());
}

}  // namespace
}  // namespace kizashi::ledger
