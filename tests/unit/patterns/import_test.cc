// Importers over the real feeds in ../shared/data (skipped when absent) and over small inputs
// written here.
#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <filesystem>
#include <set>

#include "engine/common/file_util.h"
#include "patterns/cli/sample_events.h"
#include "patterns/import/import.h"
#include "tests/testing/testing.h"
#include "tests/unit/patterns/pattern_test_util.h"

namespace kizashi::patterns {
namespace {

using testutil::MakeEvent;
using testutil::Matches;
using V = std::vector<std::string>;
namespace fs = std::filesystem;

Pack NewPack(std::string_view id = "imported") {
  Pack p;
  p.id = std::string(id);
  p.version = "1";
  p.issuer = "test";
  p.file = "imported.yaml";
  return p;
}

const PackEntry* Find(const Pack& p, std::string_view id) {
  for (const auto& e : p.entries) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

const Refusal& FindRefusal(const ImportReport& r, std::string_view id) {
  static const Refusal kNone{"", 0, "", "(not refused)", ""};
  for (const auto& x : r.refused) {
    if (x.id == id) return x;
  }
  ADD_FAILURE() << id << " was not refused";
  return kNone;
}

// ---- Suricata / Snort ------------------------------------------------------------------

TEST(SuricataImport, SmallRuleSetShapesAndRefusals) {
  const char* rules = R"(# a comment
alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"T uri+ua"; flow:established,to_server; http.uri; content:"/admin/"; nocase; fast_pattern; content:".php"; distance:0; http.user_agent; content:"sqlmap"; nocase; pcre:"/id=\d+/U"; classtype:web-application-attack; reference:cve,2021-1234; sid:1000001; rev:2; metadata:signature_severity Major, mitre_technique_id T1190;)
alert tcp any any -> any any (msg:"T bytes"; content:"ABC"; byte_test:4,>,36,0,relative; sid:1000002; rev:1;)
alert http any any -> any any (msg:"T body"; http.request_body; content:"x=1"; sid:1000003; rev:1;)
alert tcp any any -> any any (msg:"T state"; flowbits:isset,ET.x; content:"hello"; sid:1000004; rev:1;)
alert ip [192.0.2.1,192.0.2.2] any -> $HOME_NET any (msg:"T header only"; sid:1000005; rev:1;)
# alert tcp any any -> any any (msg:"T disabled"; content:"zzz"; sid:1000006; rev:1;)
alert dns any any -> any any (msg:"T dns"; dns.query; dotprefix; content:".bad.example"; endswith; threshold:type limit, track by_src, count 1, seconds 60; sid:1000007; rev:1;)
alert tcp any any -> any any (msg:"T broken; content:"x"; sid:1000008;)
)";
  Pack p = NewPack();
  ImportReport r;
  ImportSuricataRules(rules, "t.rules", ImportOptions{}, &p, &r);
  EXPECT_EQ(r.seen, 7u);     // 8 rule lines, 1 disabled
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_EQ(r.imported, 2u);
  EXPECT_EQ(r.refused.size(), 5u);
  EXPECT_EQ(r.imported + r.refused.size(), r.seen);
  EXPECT_EQ(FindRefusal(r, "sid:1000002").category, "keyword byte_test");
  EXPECT_EQ(FindRefusal(r, "sid:1000003").category, "buffer http.request_body");
  EXPECT_EQ(FindRefusal(r, "sid:1000004").category, "flowbits isset/isnotset");
  EXPECT_EQ(FindRefusal(r, "sid:1000005").category, "no content or pcre");
  EXPECT_EQ(FindRefusal(r, "sid:1000008").category, "parse error");
  EXPECT_EQ(r.ignored["flow"], 1u);
  EXPECT_EQ(r.ignored["threshold"], 1u);

  const PackEntry* e = Find(p, "sid-1000001");
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->rule.steps.size(), 4u);
  EXPECT_EQ(e->rule.steps[0].field, FieldId::kHttpUrl);
  EXPECT_TRUE(e->rule.steps[0].fast_pattern);
  EXPECT_TRUE(e->rule.steps[0].nocase);
  EXPECT_EQ(e->rule.steps[1].distance, 0);
  EXPECT_EQ(e->rule.steps[2].field, FieldId::kHttpUserAgent);
  EXPECT_EQ(e->rule.steps[3].kind, StepKind::kPcre);
  EXPECT_EQ(e->rule.steps[3].field, FieldId::kHttpUrl);  // the U modifier
  EXPECT_EQ(e->severity, Severity::kHigh);                 // priority 1 / Major
  EXPECT_EQ(e->attack_type, AttackType::kUnauthorizedAccess);
  EXPECT_EQ(e->references, V({"sid:1000001", "msg:T uri+ua", "classtype:web-application-attack",
                              "cve:CVE-2021-1234"}));
  EXPECT_TRUE(std::count(e->tags.begin(), e->tags.end(), "mitre_technique_id:T1190"));

