// Generic JSON decoder: configured mapping of dotted paths, time formats, arrays, escaped dots,
// and configuration errors.
#include <gtest/gtest.h>

#include "tests/unit/decode/decode_testutil.h"

namespace kizashi::decode {
namespace {

using testing::DecodeOne;
using testing::Ip;
using testing::MustMake;
using testing::Utc;

DecodeOptions Json(std::vector<std::pair<std::string, std::string>> fields,
                   const char* time_format = "iso8601") {
  DecodeOptions o;
  o.format = "json";
  o.operator_from = "fixed";
  o.operator_fixed = "op-a";
  o.max_future_skew_ns = 0;
  o.json_fields = std::move(fields);
  o.json_time_format = time_format;
  return o;
}

TEST(GenericJson, ZeekStyleMapping) {
  auto d = MustMake(Json({{"time", "http.ts"},
                          {"src_ip", "http.id\\.orig_h"},
                          {"src_port", "http.id\\.orig_p"},
                          {"dst_ip", "http.id\\.resp_h"},
                          {"dst_port", "http.id\\.resp_p"},
                          {"http.url", "http.uri"},
                          {"http.hostname", "http.host"},
                          {"http.status", "http.status_code"},
                          {"event_type", "http.method"}},
                         "epoch_s"));
  ASSERT_NE(d, nullptr);
  Batch b;
  auto r = DecodeOne(*d, b,
      R"({"http":{"ts":1709294405.25,"uid":"C1","id.orig_h":"192.0.2.10","id.orig_p":50000,)"
      R"("id.resp_h":"198.51.100.20","id.resp_p":80,"method":"GET","host":"www.example.jp",)"
      R"("uri":"/index.html","status_code":200,"tags":[]}})");
  ASSERT_TRUE(r.ok) << r.detail;
  const Event& e = r.event;
  EXPECT_EQ(e.kind, EventKind::kJson);
  EXPECT_EQ(e.event_time_ns, Utc(2024, 3, 1, 12, 0, 5, 250'000'000));
  EXPECT_EQ(Ip(e.src), "192.0.2.10");
  EXPECT_EQ(e.src_port, 50000);
  EXPECT_EQ(Ip(e.dst), "198.51.100.20");
  EXPECT_EQ(e.dst_port, 80);
  EXPECT_EQ(e.field(FieldId::kHttpUrl), "/index.html");
  EXPECT_EQ(e.field(FieldId::kHttpHostname), "www.example.jp");
  EXPECT_EQ(e.field(FieldId::kHttpStatus), "200");
  EXPECT_EQ(e.event_type, "GET");
}

TEST(GenericJson, TimeFormatsAndZones) {
  Batch b;
  auto ms = MustMake(Json({{"time", "t"}}, "epoch_ms"));
  auto r1 = DecodeOne(*ms, b, R"({"t":1709294405123})");
  ASSERT_TRUE(r1.ok);
  EXPECT_EQ(r1.event.event_time_ns, Utc(2024, 3, 1, 12, 0, 5, 123'000'000));
  auto us = MustMake(Json({{"time", "t"}}, "epoch_us"));
  auto r2 = DecodeOne(*us, b, R"({"t":"1709294405123456"})");
  ASSERT_TRUE(r2.ok);
  EXPECT_EQ(r2.event.event_time_ns, Utc(2024, 3, 1, 12, 0, 5, 123'456'000));
  auto ns = MustMake(Json({{"time", "t"}}, "epoch_ns"));
  auto r3 = DecodeOne(*ns, b, R"({"t":1709294405123456789})");
  ASSERT_TRUE(r3.ok);
  EXPECT_EQ(r3.event.event_time_ns, Utc(2024, 3, 1, 12, 0, 5, 123'456'789));
  DecodeOptions local = Json({{"time", "t"}});
  local.timezone = "+09:00";
  auto iso = MustMake(local);
  auto r4 = DecodeOne(*iso, b, R"({"t":"2024-03-01 21:00:05"})");
  ASSERT_TRUE(r4.ok) << r4.detail;
  EXPECT_EQ(r4.event.event_time_ns, Utc(2024, 3, 1, 12, 0, 5));  // zone-less = timezone
  auto bad = DecodeOne(*ms, b, R"({"t":"soon"})");
  EXPECT_EQ(bad.reason, DeadLetterReason::kBadTimestamp);
  auto huge = DecodeOne(*ms, b, R"({"t":99999999999999999999})");
  EXPECT_EQ(huge.reason, DeadLetterReason::kNumberOutOfRange);
  auto missing = DecodeOne(*ms, b, R"({"x":1})");
  EXPECT_EQ(missing.reason, DeadLetterReason::kMissingTimestamp);
}

TEST(GenericJson, ArraysTakeTheFirstObject) {
  auto d = MustMake(Json({{"time", "ts"}, {"message", "events[].msg"}, {"host", "agent.name"}}));
  Batch b;
  auto r = DecodeOne(*d, b,
      R"({"ts":"2024-03-01T00:00:00Z","events":[1,{"msg":"first"},{"msg":"second"}],"agent":{"name":"a1"}})");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.field(FieldId::kMessage), "first");
  EXPECT_EQ(r.event.host, "a1");
}

TEST(GenericJson, OperatorFieldPath) {
  DecodeOptions o = Json({{"time", "ts"}});
  o.operator_from = "field";
  o.operator_field = "meta.tenant";
  auto d = MustMake(o);
  Batch b;
  auto r = DecodeOne(*d, b, R"({"ts":"2024-03-01T00:00:00Z","meta":{"tenant":"op-z"}})");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.operator_id, "op-z");
}

TEST(GenericJson, ConfigurationErrorsSayWhatToFix) {
  auto unknown = MakeDecoder(Json({{"time", "ts"}, {"colour", "c"}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("'colour' is not an event field"),
            std::string::npos);
  auto no_time = MakeDecoder(Json({{"message", "m"}}));
  ASSERT_FALSE(no_time.ok());
  EXPECT_NE(std::string(no_time.status().message()).find("time"), std::string::npos);
  auto conflict = MakeDecoder(Json({{"time", "a.b"}, {"message", "a"}}));
  ASSERT_FALSE(conflict.ok());
  auto twice = MakeDecoder(Json({{"time", "a"}, {"message", "a"}}));
  ASSERT_FALSE(twice.ok());
  auto empty_seg = MakeDecoder(Json({{"time", "a..b"}}));
  ASSERT_FALSE(empty_seg.ok());
  auto fmt = MakeDecoder(Json({{"time", "a"}}, "epoch_days"));
  ASSERT_FALSE(fmt.ok());
}

}  // namespace
}  // namespace kizashi::decode
