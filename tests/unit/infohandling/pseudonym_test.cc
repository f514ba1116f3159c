// Keyed pseudonyms: stable for one key (across instances and runs), different across keys
// and operators, and not the operator id.
#include <gtest/gtest.h>

#include "engine/campaign/campaign.h"
#include "engine/common/hash.h"

namespace kizashi::campaign {
namespace {

TEST(PseudonymTest, StableForOneKey) {
  Pseudonymizer a("0123456789abcdef-key-one"), b("0123456789abcdef-key-one");
  EXPECT_EQ(a.Of("bank-a"), b.Of("bank-a"));
  EXPECT_EQ(a.Of("bank-a"), a.Of("bank-a"));
  // Derived by hand: "op-" + first 16 hex of HMAC-SHA-256(key, id).
  EXPECT_EQ(a.Of("bank-a"), "op-" + HmacSha256Hex("0123456789abcdef-key-one", "bank-a").substr(0, 16));
}

TEST(PseudonymTest, DiffersAcrossKeysAndOperators) {
  Pseudonymizer a("0123456789abcdef-key-one"), c("0123456789abcdef-key-two");
  EXPECT_NE(a.Of("bank-a"), c.Of("bank-a"));
  EXPECT_NE(a.Of("bank-a"), a.Of("bank-b"));
  EXPECT_EQ(a.Of("bank-a").find("bank"), std::string::npos);
  EXPECT_EQ(a.Of("bank-a").size(), 3u + 16u);
}

TEST(PseudonymTest, HmacMatchesRfc4231Case2) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(FillOtherOperatorsTest, ReplacesTheNullCount) {
  std::string doc = R"({"other_operators":{"operators_with_same_pattern":null,"note":"x"}})";
  FillOtherOperators(&doc, 3);
  EXPECT_EQ(doc, R"({"other_operators":{"operators_with_same_pattern":3,"note":"x"}})");
}

}  // namespace
}  // namespace kizashi::campaign
