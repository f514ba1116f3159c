// Syslog-family decoder: RFC 5424, RFC 3164 variants and the explicit year/zone rule, the
// message extractors (sshd, pam, sudo, iptables, FortiGate, filterlog, Palo Alto, Cisco ASA),
// CEF, and bad records. Lines are written here by hand; expected values are read off them.
#include <gtest/gtest.h>

#include "tests/unit/decode/decode_testutil.h"

namespace kizashi::decode {
namespace {

using testing::DecodeOne;
using testing::Ip;
using testing::MustMake;
using testing::Utc;

DecodeOptions Syslog() {
  DecodeOptions o;
  o.format = "syslog";
  o.operator_from = "fixed";
  o.operator_fixed = "op-a";
  o.year = 2024;
  o.max_future_skew_ns = 0;
  return o;
}

TEST(Rfc5424, HeaderStructuredDataAndMessage) {
  auto d = MustMake(Syslog());
  Batch b;
  auto r = DecodeOne(*d, b,
      "<165>1 2024-03-01T21:00:05.003+09:00 fw01.example.jp sshd 4321 ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"x\\]\"][meta seq=\"1\"] "
      "Failed password for root from 203.0.113.9 port 50122 ssh2\n");
  ASSERT_TRUE(r.ok) << r.detail;
  const Event& e = r.event;
  EXPECT_EQ(e.kind, EventKind::kSyslog);
  EXPECT_EQ(e.event_type, "syslog5424");
  EXPECT_EQ(e.syslog_facility, 20);  // 165 = 20*8 + 5
  EXPECT_EQ(e.syslog_severity, 5);
  EXPECT_EQ(e.event_time_ns, Utc(2024, 3, 1, 12, 0, 5, 3'000'000));
  EXPECT_EQ(e.host, "fw01.example.jp");
  EXPECT_EQ(e.field(FieldId::kProgram), "sshd");
  EXPECT_EQ(e.pid, 4321);
  EXPECT_EQ(e.field(FieldId::kSyslogMsgId), "ID47");
  EXPECT_EQ(e.field(FieldId::kStructuredData),
            "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"x\\]\"][meta seq=\"1\"]");
  EXPECT_EQ(e.field(FieldId::kMessage), "Failed password for root from 203.0.113.9 port 50122 ssh2");
  EXPECT_EQ(Ip(e.src), "203.0.113.9");
  EXPECT_EQ(e.src_port, 50122);
  EXPECT_EQ(e.field(FieldId::kUser), "root");
}

TEST(Rfc5424, NilValuesAndBom) {
  auto d = MustMake(Syslog());
  Batch b;
  auto r = DecodeOne(*d, b, "<14>1 2024-03-01T00:00:00Z - - - - - \xEF\xBB\xBFhello");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.event.host.empty());
  EXPECT_TRUE(r.event.field(FieldId::kProgram).empty());
  EXPECT_EQ(r.event.pid, -1);
  EXPECT_EQ(r.event.field(FieldId::kMessage), "hello");
  auto no_msg = DecodeOne(*d, b, "<14>1 2024-03-01T00:00:00Z h app - - -");
  ASSERT_TRUE(no_msg.ok) << no_msg.detail;
  EXPECT_EQ(no_msg.event.field(FieldId::kMessage), "");
}

TEST(Rfc5424, OperatorClaimFromStructuredData) {
  DecodeOptions o = Syslog();
  o.operator_from = "field";
  o.operator_field = "kizashi@32473/operator";
  auto d = MustMake(o);
  Batch b;
  auto r = DecodeOne(*d, b,
      "<14>1 2024-03-01T00:00:00Z h app - - [meta x=\"1\"][kizashi@32473 operator=\"op-\\\"q\"] m");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.operator_id, "op-\"q");
  auto none = DecodeOne(*d, b, "<14>1 2024-03-01T00:00:00Z h app - - - m");
  EXPECT_EQ(none.reason, DeadLetterReason::kUnknownOperator);
}

