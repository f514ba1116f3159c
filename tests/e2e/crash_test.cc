// Crash test (DESIGN.md §5, file mode): `kizashi run` is killed with SIGKILL at random points
// while it replays generated traffic, and restarted each time. The set of documents it
// writes (notifications, escalations, observations, late events, dead letters) must equal
// the set an uninterrupted run writes: none lost, none different. Duplicates of the last
// uncommitted batch are allowed (outputs are flushed before the state commit), so the
// comparison is on sets.
//
// Default: 200,000 records and 5 kills. KIZASHI_LONG=1: 1,000,000 records and 20 kills.
// A second test repeats it with a memory bound far below the live keys (eviction).
// The kill delays are seeded (KIZASHI_CRASH_SEED, default 42) and printed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "bench/traffic/generator.h"
#include "engine/common/strings.h"
#include "tests/testing/testing.h"

namespace kizashi {
namespace {

namespace fs = std::filesystem;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

pid_t Spawn(const std::string& data, const std::string& run_dir,
            const std::vector<std::string>& sets = {}) {
  std::vector<std::string> args = {KIZASHI_BIN,
                                   "run",
                                   "--config",
                                   data + "/kizashi.yaml",
                                   "--set",
                                   "state.dir=" + run_dir + "/state",
                                   "--set",
                                   "output_dir=" + run_dir + "/out",
                                   "--set",
                                   "log.level=warn"};
  for (const auto& x : sets) {
    args.push_back("--set");
    args.push_back(x);
  }
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Processing-time fields, if a document kind ever carries one, are not compared.
std::string Normalize(std::string line) {
  for (const char* key : {"\"emitted_at\":\"", "\"ingested_at\":\""}) {
    size_t p = line.find(key);
    if (p == std::string::npos) continue;
    size_t end = line.find('"', p + std::strlen(key));
    if (end == std::string::npos) continue;
    size_t cut = end + 1 < line.size() && line[end + 1] == ',' ? end + 2 : end + 1;
    line.erase(p, cut - p);
  }
  return line;
}

struct Outputs {
  std::map<std::string, std::set<std::string>> docs;  // file -> distinct documents
  uint64_t lines = 0;
  uint64_t malformed = 0;
};

Outputs ReadOutputs(const std::string& dir) {
  Outputs o;
  if (!fs::exists(dir)) return o;
  for (const auto& f : fs::directory_iterator(dir)) {
    std::ifstream in(f.path());
    std::string line;
    auto& set = o.docs[f.path().filename().string()];
    while (std::getline(in, line)) {
      ++o.lines;
      if (line.empty() || line.front() != '{' || line.back() != '}') ++o.malformed;
      set.insert(Normalize(line));
    }
  }
  return o;
}

// Replays generated traffic uninterrupted, then again with kills; `crash_sets` configure only
// the interrupted run (e.g. a tiny memory bound: its output must still be the same).
void CrashReplay(const std::vector<std::string>& crash_sets) {
  const bool long_run = std::getenv("KIZASHI_LONG") && std::string(std::getenv("KIZASHI_LONG")) == "1";
  const uint64_t events = long_run ? 1'000'000 : 200'000;
  const int kills = long_run ? 20 : 5;
  uint64_t seed = 42;
  if (const char* s = std::getenv("KIZASHI_CRASH_SEED")) ParseInt(std::string_view(s), &seed);
  std::string dir = testing::MakeTempDir("crash");
  std::string data = dir + "/data";
  traffic::GenOptions go;
  go.events = events;
  go.seed = 11;
  uint64_t eve = 0, sys = 0;
  ASSERT_TRUE(traffic::Generator::WriteDirectory(go, data, false, &eve, &sys).ok());

  // The uninterrupted run, and how long a run that has nothing left to do takes (start-up).
  int64_t t0 = NowMs();
  ASSERT_EQ(WaitExit(Spawn(data, dir + "/ref")), 0);
  int64_t ref_ms = NowMs() - t0;
  t0 = NowMs();
  ASSERT_EQ(WaitExit(Spawn(data, dir + "/ref")), 0);
  int64_t startup_ms = NowMs() - t0;
  Outputs ref = ReadOutputs(dir + "/ref/out");
  ASSERT_GT(ref.lines, 100u);
  ASSERT_EQ(ref.malformed, 0u);

  // Kill points: K random fractions of the uninterrupted run's output (sorted), each plus a
  // random 0-4 ms: the run is killed once its output has grown past the point, so every kill
  // lands mid-replay whatever the machine's speed, at a random place in the batch cycle
  // (processing, writing outputs, committing state).
  uint64_t rng = seed;
  auto next = [&rng]() {
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  auto out_bytes = [](const std::string& d) {
    uint64_t n = 0;
    std::error_code ec;
    if (!fs::exists(d, ec)) return n;
    for (const auto& f : fs::directory_iterator(d, ec)) n += f.file_size(ec);
    return n;
  };
  const uint64_t ref_bytes = out_bytes(dir + "/ref/out");
  std::vector<double> points;
  for (int k = 0; k < kills; ++k) points.push_back(0.05 + 0.9 * static_cast<double>(next() % 10000) / 10000.0);
  std::sort(points.begin(), points.end());
  int done_kills = 0;
  std::string where;
  bool finished = false;
  for (double p : points) {
    pid_t pid = Spawn(data, dir + "/crash", crash_sets);
    int status = 0;
    const uint64_t target = static_cast<uint64_t>(p * static_cast<double>(ref_bytes));
    while (true) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "run failed: " << status;
        finished = true;
        break;
      }
      if (out_bytes(dir + "/crash/out") >= target) break;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (finished) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(next() % 5));
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {  // it completed in those last milliseconds
      finished = true;
      break;
    }
    ++done_kills;
    StrAppend(&where, static_cast<int>(p * 100), "% ");
  }
  if (!finished) {
    ASSERT_EQ(WaitExit(Spawn(data, dir + "/crash", crash_sets)), 0);
  }
  std::string delays = where;
  std::printf("records %llu, reference %lld ms (start-up %lld ms), %d kills at output %s, seed %llu\n",
              static_cast<unsigned long long>(eve + sys), static_cast<long long>(ref_ms),
              static_cast<long long>(startup_ms), done_kills, delays.c_str(),
              static_cast<unsigned long long>(seed));
  EXPECT_EQ(done_kills, kills) << "the replay finished before every kill landed";

  Outputs got = ReadOutputs(dir + "/crash/out");
  EXPECT_EQ(got.malformed, 0u);
  EXPECT_GE(got.lines, ref.lines);
  ASSERT_EQ(got.docs.size(), ref.docs.size());
  for (const auto& [file, want] : ref.docs) {
    const auto& have = got.docs[file];
    std::vector<std::string> lost, extra;
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(lost));
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(extra));
    EXPECT_TRUE(lost.empty()) << file << ": " << lost.size() << " document(s) lost, e.g. "
                              << (lost.empty() ? "" : lost[0].substr(0, 300));
    EXPECT_TRUE(extra.empty()) << file << ": " << extra.size() << " document(s) not in the "
                               << "uninterrupted run, e.g. " << (extra.empty() ? "" : extra[0].substr(0, 300));
  }
  if (!::testing::Test::HasFailure()) testing::RemoveTree(dir);
}

TEST(Crash, KillNineDuringReplayLosesNoDocument) { CrashReplay({}); }

// The same with 50 keys in memory per partition and frequent write-behind checkpoints:
// evictions, fault-ins, expiry of cold keys and checkpoints interleave with the kills, and
// the output is still the unbounded run's.
TEST(Crash, KillNineWithATinyMemoryBoundLosesNoDocument) {
  CrashReplay({"correlate.max_keys_in_memory=50", "correlate.checkpoint_min_bytes=16384"});
}

}  // namespace
}  // namespace kizashi