  auto set = FinalizeImport(&p, &r);
  ASSERT_NE(set, nullptr);
  Event hit = MakeEvent({{FieldId::kHttpUrl, "/Admin/x.php?id=42"},
                         {FieldId::kHttpUserAgent, "sqlmap/1.7"}});
  EXPECT_EQ(Matches(*set, hit), V({"sid-1000001@http.url"}));
  Event no_ua = MakeEvent({{FieldId::kHttpUrl, "/Admin/x.php?id=42"}});
  EXPECT_TRUE(Matches(*set, no_ua).empty());
  Event php_before = MakeEvent({{FieldId::kHttpUrl, "/x.php/admin/?id=1"},
                                {FieldId::kHttpUserAgent, "sqlmap"}});
  EXPECT_TRUE(Matches(*set, php_before).empty());  // .php must follow /admin/
  Event dns = MakeEvent({{FieldId::kDnsRrname, "cdn.bad.example"}});
  EXPECT_EQ(Matches(*set, dns), V({"sid-1000007@dns.rrname"}));
  Event dns2 = MakeEvent({{FieldId::kDnsRrname, "notbad.example"}});
  EXPECT_TRUE(Matches(*set, dns2).empty());
}

TEST(SuricataImport, EtOpenRulesImportAndBehaveAsWritten) {
  KZ_SKIP_WITHOUT_SHARED_DATA("et-open-2024/emerging-web_server.rules");
  Pack p = NewPack("et-open");
  ImportReport r;
  for (const auto& ent : fs::directory_iterator(testing::SharedDataPath("et-open-2024"))) {
    if (ent.path().extension() != ".rules") continue;
    ImportSuricataRules(*ReadFile(ent.path()), ent.path().string(), ImportOptions{}, &p, &r);
  }
  auto set = FinalizeImport(&p, &r);
  ASSERT_NE(set, nullptr) << r.Summary();
  // Every enabled rule is either imported or refused with a reason; nothing vanishes.
  EXPECT_EQ(r.imported + r.refused.size(), r.seen);
  EXPECT_EQ(set->entries().size(), r.imported);
  EXPECT_GT(r.imported, 1000u);
  EXPECT_GT(r.refused.size(), 0u);
  for (const auto& x : r.refused) {
    EXPECT_FALSE(x.category.empty());
    EXPECT_FALSE(x.detail.empty()) << x.id;
    EXPECT_GT(x.line, 0) << x.id;
  }
  std::set<std::string> imported_ids;
  for (const auto& e : set->entries()) imported_ids.insert(e.entry_id);
  for (const auto& x : r.refused) {
    EXPECT_FALSE(imported_ids.count("sid-" + x.id.substr(4))) << x.id << " both imported and refused";
  }
  // sid 2014986 (emerging-web_server): http.uri content "/rds-help/advanced/deferredView.jsp?"
  // nocase, then "href=" nocase, then pcre /^\s*(?:ftps?|https?|php)\:\//Ri right after it.
  ASSERT_TRUE(imported_ids.count("sid-2014986"));
  Event redirect = MakeEvent({{FieldId::kHttpUrl, "/RDS-help/advanced/deferredView.jsp?x=1&href=https://evil.example/"}});
  EXPECT_EQ(Matches(*set, redirect), V({"sid-2014986@http.url"}));
  Event benign = MakeEvent({{FieldId::kHttpUrl, "/rds-help/advanced/deferredView.jsp?href=topic.html"}});
  EXPECT_TRUE(Matches(*set, benign).empty());
  // sid 2012151: content "2.2250738585072011e-308" nocase on the payload.
  Event dos = MakeEvent({{FieldId::kPayload, "GET /?x=2.2250738585072011E-308 HTTP/1.1"}});
  EXPECT_EQ(Matches(*set, dos), V({"sid-2012151@payload"}));
  const EntryInfo* info = nullptr;
  for (const auto& e : set->entries()) {
    if (e.entry_id == "sid-2012151") info = &e;
  }
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->attack_type, AttackType::kDos);
  EXPECT_EQ(info->references[0], "sid:2012151");
  EXPECT_EQ(info->references[2], "classtype:attempted-dos");
  // Differential check of the compile model: the prefilter + confirm matcher must find
  // exactly the rules that match when every rule is evaluated in full on every event (the
  // prefilter is only ever a necessary condition). Events: the real EVE samples, plus one
  // event per rule built from its positive contents, so that many rules do match.
  std::vector<RuleProgram> full;
  std::vector<uint32_t> rule_entry;
  for (uint32_t i = 0; i < set->entries().size(); ++i) {
    if (set->mode(i) != PatternSet::Mode::kRule) continue;
    RuleProgram prog;
    std::string err;
    int line;
    ASSERT_TRUE(RuleProgram::Build(set->rule_spec(i), &prog, &err, &line)) << err;
    full.push_back(std::move(prog));
    rule_entry.push_back(i);
  }
  SampleEvents ev;
  for (const char* rel : {"suricata-eve-surevego/eve.json",
                          "crowdsec-hub/tests/suricata-logs-evelog/suricata-logs-evelog.log"}) {
    std::string path = testing::SharedDataPath(rel);
    if (path.empty()) continue;
    std::string text = *ReadFile(path);
    ASSERT_TRUE(ReadSampleEvents(text, SampleFormat::kEve, FieldId::kPayload, &ev).ok());
  }
  std::deque<std::array<std::string, kFieldCount>> synthetic;
  for (uint32_t k = 0; k < rule_entry.size(); k += 3) {
    auto& fields = synthetic.emplace_back();
    for (const auto& st : set->rule_spec(rule_entry[k]).steps) {
      if (st.kind == StepKind::kContent && !st.negated) {
        fields[static_cast<size_t>(st.field)] += st.content;
      }
    }
    Event e;
    for (size_t f = 0; f < kFieldCount; ++f) e.fields[f] = fields[f];
    ev.events.push_back(e);
  }
  Scanner scanner;
  ASSERT_TRUE(scanner.Prepare(*set).ok());
  ConfirmContext ctx;
  uint64_t positives = 0;
  for (const Event& e : ev.events) {
    std::vector<Match> out;
    ASSERT_TRUE(scanner.ScanEvent(*set, e, &out).ok());
    std::set<uint32_t> got, want;
    for (const auto& m : out) got.insert(m.entry);
    for (size_t k = 0; k < full.size(); ++k) {
      if (full[k].Evaluate(e, ctx)) want.insert(rule_entry[k]);
    }
    EXPECT_EQ(got, want);
    positives += want.size();
  }
  std::cout << "ET Open differential check: " << ev.events.size() << " events, " << positives
            << " rule matches, prefilter+confirm == every rule in full\n";
  EXPECT_GT(positives, 200u);
  // The written pack reads back and compiles to the same entries.
  Diagnostics d;
  Pack again = ParsePackText(WritePackYaml(p), "et.yaml", &d);
  ASSERT_FALSE(d.has_errors()) << d.ToText().substr(0, 2000);
  EXPECT_EQ(again.entries.size(), p.entries.size());
}