TEST(Rfc3164, HostTagPidAndExplicitYearAndZone) {
  DecodeOptions o = Syslog();
  o.timezone = "+09:00";
  auto d = MustMake(o);
  Batch b;
  auto r = DecodeOne(*d, b, "<38>Mar  1 21:00:05 gw01 sshd[1234]: Invalid user oracle from 198.51.100.23 port 4242");
  ASSERT_TRUE(r.ok) << r.detail;
  const Event& e = r.event;
  EXPECT_EQ(e.event_type, "syslog3164");
  EXPECT_EQ(e.syslog_facility, 4);
  EXPECT_EQ(e.syslog_severity, 6);
  // 2024 (configured), 21:00:05 at +09:00.
  EXPECT_EQ(e.event_time_ns, Utc(2024, 3, 1, 12, 0, 5));
  EXPECT_EQ(e.host, "gw01");
  EXPECT_EQ(e.field(FieldId::kProgram), "sshd");
  EXPECT_EQ(e.pid, 1234);
  EXPECT_EQ(e.field(FieldId::kMessage), "Invalid user oracle from 198.51.100.23 port 4242");
  EXPECT_EQ(e.field(FieldId::kUser), "oracle");
  EXPECT_EQ(Ip(e.src), "198.51.100.23");
  EXPECT_EQ(e.src_port, 4242);
}

TEST(Rfc3164, Variants) {
  auto d = MustMake(Syslog());
  Batch b;
  // No PRI, no host.
  auto a = DecodeOne(*d, b, "Jan  5 08:52:35 sshd[7]: Connection closed by 192.0.2.1 port 22 [preauth]");
  ASSERT_TRUE(a.ok) << a.detail;
  EXPECT_TRUE(a.event.host.empty());
  EXPECT_EQ(a.event.field(FieldId::kProgram), "sshd");
  EXPECT_EQ(a.event.syslog_severity, 0xff);
  EXPECT_EQ(Ip(a.event.src), "192.0.2.1");
  // Cisco: year inside the stamp, fraction, leading '*', trailing ':' after the time.
  auto c = DecodeOne(*d, b, "<189>*Mar  1 2023 18:46:11.123: %SYS-5-CONFIG_I: Configured from console");
  ASSERT_TRUE(c.ok) << c.detail;
  EXPECT_EQ(c.event.event_time_ns, Utc(2023, 3, 1, 18, 46, 11, 123'000'000));
  EXPECT_EQ(c.event.field(FieldId::kProgram), "%SYS-5-CONFIG_I");
  EXPECT_EQ(c.event.field(FieldId::kMessage), "Configured from console");
  // Year written after the time.
  auto y = DecodeOne(*d, b, "<13>Jan  5 08:52:35 2019 host prog: x");
  ASSERT_TRUE(y.ok) << y.detail;
  EXPECT_EQ(y.event.event_time_ns, Utc(2019, 1, 5, 8, 52, 35));
  EXPECT_EQ(y.event.host, "host");
  // RFC 3339 in place of the BSD stamp (rsyslog high precision, MikroTik).
  auto iso = DecodeOne(*d, b, "2023-03-18T20:36:59.594792+01:00 10.120.127.1 firewall,info drop input");
  ASSERT_TRUE(iso.ok) << iso.detail;
  EXPECT_EQ(iso.event.event_time_ns, Utc(2023, 3, 18, 19, 36, 59, 594'792'000));
  EXPECT_EQ(iso.event.host, "10.120.127.1");
  EXPECT_EQ(iso.event.field(FieldId::kMessage), "firewall,info drop input");
  // FreeBSD syslogd -v: <facility.severity> after the time.
  auto v = DecodeOne(*d, b, "Apr  2 17:51:32 <4.6> pancake sshd[55628]: Invalid user r00t from 192.0.2.100");
  ASSERT_TRUE(v.ok) << v.detail;
  EXPECT_EQ(v.event.syslog_facility, 4);
  EXPECT_EQ(v.event.syslog_severity, 6);
  EXPECT_EQ(v.event.host, "pancake");
  EXPECT_EQ(v.event.field(FieldId::kUser), "r00t");
  EXPECT_EQ(Ip(v.event.src), "192.0.2.100");
}

