// The ledger topic's records (engine/ledger/chain.h): encoding round trip, the per-partition
// hash chain, and TopicVerifier — a modified record, a gap, a reorder, a record moved to
// another partition, a key that does not match, and hostile bytes are problems (never a
// crash); an at_least_once rewind is a note (a problem when strict).
#include "engine/ledger/chain.h"

#include <gtest/gtest.h>

#include <random>

#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "tests/unit/infohandling/ledger_entry.h"

namespace kizashi::ledger {
namespace {

struct Rec {
  int32_t partition;
  std::string key, value;
};

// Three records on partition 0 and one on partition 1, as the committer chains them.
std::vector<Rec> Sample() {
  std::vector<Rec> out;
  ChainHead h0, h1;
  for (auto e : {Entry("n-a", 1, "fsa", "bank-a"), Entry("n-a", 2, "fsa", "bank-a"),
                 Entry("n-a", 2, "cabinet-secretariat", "bank-a")}) {
    out.push_back({0, TopicKey(e.document_id, e.revision, e.destination), ChainTopicRecord(0, e, &h0)});
  }
  auto e = Entry("n-b", 1, "mlit", "rail-b");
  out.push_back({1, TopicKey(e.document_id, e.revision, e.destination), ChainTopicRecord(1, e, &h1)});
  return out;
}

TopicVerifyResult Verify(const std::vector<Rec>& recs, bool strict = false) {
  TopicVerifier v(strict);
  std::map<int32_t, int64_t> offset;
  for (const auto& r : recs) v.Add(r.partition, offset[r.partition]++, r.key, r.value);
  return v.Finish();
}

TEST(LedgerChainTest, RecordsRoundTripAndChainFromGenesis) {
  ChainHead h;
  EXPECT_EQ(h.seq, 0u);
  EXPECT_EQ(h.hash, std::string(64, '0'));
  auto e = Entry("n-a", 3, "fsa", "bank-a,bank-c");
  std::string v = ChainTopicRecord(7, e, &h);
  EXPECT_EQ(h.seq, 1u);
  // The hash is SHA-256(genesis || body), body = the local ledger's body with "partition".
  std::string body = Ledger::Body(1, std::string(64, '0'), e, 7);
  EXPECT_EQ(h.hash, Sha256Hex(StrCat(std::string(64, '0'), body)));
  EXPECT_EQ(v, StrCat(body.substr(0, body.size() - 1), ",\"hash\":\"", h.hash, "\"}"));
  EXPECT_NE(body.find("\"schema\":\"kizashi.ledger_record/1\",\"partition\":7,\"seq\":1,"),
            std::string::npos);
  auto r = DecodeTopicRecord(v);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->hash_ok);
  EXPECT_EQ(r->partition, 7);
  EXPECT_EQ(r->seq, 1u);
  EXPECT_EQ(r->document_id, "n-a");
  EXPECT_EQ(r->revision, 3u);
  EXPECT_EQ(r->destination, "fsa");
  EXPECT_EQ(r->subject_operator, "bank-a,bank-c");
  EXPECT_EQ(TopicKey("n-a", 3, "fsa"), "[\"n-a\",3,\"fsa\"]");

  // The second record names the first one's hash.
  std::string first = h.hash;
  auto r2 = DecodeTopicRecord(ChainTopicRecord(7, Entry("n-a", 4, "fsa", "bank-a"), &h));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->seq, 2u);
  EXPECT_EQ(r2->prev_hash, first);
}

TEST(LedgerChainTest, ChainHeadEncoding) {
  ChainHead h;
  h.seq = 42;
  h.hash = std::string(64, 'a');
  auto d = DecodeChainHead(EncodeChainHead(h));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->seq, 42u);
  EXPECT_EQ(d->hash, h.hash);
  for (std::string bad : std::vector<std::string>{"", "42", "42,", "x," + std::string(64, 'a'), "-1," + std::string(64, 'a'),
                          "1," + std::string(63, 'a'), "1," + std::string(64, 'G')}) {
    EXPECT_FALSE(DecodeChainHead(bad).ok()) << bad;
  }
}