TEST(SuricataImport, SnortCommunityRules) {
  KZ_SKIP_WITHOUT_SHARED_DATA("snort-community-2022/community.rules");
  Pack p = NewPack("snort");
  ImportReport r;
  ImportOptions o;
  o.enabled_only = false;  // the community tarball ships most rules commented out
  ImportSuricataRules(*ReadFile(testing::SharedDataPath("snort-community-2022/community.rules")),
                      "community.rules", o, &p, &r);
  auto set = FinalizeImport(&p, &r);
  ASSERT_NE(set, nullptr) << r.Summary();
  EXPECT_EQ(r.imported + r.refused.size(), r.seen);
  EXPECT_GT(r.imported, 1000u);
  // Snort 2 content modifiers that kizashi has no field for are refused by name.
  bool header_refused = false;
  for (const auto& [cat, n] : r.RefusedByCategory()) header_refused |= cat == "buffer http_header";
  EXPECT_TRUE(header_refused);
}

// ---- ClamAV ----------------------------------------------------------------------------

TEST(ClamAvImport, LmdBodySignaturesAllImportAndMatch) {
  KZ_SKIP_WITHOUT_SHARED_DATA("lmd-sigs-2013/rfxn.ndb");
  std::string text = *ReadFile(testing::SharedDataPath("lmd-sigs-2013/rfxn.ndb"));
  // Every line is Name:0:*:HexBody (checked here), so every line must import.
  size_t lines = 0;
  for (std::string_view l : Split(text, '\n', true)) {
    auto f = Split(l, ':');
    ASSERT_EQ(f.size(), 4u) << l;
    ASSERT_EQ(f[1], "0");
    ASSERT_EQ(f[2], "*");
    ++lines;
  }
  Pack p = NewPack("lmd");
  ImportReport r;
  ImportClamAv(text, "rfxn.ndb", ImportOptions{}, &p, &r);
  auto set = FinalizeImport(&p, &r);
  ASSERT_NE(set, nullptr) << r.RefusalList();
  EXPECT_EQ(r.imported, lines);
  EXPECT_TRUE(r.refused.empty()) << r.RefusalList();
  // The first signature, {HEX}base64.inject.unclassed.1, is the bytes of
  // "<? /**/eval(base64_decode(".
  const PackEntry& first = p.entries[0];
  EXPECT_EQ(first.id, "clamav-HEXbase64.inject.unclassed.1");
  EXPECT_EQ(first.kind, EntryKind::kVirusSignature);
  Event shell = MakeEvent({{FieldId::kPayload, "xx<? /**/eval(base64_decode('aGk='));"}});
  auto m = Matches(*set, shell);
  EXPECT_TRUE(std::count(m.begin(), m.end(), "clamav-HEXbase64.inject.unclassed.1@payload")) << Join(m, " ");
}