TEST(Rfc3164, YearNearestToIngestTime) {
  DecodeOptions o = Syslog();
  o.year = 0;
  auto d = MustMake(o);
  Batch b;
  // A December line read on 1 January 2025 belongs to 2024.
  auto dec = DecodeOne(*d, b, "Dec 31 23:59:58 h p: x", Utc(2025, 1, 1, 0, 0, 5));
  ASSERT_TRUE(dec.ok) << dec.detail;
  EXPECT_EQ(dec.event.event_time_ns, Utc(2024, 12, 31, 23, 59, 58));
  // A 1 January line read on 31 December 2024 (device clock ahead) belongs to 2025.
  auto jan = DecodeOne(*d, b, "Jan  1 00:00:03 h p: x", Utc(2024, 12, 31, 23, 59, 59));
  ASSERT_TRUE(jan.ok);
  EXPECT_EQ(jan.event.event_time_ns, Utc(2025, 1, 1, 0, 0, 3));
  // Mid-year: the ingest year.
  auto mid = DecodeOne(*d, b, "Jun 15 12:00:00 h p: x", Utc(2024, 6, 16, 0, 0, 0));
  ASSERT_TRUE(mid.ok);
  EXPECT_EQ(mid.event.event_time_ns, Utc(2024, 6, 15, 12, 0, 0));
  // Feb 29 read in 2025: 2024 is the only candidate year where it exists near by.
  auto leap = DecodeOne(*d, b, "Feb 29 10:00:00 h p: x", Utc(2025, 1, 10, 0, 0, 0));
  ASSERT_TRUE(leap.ok);
  EXPECT_EQ(leap.event.event_time_ns, Utc(2024, 2, 29, 10, 0, 0));
  // No year in the record, none configured, no ingest time: never guessed.
  auto none = DecodeOne(*d, b, "Jun 15 12:00:00 h p: x", 0);
  EXPECT_FALSE(none.ok);
  EXPECT_EQ(none.reason, DeadLetterReason::kBadTimestamp);
}

TEST(Rfc3164, FixedYearRejectsImpossibleDates) {
  DecodeOptions o = Syslog();
  o.year = 2023;
  auto d = MustMake(o);
  Batch b;
  auto r = DecodeOne(*d, b, "Feb 29 10:00:00 h p: x");
  EXPECT_EQ(r.reason, DeadLetterReason::kBadTimestamp);
}

TEST(Extract, SshdVariants) {
  auto d = MustMake(Syslog());
  Batch b;
  struct Case {
    const char* msg;
    const char* src;
    uint16_t port;
    const char* user;
  } cases[] = {
      {"Failed password for invalid user admin from 203.0.113.5 port 40022 ssh2", "203.0.113.5",
       40022, "admin"},
      {"Accepted publickey for git from 2001:db8::5 port 51000 ssh2: ED25519 SHA256:abc",
       "2001:db8::5", 51000, "git"},
      {"Connection closed by authenticating user root 198.51.100.7 port 33000 [preauth]",
       "198.51.100.7", 33000, "root"},
      {"Disconnected from invalid user test 192.0.2.44 port 2222 [preauth]", "192.0.2.44", 2222,
       "test"},
      {"Unable to negotiate with 192.0.2.9 port 60000: no matching key exchange method found.",
       "192.0.2.9", 60000, ""},
      // A user name crafted to look like "from <ip>": the address at the end wins.
      {"Invalid user x from 10.9.9.9 from 192.0.2.77 port 1022", "192.0.2.77", 1022, "x"},
      {"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
       "rhost=203.0.113.66  user=alice",
       "203.0.113.66", 0, "alice"},
      {"Invalid user  from 192.0.2.3 port 5", "192.0.2.3", 5, ""},
  };
  for (const Case& c : cases) {
    auto r = DecodeOne(*d, b, std::string("<38>Mar  1 00:00:00 h sshd[1]: ") + c.msg);
    ASSERT_TRUE(r.ok) << c.msg;
    EXPECT_EQ(Ip(r.event.src), c.src) << c.msg;
    EXPECT_EQ(r.event.src_port, c.port) << c.msg;
    EXPECT_EQ(r.event.field(FieldId::kUser), c.user) << c.msg;
  }
}

TEST(Extract, SudoAndPam) {
  auto d = MustMake(Syslog());
  Batch b;
  auto s = DecodeOne(*d, b,
      "Mar  1 00:00:00 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls");
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.event.field(FieldId::kUser), "alice");  // sudo pads after the tag
  auto s2 = DecodeOne(*d, b,
      "Mar  1 00:00:00 h sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls");
  ASSERT_TRUE(s2.ok);
  EXPECT_EQ(s2.event.field(FieldId::kUser), "alice");
  auto p = DecodeOne(*d, b,
      "Mar  1 00:00:00 h sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 "
      "euid=0 tty=/dev/pts/1 ruser=bob rhost=  user=bob");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.event.field(FieldId::kUser), "bob");
  EXPECT_FALSE(p.event.src.valid);
}

