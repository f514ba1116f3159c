// Suricata EVE decoder: field extraction per event type, operator rules, and every class of
// bad record. Records are written here by hand; expected values are read off them.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/decode/decode_testutil.h"

namespace kizashi::decode {
namespace {

using testing::DecodeOne;
using testing::Ip;
using testing::MustMake;
using testing::Utc;

DecodeOptions Eve() {
  DecodeOptions o;
  o.format = "eve";
  o.operator_from = "fixed";
  o.operator_fixed = "op-a";
  o.max_future_skew_ns = 0;
  return o;
}

constexpr const char* kAlert =
    R"({"timestamp":"2024-03-01T21:00:05.250000+0900","flow_id":1234567890123456,)"
    R"("in_iface":"eth0","event_type":"alert","src_ip":"203.0.113.7","src_port":51514,)"
    R"("dest_ip":"10.1.2.3","dest_port":443,"proto":"TCP","app_proto":"tls",)"
    R"("alert":{"action":"allowed","gid":1,"signature_id":2030001,"rev":4,)"
    R"("signature":"ET EXPLOIT Example \/cgi-bin probe","category":"Attempted Administrator Privilege Gain",)"
    R"("severity":1,"metadata":{"created_at":["2024_01_01"],"deployment":["Perimeter","Internal"]}},)"
    R"("tls":{"sni":"portal.example.jp","version":"TLS 1.2","ja3":{"hash":"e7d705a3286e19ea42f587b344ee6865","string":"771,49195"}},)"
    R"("payload_printable":"GET \/ HTTP\/1.1\r\nHost: x\r\n","stream":0,"host":"sensor-tokyo-1"})";

TEST(Eve, AlertFields) {
  auto d = MustMake(Eve());
  ASSERT_NE(d, nullptr);
  Batch b;
  auto r = DecodeOne(*d, b, kAlert);
  ASSERT_TRUE(r.ok) << r.detail;
  const Event& e = r.event;
  EXPECT_EQ(e.kind, EventKind::kAlert);
  EXPECT_EQ(e.event_type, "alert");
  // 21:00:05.25 at +09:00 is 12:00:05.25 UTC.
  EXPECT_EQ(e.event_time_ns, Utc(2024, 3, 1, 12, 0, 5, 250'000'000));
  EXPECT_EQ(e.flow_id, 1234567890123456);
  EXPECT_EQ(Ip(e.src), "203.0.113.7");
  EXPECT_EQ(e.src_port, 51514);
  EXPECT_EQ(Ip(e.dst), "10.1.2.3");
  EXPECT_EQ(e.dst_port, 443);
  EXPECT_EQ(e.proto, "TCP");
  EXPECT_EQ(e.app_proto, "tls");
  EXPECT_EQ(e.host, "sensor-tokyo-1");
  EXPECT_EQ(e.sig_id, 2030001);
  EXPECT_EQ(e.sig_rev, 4);
  EXPECT_EQ(e.ids_severity, 1);
  EXPECT_EQ(e.field(FieldId::kSignature), "ET EXPLOIT Example /cgi-bin probe");
  EXPECT_EQ(e.field(FieldId::kCategory), "Attempted Administrator Privilege Gain");
  EXPECT_EQ(e.field(FieldId::kAction), "allowed");
  EXPECT_EQ(e.field(FieldId::kTlsSni), "portal.example.jp");
  EXPECT_EQ(e.field(FieldId::kTlsJa3), "e7d705a3286e19ea42f587b344ee6865");
  EXPECT_EQ(e.field(FieldId::kPayload), "GET / HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(e.field(FieldId::kRaw), kAlert);
  EXPECT_EQ(e.operator_id, "op-a");
  EXPECT_EQ(e.pos.offset, 1);
}

TEST(Eve, StringsWithoutEscapesAreViewsIntoTheRecord) {
  auto d = MustMake(Eve());
  Batch b;
  auto r = DecodeOne(*d, b, kAlert);
  ASSERT_TRUE(r.ok);
  std::string_view raw = b.records[0].value;
  std::string_view sni = r.event.field(FieldId::kTlsSni);
  EXPECT_GE(sni.data(), raw.data());
  EXPECT_LE(sni.data() + sni.size(), raw.data() + raw.size());
  // The signature had an escape: it was unescaped into the arena, outside the record.
  std::string_view sig = r.event.field(FieldId::kSignature);
  EXPECT_TRUE(sig.data() + sig.size() <= raw.data() || sig.data() >= raw.data() + raw.size());
}

TEST(Eve, HttpDnsFileinfoSshAnomalyFlow) {
  auto d = MustMake(Eve());
  Batch b;
  auto http = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"http","src_ip":"10.0.0.5","dest_ip":"198.51.100.9",)"
      R"("http":{"hostname":"upd.example.com","url":"/a?b=1","http_user_agent":"curl/8.0","http_method":"POST","status":404,"length":12}})");
  ASSERT_TRUE(http.ok) << http.detail;
  EXPECT_EQ(http.event.kind, EventKind::kHttp);
  EXPECT_EQ(http.event.field(FieldId::kHttpHostname), "upd.example.com");
  EXPECT_EQ(http.event.field(FieldId::kHttpUrl), "/a?b=1");
  EXPECT_EQ(http.event.field(FieldId::kHttpUserAgent), "curl/8.0");
  EXPECT_EQ(http.event.field(FieldId::kHttpMethod), "POST");
  EXPECT_EQ(http.event.field(FieldId::kHttpStatus), "404");

