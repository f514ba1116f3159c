#include "tests/testing/testing.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace kizashi::testing {

namespace fs = std::filesystem;

std::string SourceDir() { return KIZASHI_SOURCE_DIR; }

std::string SourcePath(const std::string& rel) { return SourceDir() + "/" + rel; }

std::string SharedDataDir() {
  if (const char* env = std::getenv("KIZASHI_SHARED_DATA"); env != nullptr && *env) {
    return fs::is_directory(env) ? std::string(env) : std::string();
  }
  fs::path p = fs::path(SourceDir()).parent_path() / "shared" / "data";
  std::error_code ec;
  return fs::is_directory(p, ec) ? p.string() : std::string();
}

std::string SharedDataPath(const std::string& rel) {
  std::string dir = SharedDataDir();
  if (dir.empty()) return "";
  fs::path p = fs::path(dir) / rel;
  std::error_code ec;
  return fs::exists(p, ec) ? p.string() : std::string();
}

std::string SharedDataMissing(const std::string& what) {
  return "third-party test data not found: " + what +
         " (expected in ../shared/data next to the repository, or set KIZASHI_SHARED_DATA)";
}

std::string MakeTempDir(const std::string& tag) {
  const char* base = std::getenv("TMPDIR");
  std::random_device rd;
  fs::path p = fs::path(base ? base : "/tmp") /
               ("kizashi-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(p);
  return p.string();
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace kizashi::testing