TEST(Extract, KernelIptables) {
  auto d = MustMake(Syslog());
  Batch b;
  auto r = DecodeOne(*d, b,
      "Jun  8 14:34:33 host kernel: [5002.08] [UFW BLOCK] IN=eth0 OUT= MAC=00:01 SRC=198.51.100.1 "
      "DST=10.0.0.2 LEN=40 TOS=0x00 PROTO=TCP SPT=8080 DPT=22 WINDOW=1024 SYN URGP=0");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(Ip(r.event.src), "198.51.100.1");
  EXPECT_EQ(Ip(r.event.dst), "10.0.0.2");
  EXPECT_EQ(r.event.src_port, 8080);
  EXPECT_EQ(r.event.dst_port, 22);
  EXPECT_EQ(r.event.proto, "TCP");
}

TEST(Extract, FortiGateKeyValue) {
  auto d = MustMake(Syslog());
  Batch b;
  // Bare key=value (FortiGate sends no syslog header when set to "default" format over TLS).
  auto r = DecodeOne(*d, b,
      "<189>date=2024-10-14 time=13:46:40 devname=\"FG100E\" tz=\"-0700\" type=\"traffic\" "
      "srcip=203.0.113.8 srcport=51000 dstip=10.0.0.5 dstport=443 proto=6 action=\"deny\" "
      "user=\"N/A\" msg=\"a=b c\"");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.event_type, "kv");
  EXPECT_EQ(r.event.event_time_ns, Utc(2024, 10, 14, 20, 46, 40));  // 13:46:40 at -07:00
  EXPECT_EQ(r.event.host, "FG100E");
  EXPECT_EQ(Ip(r.event.src), "203.0.113.8");
  EXPECT_EQ(r.event.src_port, 51000);
  EXPECT_EQ(Ip(r.event.dst), "10.0.0.5");
  EXPECT_EQ(r.event.dst_port, 443);
  EXPECT_EQ(r.event.proto, "TCP");
  EXPECT_EQ(r.event.field(FieldId::kAction), "deny");
  EXPECT_EQ(r.event.field(FieldId::kUser), "N/A");  // kept as written
  // Without tz the configured zone applies.
  DecodeOptions o = Syslog();
  o.timezone = "+09:00";
  auto jst = MustMake(o);
  auto t = DecodeOne(*jst, b, "date=2024-10-14 time=13:46:40 srcip=203.0.113.8 remip=1.1.1.1");
  ASSERT_TRUE(t.ok) << t.detail;
  EXPECT_EQ(t.event.event_time_ns, Utc(2024, 10, 14, 4, 46, 40));
  EXPECT_EQ(Ip(t.event.src), "203.0.113.8");  // the first source wins
  auto missing = DecodeOne(*d, b, "date=2024-10-14 srcip=1.2.3.4");
  EXPECT_EQ(missing.reason, DeadLetterReason::kMissingTimestamp);
}

TEST(Extract, Filterlog) {
  auto d = MustMake(Syslog());
  Batch b;
  auto v4 = DecodeOne(*d, b,
      "Sep 28 10:38:09 pfSense filterlog: 53,,,1000000301,em0,match,block,in,4,0x0,,64,420,0,none,"
      "6,tcp,460,10.0.2.2,10.0.2.15,53742,22,420,PA,29633380:29633800,3617062173,65535,,");
  ASSERT_TRUE(v4.ok);
  EXPECT_EQ(v4.event.field(FieldId::kAction), "block");
  EXPECT_EQ(v4.event.proto, "TCP");
  EXPECT_EQ(Ip(v4.event.src), "10.0.2.2");
  EXPECT_EQ(Ip(v4.event.dst), "10.0.2.15");
  EXPECT_EQ(v4.event.src_port, 53742);
  EXPECT_EQ(v4.event.dst_port, 22);
  auto v6 = DecodeOne(*d, b,
      "Sep 28 10:38:09 pfSense filterlog: 5,,,1000000103,igb1,match,block,in,6,0x00,0x00000,255,"
      "udp,17,60,2001:db8::1,ff02::1,5353,5353,60");
  ASSERT_TRUE(v6.ok);
  EXPECT_EQ(v6.event.proto, "UDP");
  EXPECT_EQ(Ip(v6.event.src), "2001:db8::1");
  EXPECT_EQ(Ip(v6.event.dst), "ff02::1");
  EXPECT_EQ(v6.event.dst_port, 5353);
}

