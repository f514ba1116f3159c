// Semantic check of the compile path against Hyperscan's own regression suite (hscollider
// test cases in ../shared/data/hyperscan-testcases): every pattern goes through the pack
// parser, PatternSet::Compile and the Scanner exactly as a government pack would, and
//   - each corpus case must match (or not) as the suite expects;
//   - each pattern Hyperscan must refuse (bad_patterns.txt) must be refused, the diagnostic
//     naming the entry and carrying Hyperscan's message.
// Patterns using features a pack cannot express (prefilter/SOM/combination flags, extended
// parameters such as min_offset or edit distance, empty matches) are counted and skipped.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "engine/common/file_util.h"
#include "patterns/import/import.h"
#include "tests/testing/testing.h"
#include "tests/unit/patterns/pattern_test_util.h"

namespace kizashi::patterns {
namespace {

namespace fs = std::filesystem;

struct CasePattern {
  std::string id;
  std::string regex;
  EntryFlags flags;
  bool representable = true;
};

// "id:/regex/flags" (flags may end with {ext params}).
bool ParsePatternLine(std::string_view line, CasePattern* p) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || line.size() < colon + 3 || line[colon + 1] != '/') {
    return false;
  }
  p->id = std::string(line.substr(0, colon));
  std::string_view rest = line.substr(colon + 1);
  size_t brace = rest.rfind('{');
  size_t last = rest.rfind('/');
  if (brace != std::string_view::npos && brace > last) {
    p->representable = false;  // extended parameters
    rest = rest.substr(0, brace);
    last = rest.rfind('/');
  }
  if (last == 0) return false;
  p->regex = std::string(rest.substr(1, last - 1));
  bool ucp = false;
  for (char c : rest.substr(last + 1)) {
    switch (c) {
      case 'i': p->flags.caseless = true; break;
      case 's': p->flags.dotall = true; break;
      case 'm': p->flags.multiline = true; break;
      case '8': p->flags.utf8 = true; break;
      case 'W': ucp = true; break;
      case 'H': case 'O': break;  // single match (always on in packs) / ordering: no effect
      default: p->representable = false;  // V P L C Q: not expressible in a pack
    }
  }
  if (ucp) {
    if (!p->flags.utf8) p->representable = false;
    p->flags.ucp = true;
  }
  // A pack is YAML, i.e. Unicode text: a regex that is not valid UTF-8 cannot be written in
  // one (bytes are written \xHH in the regex instead).
  for (size_t i = 0; i < p->regex.size();) {
    unsigned char c = static_cast<unsigned char>(p->regex[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= p->regex.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(p->regex[i + k]) & 0xc0) == 0x80;
    if (!ok) {
      p->representable = false;
      break;
    }
    i += n;
  }
  return true;
}

// Unescapes a corpus input: \xHH, \n, \r, \t, \\, \".
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    char c = s[++i];
    if (c == 'x' && i + 2 < s.size() + 1) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (c == 'n') {
      out.push_back('\n');
    } else if (c == 'r') {
      out.push_back('\r');
    } else if (c == 't') {
      out.push_back('\t');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PackOf(const std::vector<CasePattern>& pats) {
  Pack p;
  p.id = "hscollider";
  p.version = "1";
  p.issuer = "test";
  for (const auto& c : pats) {
    PackEntry e;
    e.id = "p" + c.id;
    e.expr_type = ExprType::kRegex;
    e.expression = c.regex;
    e.flags = c.flags;
    e.fields = {FieldId::kMessage};
    p.entries.push_back(e);
  }
  return WritePackYaml(p);
}

// Run twice: with the default compile options (regexes with a selective literal are
// prefiltered by it and confirmed by PCRE2) and with every regex compiled into Hyperscan.
class HyperscanCorpora : public ::testing::TestWithParam<int64_t> {};

TEST_P(HyperscanCorpora, MatchAsExpected) {
  KZ_SKIP_WITHOUT_SHARED_DATA("hyperscan-testcases/pcre/anchors.txt");
  CompileOptions options;
  options.prefilter_min_literal = GetParam();
  uint64_t confirmed_mode = 0;
  const std::string dir = testing::SharedDataPath("hyperscan-testcases");
  uint64_t patterns = 0, skipped = 0, empty_rejected = 0, other_rejected = 0;
  uint64_t cases = 0, agree = 0, skipped_cases = 0;
  for (const auto& ent : fs::directory_iterator(dir + "/pcre")) {
    const std::string name = ent.path().filename().string();
    std::string corpus_path = dir + "/corpora/" + name;
    if (!fs::exists(corpus_path)) continue;
    std::vector<CasePattern> pats;
    const std::string pattern_text = *ReadFile(ent.path());
    for (std::string_view line : Split(pattern_text, '\n')) {
      if (line.empty() || line[0] == '#') continue;
      CasePattern p;
      if (!ParsePatternLine(line, &p)) continue;
      ++patterns;
      if (!p.representable) {
        ++skipped;
        continue;
      }
      pats.push_back(p);
    }
    if (pats.empty()) continue;
    // Through the pack format: write YAML, parse it, compile; entries the validator rejects
    // are removed (as an importer would) and counted by reason. Patterns are compiled in
    // groups of 24 (several entries per database, as in service), UTF-8 ones alone: a
    // combined Hyperscan compile of big Unicode classes takes minutes, and grouping does not
    // change what any single pattern matches.
    std::vector<std::shared_ptr<const PatternSet>> sets;
    std::map<std::string, std::pair<size_t, uint32_t>> index;  // entry id -> (set, entry)
    std::vector<std::vector<CasePattern>> groups(1);
    for (const auto& p : pats) {
      if (p.flags.utf8) {
        groups.push_back({p});
        continue;
      }
      if (groups.front().size() == 24) groups.insert(groups.begin(), std::vector<CasePattern>());
      groups.front().push_back(p);
    }
    for (const auto& group : groups) {
      if (group.empty()) continue;
      Diagnostics d;
      Pack pack = ParsePackText(PackOf(group), name, &d);
      ASSERT_FALSE(d.has_errors()) << name << "\n" << d.ToText();
      ImportReport report;
      auto set = FinalizeImport(&pack, &report, options);
      if (set) confirmed_mode += set->stats().confirmed_regex_entries;
      for (const auto& r : report.refused) {
        if (r.category == "matches empty") ++empty_rejected;
        else ++other_rejected;
      }
      if (set == nullptr) continue;
      for (uint32_t i = 0; i < set->entries().size(); ++i) {
        index[set->entries()[i].entry_id] = {sets.size(), i};
      }
      sets.push_back(set);
    }
    std::vector<Scanner> scanners(sets.size());
    for (size_t k = 0; k < sets.size(); ++k) ASSERT_TRUE(scanners[k].Prepare(*sets[k]).ok());
    const std::string corpus_text = *ReadFile(corpus_path);
    for (std::string_view line : Split(corpus_text, '\n')) {
      size_t eq = line.find("=\"");
      size_t end = line.rfind("\":");
      if (eq == std::string_view::npos || end == std::string_view::npos || end < eq) continue;
      std::string id = "p" + std::string(line.substr(0, eq));
      auto it = index.find(id);
      if (it == index.end()) {
        ++skipped_cases;  // pattern skipped or rejected above
        continue;
      }
      std::string input = Unescape(line.substr(eq + 2, end - eq - 2));
      bool expected = !StripWhitespace(line.substr(end + 2)).empty();
      Event e;
      e.set_field(FieldId::kMessage, input);
      std::vector<Match> out;
      const auto [set_no, entry] = it->second;
      ASSERT_TRUE(scanners[set_no].ScanEvent(*sets[set_no], e, &out).ok());
      bool got = std::any_of(out.begin(), out.end(), [&](const Match& m) { return m.entry == entry; });
      ++cases;
      if (got == expected) {
        ++agree;
      } else if (!input.empty()) {
        ADD_FAILURE() << name << " " << id << " on \"" << line.substr(eq + 2, end - eq - 2)
                      << "\": expected " << (expected ? "a match" : "no match");
      } else {
        ++agree;  // an empty field is not scanned: only empty-matching patterns could match it
      }
    }
  }
  std::cout << "hscollider (prefilter_min_literal=" << GetParam() << ", " << confirmed_mode
            << " regexes confirmed by PCRE2): " << patterns << " patterns (" << skipped
            << " not expressible in a pack, " << empty_rejected
            << " rejected as empty-matching, " << other_rejected << " rejected otherwise); "
            << agree << "/" << cases << " corpus cases agree, " << skipped_cases
            << " cases of skipped patterns\n";
  EXPECT_GT(cases, 5000u);
  EXPECT_EQ(agree, cases);
  if (GetParam() == 0) {
    EXPECT_EQ(confirmed_mode, 0u);
  } else {
    EXPECT_GT(confirmed_mode, 100u);
  }
}

INSTANTIATE_TEST_SUITE_P(CompileModes, HyperscanCorpora, ::testing::Values(6, 0));

TEST(HyperscanCases, BadPatternsAreRefusedWithHyperscansReason) {
  KZ_SKIP_WITHOUT_SHARED_DATA("hyperscan-testcases/bad_patterns.txt");
  std::string text = *ReadFile(testing::SharedDataPath("hyperscan-testcases/bad_patterns.txt"));
  uint64_t checked = 0, skipped = 0;
  for (std::string_view line : Split(text, '\n')) {
    size_t hash = line.rfind(" #");
    if (line.empty() || hash == std::string_view::npos) continue;
    std::string expected(StripWhitespace(line.substr(hash + 2)));
    // Drop Hyperscan's "at index N" position (kizashi prefixes its own context).
    size_t at = expected.find(" at index");
    if (at != std::string::npos) expected.resize(at);
    if (!expected.empty() && expected.back() == '.') expected.pop_back();
    CasePattern p;
    if (!ParsePatternLine(StripWhitespace(line.substr(0, hash)), &p)) continue;
    if (!p.representable) {
      ++skipped;
      continue;
    }
    Diagnostics d;
    auto set = testutil::CompileYaml(PackOf({p}), &d);
    EXPECT_EQ(set, nullptr) << line;
    bool named = false;
    for (const auto& x : d.items()) {
      if (x.object_id == "p" + p.id && x.reason.find(expected) != std::string::npos) named = true;
    }
    // A few refusals come from kizashi's own rules first (empty-matching, repeat limit).
    bool own = testutil::HasDiag(d, "p" + p.id, "empty string") ||
               testutil::HasDiag(d, "p" + p.id, "resource limit");
    EXPECT_TRUE(named || own) << line << "\n" << d.ToText();
    ++checked;
  }
  std::cout << "bad_patterns: " << checked << " refused as expected, " << skipped
            << " not expressible in a pack\n";
  EXPECT_GT(checked, 80u);
}

}  // namespace
}  // namespace kizashi::patterns
