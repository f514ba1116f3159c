// Hostile input: a stream where 1 % of the records are bad, with every class of bad record the
// issue names, spread at random (seeded) positions and across batch boundaries. The good
// records must decode exactly as in a clean run, every bad record must become one dead letter
// with its reason, and the counters must agree. Records are generated here (hermetic); a second
// EVE run uses the real Suricata sample when ../shared/data is present.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "engine/common/strings.h"
#include "tests/testing/testing.h"
#include "tests/unit/decode/decode_testutil.h"

namespace kizashi::decode {
namespace {

using testing::RecordSpec;

std::string Canon(const Event& e) {
  std::string s = StrCat(EventKindName(e.kind), "|", e.event_type, "|", e.event_time_ns, "|",
                         e.ingest_time_ns, "|", e.operator_id, "|", e.host, "|", e.proto, "|",
                         e.app_proto, "|", e.src.ToString(), ":", e.src_port, "|",
                         e.dst.ToString(), ":", e.dst_port, "|", e.sig_id, "/", e.sig_rev, "/",
                         e.ids_severity, "|", e.flow_id, "|", e.pid, "|", e.syslog_facility, ".",
                         e.syslog_severity);
  for (size_t i = 0; i < kFieldCount; ++i) StrAppend(&s, "|", e.fields[i]);
  return s;
}

struct Bad {
  RecordSpec spec;
  DeadLetterReason reason;
};

struct Outcome {
  std::vector<std::string> events;          // canonical, in order
  std::vector<DeadLetter> dead;             // record index = position in the stream
  DecodeStats stats;
};

// Decodes `stream` in batches of `batch_size` records.
Outcome Run(const DecodeOptions& o, const std::vector<RecordSpec>& stream, size_t batch_size) {
  auto d = testing::MustMake(o);
  Outcome out;
  for (size_t start = 0; start < stream.size(); start += batch_size) {
    Batch b;
    size_t end = std::min(stream.size(), start + batch_size);
    for (size_t i = start; i < end; ++i) testing::AddRecord(b, stream[i]);
    d->Decode(b);
    EXPECT_EQ(b.events.size() + b.dead_letters.size(), end - start);
    for (const Event& e : b.events) out.events.push_back(Canon(e));
    for (DeadLetter dl : b.dead_letters) {
      dl.record += static_cast<uint32_t>(start);
      out.dead.push_back(dl);
    }
  }
  out.stats = d->stats();
  return out;
}

// Inserts the bad records at seeded random positions among the good ones; returns the stream
// and, per position, the expected reason (kCount for good records).
void Mix(const std::vector<RecordSpec>& good, const std::vector<Bad>& bad, uint32_t seed,
         std::vector<RecordSpec>* stream, std::vector<DeadLetterReason>* expected) {
  std::mt19937 rng(seed);
  std::vector<int> slots(good.size() + bad.size(), -1);
  std::vector<size_t> positions(slots.size());
  for (size_t i = 0; i < positions.size(); ++i) positions[i] = i;
  std::shuffle(positions.begin(), positions.end(), rng);
  for (size_t i = 0; i < bad.size(); ++i) slots[positions[i]] = static_cast<int>(i);
  size_t g = 0;
  for (int s : slots) {
    if (s < 0) {
      stream->push_back(good[g++]);
      expected->push_back(DeadLetterReason::kCount);
    } else {
      stream->push_back(bad[static_cast<size_t>(s)].spec);
      expected->push_back(bad[static_cast<size_t>(s)].reason);
    }
  }
}

void Check(const DecodeOptions& o, const std::vector<RecordSpec>& good,
           const std::vector<Bad>& bad) {
  ASSERT_GE(bad.size() * 100, good.size() * 1) << "at least 1 % bad records";
  Outcome clean = Run(o, good, 1000);
  ASSERT_TRUE(clean.dead.empty()) << "clean records must all decode: "
                                  << DeadLetterReasonName(clean.dead[0].reason) << " "
                                  << clean.dead[0].detail;
  std::vector<RecordSpec> stream;
  std::vector<DeadLetterReason> expected;
  Mix(good, bad, 20260301, &stream, &expected);
  for (size_t batch : {1000u, 97u, 1u}) {
    Outcome hostile = Run(o, stream, batch);
    // Good records: identical, in the same order.
    ASSERT_EQ(hostile.events.size(), clean.events.size()) << "batch " << batch;
    for (size_t i = 0; i < clean.events.size(); ++i) {
      ASSERT_EQ(hostile.events[i], clean.events[i]) << "event " << i << " batch " << batch;
    }
    // Bad records: one dead letter each, with the expected reason.
    ASSERT_EQ(hostile.dead.size(), bad.size()) << "batch " << batch;
    std::array<uint64_t, kDeadLetterReasonCount> per_reason{};
    for (const DeadLetter& dl : hostile.dead) {
      ASSERT_LT(dl.record, expected.size());
      EXPECT_EQ(dl.reason, expected[dl.record])
          << "record " << dl.record << ": got " << DeadLetterReasonName(dl.reason) << " ("
          << dl.detail << "), want " << DeadLetterReasonName(expected[dl.record]) << "\n  "
          << stream[dl.record].value.substr(0, 160);
      ++per_reason[static_cast<size_t>(dl.reason)];
    }
    EXPECT_EQ(hostile.stats.records, stream.size());
    EXPECT_EQ(hostile.stats.events, clean.events.size());
    for (size_t r = 0; r < kDeadLetterReasonCount; ++r) {
      EXPECT_EQ(hostile.stats.dead_letters[r], per_reason[r]) << DeadLetterReasonName(
          static_cast<DeadLetterReason>(r));
    }
  }
}

// Repeats each class until the bad records are >= 1 % of the good ones.
std::vector<Bad> Spread(const std::vector<Bad>& classes, size_t good_count) {
  std::vector<Bad> out;
  while (out.size() * 100 < good_count) {
    for (const Bad& b : classes) out.push_back(b);
  }
  return out;
}

std::string GoodEve(std::mt19937& rng, int i) {
  const char* types[] = {"alert", "http", "dns", "flow", "fileinfo", "tls", "anomaly", "smb"};
  const char* type = types[rng() % 8];
  std::string rec = StrCat(R"({"timestamp":"2024-03-01T12:)", 10 + (i / 60) % 50, ":",
                           10 + i % 50, ".", 100000 + rng() % 900000,
                           R"(+0900","flow_id":)", rng(), R"(,"in_iface":"eth0","event_type":")",
                           type, R"(","src_ip":"10.)", rng() % 256, ".", rng() % 256, ".",
                           rng() % 256, R"(","src_port":)", rng() % 65536,
                           R"(,"dest_ip":"2001:db8::)", rng() % 9999, R"(","dest_port":)",
                           rng() % 65536, R"(,"proto":"TCP","operator":"op-a")");
  if (std::string(type) == "alert") {
    StrAppend(&rec, R"(,"alert":{"action":"allowed","gid":1,"signature_id":)", 2000000 + rng() % 99999,
              R"(,"rev":)", rng() % 9, R"(,"signature":"ET TEST \/path \u00e9 )", i,
              R"(","category":"Misc","severity":)", 1 + rng() % 3,
              R"(,"metadata":{"a":["x","y"],"b":[1,2,{"c":null}]}})");
  } else if (std::string(type) == "http") {
    StrAppend(&rec, R"(,"http":{"hostname":"h)", i, R"(.example","url":"\/a?b=)", rng(),
              R"(","http_user_agent":"UA \"q\"","http_method":"GET","status":200})");
  } else if (std::string(type) == "dns") {
    StrAppend(&rec, R"(,"dns":{"queries":[{"rrname":"q)", i, R"(.example","rrtype":"A"}]})");
  }
  StrAppend(&rec, R"(,"payload_printable":"line1\r\nline2","stream":0})");
  return rec;
}