TEST(Extract, PaloAltoThreat) {
  auto d = MustMake(Syslog());
  Batch b;
  auto r = DecodeOne(*d, b,
      "<14>Mar  1 12:00:00 pa-fw 1,2024/03/01 12:00:00,001801000000,THREAT,vulnerability,2049,"
      "2024/03/01 12:00:00,203.0.113.50,10.1.1.20,0.0.0.0,0.0.0.0,rule-web,corp\\alice,,web-browsing,"
      "vsys1,untrust,trust,ethernet1/1,ethernet1/2,fwd,2024/03/01 12:00:00,12345,1,55555,80,0,0,0x0,"
      "tcp,reset-both,\"index.php?a=1,2\",Apache Struts RCE(33333),any,critical,client-to-server");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(Ip(r.event.src), "203.0.113.50");
  EXPECT_EQ(Ip(r.event.dst), "10.1.1.20");
  EXPECT_EQ(r.event.src_port, 55555);
  EXPECT_EQ(r.event.dst_port, 80);
  EXPECT_EQ(r.event.proto, "TCP");
  EXPECT_EQ(r.event.field(FieldId::kUser), "corp\\alice");
  EXPECT_EQ(r.event.app_proto, "web-browsing");
  EXPECT_EQ(r.event.field(FieldId::kAction), "reset-both");
  EXPECT_EQ(r.event.field(FieldId::kSignature), "Apache Struts RCE(33333)");
  EXPECT_EQ(r.event.ids_severity, 1);
}

TEST(Extract, CiscoAsa) {
  auto d = MustMake(Syslog());
  Batch b;
  auto deny = DecodeOne(*d, b,
      "<164>Jan  5 08:52:35 10.22.8.216 %ASA-4-106023: Deny tcp src outside:198.51.100.4/5555 dst "
      "inside:10.0.0.8/445 by access-group \"outside_in\" [0x0, 0x0]");
  ASSERT_TRUE(deny.ok);
  EXPECT_EQ(deny.event.host, "10.22.8.216");
  EXPECT_EQ(deny.event.field(FieldId::kProgram), "%ASA-4-106023");
  EXPECT_EQ(deny.event.field(FieldId::kAction), "Deny");
  EXPECT_EQ(deny.event.proto, "TCP");
  EXPECT_EQ(Ip(deny.event.src), "198.51.100.4");
  EXPECT_EQ(deny.event.src_port, 5555);
  EXPECT_EQ(Ip(deny.event.dst), "10.0.0.8");
  EXPECT_EQ(deny.event.dst_port, 445);
  // Inbound: the "for" side initiated; outbound: the "to" side did.
  auto in = DecodeOne(*d, b,
      "<166>Jan  5 08:52:35 fw %ASA-6-302013: Built inbound TCP connection 77 for "
      "outside:203.0.113.9/40000 (203.0.113.9/40000) to inside:10.0.0.5/443 (192.0.2.5/443)");
  ASSERT_TRUE(in.ok);
  EXPECT_EQ(Ip(in.event.src), "203.0.113.9");
  EXPECT_EQ(Ip(in.event.dst), "10.0.0.5");
  EXPECT_EQ(in.event.dst_port, 443);
  auto out = DecodeOne(*d, b,
      "<166>Jan  5 08:52:35 fw %ASA-6-302013: Built outbound TCP connection 78 for "
      "outside:93.184.216.34/443 (93.184.216.34/443) to inside:10.0.0.5/51515 (192.0.2.5/51515)");
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(Ip(out.event.src), "10.0.0.5");
  EXPECT_EQ(out.event.src_port, 51515);
  EXPECT_EQ(Ip(out.event.dst), "93.184.216.34");
  auto acl = DecodeOne(*d, b,
      "<166>Jan  5 08:52:35 fw %ASA-6-106100: access-list inside_in denied udp "
      "inside/10.0.0.9(137) -> outside/198.51.100.2(137) hit-cnt 1 first hit [0x0, 0x0]");
  ASSERT_TRUE(acl.ok);
  EXPECT_EQ(Ip(acl.event.src), "10.0.0.9");
  EXPECT_EQ(acl.event.src_port, 137);
  EXPECT_EQ(Ip(acl.event.dst), "198.51.100.2");
}