TEST(ClamAvImport, TestSignatureFormats) {
  KZ_SKIP_WITHOUT_SHARED_DATA("clamav-testsigs/other_sigs/Clamav-Unit-Test-Signature.ndb");
  Pack p = NewPack("clamav-test");
  ImportReport r;
  for (const char* f : {"other_sigs/Clamav-Unit-Test-Signature.ndb", "clamav.hdb",
                        "other_sigs/logo.hsb", "embedded_testfiles/signatures/lil.exe.ldb",
                        "pe_allmatch/alert-sigs/Test.GenSig.MDB_01of16_MD5_FIXED_text.UNOFFICIAL.mdb"}) {
    std::string path = testing::SharedDataPath(StrCat("clamav-testsigs/", f));
    ASSERT_FALSE(path.empty()) << f;
    ImportClamAv(*ReadFile(path), path, ImportOptions{}, &p, &r);
  }
  auto set = FinalizeImport(&p, &r);
  ASSERT_NE(set, nullptr);
  // The .ndb signature is at offset 0: "CLAMAV-TEST-STRING-NOT-EICAR" (its hex body) must
  // start the payload.
  Event at0 = MakeEvent({{FieldId::kPayload, "CLAMAV-TEST-STRING-NOT-EICAR and more"}});
  EXPECT_EQ(Matches(*set, at0), V({"clamav-NDB.Clamav-Unit-Test-Signature@payload"}));
  Event at1 = MakeEvent({{FieldId::kPayload, " CLAMAV-TEST-STRING-NOT-EICAR"}});
  EXPECT_TRUE(Matches(*set, at1).empty());
  // clamav.hdb names clam.exe by SHA-256 (its first field has 64 hex digits).
  Event file = MakeEvent(
      {{FieldId::kFileSha256, "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"}});
  EXPECT_EQ(Matches(*set, file), V({"clamav-ClamAV-Test-File@fileinfo.sha256"}));
  // Logical and section-hash signatures are refused by format, each one named.
  std::set<std::string> cats;
  for (const auto& x : r.refused) cats.insert(x.category);
  EXPECT_TRUE(cats.count("format .ldb"));
  EXPECT_TRUE(cats.count("format .mdb"));
}

