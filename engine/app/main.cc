// kizashi — event correlation for critical-infrastructure cyber-incident reporting.
//
// Start-up is an ordered list of small named steps (platform check, config, logging,
// snapshot, state, run) so that a failure says which step failed and why.
//
// Exit codes: 0 success; 1 runtime failure; 2 usage error; 3 invalid configuration, registry,
// packs or rules (every error printed).
#include <hs/hs.h>
#include <librdkafka/rdkafka.h>
#include <openssl/opensslv.h>
#include <rocksdb/version.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <atomic>
#include <functional>
#include <thread>

#include "engine/app/args.h"
#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/config/schema.h"
#include "engine/runtime/engine_config.h"
#include "engine/app/kafka_commands.h"
#include "engine/runtime/file_runner.h"
#include "engine/runtime/kafka_runner.h"
#include "engine/runtime/kafka_topics.h"
#include "engine/runtime/snapshot.h"

namespace kizashi::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInvalid = 3;

std::string VersionText() {
  std::string v = StrCat("kizashi ", KIZASHI_VERSION, "\n");
  StrAppend(&v, "  hyperscan ", hs_version(), "\n");
  StrAppend(&v, "  librdkafka ", rd_kafka_version_str(), "\n");
  StrAppend(&v, "  rocksdb ", ROCKSDB_MAJOR, ".", ROCKSDB_MINOR, ".", ROCKSDB_PATCH, "\n");
  StrAppend(&v, "  openssl ", OPENSSL_VERSION_TEXT, "\n");
  return v;
}

// Hyperscan needs SSSE3 at least; refuse clearly instead of crashing in a scan.
bool PlatformOk() {
  if (hs_valid_platform() != HS_SUCCESS) {
    std::fprintf(stderr,
                 "kizashi: this CPU is not supported by Hyperscan (hs_valid_platform failed: "
                 "SSSE3 or later is required). kizashi cannot match pattern packs here.\n");
    return false;
  }
  return true;
}

int Usage(const Args& a, const std::string& err) {
  if (!err.empty()) std::fprintf(stderr, "kizashi: %s\n\n", err.c_str());
  std::fputs(a.Usage().c_str(), err.empty() ? stdout : stderr);
  return err.empty() ? kExitOk : kExitUsage;
}

Args ConfigArgs(const std::string& cmd, const std::string& summary) {
  Args a(cmd, summary);
  a.Option("config", "FILE", "Configuration file (YAML); see `kizashi config reference`.")
      .Option("set", "KEY=VALUE", "Override one configuration key (repeatable).");
  return a;
}

bool LoadConfig(const Args& a, runtime::EngineConfig* out) {
  Diagnostics d;
  *out = runtime::EngineConfig::Load(a.Get("config"), a.GetAll("set"), &d);
  if (!d.has_errors()) out->Validate(&d);
  if (d.has_errors() || d.size() > 0) std::fputs(d.ToText().c_str(), stderr);
  if (d.has_errors()) return false;
  log::Level level;
  if (log::ParseLevel(out->log_level, &level)) log::SetLevel(level);
  log::SetFormat(out->log_format == "json" ? log::Format::kJson : log::Format::kLogfmt);
  return true;
}

// What SIGINT/SIGTERM stop (the file or the Kafka runner).
std::atomic<std::function<void()>*> g_stop{nullptr};

// SIGINT/SIGTERM: the first asks the runner to finish the batch in flight and stop; a second
// exits at once. Handled on a dedicated thread with sigwait (no work in signal context).
void StartSignalThread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set]() {
    int count = 0;
    while (true) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (++count > 1) {
        std::fprintf(stderr, "kizashi: second signal, exiting now\n");
        std::_Exit(130);
      }
      KZ_LOG(kInfo, "shutdown.requested").Kv("signal", sig);
      if (auto* stop = g_stop.load()) (*stop)();
    }
  }).detach();
}