TEST(Extract, GenericFromHost) {
  auto d = MustMake(Syslog());
  Batch b;
  auto r = DecodeOne(*d, b,
      "Mar  1 00:00:00 mx postfix/smtpd[99]: NOQUEUE: reject: RCPT from unknown[198.51.100.77]: 554");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.event.field(FieldId::kProgram), "postfix/smtpd");
  EXPECT_EQ(Ip(r.event.src), "198.51.100.77");
  auto dov = DecodeOne(*d, b,
      "Mar  1 00:00:00 mx dovecot: imap-login: Aborted login (auth failed): user=<bob@x.jp>, "
      "method=PLAIN, rip=203.0.113.4, lip=10.0.0.1, TLS");
  ASSERT_TRUE(dov.ok);
  EXPECT_EQ(Ip(dov.event.src), "203.0.113.4");
  EXPECT_EQ(dov.event.field(FieldId::kUser), "bob@x.jp");
}

TEST(Cef, WrappedInSyslog) {
  auto d = MustMake(Syslog());
  Batch b;
  auto r = DecodeOne(*d, b,
      "<134>Mar  1 12:00:05 ids01 CEF:0|Trend Micro|Deep Security Agent|10.0|4000030|Web "
      "Reputation: blocked \\| URL|7|src=203.0.113.7 spt=51514 dst=10.1.2.3 dpt=443 proto=TCP "
      "act=block request=https://bad.example/a?b\\=c requestMethod=GET "
      "requestClientApplication=Mozilla/5.0 (X11) suser=alice fname=x.exe "
      "fileHash=44d88612fea8a8f36de82e1278abb02f dvchost=web01 rt=Mar 01 2024 12:00:05 +0900");
  ASSERT_TRUE(r.ok) << r.detail;
  const Event& e = r.event;
  EXPECT_EQ(e.kind, EventKind::kCef);
  EXPECT_EQ(e.field(FieldId::kDeviceVendor), "Trend Micro");
  EXPECT_EQ(e.field(FieldId::kDeviceProduct), "Deep Security Agent");
  EXPECT_EQ(e.sig_id, 4000030);
  EXPECT_EQ(e.field(FieldId::kSignature), "Web Reputation: blocked | URL");
  EXPECT_EQ(e.ids_severity, 2);  // 7 = High
  EXPECT_EQ(Ip(e.src), "203.0.113.7");
  EXPECT_EQ(e.src_port, 51514);
  EXPECT_EQ(Ip(e.dst), "10.1.2.3");
  EXPECT_EQ(e.dst_port, 443);
  EXPECT_EQ(e.proto, "TCP");
  EXPECT_EQ(e.field(FieldId::kAction), "block");
  EXPECT_EQ(e.field(FieldId::kHttpUrl), "https://bad.example/a?b=c");
  EXPECT_EQ(e.field(FieldId::kHttpMethod), "GET");
  EXPECT_EQ(e.field(FieldId::kHttpUserAgent), "Mozilla/5.0 (X11)");
  EXPECT_EQ(e.field(FieldId::kUser), "alice");
  EXPECT_EQ(e.field(FieldId::kFileName), "x.exe");
  EXPECT_EQ(e.field(FieldId::kFileMd5), "44d88612fea8a8f36de82e1278abb02f");
  EXPECT_EQ(e.host, "web01");  // dvchost wins over the syslog host
  // rt (device time, +09:00) wins over the syslog header.
  EXPECT_EQ(e.event_time_ns, Utc(2024, 3, 1, 3, 0, 5));
}