TEST(LedgerChainTest, IntactTopicVerifies) {
  auto v = Verify(Sample(), /*strict=*/true);
  EXPECT_TRUE(v.ok) << Join(v.problems, "\n");
  EXPECT_EQ(v.records, 4u);
  EXPECT_EQ(v.heads[0].seq, 3u);
  EXPECT_EQ(v.heads[1].seq, 1u);
  EXPECT_EQ(v.rewinds, 0u);
}

TEST(LedgerChainTest, ModifiedRecordIsDetected) {
  auto recs = Sample();
  // The recipient of n-a revision 2 changed from fsa to mlit (key updated to match): the
  // record's hash no longer matches its content.
  std::string& v = recs[1].value;
  v.replace(v.find("\"destination\":\"fsa\""), 19, "\"destination\":\"mlt\"");
  recs[1].key = TopicKey("n-a", 2, "mlt");
  auto r = Verify(recs);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u) << Join(r.problems, "\n");
  EXPECT_NE(r.problems[0].find("partition 0 offset 1 seq 2: content does not match its hash"),
            std::string::npos)
      << r.problems[0];
}

TEST(LedgerChainTest, RecomputedHashBreaksTheNextLink) {
  auto recs = Sample();
  // The forger re-hashes the modified record: the next record's prev_hash no longer names it.
  auto e = Entry("n-a", 2, "mlit", "bank-a");
  ChainHead h;
  ChainTopicRecord(0, Entry("n-a", 1, "fsa", "bank-a"), &h);
  recs[1].value = ChainTopicRecord(0, e, &h);
  recs[1].key = TopicKey("n-a", 2, "mlit");
  auto r = Verify(recs);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u) << Join(r.problems, "\n");
  EXPECT_NE(r.problems[0].find("offset 2 seq 3: prev_hash does not name"), std::string::npos)
      << r.problems[0];
}

TEST(LedgerChainTest, RemovedRecordIsAGap) {
  auto recs = Sample();
  recs.erase(recs.begin() + 1);
  auto r = Verify(recs);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u) << Join(r.problems, "\n");
  EXPECT_NE(r.problems[0].find("records 2..2 of the chain are missing"), std::string::npos);
}

TEST(LedgerChainTest, ReorderIsDetected) {
  auto recs = Sample();
  std::swap(recs[1], recs[2]);  // partition 0: seq 1, 3, 2
  auto r = Verify(recs);
  EXPECT_FALSE(r.ok);
  EXPECT_GE(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("records 2..2 of the chain are missing"), std::string::npos)
      << Join(r.problems, "\n");
}

TEST(LedgerChainTest, RecordMovedToAnotherPartitionIsDetected) {
  auto recs = Sample();
  recs[3].partition = 0;  // partition 1's record appended to partition 0
  auto r = Verify(recs);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(Join(r.problems, "\n").find("names partition 1 (moved)"), std::string::npos)
      << Join(r.problems, "\n");
}

TEST(LedgerChainTest, KeyNotMatchingTheBodyIsDetected) {
  auto recs = Sample();
  recs[0].key = TopicKey("n-a", 9, "fsa");
  auto r = Verify(recs);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("key does not match"), std::string::npos);
}

TEST(LedgerChainTest, AtLeastOnceRewindIsANoteUnlessStrict) {
  // Records 1..3 produced, the changelog kept head 1: the next owner re-records 2 and 3 (same
  // keys) from head 1, then goes on with 4.
  auto recs = Sample();
  recs.pop_back();  // partition 0 only
  ChainHead h;
  ChainTopicRecord(0, Entry("n-a", 1, "fsa", "bank-a"), &h);
  for (auto e : {Entry("n-a", 2, "fsa", "bank-a"), Entry("n-a", 2, "cabinet-secretariat", "bank-a"),
                 Entry("n-a", 3, "fsa", "bank-a")}) {
    auto again = e;
    again.recorded_at_ns += 5;  // processing time differs; the key does not
    recs.push_back({0, TopicKey(e.document_id, e.revision, e.destination), ChainTopicRecord(0, again, &h)});
  }
  auto r = Verify(recs);
  EXPECT_TRUE(r.ok) << Join(r.problems, "\n");
  EXPECT_EQ(r.rewinds, 1u);
  EXPECT_EQ(r.superseded, 2u);
  EXPECT_EQ(r.heads[0].seq, 4u);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("continues from record 1; records 2..3 are superseded"),
            std::string::npos);
  auto s = Verify(recs, /*strict=*/true);
  EXPECT_FALSE(s.ok);
}