// ---- fail2ban --------------------------------------------------------------------------

TEST(Fail2banImport, SshdFilterMatchesFailuresNotSuccesses) {
  KZ_SKIP_WITHOUT_SHARED_DATA("fail2ban/filter.d/sshd.conf");
  std::string path = testing::SharedDataPath("fail2ban/filter.d/sshd.conf");
  Pack p = NewPack("f2b");
  ImportReport r;
  ImportFail2ban(*ReadFile(path), path, ImportOptions{}, &p, &r);
  auto set = FinalizeImport(&p, &r);
  ASSERT_NE(set, nullptr) << r.Summary();
  // Lines tagged F-NOFAIL / F-MLFGAINED mark non-failures: refused, with the tag named.
  std::set<std::string> cats;
  for (const auto& x : r.refused) cats.insert(x.category);
  EXPECT_TRUE(cats.count("F-MLFGAINED")) << r.RefusalList();
  EXPECT_TRUE(cats.count("F-NOFAIL"));
  auto any = [&](std::string_view msg) {
    Event e = MakeEvent({{FieldId::kMessage, msg}});
    return !Matches(*set, e).empty();
  };
  EXPECT_TRUE(any("Failed password for invalid user admin from 192.0.2.7 port 4242 ssh2"));
  EXPECT_TRUE(any("Invalid user oracle from 198.51.100.3 port 51022"));
  EXPECT_TRUE(any("error: PAM: Authentication failure for root from example.com"));
  EXPECT_FALSE(any("Accepted publickey for deploy from 192.0.2.7 port 4242 ssh2"));
  EXPECT_FALSE(any("Server listening on 0.0.0.0 port 22."));
}

// A failregex that ends in '$' under a prefregex whose content runs to the end of the line
// ("<F-CONTENT>.+</F-CONTENT>$") must not become "...$(?:.*)$": Hyperscan refuses embedded
// end anchors, and the entry would need PCRE2 behind a weak literal prefilter.
TEST(Fail2banImport, EndAnchoredFailregexStaysAHyperscanRegex) {
  const std::string conf =
      "[Definition]\n"
      "prefregex = ^<F-CONTENT>.+</F-CONTENT>$\n"
      "failregex = ^[aA]uthentication (?:failure|error) for \\S+ from <HOST>\\s*$\n"
      "            ^Bad user \\S+ from <HOST>\n";
  Pack p = NewPack("f2b");
  ImportReport r;
  ImportFail2ban(conf, "demo.conf", ImportOptions{}, &p, &r);
  ASSERT_EQ(p.entries.size(), 2u) << r.Summary();
  EXPECT_EQ(p.entries[0].expr_type, ExprType::kRegex) << p.entries[0].expression;
  EXPECT_EQ(p.entries[0].expression.find("$(?:.*)$"), std::string::npos);
  // Not anchored at the end: the rest of the content may follow, as fail2ban allows.
  EXPECT_EQ(p.entries[1].expr_type, ExprType::kRegex);
  EXPECT_NE(p.entries[1].expression.find("(?:.*)$"), std::string::npos);
  auto set = FinalizeImport(&p, &r);
  ASSERT_NE(set, nullptr) << r.Summary();
  auto hits = [&](std::string_view msg) {
    return Matches(*set, MakeEvent({{FieldId::kMessage, msg}}));
  };
  EXPECT_EQ(hits("Authentication failure for root from 192.0.2.7"), V({"f2b-demo-1@message"}));
  EXPECT_EQ(hits("authentication error for x from 192.0.2.7  "), V({"f2b-demo-1@message"}));
  EXPECT_TRUE(hits("Authentication failure for root from 192.0.2.7 trailing").empty());
  EXPECT_EQ(hits("Bad user x from 192.0.2.8 and more"), V({"f2b-demo-2@message"}));
}