  auto dns = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"dns","dns":{"type":"query","id":1,"rrname":"evil.example","rrtype":"TXT"}})");
  ASSERT_TRUE(dns.ok);
  EXPECT_EQ(dns.event.kind, EventKind::kDns);
  EXPECT_EQ(dns.event.field(FieldId::kDnsRrname), "evil.example");
  EXPECT_EQ(dns.event.field(FieldId::kDnsRrtype), "TXT");

  // Suricata 8 writes queries in an array: the first query is taken.
  auto dns3 = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"dns","dns":{"version":3,"type":"request",)"
      R"("queries":[{"rrname":"first.example","rrtype":"A"},{"rrname":"second.example","rrtype":"AAAA"}]}})");
  ASSERT_TRUE(dns3.ok) << dns3.detail;
  EXPECT_EQ(dns3.event.field(FieldId::kDnsRrname), "first.example");
  EXPECT_EQ(dns3.event.field(FieldId::kDnsRrtype), "A");

  auto file = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"fileinfo","fileinfo":{"filename":"\/tmp\/x.exe",)"
      R"("magic":"PE32 executable","md5":"44d88612fea8a8f36de82e1278abb02f","sha1":"3395856ce81f2b7382dee72602f798b642f14140",)"
      R"("sha256":"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f","size":68}})");
  ASSERT_TRUE(file.ok);
  EXPECT_EQ(file.event.kind, EventKind::kFileinfo);
  EXPECT_EQ(file.event.field(FieldId::kFileName), "/tmp/x.exe");
  EXPECT_EQ(file.event.field(FieldId::kFileMagic), "PE32 executable");
  EXPECT_EQ(file.event.field(FieldId::kFileMd5), "44d88612fea8a8f36de82e1278abb02f");
  EXPECT_EQ(file.event.field(FieldId::kFileSha1), "3395856ce81f2b7382dee72602f798b642f14140");
  EXPECT_EQ(file.event.field(FieldId::kFileSha256),
            "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");

  auto ssh = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"ssh","ssh":{"client":{"proto_version":"2.0",)"
      R"("software_version":"libssh_0.9.6"},"server":{"proto_version":"2.0","software_version":"OpenSSH_8.9"}}})");
  ASSERT_TRUE(ssh.ok);
  EXPECT_EQ(ssh.event.kind, EventKind::kSsh);
  EXPECT_EQ(ssh.event.field(FieldId::kSshClient), "libssh_0.9.6");
  EXPECT_EQ(ssh.event.field(FieldId::kSshServer), "OpenSSH_8.9");

  auto anomaly = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"anomaly","anomaly":{"type":"decode","event":"ipv4.trunc_pkt"}})");
  ASSERT_TRUE(anomaly.ok);
  EXPECT_EQ(anomaly.event.kind, EventKind::kAnomaly);
  EXPECT_EQ(anomaly.event.field(FieldId::kAnomalyEvent), "ipv4.trunc_pkt");

  auto flow = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"flow","proto":"UDP","flow":{"pkts_toserver":1,"start":"2024-03-01T00:00:00Z"}})");
  ASSERT_TRUE(flow.ok);
  EXPECT_EQ(flow.event.kind, EventKind::kFlow);
  EXPECT_EQ(flow.event.proto, "UDP");
}

