// Loading from files and directories, and reload: a good change is published, a bad one is
// rejected while the previous registry keeps serving. The watcher is driven with PollOnce
// (deterministic); the thread test waits on the publish callback, never on a sleep.
#include "engine/registry/loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "engine/common/file_util.h"
#include "engine/common/status.h"
#include "engine/config/schema.h"
#include "tests/testing/testing.h"

namespace kizashi::registry {
namespace {

constexpr const char* kSectors = R"(ministries:
  - {id: cas, name_en: Cabinet Secretariat, destination: cas, cabinet_secretariat: true}
  - {id: fsa, name_en: FSA, destination: ministry.fsa}
sectors:
  - {id: finance, name_en: Finance, ministry: fsa}
)";

std::string Operators(const std::string& net) {
  return R"(operators:
  - id: bank
    name: Bank
    sector: finance
    contact: {person: A, means: [{type: phone, value: "0300000001"}, {type: email, value: a@bank.example}]}
    critical_systems:
      - {id: core, networks: [)" + net + R"(]}
)";
}

// An operator whose contact has a single means: fails validation.
constexpr const char* kBadOperators = R"(operators:
  - id: bank
    name: Bank
    sector: finance
    contact: {person: A, means: [{type: phone, value: "0300000001"}]}
    critical_systems:
      - {id: core, networks: [10.9.0.0/16]}
)";

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = kizashi::testing::MakeTempDir("registry_loader");
    Write("00-sectors.yaml", kSectors);
    Write("10-operators.yaml", Operators("10.1.0.0/16"));
  }
  void TearDown() override { kizashi::testing::RemoveTree(dir_); }

  void Write(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/" + name, text).ok());
  }
  // Gives a file a distinct mtime so that a same-size rewrite is seen as a change even on
  // file systems with coarse timestamps.
  void Touch(const std::string& name, int64_t seconds) {
    namespace fs = std::filesystem;
    fs::last_write_time(dir_ + "/" + name,
                        fs::file_time_type(std::chrono::seconds(seconds)));
  }
  bool Resolves(const Registry& r, const char* addr) {
    IpAddr a;
    IpAddr::Parse(addr, &a);
    return r.ResolveAddress(r.FindOperator("bank"), a).kind == TargetKind::kCriticalSystem;
  }
  RegistryConfig Config() {
    RegistryConfig c;
    c.paths = {dir_};
    c.watch_interval_ns = 0;
    return c;
  }

  std::string dir_;
};

TEST_F(LoaderTest, LoadsADirectoryInNameOrder) {
  Diagnostics d;
  auto reg = Registry::Load({dir_}, &d);
  ASSERT_TRUE(reg.ok()) << reg.status();
  ASSERT_EQ((*reg)->sources().size(), 2u);
  EXPECT_EQ((*reg)->sources()[0].path, dir_ + "/00-sectors.yaml");
  EXPECT_EQ((*reg)->sources()[1].path, dir_ + "/10-operators.yaml");
  EXPECT_TRUE(Resolves(**reg, "10.1.0.1"));
}