TEST(LedgerChainTest, ForgedRewindIsAProblem) {
  auto recs = Sample();
  recs.pop_back();
  // A record claiming seq 2 whose prev_hash is not record 1's hash.
  ChainHead fake;
  fake.seq = 1;
  fake.hash = std::string(64, 'b');
  auto e = Entry("n-x", 1, "fsa", "bank-a");
  recs.push_back({0, TopicKey("n-x", 1, "fsa"), ChainTopicRecord(0, e, &fake)});
  auto r = Verify(recs);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(Join(r.problems, "\n").find("repeats sequence number 2"), std::string::npos);
}

TEST(LedgerChainTest, HostileBytesAreProblemsNotCrashes) {
  auto good = Sample()[0].value;
  std::vector<std::string> bad = {
      "", "{", "null", "[]", "\xff\xfe", std::string(1, '\0'), good.substr(0, good.size() / 2),
      good + "x",
      R"({"schema":"kizashi.ledger_record/1","partition":-1,"seq":1})",
      R"({"schema":"kizashi.ledger_record/1","partition":0,"seq":0})",
      R"({"schema":"kizashi.ledger_record/1","partition":0,"seq":1,"prev_hash":"zz","hash":"zz"})",
      R"({"schema":"other","partition":0,"seq":1})",
      R"({"schema":"kizashi.ledger_record/1","partition":99999999999,"seq":1})",
  };
  TopicVerifier v(false);
  int64_t off = 0;
  for (const auto& b : bad) {
    EXPECT_FALSE(DecodeTopicRecord(b).ok() && DecodeTopicRecord(b)->hash_ok) << b;
    v.Add(0, off++, "k", b);
  }
  auto r = v.Finish();
  EXPECT_FALSE(r.ok);
  EXPECT_GE(r.problems.size(), bad.size());
  // A hash member that is not the last one: the hash cannot be recomputed: not ok.
  std::string moved = good;
  size_t at = moved.find(",\"hash\":");
  std::string member = moved.substr(at, moved.size() - 1 - at);
  moved.erase(at, member.size());
  moved.insert(moved.find(",\"document_id\""), member);
  auto m = DecodeTopicRecord(moved);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->hash_ok);
}

TEST(LedgerChainTest, EveryByteMutationIsDetectedAndNoneCrashes) {
  // Seeded random single-byte changes, insertions, deletions and truncations of one record's
  // value: whatever the bytes, verification fails (and does not crash).
  const auto sample = Sample();
  std::mt19937 rng(20261126);
  int mutated = 0;
  for (int round = 0; round < 3000; ++round) {
    auto recs = sample;
    Rec& victim = recs[rng() % recs.size()];
    std::string& v = victim.value;
    size_t at = rng() % v.size();
    switch (rng() % 4) {
      case 0: v[at] = static_cast<char>(rng() & 0xff); break;
      case 1: v.insert(at, 1, static_cast<char>(rng() & 0xff)); break;
      case 2: v.erase(at, 1); break;
      default: v.resize(at); break;
    }
    bool same = false;
    for (const auto& r : sample) same |= r.value == v && r.key == victim.key;
    if (same) continue;
    ++mutated;
    auto r = Verify(recs);
    EXPECT_FALSE(r.ok) << "undetected: " << v;
  }
  EXPECT_GT(mutated, 2900);
}

}  // namespace
}  // namespace kizashi::ledger
