// Helpers shared by the patterns tests: compile a pack from YAML text, build events whose
// fields are views into caller-owned strings, and list what matched as "entry@field".
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/common/strings.h"
#include "patterns/compile/pattern_set.h"
#include "patterns/pack/pack.h"

namespace kizashi::patterns::testutil {

inline std::shared_ptr<const PatternSet> CompileYaml(std::string_view yaml, Diagnostics* d,
                                                     const CompileOptions& o = {}) {
  Pack p = ParsePackText(yaml, "test.yaml", d);
  std::vector<Pack> packs;
  packs.push_back(std::move(p));
  return PatternSet::Compile(packs, d, o);
}

// Events hold views: the strings passed in must outlive the event.
inline Event MakeEvent(std::initializer_list<std::pair<FieldId, std::string_view>> fields) {
  Event e;
  for (const auto& [f, v] : fields) e.set_field(f, v);
  return e;
}

inline std::vector<std::string> Matches(const PatternSet& set, const Event& e,
                                        Scanner* scanner = nullptr) {
  Scanner local;
  Scanner& s = scanner ? *scanner : local;
  EXPECT_TRUE(s.Prepare(set).ok());
  std::vector<Match> out;
  EXPECT_TRUE(s.ScanEvent(set, e, &out).ok());
  std::vector<std::string> ids;
  for (const auto& m : out) {
    ids.push_back(StrCat(set.entries()[m.entry].entry_id, "@", FieldName(m.field)));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// True when some diagnostic for `id` has a reason containing `needle`.
inline bool HasDiag(const Diagnostics& d, std::string_view id, std::string_view needle) {
  for (const auto& x : d.items()) {
    if (x.object_id == id && x.reason.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace kizashi::patterns::testutil
