// Helpers of engine/decode: the padded IPv4 fast path must agree with the general parser on
// every input, whatever bytes follow the string.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/decode/decode_util.h"

namespace kizashi::decode::internal {
namespace {

// `s` in a buffer followed by 16 bytes of `fill` (digits and dots are the worst case: they
// would extend the address if the parser read past its end).
bool Padded(const std::string& s, char fill, IpAddr* out) {
  std::string buf = s + std::string(16, fill);
  return ParseIpPadded(std::string_view(buf.data(), s.size()), out);
}

TEST(ParseIpPadded, DottedQuads) {
  IpAddr a;
  ASSERT_TRUE(Padded("203.0.113.7", '9', &a));
  EXPECT_EQ(a.ToString(), "203.0.113.7");
  ASSERT_TRUE(Padded("0.0.0.0", '.', &a));
  EXPECT_EQ(a.ToString(), "0.0.0.0");
  ASSERT_TRUE(Padded("255.255.255.255", '1', &a));
  EXPECT_EQ(a.ToString(), "255.255.255.255");
  ASSERT_TRUE(Padded("10.1.2.3", '"', &a));
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.ToString(), "10.1.2.3");
}

TEST(ParseIpPadded, RefusesWhatParseIpRefuses) {
  for (const char* bad : {"256.1.1.1", "1.2.3.256", "01.2.3.4", "1.02.3.4", "1.2.3.04",
                          "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.4.", "1.2.3", "1.2.3.4.5",
                          "1234.1.1.1", "1.2.3.a", "1.2.3.4 ", " 1.2.3.4", "999.999.999.99"}) {
    IpAddr a;
    EXPECT_FALSE(Padded(bad, '7', &a)) << bad;
    EXPECT_FALSE(ParseIp(bad, &a)) << bad;
  }
}

TEST(ParseIpPadded, OtherShapesGoThroughParseIp) {
  IpAddr a;
  ASSERT_TRUE(Padded("2001:db8::1", '0', &a));
  EXPECT_EQ(a.ToString(), "2001:db8::1");
  ASSERT_TRUE(Padded("::ffff:1.2.3.4", '0', &a));
  EXPECT_TRUE(a.is_v4());
  ASSERT_TRUE(Padded("[::1]", '0', &a));
  EXPECT_EQ(a.ToString(), "::1");
}

// Differential: random strings over the alphabet of dotted quads agree with ParseIp.
TEST(ParseIpPadded, AgreesWithParseIp) {
  std::mt19937 rng(42);
  const char alphabet[] = "0123456789.";
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    size_t n = 1 + rng() % 16;
    for (size_t j = 0; j < n; ++j) s += alphabet[rng() % 11];
    if (i % 2 == 0) {  // well-formed shapes often enough to reach the value checks
      s = std::to_string(rng() % 300) + "." + std::to_string(rng() % 300) + "." +
          std::to_string(rng() % 300) + "." + std::to_string(rng() % 300);
    }
    IpAddr want, got;
    bool w = ParseIp(s, &want);
    bool g = Padded(s, alphabet[rng() % 11], &got);
    ASSERT_EQ(w, g) << s;
    if (w) {
      ASSERT_EQ(want, got) << s;
    }
  }
}

}  // namespace
}  // namespace kizashi::decode::internal
