// Operational behaviour of the runtime: metrics the pipeline exports (values derived by hand
// from the input), readiness transitions, reloads (success, failure, live and restart-only
// keys, file watch), per-batch snapshot pinning, and a stop mid-run that loses nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/config/schema.h"
#include "engine/runtime/consumer_probe.h"
#include "engine/runtime/file_runner.h"
#include "engine/runtime/pipeline_probe.h"
#include "engine/runtime/reloader.h"
#include "engine/runtime/snapshot_probe.h"
#include "engine/telemetry/endpoint.h"
#include "engine/telemetry/health.h"
#include "engine/telemetry/metrics.h"
#include "tests/testing/testing.h"
#include "tests/unit/runtime/ops_test_util.h"
#include "tests/unit/telemetry/test_util.h"

namespace kizashi::runtime {
namespace {

using kizashi::testing::OpsFixture;
using kizashi::testing::SampleValue;

// Eight records through three batches of at most three: five scan alerts from one source (one
// incident: reportable, finance sector), one line that is not JSON, one DNS query from an
// operator the registry does not know, one DNS query of the demo bank.
TEST(PipelineProbe, CountsDerivedFromTheInput) {
  OpsFixture fx("probe");
  std::vector<std::string> lines = kizashi::testing::ScanWaves(1);  // 5 alerts
  lines.push_back("this is not json");
  lines.push_back(kizashi::testing::DnsQuery(20, "nobody"));
  lines.push_back(kizashi::testing::DnsQuery(21));
  fx.WriteInput(lines);
  uint64_t bytes = 0;
  for (const auto& l : lines) bytes += l.size();
  fx.WriteConfig(3);
  Diagnostics d;
  EngineConfig cfg = fx.Load(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();

  telemetry::Metrics metrics;
  PipelineProbe probe(metrics, cfg);
  RunnerContext ctx;
  ctx.metrics = &metrics;
  ctx.probe = &probe;
  FileRunner runner(cfg, SystemClock::Get(), ctx);
  RunSummary summary;
  ASSERT_TRUE(runner.Run(true, &summary).ok());
  std::string m = metrics.Scrape();

  EXPECT_EQ(SampleValue(m, "kizashi_batches_total"), 3);
  EXPECT_EQ(SampleValue(m, "kizashi_records_consumed_total{input=\"sensors\"}"), 8);
  EXPECT_EQ(SampleValue(m, "kizashi_consumed_bytes_total{input=\"sensors\"}"),
            static_cast<double>(bytes));
  // Seven lines are JSON events (the unknown operator's too: enrichment dead-letters it).
  EXPECT_EQ(SampleValue(m, "kizashi_events_decoded_total"), 7);
  EXPECT_EQ(SampleValue(m, "kizashi_dead_letters_total{reason=\"malformed\"}"), 1) << m;
  EXPECT_EQ(SampleValue(m, "kizashi_dead_letters_total{reason=\"unknown_operator\"}"), 1);
  EXPECT_EQ(SampleValue(m, "kizashi_dead_letters_total{reason=\"too_large\"}"), 0);
  EXPECT_EQ(SampleValue(m, "kizashi_late_events_total"), 0);
  EXPECT_EQ(SampleValue(m, "kizashi_events_matched_total"), 5);
  EXPECT_EQ(SampleValue(m, "kizashi_pattern_matches_total{kind=\"attack_pattern\",pack=\"kizashi-demo\"}"), 5);
  EXPECT_EQ(SampleValue(m, "kizashi_incident_revisions_total{change=\"opened\",sector=\"finance\",verdict=\"attack_detected\"}"), 1);
  EXPECT_EQ(SampleValue(m, "kizashi_outputs_total{destination=\"ministry.fsa\",kind=\"notification\"}"), 1);
  EXPECT_EQ(SampleValue(m, "kizashi_outputs_total{destination=\"cabinet-secretariat\",kind=\"escalation\"}"), 1);
  EXPECT_EQ(SampleValue(m, "kizashi_outputs_total{destination=\"dead-letter\",kind=\"observation\"}"), 2);
  EXPECT_EQ(SampleValue(m, "kizashi_destination_up{destination=\"ministry.fsa\"}"), 1);
  EXPECT_EQ(SampleValue(m, "kizashi_sink_errors_total{destination=\"ministry.fsa\"}"), 0);
  // Batch sizes 3, 3, 2: all in the le=4 bucket.
  EXPECT_EQ(SampleValue(m, "kizashi_batch_records_count"), 3);
  EXPECT_EQ(SampleValue(m, "kizashi_batch_records_sum"), 8);
  EXPECT_EQ(SampleValue(m, "kizashi_batch_records_bucket{le=\"1\"}"), 0);
  EXPECT_EQ(SampleValue(m, "kizashi_batch_records_bucket{le=\"4\"}"), 3);
  for (const char* stage : {"decode", "enrich", "match", "correlate", "sink", "commit"}) {
    EXPECT_EQ(SampleValue(m, std::string("kizashi_stage_duration_seconds_count{stage=\"") +
                                 stage + "\"}"),
              3)
        << stage;
  }
  EXPECT_EQ(SampleValue(m, "kizashi_batch_duration_seconds_count"), 3);
  EXPECT_EQ(SampleValue(m, "kizashi_end_to_end_latency_seconds_count"), 3);
  // A second scrape exports nothing twice.
  EXPECT_EQ(SampleValue(metrics.Scrape(), "kizashi_records_consumed_total{input=\"sensors\"}"), 8);
}

// Every probe together, scraped while the runner works and once more at the end: promtool
// accepts the exposition, and every family follows the naming rules.
TEST(Probes, LiveScrapePassesPromtool) {
  if (kizashi::testing::PromtoolPath().empty()) {
    GTEST_SKIP() << "promtool not installed (Debian package `prometheus`)";
  }
  OpsFixture fx("promtool");
  fx.WriteInput(kizashi::testing::ScanWaves(20));
  fx.WriteConfig(5);
  Diagnostics d;
  EngineConfig cfg = fx.Load(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();
  telemetry::Metrics metrics;
  telemetry::Health health({"snapshot", "state", "partitions"});
  telemetry::ProcessProbe process(metrics, "test");
  telemetry::HealthProbe hp(metrics, health);
  SnapshotProbe sp(metrics);
  PipelineProbe pp(metrics, cfg);
  ConsumerProbe cp(metrics);
  cp.SetLag("ids.eve", 0, 12);
  cp.SetLag("ids.eve", 1, 0);
  SnapshotHolder holder;
  Reloader reloader(fx.config_path, {}, cfg, &holder, &sp);
  ASSERT_TRUE(reloader.LoadInitial(&d).ok()) << d.ToText();
  health.Set("snapshot", true);
  auto endpoint = telemetry::Endpoint::Start("127.0.0.1:0", &metrics, &health);
  ASSERT_TRUE(endpoint.ok());
  int port = (*endpoint)->port();

  std::string during;  // taken while the state store is open (StateProbe registered)
  RunnerContext ctx{&holder, &health, &metrics, &pp};
  std::atomic<bool> done{false};
  // Scrapes from another thread for the whole run (races show under TSAN).
  std::thread scraper([&] {
    while (!done.load()) kizashi::testing::HttpGet(port, "/metrics");
  });
  ctx.after_commit = [&](const Batch&) {
    if (during.empty()) during = kizashi::testing::HttpGet(port, "/metrics").body;
  };
  FileRunner runner(cfg, SystemClock::Get(), ctx);
  RunSummary summary;
  absl::Status st = runner.Run(true, &summary);
  done = true;
  scraper.join();
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_TRUE(reloader.Reload("test").ok);
  std::string after = kizashi::testing::HttpGet(port, "/metrics").body;

  std::string dir = kizashi::testing::MakeTempDir("promtool-check");
  for (const std::string* text : {&during, &after}) {
    std::string out;
    EXPECT_EQ(kizashi::testing::PromtoolCheckMetrics(*text, dir, &out), 0) << out << *text;
  }
  kizashi::testing::RemoveTree(dir);
  EXPECT_NE(during.find("kizashi_state_live_data_bytes "), std::string::npos) << during;
  EXPECT_NE(during.find("kizashi_state_write_stall{kind=\"stop\"} 0"), std::string::npos);
  EXPECT_EQ(SampleValue(after, "kizashi_consumer_lag_records{partition=\"0\",topic=\"ids.eve\"}"), 12);
  EXPECT_EQ(SampleValue(after, "kizashi_partitions_assigned"), 2);
  EXPECT_EQ(SampleValue(after, "kizashi_snapshot_generation"), 2);
  EXPECT_EQ(SampleValue(after, "kizashi_records_consumed_total{input=\"sensors\"}"), 100);
  EXPECT_EQ(SampleValue(after, "kizashi_ready"), 1);
  // Names: kizashi_ or process_ prefix; counters end in _total.
  for (std::string_view line : Split(after, '\n', true)) {
    if (!StartsWith(line, "# TYPE ")) continue;
    auto parts = Split(line, ' ');
    ASSERT_EQ(parts.size(), 4u) << line;
    EXPECT_TRUE(StartsWith(parts[2], "kizashi_") || StartsWith(parts[2], "process_")) << line;
    if (parts[3] == "counter") {
      EXPECT_TRUE(EndsWith(parts[2], "_total")) << line;
    }
  }
}

// not ready -> ready once the snapshot is in and the state restored -> not ready (draining).
TEST(FileRunner, ReadinessTransitions) {
  OpsFixture fx("ready");
  fx.WriteInput(kizashi::testing::ScanWaves(6));
  fx.WriteConfig(5);
  Diagnostics d;
  EngineConfig cfg = fx.Load(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();
  telemetry::Health health({"snapshot", "state", "partitions"});
  std::vector<std::pair<bool, bool>> seen;
  health.AddListener([&](bool ready, bool draining) { seen.emplace_back(ready, draining); });
  SnapshotHolder holder;
  Reloader reloader(fx.config_path, {}, cfg, &holder);
  ASSERT_TRUE(reloader.LoadInitial(&d).ok());
  health.Set("snapshot", true);
  EXPECT_FALSE(health.ready());  // state not restored yet

  RunnerContext ctx;
  ctx.snapshots = &holder;
  ctx.health = &health;
  std::vector<bool> ready_at_batch;
  FileRunner* self = nullptr;
  ctx.after_commit = [&](const Batch&) {
    ready_at_batch.push_back(health.ready());
    if (ready_at_batch.size() == 2) {  // what the signal thread does on SIGTERM
      health.BeginDrain("test");
      self->RequestStop();
    }
  };
  FileRunner runner(cfg, SystemClock::Get(), ctx);
  self = &runner;
  RunSummary summary;
  ASSERT_TRUE(runner.Run(true, &summary).ok());
  EXPECT_TRUE(summary.stopped);
  EXPECT_EQ(summary.stats.batches, 2u);  // the batch in flight finished; no new one started
  EXPECT_EQ(ready_at_batch, (std::vector<bool>{true, true}));
  EXPECT_FALSE(health.ready());
  std::vector<std::pair<bool, bool>> want = {{false, false}, {true, false}, {false, true}};
  EXPECT_EQ(seen, want);
}

// A stop after three batches, then a restart: the outputs are exactly those of an
// uninterrupted run — nothing lost, nothing emitted twice.
TEST(FileRunner, StopMidRunThenRestartLosesNothing) {
  std::vector<std::string> input = kizashi::testing::ScanWaves(8);
  std::vector<std::string> reference;
  {
    OpsFixture fx("ref");
    fx.WriteInput(input);
    fx.WriteConfig(5);
    Diagnostics d;
    EngineConfig cfg = fx.Load(&d);
    FileRunner runner(cfg, SystemClock::Get());
    RunSummary s;
    ASSERT_TRUE(runner.Run(true, &s).ok());
    reference = fx.Notifications();
  }
  ASSERT_EQ(reference.size(), 16u);  // 8 incidents: ministry notification + escalation each

  OpsFixture fx("stop");
  fx.WriteInput(input);
  fx.WriteConfig(5);
  Diagnostics d;
  EngineConfig cfg = fx.Load(&d);
  RunnerContext ctx;
  FileRunner* self = nullptr;
  int batches = 0;
  ctx.after_commit = [&](const Batch&) {
    if (++batches == 3) self->RequestStop();
  };
  {
    FileRunner first(cfg, SystemClock::Get(), ctx);
    self = &first;
    RunSummary s;
    ASSERT_TRUE(first.Run(true, &s).ok());
    EXPECT_TRUE(s.stopped);
  }
  // Batches of 5 records are one attacker each: three incidents so far.
  EXPECT_EQ(fx.Notifications().size(), 6u);
  {
    FileRunner second(cfg, SystemClock::Get());
    RunSummary s;
    ASSERT_TRUE(second.Run(false, &s).ok());
    EXPECT_FALSE(s.stopped);
    EXPECT_EQ(s.stats.records, 25u);  // the 40 records minus the 15 committed before the stop
  }
  EXPECT_EQ(fx.Notifications(), reference);
}

// A reload between batches takes effect at the next batch; a failed reload keeps the
// snapshot in service (here generation 2, not the start-up one).
TEST(Reloader, MidRunReloadTakesEffectAtTheNextBatchAndFailureChangesNothing) {
  OpsFixture fx("midrun");
  fx.WriteInput(kizashi::testing::ScanWaves(8));  // one incident per batch of 5
  fx.WriteConfig(5);
  Diagnostics d;
  EngineConfig cfg = fx.Load(&d);
  telemetry::Metrics metrics;
  SnapshotProbe probe(metrics);
  SnapshotHolder holder;
  Reloader reloader(fx.config_path, {}, cfg, &holder, &probe);
  ASSERT_TRUE(reloader.LoadInitial(&d).ok());
  std::shared_ptr<const Snapshot> second;
  int batches = 0;
  RunnerContext ctx;
  ctx.snapshots = &holder;
  ctx.after_commit = [&](const Batch&) {
    ++batches;
    if (batches == 2) {
      fx.DisableSshScanEntry("2024.03.2");
      ReloadResult r = reloader.Reload("test");
      ASSERT_TRUE(r.ok) << r.diagnostics.ToText();
      EXPECT_EQ(r.generation, 2u);
      second = holder.Get();
    }
    if (batches == 4) {
      fx.BreakPack();
      ReloadResult r = reloader.Reload("test");
      EXPECT_FALSE(r.ok);
      EXPECT_EQ(r.generation, 2u);
      EXPECT_EQ(holder.Get(), second);  // the very same snapshot keeps serving
      ASSERT_TRUE(r.diagnostics.has_errors());
      bool cites_pack = false;
      for (const auto& item : r.diagnostics.items()) {
        cites_pack |= item.file == fx.pack_path && item.line > 0;
      }
      EXPECT_TRUE(cites_pack) << r.diagnostics.ToText();
    }
  };
  FileRunner runner(cfg, SystemClock::Get(), ctx);
  RunSummary s;
  ASSERT_TRUE(runner.Run(true, &s).ok());
  EXPECT_EQ(batches, 8);
  // Batches 1 and 2 ran on the demo pack (two incidents); 3..8 on generation 2, which matches
  // nothing — also after the failed reload.
  EXPECT_EQ(fx.Notifications().size(), 4u);
  std::string m = metrics.Scrape();
  EXPECT_EQ(SampleValue(m, "kizashi_snapshot_reloads_total{result=\"success\"}"), 1);
  EXPECT_EQ(SampleValue(m, "kizashi_snapshot_reloads_total{result=\"failure\"}"), 1);
  EXPECT_EQ(SampleValue(m, "kizashi_snapshot_last_reload_successful"), 0);
  EXPECT_EQ(SampleValue(m, "kizashi_snapshot_generation"), 2);
  EXPECT_EQ(SampleValue(m, "kizashi_pattern_pack_info{pack=\"kizashi-demo\",version=\"2024.03.2\"}"), 1);
  EXPECT_EQ(SampleValue(m, "kizashi_pattern_pack_info{pack=\"kizashi-demo\",version=\"2024.03.1\"}"), -1);
}

TEST(Reloader, ConfigErrorsChangeNothing) {
  OpsFixture fx("cfgerr");
  fx.WriteInput({});
  fx.WriteConfig(5);
  Diagnostics d;
  EngineConfig cfg = fx.Load(&d);
  telemetry::Metrics metrics;
  SnapshotProbe probe(metrics);
  SnapshotHolder holder;
  Reloader reloader(fx.config_path, {}, cfg, &holder, &probe);
  ASSERT_TRUE(reloader.LoadInitial(&d).ok());
  auto before = holder.Get();
  // Two mistakes in the file: both reported, with their lines.
  fx.WriteConfig(5, "log:\n  level: loud\nno_such_key: 1\n");
  ReloadResult r = reloader.Reload("test");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(holder.Get(), before);
  EXPECT_EQ(reloader.config().log_level, "info");
  ASSERT_EQ(r.diagnostics.error_count(), 2u) << r.diagnostics.ToText();
  for (const auto& item : r.diagnostics.items()) {
    EXPECT_EQ(item.file, fx.config_path);
    EXPECT_GT(item.line, 0);
  }
  EXPECT_EQ(SampleValue(metrics.Scrape(), "kizashi_snapshot_last_reload_successful"), 0);
  // Fixed: the next reload succeeds.
  fx.WriteConfig(5);
  EXPECT_TRUE(reloader.Reload("test").ok);
  EXPECT_EQ(SampleValue(metrics.Scrape(), "kizashi_snapshot_last_reload_successful"), 1);
}

TEST(Reloader, LiveKeysAppliedRestartKeysKept) {
  OpsFixture fx("keys");
  fx.WriteInput({});
  fx.WriteConfig(5);
  Diagnostics d;
  EngineConfig cfg = fx.Load(&d);
  telemetry::Metrics metrics;
  SnapshotProbe probe(metrics);
  SnapshotHolder holder;
  Reloader reloader(fx.config_path, {}, cfg, &holder, &probe);
  ASSERT_TRUE(reloader.LoadInitial(&d).ok());
  log::Level saved = log::GetLevel();
  std::string captured;
  log::CaptureForTest(&captured);
  // log.level is live; engine.batch_max_records and metrics.address need a restart; the rules
  // move to a new file (live).
  std::filesystem::copy_file(fx.rules_path, fx.dir + "/rules2.yaml");
  {
    std::string text = kizashi::testing::ReadFileOrDie(fx.config_path);
    OpsFixture::Replace(&text, "rules: [rules.yaml]", "rules: [rules2.yaml]");
    std::ofstream(fx.config_path) << text << "log: {level: debug}\nmetrics: {address: ':9999'}\n";
  }
  {
    std::string text = kizashi::testing::ReadFileOrDie(fx.config_path);
    OpsFixture::Replace(&text, "batch_max_records: 5", "batch_max_records: 7");
    std::ofstream(fx.config_path) << text;
  }
  ReloadResult r = reloader.Reload("test");
  log::CaptureForTest(nullptr);
  ASSERT_TRUE(r.ok) << r.diagnostics.ToText();
  EXPECT_EQ(r.applied, (std::vector<std::string>{"log.level", "rules"}));
  EXPECT_EQ(r.restart_required,
            (std::vector<std::string>{"engine.batch_max_records", "metrics.address"}));
  EngineConfig now = reloader.config();
  EXPECT_EQ(now.log_level, "debug");
  EXPECT_EQ(now.rule_paths, (std::vector<std::string>{fx.dir + "/rules2.yaml"}));
  EXPECT_EQ(now.batch_max_records, 5);  // kept until a restart
  EXPECT_EQ(now.metrics.address, cfg.metrics.address);
  EXPECT_EQ(log::GetLevel(), log::Level::kDebug);
  log::SetLevel(saved);
  EXPECT_NE(captured.find("event=reload.restart_required key=engine.batch_max_records"),
            std::string::npos)
      << captured;
  EXPECT_EQ(SampleValue(metrics.Scrape(), "kizashi_config_restart_required"), 1);
  // The running values are still the old ones, so the next reload reports them again; once
  // the file is back to what runs, the flag clears.
  EXPECT_EQ(reloader.Reload("test").restart_required.size(), 2u);
  {
    std::string text = kizashi::testing::ReadFileOrDie(fx.config_path);
    OpsFixture::Replace(&text, "batch_max_records: 7", "batch_max_records: 5");
    OpsFixture::Replace(&text, "metrics: {address: ':9999'}", "");
    std::ofstream(fx.config_path) << text;
  }
  ReloadResult back = reloader.Reload("test");
  ASSERT_TRUE(back.ok);
  EXPECT_TRUE(back.restart_required.empty());
  EXPECT_EQ(SampleValue(metrics.Scrape(), "kizashi_config_restart_required"), 0);
}

// Every key declared Reload::kLive is one the reloader knows how to apply.
TEST(Reloader, EveryLiveKeyIsApplied) {
  EngineConfig c;
  config::Schema s;
  EngineConfig::Declare(s, &c);
  size_t live = 0;
  for (const auto& k : s.Reference()) {
    if (k.reload != config::Reload::kLive) continue;
    ++live;
    EXPECT_TRUE(Reloader::AppliesLive(k.path))
        << k.path << " is declared live but Reloader does not apply it (engine/runtime/reloader.cc)";
  }
  EXPECT_GE(live, 5u);  // registry.paths, patterns.packs/trusted_keys, rules, log.level
}

TEST(FileWatcher, ReportsAChangeOnceItHasSettled) {
  OpsFixture fx("watch");
  fx.WriteInput({});
  fx.WriteConfig(5);
  Diagnostics d;
  EngineConfig cfg = fx.Load(&d);
  SnapshotHolder holder;
  Reloader reloader(fx.config_path, {}, cfg, &holder);
  std::vector<std::string> paths = reloader.WatchedPaths();
  EXPECT_NE(std::find(paths.begin(), paths.end(), fx.config_path), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), fx.pack_path), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), fx.rules_path), paths.end());
  int changes = 0;
  FileWatcher w([&] { return reloader.WatchedPaths(); }, [&] { ++changes; });
  EXPECT_FALSE(w.PollOnce());
  std::ofstream(fx.rules_path, std::ios::app) << "\n# edited\n";
  EXPECT_FALSE(w.PollOnce());  // seen once: wait for it to settle
  EXPECT_TRUE(w.PollOnce());
  EXPECT_EQ(changes, 1);
  EXPECT_FALSE(w.PollOnce());
  // A new file in a watched directory.
  std::filesystem::copy_file(fx.pack_path, fx.dir + "/packs/another.yaml");
  EXPECT_FALSE(w.PollOnce());
  EXPECT_TRUE(w.PollOnce());
  EXPECT_EQ(changes, 2);
  // A change that keeps changing is not reported until it stops.
  std::ofstream(fx.rules_path, std::ios::app) << "# 1\n";
  EXPECT_FALSE(w.PollOnce());
  std::ofstream(fx.rules_path, std::ios::app) << "# 22\n";
  EXPECT_FALSE(w.PollOnce());
  EXPECT_TRUE(w.PollOnce());
  EXPECT_EQ(changes, 3);
}

// The watcher thread stops promptly (no wait for the interval).
TEST(FileWatcher, ThreadStartsAndStops) {
  int changes = 0;
  FileWatcher w([] { return std::vector<std::string>{"/nonexistent"}; }, [&] { ++changes; });
  w.Start(3600LL * 1'000'000'000);
  w.Stop();
  EXPECT_EQ(changes, 0);
}

TEST(SchemaValues, ListsEveryKeyWithItsCurrentValue) {
  OpsFixture fx("values");
  fx.WriteInput({});
  fx.WriteConfig(5);
  Diagnostics d;
  EngineConfig cfg = fx.Load(&d);
  config::Schema s;
  EngineConfig::Declare(s, &cfg);
  std::map<std::string, std::string> v;
  for (const auto& kv : s.Values()) v[kv.path] = kv.value;
  EXPECT_EQ(v["engine.batch_max_records"], "5");
  EXPECT_EQ(v["inputs"], "1");
  EXPECT_EQ(v["inputs[0].name"], "sensors");
  EXPECT_EQ(v["destinations"], "8");
  EXPECT_EQ(v["destinations[6].name"], "dead-letter");
  EXPECT_EQ(v["lifecycle.drain_timeout"], "30s");
  EXPECT_EQ(v["metrics.enabled"], "true");
  EXPECT_EQ(v["rules"], "[" + fx.rules_path + "]");
}

}  // namespace
}  // namespace kizashi::runtime