TEST(Cef, BareAndTimes) {
  DecodeOptions o = Syslog();
  o.format = "cef";
  auto d = MustMake(o);
  Batch b;
  auto ms = DecodeOne(*d, b, "CEF:0|V|P|1|100|n|Low|src=10.0.0.1 rt=1709294405000");
  ASSERT_TRUE(ms.ok) << ms.detail;
  EXPECT_EQ(ms.event.event_time_ns, Utc(2024, 3, 1, 12, 0, 5));
  EXPECT_EQ(ms.event.ids_severity, 4);
  auto utc = DecodeOne(*d, b, "CEF:1|V|P|1|x|n|9|end=Mar 01 2024 03:00:06 UTC msg=hello world");
  ASSERT_TRUE(utc.ok) << utc.detail;
  EXPECT_EQ(utc.event.event_time_ns, Utc(2024, 3, 1, 3, 0, 6));
  EXPECT_EQ(utc.event.sig_id, 0);  // "x" is not numeric
  EXPECT_EQ(utc.event.ids_severity, 1);
  auto no_time = DecodeOne(*d, b, "CEF:0|V|P|1|100|n|5|src=10.0.0.1");
  EXPECT_EQ(no_time.reason, DeadLetterReason::kMissingTimestamp);
  auto bad_zone = DecodeOne(*d, b, "CEF:0|V|P|1|100|n|5|rt=Mar 01 2024 03:00:06 EST");
  EXPECT_EQ(bad_zone.reason, DeadLetterReason::kBadTimestamp);  // ambiguous: never guessed
  auto not_cef = DecodeOne(*d, b, "<13>Mar  1 12:00:05 h sshd[1]: hello");
  EXPECT_EQ(not_cef.reason, DeadLetterReason::kMalformed);
  auto short_header = DecodeOne(*d, b, "CEF:0|V|P|1|100");
  EXPECT_EQ(short_header.reason, DeadLetterReason::kMalformed);
}

TEST(Cef, OperatorClaimFromExtension) {
  DecodeOptions o = Syslog();
  o.format = "cef";
  o.operator_from = "topic";
  o.authoritative = true;
  o.operator_field = "cs1";
  auto d = MustMake(o);
  Batch b;
  testing::RecordSpec spec;
  spec.operator_hint = "op-a";
  spec.value = "CEF:0|V|P|1|1|n|5|rt=1709294405000 cs1=op-b cs1Label=operator";
  auto r = DecodeOne(*d, b, spec);
  EXPECT_EQ(r.reason, DeadLetterReason::kOperatorMismatch);
  spec.value = "CEF:0|V|P|1|1|n|5|rt=1709294405000 cs1=op-a cs1Label=operator";
  auto ok = DecodeOne(*d, b, spec);
  ASSERT_TRUE(ok.ok) << ok.detail;
  EXPECT_EQ(ok.event.operator_id, "op-a");
}

TEST(Syslog, BadRecords) {
  auto d = MustMake(Syslog());
  Batch b;
  struct Case {
    std::string line;
    DeadLetterReason reason;
  } cases[] = {
      {"", DeadLetterReason::kMalformed},
      {"<999>Mar  1 00:00:00 h p: x", DeadLetterReason::kMalformed},
      {"<13 Mar  1 00:00:00 h p: x", DeadLetterReason::kMalformed},
      {"Mar 41 00:00:00 h p: x", DeadLetterReason::kBadTimestamp},
      {"Mar  1 25:00:00 h p: x", DeadLetterReason::kBadTimestamp},
      {"sshd[1]: no time at all", DeadLetterReason::kMissingTimestamp},
      {"<14>1 - h app - - - m", DeadLetterReason::kMissingTimestamp},
      {"<14>1 2024-02-30T00:00:00Z h app - - - m", DeadLetterReason::kBadTimestamp},
      {"<14>1 2024-03-01T00:00:00Z h app", DeadLetterReason::kTruncated},
      {"<14>1 2024-03-01T00:00:00Z h app - - [x a=\"1\"", DeadLetterReason::kTruncated},
      {std::string("Mar  1 00:00:00 h p: a\0b", 24), DeadLetterReason::kNulByte},
      {"Mar  1 00:00:00 h p: caf\xC3", DeadLetterReason::kInvalidUtf8},
      {"Mar  1 00:00:00 h p: " + std::string(70000, 'x'), DeadLetterReason::kTooLarge},
  };
  for (const Case& c : cases) {
    auto r = DecodeOne(*d, b, c.line);
    EXPECT_FALSE(r.ok) << c.line.substr(0, 60);
    EXPECT_EQ(r.reason, c.reason) << c.line.substr(0, 60) << ": " << DeadLetterReasonName(r.reason)
                                  << " (" << r.detail << ")";
  }
}

TEST(Syslog, NonUtf8AcceptedWhenConfigured) {
  DecodeOptions o = Syslog();
  o.require_utf8 = false;
  auto d = MustMake(o);
  Batch b;
  // Shift_JIS bytes in the message (a Japanese device that never learnt UTF-8).
  auto r = DecodeOne(*d, b, "Mar  1 00:00:00 h p: \x83\x65\x83\x58\x83\x67");
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.event.field(FieldId::kMessage), "\x83\x65\x83\x58\x83\x67");
}

}  // namespace
}  // namespace kizashi::decode