// fail2ban's own labelled test logs: every line is preceded by "# failJSON: {... "match":
// true|false ...}". On RFC 3164 syslog lines of filters tested in their default mode, the
// imported entries must never fire on a line fail2ban says does not match.
TEST(Fail2banImport, LabelledLogsNoFalsePositivesOnSyslogLines) {
  KZ_SKIP_WITHOUT_SHARED_DATA("fail2ban/logs/sshd");
  std::string dir = testing::SharedDataPath("fail2ban");
  uint64_t true_lines = 0, true_hits = 0, false_lines = 0, false_hits = 0;
  for (const auto& ent : fs::directory_iterator(dir + "/filter.d")) {
    std::string log = dir + "/logs/" + ent.path().stem().string();
    if (!fs::is_regular_file(log)) continue;
    std::string text = *ReadFile(log);
    if (text.find("filterOptions") != std::string::npos) continue;  // mode-specific labels
    Pack p = NewPack();
    ImportReport r;
    ImportFail2ban(*ReadFile(ent.path()), ent.path().string(), ImportOptions{}, &p, &r);
    auto set = FinalizeImport(&p, &r);
    if (set == nullptr) continue;
    Scanner scanner;
    ASSERT_TRUE(scanner.Prepare(*set).ok());
    auto lines = Split(text, '\n');
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
      if (!StartsWith(lines[i], "# failJSON:")) continue;
      bool label_true = lines[i].find("\"match\": true") != std::string_view::npos ||
                        lines[i].find("\"match\":true") != std::string_view::npos;
      bool label_false = lines[i].find("\"match\": false") != std::string_view::npos ||
                         lines[i].find("\"match\":false") != std::string_view::npos;
      std::string_view program;
      std::string_view line = lines[i + 1];
      if (SyslogMessage(line, &program) == line) continue;  // not a syslog line
      SampleEvents ev;
      ASSERT_TRUE(ReadSampleEvents(line, SampleFormat::kSyslog, FieldId::kMessage, &ev).ok());
      if (ev.events.empty()) continue;
      std::vector<Match> out;
      ASSERT_TRUE(scanner.ScanEvent(*set, ev.events[0], &out).ok());
      if (label_true) {
        ++true_lines;
        true_hits += !out.empty();
      } else if (label_false) {
        ++false_lines;
        false_hits += !out.empty();
        EXPECT_TRUE(out.empty()) << ent.path().stem() << ": " << line;
      }
    }
  }
  EXPECT_EQ(false_hits, 0u);
  ASSERT_GT(true_lines, 100u);
  ASSERT_GT(false_lines, 10u);
  // Recall on syslog lines is reported, not pinned (it depends on how each log's header is
  // split); it must not collapse.
  std::cout << "fail2ban labelled syslog lines: " << true_hits << "/" << true_lines
            << " failures matched, " << false_hits << "/" << false_lines
            << " non-failures matched\n";
  EXPECT_GT(true_hits * 10, true_lines * 6);
}

// ---- STIX / MISP -----------------------------------------------------------------------

