// A hostile feed: a 50 000-entry pack generated here (seeded), with bad entries planted at
// known lines. Every bad entry must be reported with its line, id and the right reason, no
// good entry may be blamed, and nothing is built; without the bad entries the same pack
// compiles and matches what it says.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "patterns/load/loader.h"
#include "tests/unit/patterns/pattern_test_util.h"

namespace kizashi::patterns {
namespace {

struct Planted {
  std::string id;
  std::string yaml;    // the entry's lines after "  - id: ..."
  std::string reason;  // expected substring of the diagnostic
};

// Entry i of the generated pack: mostly literals, every fifth a regex, every fiftieth a hex
// signature. Tokens are unique per entry so each can be matched alone.
std::string Token(uint32_t i, std::mt19937* rng) {
  static const char kAlpha[] = "abcdefghijklmnopqrstuvwxyz";
  std::string t;
  for (int k = 0; k < 6; ++k) t.push_back(kAlpha[(*rng)() % 26]);
  return StrCat(t, "-", i);
}

struct Generated {
  std::string yaml;
  std::map<std::string, int> line_of;  // entry id -> line of "- id:"
  std::vector<std::string> tokens;     // literal token of each literal entry
};

Generated Generate(uint32_t n, const std::vector<Planted>& planted, uint32_t every) {
  std::mt19937 rng(20240301);
  Generated g;
  g.yaml = "pack:\n  id: hostile\n  version: \"1\"\n  issuer: test\nentries:\n";
  int line = 6;
  size_t next_planted = 0;
  auto add = [&](const std::string& id, const std::string& body) {
    g.line_of[id] = line;
    g.yaml += StrCat("  - id: ", id, "\n", body);
    line += 1 + static_cast<int>(std::count(body.begin(), body.end(), '\n'));
  };
  for (uint32_t i = 0; i < n; ++i) {
    if (every > 0 && i % every == every - 1 && next_planted < planted.size()) {
      add(planted[next_planted].id, planted[next_planted].yaml);
      ++next_planted;
      continue;
    }
    std::string tok = Token(i, &rng);
    if (i % 50 == 0) {
      std::string hex;
      for (char c : tok) hex += StrCat(std::string(1, "0123456789abcdef"[(c >> 4) & 15]),
                                      std::string(1, "0123456789abcdef"[c & 15]));
      add(StrCat("h", i), StrCat("    hex: \"", hex.substr(0, 8), "??", hex.substr(10), "\"\n"));
    } else if (i % 5 == 0) {
      add(StrCat("r", i), StrCat("    regex: '", tok, "=\\d{2,4}\\b'\n    fields: [message]\n"));
    } else {
      add(StrCat("l", i), StrCat("    literal: \"", tok, "\"\n    fields: [message]\n"));
      g.tokens.push_back(tok);
    }
  }
  return g;
}

const std::vector<Planted>& Hostile() {
  static const std::vector<Planted> kPlanted = {
      {"bad-syntax", "    regex: 'abc(def'\n", "Hyperscan rejects"},
      {"bad-backref", "    regex: '(ab)c\\1'\n", "Hyperscan rejects"},
      {"bad-lookbehind", "    regex: '(?<=admin)x'\n", "Hyperscan rejects"},
      {"bad-repeat", "    regex: 'x{200000}'\n", "resource limit: bounded repeat"},
      {"bad-empty", "    regex: '(?:abc)?'\n", "empty string"},
      {"bad-never", "    regex: 'a[^\\x00-\\xff]b'\n", "never match"},
      {"bad-huge", StrCat("    literal: \"", std::string(70000, 'A'), "\"\n"), "resource limit: expression"},
      {"bad-flag", "    regex: x\n    flags: [ucp]\n", "requires 'utf8'"},
      {"bad-field", "    regex: x\n    fields: [packets]\n", "unknown event field"},
      {"bad-kind", "    kind: worm\n    regex: x\n", "unknown kind"},
      {"bad-hex", "    hex: \"41424\"\n", "odd number of hex digits"},
      {"bad-rule", "    rule:\n      match:\n        - {field: payload, content: \"x\", negated: true}\n",
       "nothing can nominate"},
  };
  return kPlanted;
}

TEST(HostileFeed, FiftyThousandEntriesWithPlantedErrors) {
  Generated g = Generate(50000, Hostile(), 4000);
  Diagnostics d;
  Pack pack = ParsePackText(g.yaml, "hostile.yaml", &d);
  auto set = PatternSet::Compile({pack}, &d);
  EXPECT_EQ(set, nullptr);
  for (const auto& p : Hostile()) {
    bool found = false;
    for (const auto& x : d.items()) {
      if (x.object_id != p.id || x.severity != kizashi::Severity::kError) continue;
      EXPECT_EQ(x.file, "hostile.yaml");
      // The line is the entry's or, for a bad key, that key's (on the next lines).
      EXPECT_GE(x.line, g.line_of[p.id]) << p.id;
      EXPECT_LE(x.line, g.line_of[p.id] + 3) << p.id;
      if (x.reason.find(p.reason) != std::string::npos) found = true;
    }
    EXPECT_TRUE(found) << p.id << " not reported with '" << p.reason << "'\n"
                       << d.ToText().substr(0, 3000);
  }
  for (const auto& x : d.items()) {
    if (x.severity == kizashi::Severity::kError) {
      EXPECT_EQ(x.object_id.substr(0, 4), "bad-") << x.reason;
    }
  }
}

TEST(HostileFeed, FiftyThousandGoodEntriesCompileAndMatch) {
  Generated g = Generate(50000, {}, 0);
  Diagnostics d;
  Pack pack = ParsePackText(g.yaml, "big.yaml", &d);
  ASSERT_EQ(pack.entries.size(), 50000u);
  auto set = PatternSet::Compile({pack}, &d);
  ASSERT_NE(set, nullptr) << d.ToText().substr(0, 2000);
  std::cout << "50k-entry pack: " << set->stats().database_bytes << " database bytes, compiled in "
            << set->stats().compile_ns / 1000000 << " ms\n";
  // A literal entry matches its own token and nothing else; entry ids are l<i>.
  Scanner s;
  ASSERT_TRUE(s.Prepare(*set).ok());
  for (size_t k = 0; k < g.tokens.size(); k += 997) {
    std::string text = StrCat("user ", g.tokens[k], " logged in");
    Event e;
    e.set_field(FieldId::kMessage, text);
    std::vector<Match> out;
    ASSERT_TRUE(s.ScanEvent(*set, e, &out).ok());
    ASSERT_EQ(out.size(), 1u) << text;
    std::string id = set->entries()[out[0].entry].entry_id;
    EXPECT_EQ(id.substr(0, 1), "l");
    EXPECT_EQ(id.substr(1), g.tokens[k].substr(g.tokens[k].find('-') + 1));
  }
  // The pack-size limit refuses the same pack as a whole, saying which limit.
  Diagnostics d2;
  CompileOptions o;
  o.max_entries_per_pack = 10000;
  EXPECT_EQ(PatternSet::Compile({pack}, &d2, o), nullptr);
  EXPECT_TRUE(testutil::HasDiag(d2, "hostile", "max_entries_per_pack is 10000")) << d2.ToText();
}

}  // namespace
}  // namespace kizashi::patterns