TEST(Hostile, EveStreamWithEveryClassOfBadRecord) {
  DecodeOptions o;
  o.format = "eve";
  o.operator_from = "key";
  o.authoritative = true;  // records claim an operator in "operator"
  o.operator_field = "operator";
  o.max_event_bytes = 4096;
  o.max_depth = 16;
  o.max_future_skew_ns = 3600LL * 1'000'000'000;
  const int64_t ingest = testing::Utc(2024, 3, 1, 4, 0, 0);  // 13:00 JST
  std::mt19937 rng(7);
  std::vector<RecordSpec> good;
  for (int i = 0; i < 10000; ++i) {
    RecordSpec r;
    r.value = GoodEve(rng, i);
    r.key = "op-a";
    r.timestamp_ns = ingest;
    good.push_back(r);
  }
  auto bad = [&](std::string v, DeadLetterReason reason, std::string key = "op-a") {
    Bad b;
    b.spec.value = std::move(v);
    b.spec.key = std::move(key);
    b.spec.timestamp_ns = ingest;
    b.reason = reason;
    return b;
  };
  std::string head = R"({"timestamp":"2024-03-01T12:00:00+0900","event_type":"alert")";
  std::string deep = head + R"(,"x":)" + std::string(40, '[') + std::string(40, ']') + "}";
  std::vector<Bad> classes = {
      bad(head + R"(,"src_ip":"10.0.0.1",})", DeadLetterReason::kMalformed),  // trailing comma
      bad("\x1b[31mnot json at all", DeadLetterReason::kMalformed),
      bad(head.substr(0, 40), DeadLetterReason::kTruncated),
      bad(head + ",\"proto\":\"\xF0\x28\x8C\x28\"}", DeadLetterReason::kInvalidUtf8),
      bad(head + std::string(",\"proto\":\"T\0\"}", 14), DeadLetterReason::kNulByte),
      bad(head + R"(,"payload_printable":")" + std::string(5000, 'A') + "\"}",
          DeadLetterReason::kTooLarge),
      bad(deep, DeadLetterReason::kTooDeep),
      bad(head + R"(,"src_port":123456789})", DeadLetterReason::kNumberOutOfRange),
      bad(head + R"(,"flow_id":1e400})", DeadLetterReason::kMalformed),  // not an integer
      bad(head + R"(,"event_type":"dns"})", DeadLetterReason::kDuplicateKey),
      bad(R"({"event_type":"alert","src_ip":"10.0.0.1"})", DeadLetterReason::kMissingTimestamp),
      bad(R"({"timestamp":"2024-03-01T25:00:00Z","event_type":"alert"})",
          DeadLetterReason::kBadTimestamp),
      bad(R"({"timestamp":"2024-03-01T07:00:00Z","event_type":"alert"})",
          DeadLetterReason::kFutureTimestamp),
      bad(head + "}", DeadLetterReason::kUnknownOperator, ""),
      bad(head + R"(,"operator":"op-b"})", DeadLetterReason::kOperatorMismatch),
      bad(R"({"timestamp":"2024-03-01T12:00:00+0900"})", DeadLetterReason::kMissingField),
  };
  Check(o, good, Spread(classes, good.size()));
}

