#include <gtest/gtest.h>

#include "engine/state/codec.h"
#include "engine/state/state_store.h"
#include "tests/testing/testing.h"

namespace kizashi::state {
namespace {

TEST(StateStore, CommitsAtomicallyAndScansByPartition) {
  std::string dir = testing::MakeTempDir("state");
  StateOptions o;
  o.dir = dir;
  {
    auto s = StateStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    StateDelta d;
    d.Put(Cf::kCorrelation, PartitionPrefix(1) + "k1", "v1");
    d.Put(Cf::kCorrelation, PartitionPrefix(1) + "k2", "v2");
    d.Put(Cf::kCorrelation, PartitionPrefix(2) + "k1", "other");
    d.Put(Cf::kPositions, PartitionPrefix(1) + "source", "42");
    ASSERT_TRUE((*s)->Commit(d).ok());
    StateDelta d2;
    d2.Delete(Cf::kCorrelation, PartitionPrefix(1) + "k1");
    ASSERT_TRUE((*s)->Commit(d2).ok());
  }
  auto s = StateStore::Open(o);  // reopen: durable
  ASSERT_TRUE(s.ok());
  std::vector<std::string> seen;
  ASSERT_TRUE((*s)->Scan(Cf::kCorrelation, PartitionPrefix(1), [&](std::string_view k, std::string_view v) {
    seen.push_back(std::string(k.substr(4)) + "=" + std::string(v));
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(seen, std::vector<std::string>{"k2=v2"});
  EXPECT_EQ(*(*s)->Get(Cf::kPositions, PartitionPrefix(1) + "source"), "42");
  EXPECT_TRUE(absl::IsNotFound((*s)->Get(Cf::kPositions, "missing").status()));
  ASSERT_TRUE((*s)->DropPrefix(PartitionPrefix(1)).ok());
  EXPECT_TRUE(absl::IsNotFound((*s)->Get(Cf::kPositions, PartitionPrefix(1) + "source").status()));
  EXPECT_TRUE((*s)->Get(Cf::kCorrelation, PartitionPrefix(2) + "k1").ok());
  testing::RemoveTree(dir);
}

TEST(Codec, RoundTripsAndRejectsTruncation) {
  std::string buf;
  Encoder e(&buf);
  e.Varint(300);
  e.SignedVarint(-5);
  e.Str("héllo");
  e.Fixed64BE(0x0102030405060708ULL);
  Decoder d(buf);
  uint64_t v;
  int64_t sv;
  std::string s;
  ASSERT_TRUE(d.Varint(&v));
  EXPECT_EQ(v, 300u);
  ASSERT_TRUE(d.SignedVarint(&sv));
  EXPECT_EQ(sv, -5);
  ASSERT_TRUE(d.Str(&s));
  EXPECT_EQ(s, "héllo");
  ASSERT_TRUE(d.Fixed64BE(&v));
  EXPECT_EQ(v, 0x0102030405060708ULL);
  EXPECT_TRUE(d.done());
  Decoder t(std::string_view(buf).substr(0, 4));
  ASSERT_TRUE(t.Varint(&v));
  ASSERT_TRUE(t.SignedVarint(&sv));
  EXPECT_FALSE(t.Str(&s));  // length says 6 bytes, 1 present
}

}  // namespace
}  // namespace kizashi::state