TEST(Eve, UnknownEventTypesPassThroughWithCommonFields) {
  auto d = MustMake(Eve());
  Batch b;
  auto r = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"smb","src_ip":"10.0.0.1","dest_ip":"10.0.0.2",)"
      R"("dest_port":445,"proto":"TCP","smb":{"command":"SMB2_COMMAND_CREATE","filename":"x"}})");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.kind, EventKind::kOther);
  EXPECT_EQ(r.event.event_type, "smb");
  EXPECT_EQ(Ip(r.event.dst), "10.0.0.2");
  EXPECT_EQ(r.event.dst_port, 445);
}

TEST(Eve, UnicodeEscapesAndIpv6) {
  auto d = MustMake(Eve());
  Batch b;
  // \u00e9 = é (C3 A9), \ud83d\ude00 = U+1F600 (F0 9F 98 80), a lone \udc00 becomes U+FFFD.
  auto r = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"alert","src_ip":"2001:db8::7","dest_ip":"::1",)"
      R"("alert":{"signature":"caf\u00e9 \ud83d\ude00 \udc00 \"q\""}})");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.field(FieldId::kSignature),
            "caf\xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBD \"q\"");
  EXPECT_EQ(Ip(r.event.src), "2001:db8::7");
  EXPECT_EQ(Ip(r.event.dst), "::1");
}

TEST(Eve, RawUtf8IsValidatedWhereItStands) {
  auto d = MustMake(Eve());
  Batch b;
  // Raw (unescaped) UTF-8 stays a view into the record: é, 日本, U+1F600.
  auto r = DecodeOne(*d, b,
      "{\"timestamp\":\"2024-03-01T00:00:00Z\",\"event_type\":\"alert\","
      "\"alert\":{\"signature\":\"caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80\\/x\"},"
      "\"x\":\"\xE6\x97\xA5\"}");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.field(FieldId::kSignature),
            "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80/x");
  for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE6\x97",
                          "\x80", "\xF8\x88\x80\x80\x80"}) {
    for (const char* where : {"signature", "skipped"}) {
      std::string rec = std::string("{\"timestamp\":\"2024-03-01T00:00:00Z\",\"event_type\":\"alert\",") +
                        (std::string(where) == "signature" ? "\"alert\":{\"signature\":\"" : "\"y\":\"") +
                        bad + "\"" + (std::string(where) == "signature" ? "}" : "") + "}";
      auto x = DecodeOne(*d, b, rec);
      EXPECT_EQ(x.reason, DeadLetterReason::kInvalidUtf8) << where;
    }
  }
}

TEST(Eve, EscapedKeysAreMatchedAfterUnescaping) {
  auto d = MustMake(Eve());
  Batch b;
  // "\u0074imestamp" is "timestamp".
  auto r = DecodeOne(*d, b,
      R"({"\u0074imestamp":"2024-03-01T00:00:00Z","event_type":"flow"})");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.event_time_ns, Utc(2024, 3, 1, 0, 0, 0));
  // ... so a second, escaped spelling of a key read is a duplicate.
  auto dup = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","\u0074imestamp":"2025-01-01T00:00:00Z","event_type":"flow"})");
  EXPECT_FALSE(dup.ok);
  EXPECT_EQ(dup.reason, DeadLetterReason::kDuplicateKey);
}

TEST(Eve, FlowIdAboveInt64KeepsItsBits) {
  auto d = MustMake(Eve());
  Batch b;
  auto r = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"flow","flow_id":18446744073709551615})");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(static_cast<uint64_t>(r.event.flow_id), 18446744073709551615ULL);
}

