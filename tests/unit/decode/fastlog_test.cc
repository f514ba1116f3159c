// fast.log decoder: Suricata and Snort alert lines, IPv4/IPv6 endpoints, the year rule.
#include <gtest/gtest.h>

#include "tests/unit/decode/decode_testutil.h"

namespace kizashi::decode {
namespace {

using testing::DecodeOne;
using testing::Ip;
using testing::MustMake;
using testing::Utc;

DecodeOptions Fastlog() {
  DecodeOptions o;
  o.format = "fastlog";
  o.operator_from = "fixed";
  o.operator_fixed = "op-a";
  o.max_future_skew_ns = 0;
  return o;
}

TEST(Fastlog, SuricataLine) {
  DecodeOptions o = Fastlog();
  o.timezone = "+09:00";  // fast.log is written in the sensor's local time
  auto d = MustMake(o);
  Batch b;
  auto r = DecodeOne(*d, b,
      "03/01/2024-21:00:05.123456  [**] [1:2030001:4] ET EXPLOIT Example [**] [Classification: "
      "Attempted Administrator Privilege Gain] [Priority: 1] {TCP} 203.0.113.7:51514 -> "
      "10.1.2.3:443\n");
  ASSERT_TRUE(r.ok) << r.detail;
  const Event& e = r.event;
  EXPECT_EQ(e.kind, EventKind::kFastlog);
  EXPECT_EQ(e.event_time_ns, Utc(2024, 3, 1, 12, 0, 5, 123'456'000));
  EXPECT_EQ(e.sig_id, 2030001);
  EXPECT_EQ(e.sig_rev, 4);
  EXPECT_EQ(e.field(FieldId::kSignature), "ET EXPLOIT Example");
  EXPECT_EQ(e.field(FieldId::kCategory), "Attempted Administrator Privilege Gain");
  EXPECT_EQ(e.ids_severity, 1);
  EXPECT_EQ(e.proto, "TCP");
  EXPECT_EQ(Ip(e.src), "203.0.113.7");
  EXPECT_EQ(e.src_port, 51514);
  EXPECT_EQ(Ip(e.dst), "10.1.2.3");
  EXPECT_EQ(e.dst_port, 443);
  EXPECT_EQ(e.operator_id, "op-a");
}

TEST(Fastlog, Ipv6NumericProtoNoPortsNoClassification) {
  auto d = MustMake(Fastlog());
  Batch b;
  auto v6 = DecodeOne(*d, b,
      "08/02/2014-10:50:25.823699  [**] [1:6:1] (null) [**] [Classification: (null)] [Priority: 3] "
      "{TCP} 2001:0db8:0000:0000:0000:0000:0000:0001:3000 -> "
      "2001:0db8:0000:0000:0000:0000:0000:0002:56508");
  ASSERT_TRUE(v6.ok) << v6.detail;
  EXPECT_EQ(Ip(v6.event.src), "2001:db8::1");
  EXPECT_EQ(v6.event.src_port, 3000);
  EXPECT_EQ(Ip(v6.event.dst), "2001:db8::2");
  EXPECT_EQ(v6.event.dst_port, 56508);
  auto icmp = DecodeOne(*d, b,
      "08/02/2014-10:50:25.823699  [**] [1:2100366:8] GPL ICMP_INFO PING *NIX [**] [Priority: 3] "
      "{6} 192.0.2.1 -> 192.0.2.2");
  ASSERT_TRUE(icmp.ok) << icmp.detail;
  EXPECT_EQ(icmp.event.proto, "TCP");  // {6}: protocol number
  EXPECT_EQ(Ip(icmp.event.src), "192.0.2.1");
  EXPECT_EQ(icmp.event.src_port, 0);
  EXPECT_EQ(icmp.event.field(FieldId::kCategory), "");
}

TEST(Fastlog, SnortWithoutYearUsesTheYearRule) {
  DecodeOptions o = Fastlog();
  o.year = 0;
  auto d = MustMake(o);
  Batch b;
  auto r = DecodeOne(*d, b,
      "12/31-23:59:58.000001  [**] [1:1000:1] local rule [**] [Priority: 2] {UDP} "
      "10.0.0.1:53 -> 10.0.0.2:5353",
      Utc(2025, 1, 1, 0, 0, 1));
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.event_time_ns, Utc(2024, 12, 31, 23, 59, 58, 1000));
  auto none = DecodeOne(*d, b,
      "12/31-23:59:58.000001  [**] [1:1000:1] local rule [**] {UDP} 10.0.0.1:53 -> 10.0.0.2:53");
  EXPECT_EQ(none.reason, DeadLetterReason::kBadTimestamp);
}

TEST(Fastlog, BadLines) {
  auto d = MustMake(Fastlog());
  Batch b;
  struct Case {
    const char* line;
    DeadLetterReason reason;
  } cases[] = {
      {"", DeadLetterReason::kMalformed},
      {"hello world", DeadLetterReason::kMissingTimestamp},
      {"13/45/2024-00:00:00.0  [**] [1:1:1] x [**] {TCP} 1.2.3.4:1 -> 5.6.7.8:2",
       DeadLetterReason::kBadTimestamp},
      {"03/01/2024-21:00:05.1  [**] [1:1:1] x", DeadLetterReason::kTruncated},
      {"03/01/2024-21:00:05.1  [**] [1:1:1] x [**] {TCP} 1.2.3.4:1", DeadLetterReason::kTruncated},
      {"03/01/2024-21:00:05.1  [**] [1:x:1] x [**] {TCP} 1.2.3.4:1 -> 5.6.7.8:2",
       DeadLetterReason::kMalformed},
      {"03/01/2024-21:00:05.1  [**] [1:1:1] x [**] {TCP} 1.2.3.4:99999 -> 5.6.7.8:2",
       DeadLetterReason::kMalformed},
  };
  for (const auto& c : cases) {
    auto r = DecodeOne(*d, b, c.line);
    EXPECT_EQ(r.reason, c.reason) << c.line << ": " << DeadLetterReasonName(r.reason) << " ("
                                  << r.detail << ")";
  }
}

}  // namespace
}  // namespace kizashi::decode