TEST_F(LoaderTest, LoadReportsEveryProblemAcrossFiles) {
  Write("20-more.yaml", "operators:\n  - id: bank\n    name: Again\n    sector: finance\n");
  Write("notes.txt", "not a registry file: ignored");
  Diagnostics d;
  auto reg = Registry::Load({dir_, dir_ + "/missing.yaml"}, &d);
  ASSERT_FALSE(reg.ok());
  const std::string text = d.ToText();
  EXPECT_NE(text.find(dir_ + "/missing.yaml: error: registry path does not exist"),
            std::string::npos) << text;
  EXPECT_NE(text.find(dir_ + "/20-more.yaml:2: error: [bank] duplicate operator id 'bank' (first "
                             "defined at " + dir_ + "/10-operators.yaml:2)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(dir_ + "/20-more.yaml:2: error: [bank] missing 'contact'"),
            std::string::npos) << text;
  EXPECT_EQ(d.error_count(), 3u) << text;
  EXPECT_NE(std::string(reg.status().message()).find("3 error(s)"), std::string::npos);
}

TEST_F(LoaderTest, EmptyDirectoryIsAnError) {
  std::string empty = kizashi::testing::MakeTempDir("registry_empty");
  Diagnostics d;
  EXPECT_FALSE(Registry::Load({empty}, &d).ok());
  EXPECT_NE(d.ToText().find("holds no *.yaml or *.yml file"), std::string::npos) << d.ToText();
  kizashi::testing::RemoveTree(empty);
}

TEST_F(LoaderTest, VersionIsTheContentNotThePath) {
  Diagnostics d;
  auto a = Registry::Load({dir_}, &d);
  std::string copy = kizashi::testing::MakeTempDir("registry_copy");
  ASSERT_TRUE(WriteFileAtomic(copy + "/a.yaml", kSectors).ok());
  ASSERT_TRUE(WriteFileAtomic(copy + "/b.yaml", Operators("10.1.0.0/16")).ok());
  auto b = Registry::Load({copy}, &d);
  ASSERT_TRUE(a.ok() && b.ok()) << d.ToText();
  EXPECT_EQ((*a)->version(), (*b)->version());
  ASSERT_TRUE(WriteFileAtomic(copy + "/b.yaml", Operators("10.2.0.0/16")).ok());
  auto c = Registry::Load({copy}, &d);
  ASSERT_TRUE(c.ok());
  EXPECT_NE((*a)->version(), (*c)->version());
  kizashi::testing::RemoveTree(copy);
}

TEST_F(LoaderTest, ReloadPublishesGoodAndRejectsBadKeepingTheOldOne) {
  std::vector<std::shared_ptr<const Registry>> published;
  RegistryLoader loader(Config(), [&](std::shared_ptr<const Registry> r) {
    published.push_back(std::move(r));
  });
  EXPECT_EQ(loader.current(), nullptr);

  // Start-up load.
  auto first = loader.Reload();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, ReloadOutcome::kPublished);
  ASSERT_EQ(published.size(), 1u);
  auto v1 = loader.current();
  EXPECT_TRUE(Resolves(*v1, "10.1.0.1"));

  // Same files again: nothing published.
  auto again = loader.Reload();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, ReloadOutcome::kUnchanged);
  EXPECT_EQ(published.size(), 1u);

  // A bad registry is rejected; the old one keeps serving.
  Write("10-operators.yaml", kBadOperators);
  Diagnostics d;
  auto bad = loader.Reload(&d);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(d.ToText().find("[bank] operator 'bank' has 1 distinct contact means"),
            std::string::npos) << d.ToText();
  EXPECT_EQ(published.size(), 1u);
  EXPECT_EQ(loader.current(), v1);
  EXPECT_TRUE(Resolves(*loader.current(), "10.1.0.1"));
  EXPECT_FALSE(Resolves(*loader.current(), "10.9.0.1"));

  // A fixed registry is published.
  Write("10-operators.yaml", Operators("10.2.0.0/16"));
  auto fixed = loader.Reload();
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(*fixed, ReloadOutcome::kPublished);
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1], loader.current());
  EXPECT_FALSE(Resolves(*loader.current(), "10.1.0.1"));
  EXPECT_TRUE(Resolves(*loader.current(), "10.2.0.1"));
  // The old registry is still intact for batches that pinned it.
  EXPECT_TRUE(Resolves(*v1, "10.1.0.1"));

  auto s = loader.stats();
  EXPECT_EQ(s.attempts, 4u);
  EXPECT_EQ(s.published, 2u);
  EXPECT_EQ(s.unchanged, 1u);
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(s.version, loader.current()->version());
  EXPECT_NE(s.last_error.find("distinct contact means"), std::string::npos);
}

TEST_F(LoaderTest, StartUpWithABadRegistryPublishesNothing) {
  Write("10-operators.yaml", kBadOperators);
  int published = 0;
  RegistryLoader loader(Config(), [&](std::shared_ptr<const Registry>) { ++published; });
  EXPECT_FALSE(loader.Reload().ok());
  EXPECT_EQ(published, 0);
  EXPECT_EQ(loader.current(), nullptr);
}

TEST_F(LoaderTest, WarningsAsErrors) {
  // An internal_only system without home networks is a warning.
  Write("10-operators.yaml", R"(operators:
  - id: bank
    name: Bank
    sector: finance
    contact: {person: A, means: [{type: phone, value: "0300000001"}, {type: email, value: a@bank.example}]}
    critical_systems:
      - {id: core, internal_only: true, networks: [10.1.0.0/16]}
)");
  RegistryConfig lenient = Config();
  RegistryLoader a(lenient, nullptr);
  Diagnostics d;
  EXPECT_TRUE(a.Reload(&d).ok());
  EXPECT_EQ(d.error_count(), 0u);
  EXPECT_EQ(d.size(), 1u) << d.ToText();

  RegistryConfig strict = Config();
  strict.warnings_as_errors = true;
  RegistryLoader b(strict, nullptr);
  auto r = b.Reload();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("warnings_as_errors"), std::string::npos);
  EXPECT_EQ(b.current(), nullptr);
}