TEST(Eve, IntegersOfEveryLength) {
  auto d = MustMake(Eve());
  // 1 to 18 digits: up to 16 are read eight at a time, longer ones take the general path.
  const std::string digits = "123456789012345678";
  uint64_t want = 0;
  for (size_t n = 1; n <= digits.size(); ++n) {
    want = want * 10 + static_cast<uint64_t>(digits[n - 1] - '0');
    Batch b;
    auto r = DecodeOne(*d, b,
        R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"flow","flow_id":)" +
            digits.substr(0, n) + "}");
    ASSERT_TRUE(r.ok) << n << " digits: " << r.detail;
    EXPECT_EQ(static_cast<uint64_t>(r.event.flow_id), want) << n << " digits";
  }
  Batch b;
  auto r = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"alert","src_port":0,"dest_port":65535 ,)"
      R"("alert":{"signature_id":-0,"rev":10000000,"severity":  3}})");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.src_port, 0);
  EXPECT_EQ(r.event.dst_port, 65535);
  EXPECT_EQ(r.event.sig_id, 0);
  EXPECT_EQ(r.event.sig_rev, 10000000);
  EXPECT_EQ(r.event.ids_severity, 3);
  for (const char* bad : {"080", "8.0", "1e3", "80x", "--80", "-"}) {
    Batch bb;
    auto x = DecodeOne(*d, bb,
        std::string(R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"alert","src_port":)") +
            bad + "}");
    EXPECT_FALSE(x.ok) << bad;
    EXPECT_EQ(x.reason, DeadLetterReason::kMalformed) << bad;
  }
}

struct BadCase {
  const char* name;
  std::string record;
  DeadLetterReason reason;
};

TEST(Eve, EveryBadRecordIsDeadLetteredWithItsReason) {
  DecodeOptions o = Eve();
  o.max_event_bytes = 4096;
  o.max_depth = 8;
  auto d = MustMake(o);
  const std::string ok_head = R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"alert")";
  std::string deep = ok_head + R"(,"metadata":)";
  for (int i = 0; i < 20; ++i) deep += R"({"a":)";
  deep += "1";
  for (int i = 0; i < 20; ++i) deep += "}";
  deep += "}";
  std::vector<BadCase> cases = {
      {"truncated mid-string", R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"al)",
       DeadLetterReason::kTruncated},
      {"truncated after a value", ok_head + R"(,"src_port":5)", DeadLetterReason::kTruncated},
      {"truncated in nested", ok_head + R"(,"alert":{"signature":"x")",
       DeadLetterReason::kTruncated},
      {"not JSON", "GET / HTTP/1.1", DeadLetterReason::kMalformed},
      {"not an object", "[1,2,3]", DeadLetterReason::kMalformed},
      {"missing comma", ok_head + R"( "proto":"TCP"})", DeadLetterReason::kMalformed},
      {"bracket mismatch in skipped value", ok_head + R"(,"metadata":{"x":[1,2}]})",
       DeadLetterReason::kMalformed},
      {"trailing content", ok_head + "} {}", DeadLetterReason::kMalformed},
      {"bad literal", ok_head + R"(,"stored":tru})", DeadLetterReason::kMalformed},
      {"bad escape in a read string", ok_head + R"(,"proto":"T\qP"})",
       DeadLetterReason::kMalformed},
      {"raw control char in a read string", ok_head + ",\"proto\":\"T\tP\"}",
       DeadLetterReason::kMalformed},
      {"src_ip not an address", ok_head + R"(,"src_ip":"10.0.0.300"})",
       DeadLetterReason::kMalformed},
      {"port not an integer", ok_head + R"(,"src_port":"eighty"})", DeadLetterReason::kMalformed},
      {"invalid UTF-8", ok_head + ",\"proto\":\"\xC3\x28\"}", DeadLetterReason::kInvalidUtf8},
      {"invalid UTF-8 in a skipped value", ok_head + ",\"x\":\"\xFF\"}",
       DeadLetterReason::kInvalidUtf8},
      {"NUL byte", ok_head + std::string(",\"proto\":\"T\0P\"}", 16), DeadLetterReason::kNulByte},
      {"too large", ok_head + R"(,"payload_printable":")" + std::string(5000, 'A') + "\"}",
       DeadLetterReason::kTooLarge},
      {"too deep", deep, DeadLetterReason::kTooDeep},
      {"port out of range", ok_head + R"(,"dest_port":70000})",
       DeadLetterReason::kNumberOutOfRange},
      {"integer overflow", ok_head + R"(,"flow_id":123456789012345678901234567890})",
       DeadLetterReason::kNumberOutOfRange},
      {"negative port", ok_head + R"(,"src_port":-1})", DeadLetterReason::kNumberOutOfRange},
      {"severity out of range", ok_head + R"(,"alert":{"severity":300}})",
       DeadLetterReason::kNumberOutOfRange},
      {"duplicate key", ok_head + R"(,"src_ip":"10.0.0.1","src_ip":"10.0.0.2"})",
       DeadLetterReason::kDuplicateKey},
      {"duplicate nested key", ok_head + R"(,"alert":{"signature_id":1,"signature_id":2}})",
       DeadLetterReason::kDuplicateKey},
      {"duplicate object", ok_head + R"(,"alert":{},"alert":{}})", DeadLetterReason::kDuplicateKey},
      {"missing timestamp", R"({"event_type":"alert"})", DeadLetterReason::kMissingTimestamp},
      {"empty timestamp", R"({"timestamp":"","event_type":"alert"})",
       DeadLetterReason::kMissingTimestamp},
      {"bad timestamp", R"({"timestamp":"2024-13-01T00:00:00Z","event_type":"alert"})",
       DeadLetterReason::kBadTimestamp},
      {"timestamp garbage", R"({"timestamp":"yesterday","event_type":"alert"})",
       DeadLetterReason::kBadTimestamp},
      {"no event_type", R"({"timestamp":"2024-03-01T00:00:00Z"})", DeadLetterReason::kMissingField},
      {"empty record", "", DeadLetterReason::kMalformed},
  };
  for (const BadCase& c : cases) {
    Batch b;
    auto r = DecodeOne(*d, b, c.record);
    EXPECT_FALSE(r.ok) << c.name;
    EXPECT_EQ(r.reason, c.reason) << c.name << ": got " << DeadLetterReasonName(r.reason) << " ("
                                  << r.detail << ")";
  }
}

