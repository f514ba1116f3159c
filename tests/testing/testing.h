// Shared helpers for tests: where the repository and ../shared/data are, hermetic temp dirs.
#pragma once

#include <string>

namespace kizashi::testing {

// Absolute path of the repository root.
std::string SourceDir();
// Path of a file in the repository: SourcePath("deploy/demo/registry.yaml").
std::string SourcePath(const std::string& rel);
// The third-party data directory (../shared/data next to the repo, or $KIZASHI_SHARED_DATA).
// Empty when absent: callers GTEST_SKIP() << SharedDataMissing("what");
std::string SharedDataDir();
std::string SharedDataPath(const std::string& rel);  // empty if the file is absent
std::string SharedDataMissing(const std::string& what);
// A fresh empty directory under $TMPDIR, removed by the caller (or left for debugging).
std::string MakeTempDir(const std::string& tag);
void RemoveTree(const std::string& path);
std::string ReadFileOrDie(const std::string& path);

}  // namespace kizashi::testing

#define KZ_SKIP_WITHOUT_SHARED_DATA(rel)                                         \
  do {                                                                           \
    if (::kizashi::testing::SharedDataPath(rel).empty()) {                       \
      GTEST_SKIP() << ::kizashi::testing::SharedDataMissing(rel);                \
    }                                                                            \
  } while (0)