TEST_F(LoaderTest, PollOnceReloadsOnlyWhenFilesChange) {
  int published = 0;
  RegistryLoader loader(Config(), [&](std::shared_ptr<const Registry>) { ++published; });
  // Nothing loaded yet: the first poll loads.
  EXPECT_TRUE(loader.PollOnce());
  EXPECT_EQ(published, 1);
  EXPECT_FALSE(loader.PollOnce());  // no change

  // Bad edit: attempted once, rejected, not retried until the files change again.
  Write("10-operators.yaml", kBadOperators);
  Touch("10-operators.yaml", 1000);
  Diagnostics d;
  EXPECT_TRUE(loader.PollOnce(&d));
  EXPECT_TRUE(d.has_errors());
  EXPECT_FALSE(loader.PollOnce());
  EXPECT_EQ(published, 1);
  EXPECT_EQ(loader.stats().rejected, 1u);

  // Fix with the same size as the serving file but another mtime.
  Write("10-operators.yaml", Operators("10.3.0.0/16"));
  Touch("10-operators.yaml", 2000);
  EXPECT_TRUE(loader.PollOnce());
  EXPECT_EQ(published, 2);
  EXPECT_TRUE(Resolves(*loader.current(), "10.3.0.1"));

  // A new file in the directory is a change.
  Write("20-provider.yaml", "it_providers:\n  - {id: itco, name: IT Co, serves: [bank]}\n");
  EXPECT_TRUE(loader.PollOnce());
  EXPECT_EQ(published, 3);
  EXPECT_NE(loader.current()->FindProvider("itco"), kNone);

  // Removing it is a change too.
  std::filesystem::remove(dir_ + "/20-provider.yaml");
  EXPECT_TRUE(loader.PollOnce());
  EXPECT_EQ(published, 4);
  EXPECT_EQ(loader.current()->FindProvider("itco"), kNone);
}

TEST_F(LoaderTest, WatcherThreadPublishesChanges) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> versions;
  RegistryConfig c = Config();
  c.watch_interval_ns = 10'000'000;  // 10ms
  RegistryLoader loader(c, [&](std::shared_ptr<const Registry> r) {
    std::lock_guard<std::mutex> lock(mu);
    versions.push_back(r->version());
    cv.notify_all();
  });
  ASSERT_TRUE(loader.Reload().ok());
  loader.StartWatching();
  loader.StartWatching();  // idempotent
  Write("10-operators.yaml", Operators("10.4.0.0/16"));
  Touch("10-operators.yaml", 3000);
  {
    std::unique_lock<std::mutex> lock(mu);
    // Synchronises on the publication; the bound only keeps a broken build from hanging.
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return versions.size() >= 2; }));
  }
  loader.StopWatching();
  loader.StopWatching();  // idempotent
  EXPECT_TRUE(Resolves(*loader.current(), "10.4.0.1"));
  EXPECT_NE(versions[0], versions[1]);
}

TEST(RegistryConfig, DeclaresItsKeys) {
  RegistryConfig c;
  config::Schema s;
  s.Section("registry", [&](config::Schema& r) { RegistryConfig::Declare(r, &c); });
  Diagnostics d;
  s.ApplyText("registry:\n  paths: [a.yaml, dir]\n  watch_interval: 30s\n"
              "  warnings_as_errors: true\n",
              "kizashi.yaml", &d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();
  EXPECT_EQ(c.paths, (std::vector<std::string>{"a.yaml", "dir"}));
  EXPECT_EQ(c.watch_interval_ns, int64_t{30'000'000'000});
  EXPECT_TRUE(c.warnings_as_errors);
  Diagnostics bad;
  s.ApplyText("registry:\n  watch_interval: 2h\n", "kizashi.yaml", &bad);
  EXPECT_TRUE(bad.has_errors());  // bound: at most 1h
  Diagnostics off;
  s.ApplyText("registry:\n  watch_interval: 0\n", "kizashi.yaml", &off);
  EXPECT_FALSE(off.has_errors()) << off.ToText();
  EXPECT_EQ(c.watch_interval_ns, 0);
}

TEST(RegistryPaths, NoPathsIsAnError) {
  Diagnostics d;
  EXPECT_TRUE(ExpandRegistryPaths({}, &d).empty());
  EXPECT_NE(d.ToText().find("[registry.paths] no registry files or directories configured"),
            std::string::npos) << d.ToText();
}

}  // namespace
}  // namespace kizashi::registry