TEST(Eve, DuplicatesOfSkippedKeysDoNotMatter) {
  auto d = MustMake(Eve());
  Batch b;
  auto r = DecodeOne(*d, b,
      R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"flow","pcap_cnt":1,"pcap_cnt":2})");
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST(Eve, FutureTimestampBeyondSkew) {
  DecodeOptions o = Eve();
  o.max_future_skew_ns = 3600LL * 1'000'000'000;
  auto d = MustMake(o);
  Batch b;
  int64_t ingest = Utc(2024, 3, 1, 0, 0, 0);
  auto near = DecodeOne(*d, b, R"({"timestamp":"2024-03-01T00:59:00Z","event_type":"flow"})",
                        ingest);
  EXPECT_TRUE(near.ok);
  auto far = DecodeOne(*d, b, R"({"timestamp":"2024-03-01T01:01:00Z","event_type":"flow"})",
                       ingest);
  EXPECT_FALSE(far.ok);
  EXPECT_EQ(far.reason, DeadLetterReason::kFutureTimestamp);
  // Without an ingest time there is nothing to compare with.
  auto none = DecodeOne(*d, b, R"({"timestamp":"2030-03-01T01:01:00Z","event_type":"flow"})");
  EXPECT_TRUE(none.ok);
}

// ---- Operator identity -------------------------------------------------------------------

constexpr const char* kFlowFor = R"({"timestamp":"2024-03-01T00:00:00Z","event_type":"flow")";

TEST(EveOperator, FromField) {
  DecodeOptions o = Eve();
  o.operator_from = "field";
  o.operator_field = "kizashi.operator";
  auto d = MustMake(o);
  Batch b;
  auto r = DecodeOne(*d, b, std::string(kFlowFor) + R"(,"kizashi":{"operator":"op-b"}})");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.operator_id, "op-b");
  auto none = DecodeOne(*d, b, std::string(kFlowFor) + "}");
  EXPECT_EQ(none.reason, DeadLetterReason::kUnknownOperator);
}

TEST(EveOperator, FieldThatIsAlsoAnEventField) {
  DecodeOptions o = Eve();
  o.operator_from = "field";
  o.operator_field = "host";  // the sensor name doubles as the operator
  auto d = MustMake(o);
  Batch b;
  auto r = DecodeOne(*d, b, std::string(kFlowFor) + R"(,"host":"op-c"})");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.operator_id, "op-c");
  EXPECT_EQ(r.event.host, "op-c");
}

