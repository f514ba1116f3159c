// Decoder options: the config schema, option validation, stats, TruncateUtf8.
#include <gtest/gtest.h>

#include "engine/common/diag.h"
#include "tests/unit/decode/decode_testutil.h"

namespace kizashi::decode {
namespace {

TEST(DecodeOptions, DeclaredKeysLoadFromYaml) {
  DecodeOptions o;
  config::Schema s;
  DecodeOptions::Declare(s, &o);
  Diagnostics diags;
  s.ApplyText(
      "format: syslog\noperator_from: topic\nauthoritative: true\nyear: 2024\n"
      "timezone: \"+09:00\"\nmax_future_skew: 10m\nmax_event_bytes: 131072\n",
      "input.yaml", &diags);
  EXPECT_FALSE(diags.has_errors()) << diags.ToText();
  EXPECT_EQ(o.format, "syslog");
  EXPECT_EQ(o.operator_from, "topic");
  EXPECT_TRUE(o.authoritative);
  EXPECT_EQ(o.year, 2024);
  EXPECT_EQ(o.timezone, "+09:00");
  EXPECT_EQ(o.max_future_skew_ns, 600LL * 1'000'000'000);
  EXPECT_EQ(o.max_event_bytes, 131072);
  Diagnostics bad;
  s.ApplyText("format: xml\n", "input.yaml", &bad);
  EXPECT_TRUE(bad.has_errors());
}

TEST(DecodeOptions, InvalidCombinationsAreRejected) {
  DecodeOptions o;
  o.format = "eve";
  o.operator_from = "field";
  o.authoritative = true;
  EXPECT_FALSE(MakeDecoder(o).ok());  // a record cannot be the authority on itself
  o = DecodeOptions();
  o.operator_from = "fixed";
  EXPECT_FALSE(MakeDecoder(o).ok());  // fixed without an operator id
  o.operator_fixed = "op";
  o.timezone = "JST";
  EXPECT_FALSE(MakeDecoder(o).ok());  // zones are offsets
  o.timezone = "+09:00";
  EXPECT_TRUE(MakeDecoder(o).ok());
  o.format = "fastlog";
  o.operator_from = "field";
  EXPECT_FALSE(MakeDecoder(o).ok());  // fast.log carries no operator
  o.format = "xml";
  EXPECT_FALSE(MakeDecoder(o).ok());
}

TEST(DecodeStats, CountsPerReasonAcrossBatches) {
  DecodeOptions o;
  o.format = "syslog";
  o.operator_from = "fixed";
  o.operator_fixed = "op";
  o.year = 2024;
  auto d = testing::MustMake(o);
  Batch b;
  testing::AddRecord(b, "Mar  1 00:00:00 h p: ok");
  testing::AddRecord(b, "");
  testing::AddRecord(b, "no timestamp here");
  d->Decode(b);
  b.Clear();
  testing::AddRecord(b, "Mar  1 00:00:00 h p: ok again");
  testing::AddRecord(b, std::string("Mar  1 00:00:00 h p: \0", 22));
  d->Decode(b);
  const DecodeStats& s = d->stats();
  EXPECT_EQ(s.records, 5u);
  EXPECT_EQ(s.events, 2u);
  EXPECT_EQ(s.dead_letter(DeadLetterReason::kMalformed), 1u);
  EXPECT_EQ(s.dead_letter(DeadLetterReason::kMissingTimestamp), 1u);
  EXPECT_EQ(s.dead_letter(DeadLetterReason::kNulByte), 1u);
  EXPECT_EQ(s.dead_letter_total(), 3u);
  DecodeStats sum;
  sum.Merge(s);
  sum.Merge(s);
  EXPECT_EQ(sum.events, 4u);
  EXPECT_EQ(sum.dead_letter(DeadLetterReason::kNulByte), 2u);
}

TEST(TruncateUtf8, CutsOnCharacterBoundaries) {
  // "aé日" = 61 | C3 A9 | E6 97 A5
  std::string s = "a\xC3\xA9\xE6\x97\xA5";
  EXPECT_EQ(TruncateUtf8(s, 10), s);
  EXPECT_EQ(TruncateUtf8(s, 6), s);
  EXPECT_EQ(TruncateUtf8(s, 5), "a\xC3\xA9");
  EXPECT_EQ(TruncateUtf8(s, 4), "a\xC3\xA9");
  EXPECT_EQ(TruncateUtf8(s, 3), "a\xC3\xA9");
  EXPECT_EQ(TruncateUtf8(s, 2), "a");
  EXPECT_EQ(TruncateUtf8(s, 0), "");
}

}  // namespace
}  // namespace kizashi::decode