TEST(StixImport, IndicatorsActorsAndRefusals) {
  const char* bundle = R"({"type": "bundle", "id": "bundle--1", "objects": [
    {"type": "indicator", "id": "indicator--aaaa", "name": "C2 servers", "pattern_type": "stix",
     "pattern": "[ipv4-addr:value = '203.0.113.9' OR ipv4-addr:value ISSUBSET '198.51.100.0/24'] OR [domain-name:value = 'c2.example']"},
    {"type": "indicator", "id": "indicator--bbbb", "name": "dropper", "pattern_type": "stix",
     "pattern": "[file:hashes.'SHA-256' = '71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495']"},
    {"type": "indicator", "id": "indicator--cccc", "pattern_type": "stix",
     "pattern": "[ipv4-addr:value = '192.0.2.1' AND domain-name:value = 'x.example']"},
    {"type": "indicator", "id": "indicator--dddd", "pattern_type": "stix",
     "pattern": "[email-addr:value = 'a@b.example']"},
    {"type": "indicator", "id": "indicator--eeee", "pattern_type": "sigma", "pattern": "title: x"},
    {"type": "threat-actor", "id": "threat-actor--1", "name": "Example Group"},
    {"type": "relationship", "id": "relationship--1", "relationship_type": "indicates",
     "source_ref": "indicator--aaaa", "target_ref": "threat-actor--1"}
  ]})";
  Pack p = NewPack();
  ImportReport r;
  ImportStix(bundle, "b.json", ImportOptions{}, &p, &r);
  EXPECT_EQ(r.seen, 5u);
  EXPECT_EQ(r.imported, 2u);
  EXPECT_EQ(FindRefusal(r, "indicator--cccc").category, "STIX AND");
  EXPECT_NE(FindRefusal(r, "indicator--dddd").detail.find("email-addr:value"), std::string::npos);
  EXPECT_EQ(FindRefusal(r, "indicator--eeee").category, "pattern_type sigma");
  const PackEntry* c2 = Find(p, "stix-aaaa");
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(c2->kind, EntryKind::kActorIndicator);
  EXPECT_EQ(c2->actor, "Example Group");
  EXPECT_EQ(Find(p, "stix-bbbb")->kind, EntryKind::kVirusSignature);
  auto set = FinalizeImport(&p, &r);
  ASSERT_NE(set, nullptr);
  Event e = MakeEvent({{FieldId::kTlsSni, "c2.example"}});
  ASSERT_TRUE(IpAddr::Parse("198.51.100.200", &e.dst));
  EXPECT_EQ(Matches(*set, e), V({"stix-aaaa@dst_ip", "stix-aaaa@tls.sni"}));
}

TEST(MispImport, AttributesToIndicators) {
  const char* csv =
      "uuid,event_id,category,type,value,comment,to_ids,date\n"
      "u-1,7,Network activity,ip-dst,203.0.113.5,\"C2, primary\",1,20240101\n"
      "u-2,7,Network activity,domain|ip,evil.example|198.51.100.7,,1,20240101\n"
      "u-3,7,Payload delivery,filename|sha256,drop.exe|71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495,,1,20240101\n"
      "u-4,7,Payload delivery,email-src,a@b.example,,1,20240101\n"
      "u-5,7,Network activity,ip-src,192.0.2.9,context only,0,20240101\n";
  Pack p = NewPack();
  ImportReport r;
  ImportMispCsv(csv, "m.csv", ImportOptions{}, &p, &r);
  EXPECT_EQ(r.seen, 4u);
  EXPECT_EQ(r.skipped, 1u);  // to_ids=0
  EXPECT_EQ(r.imported, 3u);
  EXPECT_EQ(FindRefusal(r, "u-4").category, "MISP type email-src");
  EXPECT_EQ(Find(p, "misp-u-1")->title, "C2, primary");
  auto set = FinalizeImport(&p, &r);
  ASSERT_NE(set, nullptr);
  Event e;
  ASSERT_TRUE(IpAddr::Parse("203.0.113.5", &e.src));  // ip-dst must not match the source
  ASSERT_TRUE(IpAddr::Parse("198.51.100.7", &e.dst));
  EXPECT_EQ(Matches(*set, e), V({"misp-u-2@dst_ip"}));
}

}  // namespace
}  // namespace kizashi::patterns
