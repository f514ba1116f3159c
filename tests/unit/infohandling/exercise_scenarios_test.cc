// Every shipped exercise scenario (deploy/exercises/scenarios, one per Annex 4 case) runs end
// to end against deploy/exercises/kizashi.yaml: its expectations hold, every document is
// tagged `exercise`, and none reaches a non-exercise destination.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "engine/exercise/exercise.h"
#include "tests/testing/testing.h"

namespace kizashi::exercise {
namespace {

namespace fs = std::filesystem;

TEST(ExerciseScenarios, EveryAnnex4ScenarioPasses) {
  std::string dir = testing::MakeTempDir("exercises");
  Diagnostics d;
  runtime::EngineConfig cfg = runtime::EngineConfig::Load(
      testing::SourcePath("deploy/exercises/kizashi.yaml"),
      {"state.dir=" + dir + "/state", "ledger.dir=" + dir + "/ledger", "output_dir=" + dir + "/out"},
      &d);
  cfg.Validate(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(testing::SourcePath("deploy/exercises/scenarios"))) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  // Annex 4 (a)-(d) and the three not-reportable classes.
  ASSERT_EQ(files.size(), 7u);
  std::set<std::string> cases;
  for (const auto& f : files) {
    Diagnostics sd;
    Scenario sc = LoadScenario(f, &sd);
    ASSERT_FALSE(sd.has_errors()) << sd.ToText();
    cases.insert(sc.annex4_case);
    auto r = RunExercise(cfg, sc, dir + "/work/" + sc.id, SystemClock::Get());
    ASSERT_TRUE(r.ok()) << f << ": " << r.status();
    EXPECT_TRUE(r->ok) << r->ToText();
    EXPECT_FALSE(r->observed.empty()) << f;
    EXPECT_EQ(r->untagged, 0u);
    EXPECT_EQ(r->outside_exercise, 0u);
  }
  for (const char* c : {"a", "b", "c", "d"}) EXPECT_EQ(cases.count(c), 1u) << c;
  for (const auto& e : fs::directory_iterator(dir + "/out")) {
    EXPECT_NE(e.path().filename().string().find(".exercise."), std::string::npos) << e.path();
  }
  testing::RemoveTree(dir);
}

}  // namespace
}  // namespace kizashi::exercise