TEST(EveOperator, FromKeyHeaderTopic) {
  for (const char* from : {"key", "header", "topic"}) {
    DecodeOptions o = Eve();
    o.operator_from = from;
    auto d = MustMake(o);
    Batch b;
    testing::RecordSpec spec;
    spec.value = std::string(kFlowFor) + "}";
    if (std::string(from) == "key") {
      spec.key = "op-k";
    } else {
      spec.operator_hint = "op-h";
    }
    auto r = DecodeOne(*d, b, spec);
    ASSERT_TRUE(r.ok) << from << ": " << r.detail;
    EXPECT_EQ(r.event.operator_id, std::string(from) == "key" ? "op-k" : "op-h");
    testing::RecordSpec missing;
    missing.value = spec.value;
    auto m = DecodeOne(*d, b, missing);
    EXPECT_EQ(m.reason, DeadLetterReason::kUnknownOperator) << from;
  }
}

TEST(EveOperator, AuthoritativeInputRejectsClaimsOfAnotherOperator) {
  DecodeOptions o = Eve();
  o.operator_from = "topic";
  o.authoritative = true;
  o.operator_field = "operator";
  auto d = MustMake(o);
  Batch b;
  testing::RecordSpec spec;
  spec.operator_hint = "op-a";
  spec.value = std::string(kFlowFor) + R"(,"operator":"op-b"})";
  auto r = DecodeOne(*d, b, spec);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, DeadLetterReason::kOperatorMismatch);
  // A claim that agrees, or no claim, is fine and the event belongs to the topic's operator.
  spec.value = std::string(kFlowFor) + R"(,"operator":"op-a"})";
  auto same = DecodeOne(*d, b, spec);
  ASSERT_TRUE(same.ok);
  EXPECT_EQ(same.event.operator_id, "op-a");
  spec.value = std::string(kFlowFor) + "}";
  auto none = DecodeOne(*d, b, spec);
  ASSERT_TRUE(none.ok);
  EXPECT_EQ(none.event.operator_id, "op-a");
  // Two claims are a duplicate key, not a chance to pick the convenient one.
  spec.value = std::string(kFlowFor) + R"(,"operator":"op-a","operator":"op-b"})";
  auto two = DecodeOne(*d, b, spec);
  EXPECT_EQ(two.reason, DeadLetterReason::kDuplicateKey);
}

TEST(EveOperator, NonAuthoritativeInputIgnoresClaims) {
  DecodeOptions o = Eve();
  o.operator_from = "topic";
  auto d = MustMake(o);
  Batch b;
  testing::RecordSpec spec;
  spec.operator_hint = "op-a";
  spec.value = std::string(kFlowFor) + R"(,"operator":"op-b"})";
  auto r = DecodeOne(*d, b, spec);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.event.operator_id, "op-a");
}

TEST(Eve, BatchOfMixedRecordsKeepsOrderAndIndependence) {
  auto d = MustMake(Eve());
  Batch b;
  testing::AddRecord(b, R"({"timestamp":"2024-03-01T00:00:01Z","event_type":"flow"})");
  testing::AddRecord(b, R"({"timestamp":"2024-03-01T00:00:02Z","event_type":"fl)");
  testing::AddRecord(b, R"({"timestamp":"2024-03-01T00:00:03Z","event_type":"dns"})");
  d->Decode(b);
  ASSERT_EQ(b.events.size(), 2u);
  ASSERT_EQ(b.dead_letters.size(), 1u);
  EXPECT_EQ(b.events[0].record, 0u);
  EXPECT_EQ(b.events[1].record, 2u);
  EXPECT_EQ(b.events[1].kind, EventKind::kDns);
  EXPECT_EQ(b.dead_letters[0].record, 1u);
  EXPECT_EQ(b.dead_letters[0].reason, DeadLetterReason::kTruncated);
  EXPECT_EQ(d->stats().records, 3u);
  EXPECT_EQ(d->stats().events, 2u);
  EXPECT_EQ(d->stats().dead_letter(DeadLetterReason::kTruncated), 1u);
}

}  // namespace
}  // namespace kizashi::decode