TEST(Hostile, RealEveSampleWithBadRecords) {
  KZ_SKIP_WITHOUT_SHARED_DATA("suricata-eve-surevego/eve.json");
  auto lines = testing::ReadLines(kizashi::testing::SharedDataPath("suricata-eve-surevego/eve.json"));
  DecodeOptions o;
  o.format = "eve";
  o.operator_from = "topic";
  o.max_future_skew_ns = 0;
  std::vector<RecordSpec> good;
  for (int rep = 0; rep < 20; ++rep) {
    for (const std::string& l : lines) {
      RecordSpec r;
      r.value = l;
      r.operator_hint = "op-a";
      good.push_back(r);
    }
  }
  std::vector<Bad> classes;
  for (size_t i = 0; i < lines.size(); i += 7) {
    const std::string& l = lines[i];
    Bad t;
    t.spec.operator_hint = "op-a";
    t.spec.value = l.substr(0, l.size() / 2);  // cut mid-record
    t.reason = DeadLetterReason::kTruncated;
    classes.push_back(t);
    Bad n = t;
    n.spec.value = l;
    n.spec.value[l.size() / 3] = '\0';
    n.reason = DeadLetterReason::kNulByte;
    classes.push_back(n);
  }
  Check(o, good, Spread(classes, good.size()));
}