int CmdRun(int argc, char** argv) {
  Args a = ConfigArgs("run", "Run the pipeline. In file mode it replays the configured input "
                             "files and exits when they are exhausted.");
  a.Flag("reset-state", "Delete the state directory first (file mode: replay from the "
                        "beginning; Kafka mode: rebuild it from the changelog).");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  if (!PlatformOk()) return kExitFailure;
  runtime::EngineConfig cfg;
  if (!LoadConfig(a, &cfg)) return kExitInvalid;
  StartSignalThread();
  runtime::RunSummary summary;
  absl::Status st;
  if (runtime::UsesKafka(cfg) && !cfg.inputs.empty() && cfg.inputs[0].type == "kafka") {
    runtime::KafkaRunner runner(cfg, SystemClock::Get());
    std::function<void()> stop = [&runner] { runner.RequestStop(); };
    g_stop.store(&stop);
    st = runner.Run(a.Has("reset-state"), &summary);
    g_stop.store(nullptr);
  } else {
    runtime::FileRunner runner(cfg, SystemClock::Get());
    std::function<void()> stop = [&runner] { runner.RequestStop(); };
    g_stop.store(&stop);
    st = runner.Run(a.Has("reset-state"), &summary);
    g_stop.store(nullptr);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "kizashi: %s\n", std::string(st.message()).c_str());
    return absl::IsInvalidArgument(st) ? kExitInvalid : kExitFailure;
  }
  const auto& s = summary.stats;
  uint64_t dead = 0;
  for (auto n : s.dead_letters) dead += n;
  KZ_LOG(kInfo, "run.done")
      .Kv("records", s.records)
      .Kv("events", s.events)
      .Kv("dead_letters", dead)
      .Kv("late", s.late)
      .Kv("matched_events", s.events_matched)
      .Kv("revisions", s.revisions)
      .Kv("reportable", s.reportable)
      .Kv("not_reportable", s.not_reportable)
      .Kv("seconds", summary.seconds);
  return kExitOk;
}

int CmdCheck(int argc, char** argv) {
  Args a = ConfigArgs("check", "Validate the configuration, registry, pattern packs and rules "
                               "together; print every error (file:line) and exit non-zero if "
                               "any. With Kafka inputs or destinations it also verifies the "
                               "topics (existence, co-partitioning, compacted changelog).");
  a.Flag("offline", "Do not contact the Kafka cluster (skip the topic checks).");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  Diagnostics d;
  runtime::EngineConfig cfg = runtime::EngineConfig::Load(a.Get("config"), a.GetAll("set"), &d);
  cfg.Validate(&d);
  auto snap = runtime::BuildSnapshot(cfg, 1, &d);
  if (!d.has_errors() && runtime::UsesKafka(cfg) && !a.Has("offline")) CheckKafkaTopics(cfg, &d);
  std::fputs(d.ToText().c_str(), stderr);
  if (d.has_errors()) {
    std::fprintf(stderr, "kizashi check: %zu error(s)\n", d.error_count());
    return kExitInvalid;
  }
  const auto& s = **snap;
  std::printf("ok: %zu operators, %zu critical systems, %zu pattern entries (%s), %zu rules\n",
              s.registry->operators().size(), s.registry->systems().size(),
              s.patterns->entries().size(), s.patterns->version().c_str(), s.rules->rules().size());
  return kExitOk;
}

int CmdConfig(int argc, char** argv) {
  Args a("config reference", "Print every configuration key with its type, default, bounds, "
                             "reload class and description.");
  a.Positional("reference", "The word 'reference'.").Flag("markdown", "Print a Markdown table.");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  if (a.Get("reference") != "reference") return Usage(a, "unknown config subcommand");
  runtime::EngineConfig cfg;
  config::Schema s;
  runtime::EngineConfig::Declare(s, &cfg);
  if (a.Has("markdown")) {
    std::fputs(s.ReferenceMarkdown().c_str(), stdout);
    return kExitOk;
  }
  for (const auto& k : s.Reference()) {
    std::printf("%s (%s, default %s%s%s, %s)\n    %s\n", k.path.c_str(), k.type.c_str(),
                k.default_value.empty() ? "\"\"" : k.default_value.c_str(),
                k.bounds.empty() ? "" : ", ", k.bounds.c_str(),
                k.reload == config::Reload::kLive ? "reloadable" : "restart",
                k.description.c_str());
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  const char* top =
      "usage: kizashi <command> [options]\n\n"
      "commands:\n"
      "  run        run the pipeline (file replay or Kafka)\n"
      "  check      validate configuration, registry, packs and rules\n"
      "  config     print the configuration reference\n"
      "  topics     create or verify the Kafka topics of a configuration\n"
      "  produce    load recorded traffic files into the Kafka input topics\n"
      "  version    print versions of kizashi and its libraries\n"
      "\n`kizashi <command> --help` describes each command.\n";
  if (argc < 2) {
    std::fputs(top, stderr);
    return kExitUsage;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(top, stdout);
    return kExitOk;
  }
  if (cmd == "--version" || cmd == "version") {
    std::fputs(VersionText().c_str(), stdout);
    return kExitOk;
  }
  if (cmd == "run") return CmdRun(argc, argv);
  if (cmd == "check") return CmdCheck(argc, argv);
  if (cmd == "config") return CmdConfig(argc, argv);
  if (cmd == "topics") return CmdTopics(argc, argv);
  if (cmd == "produce") return CmdProduce(argc, argv);
  std::fprintf(stderr, "kizashi: unknown command '%s'\n\n%s", cmd.c_str(), top);
  return kExitUsage;
}

}  // namespace
}  // namespace kizashi::app

int main(int argc, char** argv) { return kizashi::app::Main(argc, argv); }
