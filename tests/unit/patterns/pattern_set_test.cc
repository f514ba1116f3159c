// PatternSet: pack parsing, direct expressions, Suricata-style rules (prefilter + confirm),
// indicators, validation that collects every error, and the cache round trip.
#include <gtest/gtest.h>

#include "engine/common/ip.h"
#include "patterns/compile/expression.h"
#include "tests/testing/testing.h"
#include "tests/unit/patterns/pattern_test_util.h"

namespace kizashi::patterns {
namespace {

using testutil::CompileYaml;
using testutil::HasDiag;
using testutil::MakeEvent;
using testutil::Matches;
using V = std::vector<std::string>;

constexpr std::string_view kHeader = R"(pack:
  id: t
  version: "1"
  issuer: test
entries:
)";

std::string Yaml(std::string_view entries) { return StrCat(kHeader, entries); }

TEST(PackParse, DemoPackLoadsAndMatchesEachEntry) {
  Diagnostics d;
  patterns::Pack p = ParsePackFile(testing::SourcePath("patterns/packs/demo.yaml"), &d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();
  auto set = PatternSet::Compile({p}, &d);
  ASSERT_NE(set, nullptr) << d.ToText();
  EXPECT_EQ(set->version(), "kizashi-demo@2024.03.1");

  Event ssh = MakeEvent({{FieldId::kMessage, "Failed password for invalid user admin from 1.2.3.4"}});
  EXPECT_EQ(Matches(*set, ssh), V({"ssh-auth-failure@message"}));
  Event ids = MakeEvent({{FieldId::kSignature, "ET SCAN Potential SSH Scan OUTBOUND"}});
  EXPECT_EQ(Matches(*set, ids), V({"ids-ssh-scan@alert.signature"}));
  Event web = MakeEvent({{FieldId::kHttpUrl, "/WP-LOGIN.php?x=1"}});
  EXPECT_EQ(Matches(*set, web), V({"web-admin-bruteforce@http.url"}));
  Event nc = MakeEvent({{FieldId::kPayload, "14  nc -lvp 4444 -e /bin/sh"}});
  EXPECT_EQ(Matches(*set, nc), V({"backdoor-listener@payload"}));
  // "KZWIPER-" 0x00 "2": the hex entry's ?? accepts any byte, NUL included.
  static const std::string wiper("xxKZWIPER-\0" "2yy", 14);
  Event w = MakeEvent({{FieldId::kPayload, wiper}});
  EXPECT_EQ(Matches(*set, w), V({"plc-wiper-demo@payload"}));
  const EntryInfo& info = set->entries()[4];
  EXPECT_EQ(info.entry_id, "plc-wiper-demo");
  EXPECT_TRUE(info.may_disrupt_critical_systems);
  EXPECT_EQ(info.references, std::vector<std::string>({"case:2024-demo-wiper"}));
}

TEST(PackParse, WriterRoundTripsEveryEntryShape) {
  Diagnostics d;
  patterns::Pack p = ParsePackText(Yaml(R"y(
  - id: r1
    regex: 'a\d+b'
    flags: [caseless, dotall]
    fields: [message]
    title: "quote \" and backslash \\ and 日本"
  - id: l1
    literal: "x|y"
  - id: h1
    hex: "4142??(43|44)"
    kind: virus_signature
  - id: rule1
    rule:
      app_proto: http
      match:
        - {field: http.url, content: "/a|00 ff|b", nocase: true, fast_pattern: true}
        - {field: http.url, pcre: "/^c+/R", negated: true}
        - {field: http.method, content: "POST", startswith: true}
        - {field: payload, isdataat: 3, relative: true}
        - {field: http.url, size: "<100"}
  - id: ind1
    kind: actor_indicator
    actor: APT-X
    indicators: ["ip:10.0.0.0/8", "domain:Evil.Example.", "url:http://Evil.example:8080/p?q#f", "md5:D41D8CD98F00B204E9800998ECF8427E"]
)y"), "rt.yaml", &d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();
  ASSERT_EQ(p.entries.size(), 5u);
  EXPECT_EQ(p.entries[4].indicators[1].value, "evil.example");
  EXPECT_EQ(p.entries[4].indicators[2].value, "evil.example/p?q");
  EXPECT_EQ(p.entries[4].indicators[3].value, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(p.entries[3].rule.steps[0].content, std::string("/a\0\xff" "b", 5));
  std::string yaml = WritePackYaml(p);
  Diagnostics d2;
  patterns::Pack q = ParsePackText(yaml, "rt2.yaml", &d2);
  ASSERT_FALSE(d2.has_errors()) << d2.ToText() << yaml;
  EXPECT_EQ(WritePackYaml(q), yaml);
  EXPECT_EQ(q.entries[0].title, p.entries[0].title);
  EXPECT_EQ(q.entries[3].rule.steps.size(), 5u);
}

TEST(PackParse, CollectsEveryStructuralErrorWithLineAndId) {
  Diagnostics d;
  patterns::Pack p = ParsePackText(Yaml(R"y(  - id: a
    regex: x
    flags: [sideways]
  - id: b
    regex: y
    fields: [no.such.field]
  - id: a
    literal: z
  - id: c
    kind: actor_indicator
    literal: q
  - id: d
    regex: x
    literal: y
  - id: e
    indicators: ["ip:300.1.1.1", "sha256:abc"]
  - id: f
    rule:
      match:
        - {field: http.url, content: "abc", depth: 2}
        - {field: http.url, content: "|zz|"}
)y"), "bad.yaml", &d);
  EXPECT_TRUE(HasDiag(d, "a", "unknown flag 'sideways'"));
  EXPECT_TRUE(HasDiag(d, "b", "unknown event field 'no.such.field'"));
  EXPECT_TRUE(HasDiag(d, "a", "duplicate entry id"));
  EXPECT_TRUE(HasDiag(d, "c", "must name its 'actor'"));
  EXPECT_TRUE(HasDiag(d, "d", "exactly one of"));
  EXPECT_TRUE(HasDiag(d, "e", "not an IP address"));
  EXPECT_TRUE(HasDiag(d, "e", "not a sha256"));
  EXPECT_TRUE(HasDiag(d, "f", "depth 2 is shorter than the content"));
  EXPECT_TRUE(HasDiag(d, "f", "not a hex digit"));
  // Line numbers point at the offending key: the header is 5 lines, entry b starts on line 9
  // and its 'fields' key is on line 11.
  bool b_line = false;
  for (const auto& x : d.items()) b_line |= x.object_id == "b" && x.line == 11 && x.file == "bad.yaml";
  EXPECT_TRUE(b_line) << d.ToText();
  EXPECT_TRUE(p.entries.empty());
}

// ---- rules: Suricata content-inspection semantics --------------------------------------

std::shared_ptr<const PatternSet> RuleSet(std::string_view steps, Diagnostics* d) {
  return CompileYaml(Yaml(StrCat("  - id: r\n    rule:\n      match:\n", steps)), d);
}

bool RuleMatches(std::string_view steps, FieldId f, std::string_view value) {
  Diagnostics d;
  auto set = RuleSet(steps, &d);
  EXPECT_NE(set, nullptr) << d.ToText();
  if (set == nullptr) return false;
  Event e = MakeEvent({{f, value}});
  return !Matches(*set, e).empty();
}

TEST(Rule, OffsetAndDepthBoundTheWindow) {
  // offset:3 depth:3 -> the content must lie within bytes [3, 6).
  const char* steps = "        - {field: payload, content: \"def\", offset: 3, depth: 3}\n";
  EXPECT_TRUE(RuleMatches(steps, FieldId::kPayload, "abcdef"));
  EXPECT_FALSE(RuleMatches(steps, FieldId::kPayload, "abcxdef"));  // ends at 7 > 6
  EXPECT_FALSE(RuleMatches(steps, FieldId::kPayload, "defabc"));   // starts at 0 < 3
}

TEST(Rule, DistanceAndWithinAreRelativeAndBacktrack) {
  // "a" then "b" starting 1..3 bytes after the end of "a": distance 1, within 3.
  const char* steps =
      "        - {field: payload, content: \"a\"}\n"
      "        - {field: payload, content: \"b\", distance: 1, within: 3}\n";
  EXPECT_TRUE(RuleMatches(steps, FieldId::kPayload, "a.b"));
  EXPECT_TRUE(RuleMatches(steps, FieldId::kPayload, "a...b"));   // b at 4..5, window [2,5)
  EXPECT_FALSE(RuleMatches(steps, FieldId::kPayload, "ab"));     // distance 1 skips it
  EXPECT_FALSE(RuleMatches(steps, FieldId::kPayload, "a....b"));  // beyond within
  // The first "a" fails, the second one satisfies: the engine must retry "a".
  EXPECT_TRUE(RuleMatches(steps, FieldId::kPayload, "a.....a.b"));
}

TEST(Rule, NegatedContentAndPcreRelative) {
  const char* steps =
      "        - {field: http.url, content: \"/login\", fast_pattern: true}\n"
      "        - {field: http.url, content: \"admin\", negated: true, distance: 0}\n"
      "        - {field: http.url, pcre: \"/^\\\\?user=[a-z]+$/R\"}\n";
  EXPECT_TRUE(RuleMatches(steps, FieldId::kHttpUrl, "/login?user=bob"));
  EXPECT_FALSE(RuleMatches(steps, FieldId::kHttpUrl, "/login?user=admin"));  // negated hit
  EXPECT_FALSE(RuleMatches(steps, FieldId::kHttpUrl, "/login/x?user=bob"));  // ^ at cursor
  EXPECT_FALSE(RuleMatches(steps, FieldId::kHttpUrl, "/logout?user=bob"));   // no prefilter
}

TEST(Rule, StartsEndsWithNocaseIsdataatSize) {
  EXPECT_TRUE(RuleMatches("        - {field: http.url, content: \"/Abc\", nocase: true, startswith: true}\n",
                          FieldId::kHttpUrl, "/aBC/x"));
  EXPECT_FALSE(RuleMatches("        - {field: http.url, content: \"/abc\", startswith: true}\n",
                           FieldId::kHttpUrl, "x/abc"));
  EXPECT_TRUE(RuleMatches("        - {field: http.url, content: \".php\", endswith: true}\n",
                          FieldId::kHttpUrl, "/a.php.x/b.php"));
  EXPECT_FALSE(RuleMatches("        - {field: http.url, content: \".php\", endswith: true}\n",
                           FieldId::kHttpUrl, "/b.php?x"));
  const char* dataat =
      "        - {field: payload, content: \"MZ\"}\n"
      "        - {field: payload, isdataat: 4, relative: true}\n";
  EXPECT_TRUE(RuleMatches(dataat, FieldId::kPayload, "MZ1234"));  // 4 bytes after MZ
  EXPECT_FALSE(RuleMatches(dataat, FieldId::kPayload, "MZ123"));
  const char* size =
      "        - {field: http.url, content: \"/x\"}\n"
      "        - {field: http.url, size: \">5\"}\n";
  EXPECT_TRUE(RuleMatches(size, FieldId::kHttpUrl, "/x2345"));
  EXPECT_FALSE(RuleMatches(size, FieldId::kHttpUrl, "/x234"));
}

TEST(Rule, DotprefixMatchesDomainAndSubdomainsOnly) {
  const char* steps =
      "        - {field: dns.rrname, content: \".evil.example\", endswith: true, dotprefix: true}\n";
  EXPECT_TRUE(RuleMatches(steps, FieldId::kDnsRrname, "evil.example"));
  EXPECT_TRUE(RuleMatches(steps, FieldId::kDnsRrname, "a.evil.example"));
  EXPECT_FALSE(RuleMatches(steps, FieldId::kDnsRrname, "notevil.example"));
}

TEST(Rule, EveryFieldMustHoldAndTheMatchCitesTheFastPatternField) {
  Diagnostics d;
  auto set = RuleSet(
      "        - {field: http.method, content: \"POST\"}\n"
      "        - {field: http.url, content: \"/upload.php\", fast_pattern: true}\n"
      "        - {field: http.user_agent, content: \"curl\", nocase: true}\n",
      &d);
  ASSERT_NE(set, nullptr) << d.ToText();
  EXPECT_EQ(set->rule_field(0), FieldId::kHttpUrl);
  // The prefilter holds only the fast pattern, on http.url.
  ASSERT_EQ(set->field_patterns(FieldId::kHttpUrl).size(), 1u);
  EXPECT_TRUE(set->field_patterns(FieldId::kHttpMethod).empty());
  Event all = MakeEvent({{FieldId::kHttpMethod, "POST"},
                         {FieldId::kHttpUrl, "/upload.php"},
                         {FieldId::kHttpUserAgent, "CURL/8"}});
  EXPECT_EQ(Matches(*set, all), V({"r@http.url"}));
  Event get = MakeEvent({{FieldId::kHttpMethod, "GET"},
                         {FieldId::kHttpUrl, "/upload.php"},
                         {FieldId::kHttpUserAgent, "curl/8"}});
  EXPECT_TRUE(Matches(*set, get).empty());
  Event no_ua = MakeEvent({{FieldId::kHttpMethod, "POST"}, {FieldId::kHttpUrl, "/upload.php"}});
  EXPECT_TRUE(Matches(*set, no_ua).empty());
  Scanner s;
  Matches(*set, all, &s);
  Matches(*set, get, &s);
  EXPECT_EQ(s.stats().candidates, 2u);
  EXPECT_EQ(s.stats().confirmed, 1u);
}

TEST(Rule, PrefilterIsTheLongestContentWhenNoneIsMarked) {
  Diagnostics d;
  auto set = RuleSet(
      "        - {field: payload, content: \"ab\"}\n"
      "        - {field: payload, content: \"longer-literal\", distance: 0}\n",
      &d);
  ASSERT_NE(set, nullptr) << d.ToText();
  ASSERT_EQ(set->field_patterns(FieldId::kPayload).size(), 1u);
  EXPECT_EQ(set->field_patterns(FieldId::kPayload)[0].expression,
            "longer\\x2dliteral");
}

TEST(Rule, PcreOnlyRuleIsPrefilteredInHyperscanPrefilterMode) {
  // A backreference: Hyperscan cannot match it exactly, prefilter mode over-approximates and
  // PCRE2 confirms.
  const char* steps = "        - {field: message, pcre: \"/(ab)x\\\\1/\"}\n";
  EXPECT_TRUE(RuleMatches(steps, FieldId::kMessage, "..abxab.."));
  EXPECT_FALSE(RuleMatches(steps, FieldId::kMessage, "..abxac.."));
}

TEST(Rule, RefusesRulesNothingCanNominate) {
  Diagnostics d;
  auto set = RuleSet("        - {field: payload, content: \"x\", negated: true}\n", &d);
  EXPECT_EQ(set, nullptr);
  EXPECT_TRUE(HasDiag(d, "r", "nothing can nominate it"));
  Diagnostics d2;
  EXPECT_EQ(RuleSet("        - {field: payload, pcre: \"/a*/\"}\n", &d2), nullptr);
  EXPECT_TRUE(HasDiag(d2, "r", "empty string")) << d2.ToText();
  Diagnostics d3;
  EXPECT_EQ(RuleSet("        - {field: payload, content: \"abc\"}\n"
                    "        - {field: payload, pcre: \"/(/\"}\n", &d3), nullptr);
  EXPECT_TRUE(HasDiag(d3, "r", "PCRE2 rejects")) << d3.ToText();
}

TEST(ConfirmedRegex, LiteralPrefilterThenPcre2OnEachNominatingField) {
  Diagnostics d;
  auto set = CompileYaml(Yaml(R"y(  - id: login
    regex: 'Failed password for (invalid user )?\S+ from \d+\.\d+'
    fields: [message, payload]
  - id: short
    regex: 'ab\d'
)y"), &d);
  ASSERT_NE(set, nullptr) << d.ToText();
  // "Failed password for " (20 bytes) is required: prefilter + confirm. "ab" is too short.
  EXPECT_EQ(set->mode(0), PatternSet::Mode::kConfirmed);
  EXPECT_EQ(set->mode(1), PatternSet::Mode::kDirect);
  EXPECT_EQ(set->field_patterns(FieldId::kMessage)[0].expression,
            "Failed\\x20password\\x20for\\x20");
  Event both = MakeEvent({{FieldId::kMessage, "Failed password for root from 10.1.2.3"},
                          {FieldId::kPayload, "x Failed password for invalid user a from 1.2"}});
  EXPECT_EQ(Matches(*set, both), V({"login@message", "login@payload"}));
  Event literal_only = MakeEvent({{FieldId::kMessage, "Failed password for root"}});
  EXPECT_TRUE(Matches(*set, literal_only).empty());
  Scanner s;
  Matches(*set, literal_only, &s);
  EXPECT_EQ(s.stats().candidates, 1u);
  EXPECT_EQ(s.stats().confirmed, 0u);
  // With the prefilter off the same pack is compiled into Hyperscan and behaves the same.
  Diagnostics d2;
  CompileOptions o;
  o.prefilter_min_literal = 0;
  auto direct = CompileYaml(Yaml("  - id: login\n    regex: 'Failed password for (invalid user )?\\S+ from \\d+\\.\\d+'\n    fields: [message, payload]\n"), &d2, o);
  ASSERT_NE(direct, nullptr) << d2.ToText();
  EXPECT_EQ(direct->mode(0), PatternSet::Mode::kDirect);
  EXPECT_EQ(Matches(*direct, both), V({"login@message", "login@payload"}));
  EXPECT_TRUE(Matches(*direct, literal_only).empty());
}

TEST(RequiredLiteral, IsConservative) {
  bool ci = false;
  EXPECT_EQ(RequiredLiteral("^Failed (?:password|key) for \\S+ from", &ci), "Failed ");
  EXPECT_EQ(RequiredLiteral("^foo.{599,600}bar", &ci), "foo");    // {599,600} is no text
  EXPECT_EQ(RequiredLiteral("ab{2,3}cdef{0}g", &ci), "cde");      // f{0} is optional
  EXPECT_EQ(RequiredLiteral("abc|defgh", &ci), "");               // top-level alternation
  EXPECT_EQ(RequiredLiteral("ab?cdef", &ci), "cdef");             // b is optional
  EXPECT_EQ(RequiredLiteral("x\\x41yz", &ci), "yz");            // \x41 is not "41"
  EXPECT_EQ(RequiredLiteral("[[:alpha:]]abc", &ci), "abc");       // POSIX class inside a class
  EXPECT_EQ(RequiredLiteral("[]x]yz", &ci), "yz");                 // leading ']' is a member
  EXPECT_EQ(RequiredLiteral("\\Qa.b|c\\Ed", &ci), "a.b|cd");  // quoted text is literal
  EXPECT_EQ(RequiredLiteral("(?x) a b c", &ci), "");              // extended mode
  EXPECT_EQ(RequiredLiteral("user\\.name=\\d+", &ci), "user.name=");
  EXPECT_FALSE(ci);
  EXPECT_EQ(RequiredLiteral("(?i)admin", &ci), "admin");
  EXPECT_TRUE(ci);
  // Any option group that switches 'i' on counts, not only one that starts with it.
  EXPECT_EQ(RequiredLiteral("(?mi)admin", &ci), "admin");
  EXPECT_TRUE(ci);
  EXPECT_EQ(RequiredLiteral("x(?s:i)admin", &ci), "admin");  // "(?s:" does not switch i on
  EXPECT_FALSE(ci);
  EXPECT_EQ(RequiredLiteral("(?s-i)admin", &ci), "admin");    // "-i" switches it off
  EXPECT_FALSE(ci);
  EXPECT_EQ(RequiredLiteral("(?-s:x)(?si:admin)", &ci), "");  // groups hold no top-level run
  EXPECT_TRUE(ci);
}

TEST(ConfirmedRegex, InlineCaselessInACombinedOptionGroupReachesThePrefilter) {
  // "(?mi)" makes the whole regex caseless: the literal prefilter must be caseless too, or a
  // line PCRE2 would match is never nominated.
  Diagnostics d;
  auto set = CompileYaml(Yaml(R"y(  - id: login
    regex: '(?mi)authentication failure for \S+'
)y"), &d);
  ASSERT_NE(set, nullptr) << d.ToText();
  EXPECT_EQ(set->mode(0), PatternSet::Mode::kConfirmed);
  EXPECT_EQ(Matches(*set, MakeEvent({{FieldId::kMessage, "AUTHENTICATION FAILURE FOR bob"}})),
            V({"login@message"}));
}

TEST(RequiredLiterals, ExtendsRunsAcrossLiteralAlternatives) {
  bool ci = false;
  // sshd's "[aA]uthentication (?:failure|error|failed) for": three long literals instead of
  // "uthentication " alone (which Windows event logs carry in most lines).
  EXPECT_EQ(RequiredLiterals("^[aA]uthentication (?:failure|error|failed) for (?:.*?) from", &ci),
            V({"uthentication failure for ", "uthentication error for ",
               "uthentication failed for "}));
  // Nothing better than the single literal: it is kept.
  EXPECT_EQ(RequiredLiterals("^Failed (?:password|key) for \\S+ from", &ci),
            V({"Failed password for ", "Failed key for "}));
  EXPECT_EQ(RequiredLiterals("connection refused(?: by \\S+)?", &ci), V({"connection refused"}));
  // An optional or nested group ends the run; a '+' group is required once.
  EXPECT_EQ(RequiredLiterals("ab(?:cd|ef)?ghij", &ci), V({"ghij"}));
  EXPECT_EQ(RequiredLiterals("x(?:(?:a)|b)yz", &ci), V({"yz"}));
  EXPECT_EQ(RequiredLiterals("key=(?:on|off)+ x", &ci), V({"key=on", "key=off"}));
  // Escaped punctuation is text; classes, lookaround and conditionals are not expanded.
  EXPECT_EQ(RequiredLiterals("GET (?:\\/admin|\\/login)\\.php", &ci),
            V({"GET /admin.php", "GET /login.php"}));
  EXPECT_EQ(RequiredLiterals("abc(?=de|fg)hi", &ci), V({"abc"}));
  // Too many combinations: the set is cut before it grows past the limit.
  EXPECT_EQ(RequiredLiterals("(?:a|b|c)(?:d|e|f)(?:g|h|i)", &ci, 8), V({"a", "b", "c"}));
  EXPECT_TRUE(RequiredLiterals("abc|defgh", &ci).empty());  // top-level alternation
  EXPECT_FALSE(ci);
}

// ---- indicators ------------------------------------------------------------------------

TEST(Indicators, IpCidrDomainUrlHashLookups) {
  Diagnostics d;
  auto set = CompileYaml(Yaml(R"y(  - id: c2
    indicators: ["ip:203.0.113.7", "ip:198.51.100.0/24", "ip:2001:db8::/32"]
  - id: dst-only
    indicators: ["ip:192.0.2.1"]
    fields: [dst_ip]
  - id: dom
    indicators: ["domain:evil.example"]
  - id: url
    indicators: ["url:https://files.example/drop/x.exe"]
  - id: hash
    kind: virus_signature
    indicators: ["sha256:71E7B604D18AEFD839E51A39C88DF8383BB4C071DC31F87F00A2B5DF580D4495"]
)y"), &d);
  ASSERT_NE(set, nullptr) << d.ToText();
  Event e;
  ASSERT_TRUE(IpAddr::Parse("198.51.100.77", &e.src));
  ASSERT_TRUE(IpAddr::Parse("192.0.2.1", &e.dst));
  EXPECT_EQ(Matches(*set, e), V({"c2@src_ip", "dst-only@dst_ip"}));
  Event e2;
  ASSERT_TRUE(IpAddr::Parse("192.0.2.1", &e2.src));  // dst-only must not fire on src
  ASSERT_TRUE(IpAddr::Parse("2001:db8:1::5", &e2.dst));
  EXPECT_EQ(Matches(*set, e2), V({"c2@dst_ip"}));
  Event dns = MakeEvent({{FieldId::kDnsRrname, "WWW.Evil.Example."},
                         {FieldId::kTlsSni, "notevil.example"}});
  EXPECT_EQ(Matches(*set, dns), V({"dom@dns.rrname"}));
  Event http = MakeEvent({{FieldId::kHttpHostname, "FILES.example:443"},
                          {FieldId::kHttpUrl, "/drop/x.exe"}});
  EXPECT_EQ(Matches(*set, http), V({"url@http.url"}));
  Event http2 = MakeEvent({{FieldId::kHttpHostname, "files.example"},
                           {FieldId::kHttpUrl, "/drop/x.exe?v=2"}});
  EXPECT_TRUE(Matches(*set, http2).empty());
  Event file = MakeEvent(
      {{FieldId::kFileSha256, "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"}});
  EXPECT_EQ(Matches(*set, file), V({"hash@fileinfo.sha256"}));
}

// ---- validation ------------------------------------------------------------------------

TEST(Validation, HostileEntriesAreAllReportedAndNothingIsBuilt) {
  Diagnostics d;
  CompileOptions o;
  o.max_bounded_repeat = 1000;
  auto set = CompileYaml(Yaml(R"y(  - id: ok
    regex: fine
  - id: syntax
    regex: 'a(b'
  - id: backref
    regex: '(a)\1'
  - id: lookbehind
    regex: '(?<=a)b'
  - id: repeat
    regex: 'a{100000}'
  - id: empty
    regex: 'x*'
  - id: never
    regex: '[^\x00-\xff]'
  - id: hexbad
    hex: '4142(B)'
)y"), &d, o);
  EXPECT_EQ(set, nullptr);
  EXPECT_TRUE(HasDiag(d, "syntax", "Hyperscan rejects")) << d.ToText();
  EXPECT_TRUE(HasDiag(d, "backref", "Hyperscan rejects")) << d.ToText();
  EXPECT_TRUE(HasDiag(d, "lookbehind", "Hyperscan rejects")) << d.ToText();
  EXPECT_TRUE(HasDiag(d, "repeat", "resource limit: bounded repeat of 100000")) << d.ToText();
  EXPECT_TRUE(HasDiag(d, "empty", "empty string")) << d.ToText();
  EXPECT_TRUE(HasDiag(d, "never", "never match")) << d.ToText();
  EXPECT_TRUE(HasDiag(d, "hexbad", "boundary marker")) << d.ToText();
  EXPECT_FALSE(HasDiag(d, "ok", ""));
  for (const auto& x : d.items()) {
    if (x.severity == kizashi::Severity::kError) {
      EXPECT_EQ(x.file, "test.yaml");
    }
  }
}

TEST(Validation, PackLevelResourceLimits) {
  Diagnostics d;
  CompileOptions o;
  o.max_entries_per_pack = 1;
  EXPECT_EQ(CompileYaml(Yaml("  - id: a\n    literal: a\n  - id: b\n    literal: b\n"), &d, o),
            nullptr);
  EXPECT_TRUE(HasDiag(d, "t", "max_entries_per_pack is 1")) << d.ToText();
}

TEST(Hex, ClamAvSyntaxTranslation) {
  std::string re, err;
  ASSERT_TRUE(HexToRegex(R"(41??4?{2-3}!(00|ff)(4142|43??)*44)", &re, &err)) << err;
  EXPECT_EQ(re, "\\x41.[\\x40-\\x4f].{2,3}[^\\x00\\xff](?:\\x41\\x42|\\x43.).*\\x44");
  EXPECT_FALSE(HexToRegex("????", &re, &err));
  EXPECT_NE(err.find("no fixed bytes"), std::string::npos);
  EXPECT_FALSE(HexToRegex("414", &re, &err));
  EXPECT_EQ(LargestBoundedRepeat("a{3}b{2,70000}\\{99999}"), 70000);
}

// ---- cache -----------------------------------------------------------------------------

TEST(Cache, SerializeRoundTripKeepsBehaviourAndRejectsCorruption) {
  Diagnostics d;
  auto set = CompileYaml(Yaml(R"y(  - id: re
    regex: 'Failed password for \S+'
    fields: [message]
  - id: rule
    rule:
      match:
        - {field: http.url, content: "/cgi-bin/", fast_pattern: true}
        - {field: http.url, pcre: "/\\.sh$/"}
  - id: ind
    indicators: ["domain:evil.example"]
)y"), &d);
  ASSERT_NE(set, nullptr) << d.ToText();
  std::string bytes = set->Serialize();
  auto back = PatternSet::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  const PatternSet& b = **back;
  EXPECT_EQ(b.version(), set->version());
  EXPECT_NE(b.serial(), set->serial());
  ASSERT_EQ(b.entries().size(), 3u);
  EXPECT_EQ(b.entries()[1].entry_id, "rule");
  Event e = MakeEvent({{FieldId::kMessage, "Failed password for root"},
                       {FieldId::kHttpUrl, "/cgi-bin/x.sh"},
                       {FieldId::kDnsRrname, "a.evil.example"}});
  EXPECT_EQ(Matches(b, e), Matches(*set, e));
  EXPECT_EQ(Matches(b, e), V({"ind@dns.rrname", "re@message", "rule@http.url"}));
  std::string bad = bytes;
  bad[bad.size() / 2] ^= 1;
  EXPECT_FALSE(PatternSet::Deserialize(bad).ok());
  EXPECT_FALSE(PatternSet::Deserialize(bytes.substr(0, bytes.size() - 1)).ok());
  CompileOptions o;
  EXPECT_EQ(PatternSet::CacheKey({"a", "b"}, o), PatternSet::CacheKey({"a", "b"}, o));
  EXPECT_NE(PatternSet::CacheKey({"a", "b"}, o), PatternSet::CacheKey({"b", "a"}, o));
  o.max_bounded_repeat = 5;
  EXPECT_NE(PatternSet::CacheKey({"a", "b"}, o), PatternSet::CacheKey({"a", "b"}, {}));
}

}  // namespace
}  // namespace kizashi::patterns