TEST(Hostile, SyslogStreamWithEveryClassOfBadRecord) {
  DecodeOptions o;
  o.format = "syslog";
  o.operator_from = "key";
  o.authoritative = true;
  o.operator_field = "kizashi@32473/operator";  // RFC 5424 records may claim an operator
  o.year = 0;                                   // year nearest to the ingest time
  o.timezone = "+09:00";
  o.max_event_bytes = 2048;
  o.max_future_skew_ns = 3600LL * 1'000'000'000;
  const int64_t ingest = testing::Utc(2024, 3, 1, 4, 0, 0);
  std::mt19937 rng(11);
  std::vector<RecordSpec> good;
  for (int i = 0; i < 10000; ++i) {
    RecordSpec r;
    r.key = "op-a";
    r.timestamp_ns = ingest;
    std::string ip = StrCat("203.0.113.", rng() % 250);
    switch (rng() % 5) {
      case 0:
        r.value = StrCat("<38>Mar  1 12:", 10 + i % 50, ":0", i % 10, " gw sshd[", rng() % 9999,
                         "]: Failed password for invalid user u", i, " from ", ip, " port ",
                         rng() % 65536, " ssh2");
        break;
      case 1:
        r.value = StrCat("Mar  1 12:00:01 fw kernel: [1.2] IN=eth0 OUT= SRC=", ip,
                         " DST=10.0.0.1 LEN=40 PROTO=TCP SPT=", rng() % 65536, " DPT=22 SYN");
        break;
      case 2:
        r.value = StrCat("<134>1 2024-03-01T12:00:0", i % 10, ".5+09:00 host app ", rng() % 999,
                         " ID1 [kizashi@32473 operator=\"op-a\"] msg ", i);
        break;
      case 3:
        r.value = StrCat("<189>date=2024-03-01 time=12:00:00 devname=\"fg\" srcip=", ip,
                         " dstip=10.0.0.2 dstport=443 action=\"deny\" msg=\"x ", i, "\"");
        break;
      default:
        r.value = StrCat("<134>Mar  1 12:00:05 ids CEF:0|V|P|1|", i, "|name|5|src=", ip,
                         " dst=10.0.0.3 rt=1709262000000 msg=caf\xC3\xA9");
        break;
    }
    good.push_back(r);
  }
  auto bad = [&](std::string v, DeadLetterReason reason, std::string key = "op-a") {
    Bad b;
    b.spec.value = std::move(v);
    b.spec.key = std::move(key);
    b.spec.timestamp_ns = ingest;
    b.reason = reason;
    return b;
  };
  std::vector<Bad> classes = {
      bad("<1999>Mar  1 12:00:00 h p: x", DeadLetterReason::kMalformed),
      bad("", DeadLetterReason::kMalformed),
      bad("<14>1 2024-03-01T12:00:00+09:00 h app", DeadLetterReason::kTruncated),
      bad("<14>1 2024-03-01T12:00:00+09:00 h app - - [x a=\"1", DeadLetterReason::kTruncated),
      bad("Mar  1 12:00:00 h p: \xC3\x28", DeadLetterReason::kInvalidUtf8),
      bad(std::string("Mar  1 12:00:00 h p: \0", 22), DeadLetterReason::kNulByte),
      bad("Mar  1 12:00:00 h p: " + std::string(3000, 'x'), DeadLetterReason::kTooLarge),
      bad("p[1]: a line without a time", DeadLetterReason::kMissingTimestamp),
      bad("Mar 32 12:00:00 h p: x", DeadLetterReason::kBadTimestamp),
      bad("<14>1 2024-03-01T18:00:00+09:00 h app - - - later", DeadLetterReason::kFutureTimestamp),
      bad("Mar  1 12:00:00 h p: x", DeadLetterReason::kUnknownOperator, ""),
      bad("<14>1 2024-03-01T12:00:00+09:00 h app - - [kizashi@32473 operator=\"op-b\"] x",
          DeadLetterReason::kOperatorMismatch),
      bad("<13>Mar  1 12:00:00 h CEF:0|V|P|1|1|n|5|rt=Feb 30 2024 00:00:00 UTC",
          DeadLetterReason::kBadTimestamp),
  };
  Check(o, good, Spread(classes, good.size()));
}

TEST(Hostile, FastlogStream) {
  DecodeOptions o;
  o.format = "fastlog";
  o.operator_from = "fixed";
  o.operator_fixed = "op-a";
  o.max_future_skew_ns = 0;
  std::mt19937 rng(5);
  std::vector<RecordSpec> good;
  for (int i = 0; i < 3000; ++i) {
    RecordSpec r;
    r.value = StrCat("03/01/2024-12:00:0", i % 10, ".", 100000 + rng() % 900000, "  [**] [1:",
                     2000000 + rng() % 9999, ":", rng() % 9, "] ET TEST ", i,
                     " [**] [Classification: Misc] [Priority: ", 1 + rng() % 3, "] {TCP} 10.0.0.",
                     rng() % 250, ":", rng() % 65536, " -> 192.0.2.", rng() % 250, ":80");
    good.push_back(r);
  }
  auto bad = [](std::string v, DeadLetterReason reason) {
    Bad b;
    b.spec.value = std::move(v);
    b.reason = reason;
    return b;
  };
  std::vector<Bad> classes = {
      bad("garbage", DeadLetterReason::kMissingTimestamp),
      bad("03/01/2024-12:00:00.1  [**] [1:2:3] cut here", DeadLetterReason::kTruncated),
      bad("03/01/2024-12:61:00.1  [**] [1:2:3] x [**] {TCP} 1.2.3.4:1 -> 5.6.7.8:2",
          DeadLetterReason::kBadTimestamp),
      bad(std::string("03/01/2024-12:00:00.1  [**] [1:2:3] \0 [**] {TCP} 1.2.3.4:1 -> 5.6.7.8:2", 70),
          DeadLetterReason::kNulByte),
      bad("03/01/2024-12:00:00.1  [**] [1:2:3] \xFF [**] {TCP} 1.2.3.4:1 -> 5.6.7.8:2",
          DeadLetterReason::kInvalidUtf8),
  };
  Check(o, good, Spread(classes, good.size()));
}

}  // namespace
}  // namespace kizashi::decode
