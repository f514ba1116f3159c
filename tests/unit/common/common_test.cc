#include <gtest/gtest.h>

#include "engine/common/arena.h"
#include "engine/common/diag.h"
#include "engine/common/hash.h"
#include "engine/common/ip.h"
#include "engine/common/json_writer.h"
#include "engine/common/time.h"

namespace kizashi {
namespace {

TEST(Time, ParsesSensorTimestamps) {
  int64_t ns;
  ASSERT_TRUE(ParseIso8601("1970-01-01T00:00:00Z", &ns));
  EXPECT_EQ(ns, 0);
  // 2024-03-01T12:00:00Z = 19783 days * 86400 + 43200 s
  ASSERT_TRUE(ParseIso8601("2024-03-01T12:00:00Z", &ns));
  EXPECT_EQ(ns, (19783LL * 86400 + 43200) * kNanosPerSecond);
  // Suricata style: offset without colon, microseconds.
  ASSERT_TRUE(ParseIso8601("2024-03-01T21:00:00.000123+0900", &ns));
  EXPECT_EQ(ns, (19783LL * 86400 + 43200) * kNanosPerSecond + 123000);
  ASSERT_TRUE(ParseIso8601("2024-03-01 12:00:00", &ns));
  EXPECT_EQ(ns, (19783LL * 86400 + 43200) * kNanosPerSecond);
  ASSERT_TRUE(ParseIso8601("2024-03-01T12:00:00", &ns, 9 * 3600));  // default offset JST
  EXPECT_EQ(ns, (19783LL * 86400 + 3 * 3600) * kNanosPerSecond);
}

TEST(Time, RejectsMalformed) {
  int64_t ns;
  for (const char* bad : {"", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
                          "2023-02-29T00:00:00Z", "2024-03-01T24:00:00Z", "2024-03-01T12:00:00.Z",
                          "2024-03-01T12:00:00+9", "2024-03-01T12:00:00Zjunk", "1969-12-31T23:59:59Z",
                          "abcd-ef-ghT12:00:00Z"}) {
    EXPECT_FALSE(ParseIso8601(bad, &ns)) << bad;
  }
}

TEST(Time, FormatsUtcAndJst) {
  int64_t ns = (19783LL * 86400 + 43200) * kNanosPerSecond + 5 * kNanosPerMilli;
  EXPECT_EQ(FormatRfc3339(ns), "2024-03-01T12:00:00.005Z");
  EXPECT_EQ(FormatRfc3339(ns, 0), "2024-03-01T12:00:00Z");
  EXPECT_EQ(FormatJst(ns), "2024-03-01 21:00:00 JST");
}

TEST(Time, Durations) {
  int64_t ns;
  ASSERT_TRUE(ParseDuration("5m", &ns));
  EXPECT_EQ(ns, 300 * kNanosPerSecond);
  ASSERT_TRUE(ParseDuration("250ms", &ns));
  EXPECT_EQ(ns, 250 * kNanosPerMilli);
  EXPECT_FALSE(ParseDuration("5 minutes", &ns));
  EXPECT_FALSE(ParseDuration("m", &ns));
  EXPECT_FALSE(ParseDuration("99999999999999999d", &ns));
}

TEST(JsonWriter, EscapesAndRepairsUtf8) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().KV("a", std::string_view("x\"y\\\n\x01", 6)).KV("n", int64_t{-3});
  w.Key("arr").BeginArray().String("\xff\xfe").Bool(true).Null().EndArray();
  w.KV("jp", "重要システム").EndObject();
  EXPECT_EQ(out,
            "{\"a\":\"x\\\"y\\\\\\n\\u0001\",\"n\":-3,\"arr\":[\"\xEF\xBF\xBD\xEF\xBF\xBD\",true,"
            "null],\"jp\":\"重要システム\"}");
}

TEST(Ip, ParsesAndMatchesPrefixes) {
  IpAddr a;
  ASSERT_TRUE(IpAddr::Parse("10.1.2.3", &a));
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.ToString(), "10.1.2.3");
  Cidr c;
  ASSERT_TRUE(Cidr::Parse("10.1.0.0/16", &c));
  EXPECT_TRUE(c.Contains(a));
  EXPECT_EQ(c.ToString(), "10.1.0.0/16");
  EXPECT_FALSE(Cidr::Parse("10.1.0.1/16", &c));  // host bits set
  ASSERT_TRUE(Cidr::Parse("2001:db8::/32", &c));
  IpAddr b;
  ASSERT_TRUE(IpAddr::Parse("2001:db8::1", &b));
  EXPECT_TRUE(c.Contains(b));
  EXPECT_FALSE(c.Contains(a));
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "::g"}) {
    EXPECT_FALSE(IpAddr::Parse(bad, &a)) << bad;
  }
}

TEST(Hash, StableIds) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string a = IdBuilder().Add("ab").Add("c").Finish();
  std::string b = IdBuilder().Add("a").Add("bc").Finish();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, IdBuilder().Add("ab").Add("c").Finish());
  std::string raw;
  ASSERT_TRUE(HexDecode("00ff10", &raw));
  EXPECT_EQ(raw, std::string("\x00\xff\x10", 3));
}

TEST(Arena, KeepsBytesUntilClear) {
  Arena arena(64);
  std::string_view a = arena.Copy("hello");
  std::string big(1000, 'x');
  std::string_view b = arena.Copy(big);
  EXPECT_EQ(a, "hello");
  EXPECT_EQ(b, big);
  arena.Clear();
  EXPECT_EQ(arena.bytes_used(), 0u);
}

TEST(Diagnostics, CollectsAll) {
  Diagnostics d;
  d.Error("a.yaml", 3, "op1", "fewer than two contact means");
  d.Warning("a.yaml", 5, "op2", "no networks");
  d.Error("b.yaml", 0, "", "cannot open");
  EXPECT_EQ(d.error_count(), 2u);
  EXPECT_EQ(d.ToText(),
            "a.yaml:3: error: [op1] fewer than two contact means\n"
            "a.yaml:5: warning: [op2] no networks\n"
            "b.yaml: error: cannot open\n");
  EXPECT_FALSE(d.ToStatus("registry").ok());
}

}  // namespace
}  // namespace kizashi
