#include "engine/app/service.h"

#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/runtime/consumer_probe.h"
#include "engine/runtime/file_runner.h"
#include "engine/runtime/kafka_runner.h"
#include "engine/runtime/kafka_topics.h"
#include "engine/runtime/pipeline_probe.h"
#include "engine/runtime/reloader.h"
#include "engine/runtime/snapshot.h"
#include "engine/runtime/snapshot_probe.h"
#include "engine/telemetry/endpoint.h"
#include "engine/telemetry/health.h"
#include "engine/telemetry/metrics.h"

namespace kizashi::app {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitInvalid = 3;

// Shared by the main, signal, reload and watchdog threads.
struct Control {
  std::mutex mu;
  std::condition_variable cv;
  bool reload_requested = false;
  std::string reload_trigger;
  bool stop_requested = false;
  int64_t stop_deadline_ns = 0;
  bool finished = false;  // the main thread is shutting down: helper threads exit
};

}  // namespace

int RunService(const runtime::EngineConfig& cfg, const std::string& config_path,
               const std::vector<std::string>& overrides, bool reset_state) {
  // 1. signals: blocked before any thread exists, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Control control;
  telemetry::Metrics metrics;
  telemetry::Health health({"snapshot", "state", "partitions"});
  telemetry::ProcessProbe process_probe(metrics, KIZASHI_VERSION);
  telemetry::HealthProbe health_probe(metrics, health);
  runtime::SnapshotProbe snapshot_probe(metrics);
  runtime::PipelineProbe pipeline_probe(metrics, cfg);
  runtime::ConsumerProbe consumer_probe(metrics);  // fed by a Kafka runner
  health.AddListener([announced = false](bool ready, bool draining) mutable {
    if (ready && !announced) {
      announced = true;
      KZ_LOG(kInfo, "service.ready");
      telemetry::SdNotify("READY=1\nSTATUS=processing");
    }
    if (draining) telemetry::SdNotify("STOPPING=1\nSTATUS=draining");
  });

  // 2. endpoint
  std::unique_ptr<telemetry::Endpoint> endpoint;
  if (cfg.metrics.enabled) {
    auto e = telemetry::Endpoint::Start(cfg.metrics.address, &metrics, &health);
    if (!e.ok()) {
      std::fprintf(stderr, "kizashi: metrics endpoint: %s\n", std::string(e.status().message()).c_str());
      return kExitFailure;
    }
    endpoint = std::move(*e);
    KZ_LOG(kInfo, "metrics.listening").Kv("address", endpoint->address());
  }

  std::function<void()>* runner_stop = nullptr;  // RequestStop of the runner in service
  std::mutex runner_mu;  // guards runner_stop against the signal thread

  std::thread signal_thread([&, signals]() {
    int terminations = 0;
    while (true) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      {
        std::lock_guard<std::mutex> lock(control.mu);
        if (control.finished) return;  // woken by finish(): the service is over
      }
      if (sig == SIGHUP) {
        std::lock_guard<std::mutex> lock(control.mu);
        control.reload_requested = true;
        control.reload_trigger = "sighup";
        control.cv.notify_all();
        continue;
      }
      if (++terminations > 1) {
        std::fprintf(stderr, "kizashi: second signal, exiting now\n");
        std::_Exit(128 + sig);
      }
      KZ_LOG(kInfo, "shutdown.requested").Kv("signal", sig);
      health.BeginDrain(StrCat("signal ", sig));
      {
        std::lock_guard<std::mutex> lock(runner_mu);
        if (runner_stop != nullptr) (*runner_stop)();
      }
      std::lock_guard<std::mutex> lock(control.mu);
      control.stop_requested = true;
      control.stop_deadline_ns = MonotonicNowNs() + cfg.lifecycle.drain_timeout_ns;
      control.cv.notify_all();
    }
  });

  // Drain watchdog: a stop must finish within lifecycle.drain_timeout.
  std::thread watchdog([&]() {
    std::unique_lock<std::mutex> lock(control.mu);
    control.cv.wait(lock, [&] { return control.finished || control.stop_requested; });
    while (!control.finished) {
      auto left = std::chrono::nanoseconds(control.stop_deadline_ns - MonotonicNowNs());
      if (left.count() <= 0) {
        KZ_LOG(kError, "drain.timeout")
            .Kv("drain_timeout_s", cfg.lifecycle.drain_timeout_ns / kNanosPerSecond)
            .Kv("note", "exiting without a final commit; the next start resumes from the last one");
        std::_Exit(kExitFailure);
      }
      control.cv.wait_for(lock, left);
    }
  });
  auto finish = [&](int code) {
    {
      std::lock_guard<std::mutex> lock(control.mu);
      control.finished = true;
      control.cv.notify_all();
    }
    // Wake the signal thread (SIGHUP is blocked everywhere, so it goes to sigwait) and join
    // it: no thread outlives the objects on this stack.
    pthread_kill(signal_thread.native_handle(), SIGHUP);
    signal_thread.join();
    watchdog.join();
    return code;
  };

  // 3. snapshot
  runtime::SnapshotHolder holder;
  runtime::Reloader reloader(config_path, overrides, cfg, &holder, &snapshot_probe);
  {
    Diagnostics diags;
    absl::Status st = reloader.LoadInitial(&diags);
    if (!st.ok()) {
      std::fputs(diags.ToText().c_str(), stderr);
      std::fprintf(stderr, "kizashi: snapshot: %zu error(s); nothing started\n",
                   diags.error_count());
      return finish(kExitInvalid);
    }
    health.Set("snapshot", true, StrCat("generation ", holder.Get()->generation));
  }

  // Reloads run on their own thread: a long compile never delays signal handling.
  std::thread reload_thread([&]() {
    std::unique_lock<std::mutex> lock(control.mu);
    while (true) {
      control.cv.wait(lock, [&] { return control.finished || control.reload_requested; });
      if (control.finished) return;
      std::string trigger = control.reload_trigger;
      control.reload_requested = false;
      if (control.stop_requested) {
        KZ_LOG(kInfo, "reload.skipped").Kv("trigger", trigger).Kv("reason", "draining");
        continue;
      }
      lock.unlock();
      telemetry::SdNotify("RELOADING=1");
      runtime::ReloadResult r = reloader.Reload(trigger);
      if (r.ok) health.Set("snapshot", true, StrCat("generation ", r.generation));
      telemetry::SdNotify(r.ok ? "READY=1\nSTATUS=processing"
                               : "READY=1\nSTATUS=processing (last reload failed)");
      lock.lock();
    }
  });
  auto request_reload = [&control](const char* trigger) {
    std::lock_guard<std::mutex> lock(control.mu);
    control.reload_requested = true;
    control.reload_trigger = trigger;
    control.cv.notify_all();
  };
  // lifecycle.watch: every file a snapshot is built from. registry.watch_interval: the
  // registry's files alone (the registry's own setting, on by default). Either change
  // reloads the whole snapshot through the same Reloader.
  std::unique_ptr<runtime::FileWatcher> watcher, registry_watcher;
  if (cfg.lifecycle.watch) {
    watcher = std::make_unique<runtime::FileWatcher>(
        [&reloader]() { return reloader.WatchedPaths(); },
        [request_reload]() { request_reload("watch"); });
    watcher->Start(cfg.lifecycle.watch_interval_ns);
  } else if (cfg.registry.watch_interval_ns > 0) {
    registry_watcher = std::make_unique<runtime::FileWatcher>(
        [&reloader]() { return reloader.RegistryPaths(); },
        [request_reload]() { request_reload("registry-watch"); });
    registry_watcher->Start(cfg.registry.watch_interval_ns);
  }
  auto shutdown = [&](int code) {
    if (watcher) watcher->Stop();
    if (registry_watcher) registry_watcher->Stop();
    {
      std::lock_guard<std::mutex> lock(control.mu);
      control.finished = true;
      control.cv.notify_all();
    }
    reload_thread.join();
    if (endpoint) endpoint->Stop();
    return finish(code);
  };

  // 4. run
  runtime::RunnerContext ctx;
  ctx.snapshots = &holder;
  ctx.health = &health;
  ctx.metrics = &metrics;
  ctx.probe = &pipeline_probe;
  ctx.consumer = &consumer_probe;
  // Kafka mode when the inputs are Kafka topics (docs/kafka.md), else the file replay.
  const bool kafka_mode =
      runtime::UsesKafka(cfg) && !cfg.inputs.empty() && cfg.inputs[0].type == "kafka";
  std::unique_ptr<runtime::FileRunner> file_runner;
  std::unique_ptr<runtime::KafkaRunner> kafka_runner;
  std::function<void()> stop;
  if (kafka_mode) {
    kafka_runner = std::make_unique<runtime::KafkaRunner>(cfg, SystemClock::Get());
    stop = [r = kafka_runner.get()] { r->RequestStop(); };
    // The Kafka runner restores partitions as they are assigned, on its own schedule; its
    // readiness is that it runs (it has no per-assignment readiness hook yet).
    health.Set("state", true, "kafka mode: restored per assignment from the changelog");
    health.Set("partitions", true, "kafka mode: assigned by the consumer group");
  } else {
    file_runner = std::make_unique<runtime::FileRunner>(cfg, SystemClock::Get(), ctx);
    stop = [r = file_runner.get()] { r->RequestStop(); };
  }
  {
    std::lock_guard<std::mutex> lock(runner_mu);
    runner_stop = &stop;
    std::lock_guard<std::mutex> lock2(control.mu);
    if (control.stop_requested) stop();
  }
  runtime::RunSummary summary;
  absl::Status st = kafka_mode ? kafka_runner->Run(reset_state, &summary)
                               : file_runner->Run(reset_state, &summary);
  {
    std::lock_guard<std::mutex> lock(runner_mu);
    runner_stop = nullptr;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "kizashi: %s\n", std::string(st.message()).c_str());
    return shutdown(absl::IsInvalidArgument(st) ? kExitInvalid : kExitFailure);
  }
  const auto& s = summary.stats;
  uint64_t dead = 0;
  for (auto n : s.dead_letters) dead += n;
  KZ_LOG(kInfo, summary.stopped ? "run.stopped" : "run.done")
      .Kv("records", s.records)
      .Kv("events", s.events)
      .Kv("dead_letters", dead)
      .Kv("late", s.late)
      .Kv("matched_events", s.events_matched)
      .Kv("revisions", s.revisions)
      .Kv("reportable", s.reportable)
      .Kv("not_reportable", s.not_reportable)
      .Kv("seconds", summary.seconds);

  // 5. stop (file mode with linger: stay up until asked to stop)
  if (cfg.lifecycle.linger) {
    KZ_LOG(kInfo, "run.lingering").Kv("note", "inputs replayed; waiting for SIGTERM");
    std::unique_lock<std::mutex> lock(control.mu);
    control.cv.wait(lock, [&] { return control.stop_requested; });
  }
  KZ_LOG(kInfo, "service.stopped").Kv("exit", kExitOk);
  return shutdown(kExitOk);
}

}  // namespace kizashi::app
