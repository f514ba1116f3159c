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
#include <cstdio>
#include <cstring>

#include "engine/app/args.h"
#include "engine/app/disclose_commands.h"
#include "engine/app/kafka_commands.h"
#include "engine/app/service.h"
#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/config/schema.h"
#include "engine/correlate/cli/rules_cli.h"
#include "engine/evidence/evidence.h"
#include "patterns/cli/cli.h"
#include "engine/runtime/engine_config.h"
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

int CmdRun(int argc, char** argv) {
  Args a = ConfigArgs("run", "Run the pipeline. In file mode it replays the configured input "
                             "files and exits when they are exhausted (or, with "
                             "lifecycle.linger, when stopped). SIGHUP reloads registry, packs "
                             "and rules; SIGTERM drains and stops.");
  a.Flag("reset-state", "Delete the state directory first (file mode: replay from the "
                        "beginning; Kafka mode: rebuild it from the changelog).");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  if (!PlatformOk()) return kExitFailure;
  runtime::EngineConfig cfg;
  if (!LoadConfig(a, &cfg)) return kExitInvalid;
  return RunService(cfg, a.Get("config"), a.GetAll("set"), a.Has("reset-state"));
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
              s.patterns->entries().size(), s.patterns->version().c_str(), s.rules->size());
  return kExitOk;
}

// docs/configuration.md is this header plus the generated table; tests/e2e fails when the
// committed file differs from the binary's output.
constexpr const char* kReferenceHeader = R"(# Configuration reference

<!-- Generated by `kizashi config reference --markdown`; do not edit by hand. Regenerate with
     `build/engine/app/kizashi config reference --markdown > docs/configuration.md`
     (the config_reference_test fails while this file is stale). -->

kizashi reads one YAML file: `kizashi run --config FILE`, `kizashi check --config FILE`.
Every key is declared once in the code, with its type, default, bounds and reload class;
`kizashi config reference` prints the same list in the terminal. Unknown keys, wrong types and
out-of-range values are all reported together, each with `file:line`
(`kizashi check --config FILE` exits 3 when there is any).

## Where values come from

Later sources override earlier ones:

1. the defaults in the table below;
2. the configuration file;
3. environment variables `KIZASHI_<PATH>`: the key's path upper-cased with each `.` written
   `__` — `state.dir` is `KIZASHI_STATE__DIR`, `engine.batch_max_records` is
   `KIZASHI_ENGINE__BATCH_MAX_RECORDS`, `patterns.packs` is `KIZASHI_PATTERNS__PACKS`. Lists of strings take
   comma-separated values (`KIZASHI_PATTERNS__PACKS=/etc/kizashi/packs,/srv/packs`);
4. `--set key=value` on the command line (repeatable), with the same value syntax:
   `--set metrics.address=:9730 --set log.level=debug`.

Lists of objects (`inputs`, `destinations`) can only be written in the file. Relative paths
resolve against the configuration file's directory (destination files against `output_dir`).
Durations are written `500ms`, `30s`, `5m`, `2h`, `1d`; sizes may use `KiB`, `MiB`, `GiB`.

## Reload

Keys marked `live` take effect on a reload — `SIGHUP` (`systemctl reload kizashi`), or a
change of the watched files with `lifecycle.watch: true` — together with a new snapshot of
the registry, packs and rules. Keys marked `restart` keep their running value: a reload that
finds them changed logs `reload.restart_required key=...` and sets the
`kizashi_config_restart_required` metric to 1. A reload with any error changes nothing.

## Keys

)";

int CmdConfig(int argc, char** argv) {
  Args a("config reference", "Print every configuration key with its type, default, bounds, "
                             "reload class and description.");
  a.Positional("reference", "The word 'reference'.")
      .Flag("markdown", "Print the reference as Markdown (this is docs/configuration.md).");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  if (a.Get("reference") != "reference") return Usage(a, "unknown config subcommand");
  runtime::EngineConfig cfg;
  config::Schema s;
  runtime::EngineConfig::Declare(s, &cfg);
  if (a.Has("markdown")) {
    std::fputs(kReferenceHeader, stdout);
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

int CmdIncidents(int argc, char** argv) {
  Args a = ConfigArgs("incidents list|show [ID]",
                      "List incidents in the state store, or show one incident's revisions "
                      "(verdicts, reasons) and preserved evidence. Reads the store read-only, "
                      "so it works while the engine runs.");
  a.Positional("action", "list or show").Positional("id", "incident id (show)", false);
  a.Option("operator", "ID", "list: only this operator's incidents.");
  a.Flag("json", "Print the stored documents as JSON lines.");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  runtime::EngineConfig cfg;
  if (!LoadConfig(a, &cfg)) return kExitInvalid;
  auto store = state::StateStore::OpenReadOnly(cfg.state);
  if (!store.ok()) {
    std::fprintf(stderr, "kizashi: %s\n", std::string(store.status().message()).c_str());
    return kExitFailure;
  }
  auto incidents = evidence::ListIncidents(**store);
  if (!incidents.ok()) {
    std::fprintf(stderr, "kizashi: %s\n", std::string(incidents.status().message()).c_str());
    return kExitFailure;
  }
  std::string action = a.Get("action");
  if (action == "list") {
    std::printf("%-32s %-10s %-16s %-22s %-28s %-6s %4s  %s\n", "INCIDENT", "OPERATOR",
                "TARGET", "RULE", "FIRST SEEN (JST)", "STATE", "REV", "EVENTS");
    for (const auto& i : *incidents) {
      if (a.Has("operator") && i.operator_id != a.Get("operator")) continue;
      std::printf("%-32s %-10s %-16s %-22s %-28s %-6s %4u  %llu\n", i.id.c_str(),
                  i.operator_id.c_str(), i.target_id.c_str(), i.rule_id.c_str(),
                  FormatJst(i.first_seen_ns).c_str(),
                  i.state == correlate::IncidentState::kOpen ? "open" : "closed", i.revision,
                  static_cast<unsigned long long>(i.event_count));
    }
    return kExitOk;
  }
  if (action != "show" || a.Get("id").empty()) return Usage(a, "expected: list, or show ID");
  for (const auto& i : *incidents) {
    if (i.id != a.Get("id")) continue;
    auto revs = evidence::Revisions(**store, i.partition, i.id);
    auto ev = evidence::Evidence(**store, i.partition, i.id);
    if (!revs.ok() || !ev.ok()) {
      std::fprintf(stderr, "kizashi: corrupt history or evidence for %s\n", i.id.c_str());
      return kExitFailure;
    }
    if (a.Has("json")) {
      for (const auto& r : *revs) std::printf("%s\n", r.document.c_str());
      return kExitOk;
    }
    std::printf("incident %s (partition %d)\n  operator %s, target %s (%s), rule %s\n"
                "  %s, revision %u, %llu event(s), %s .. %s\n",
                i.id.c_str(), i.partition, i.operator_id.c_str(), i.target_id.c_str(),
                std::string(correlate::TargetKindName(i.target_kind)).c_str(), i.rule_id.c_str(),
                i.state == correlate::IncidentState::kOpen ? "open" : "closed", i.revision,
                static_cast<unsigned long long>(i.event_count), FormatJst(i.first_seen_ns).c_str(),
                FormatJst(i.last_seen_ns).c_str());
    std::printf("\nrevisions:\n");
    for (const auto& r : *revs) {
      // The summary line is the last field of the document (see route/router.cc).
      std::string_view doc = r.document;
      size_t p = doc.rfind("\"summary\":");
      std::string summary = p == std::string_view::npos ? "" : std::string(doc.substr(p + 10));
      if (!summary.empty()) summary = summary.substr(1, summary.size() > 3 ? summary.size() - 3 : 0);
      std::printf("  r%u  %s\n", r.revision, summary.c_str());
    }
    if (!i.history.empty()) {  // people's inputs (docs/inputs.md)
      std::printf("\ninputs%s%s%s:\n", i.acknowledged ? " (acknowledged)" : "",
                  i.forwarded ? " (forwarded)" : "", i.withdrawn ? " (withdrawn)" : "");
      for (const auto& h : i.history) {
        std::printf("  %s  %s by %s%s%s\n", FormatJst(h.at_ns).c_str(), h.type.c_str(),
                    h.by.c_str(), h.summary.empty() ? "" : ": ", h.summary.c_str());
      }
    }
    std::printf("\nevidence (%zu record(s) preserved):\n", ev->size());
    for (const auto& e : *ev) {
      std::printf("  %s:%lld  %s\n", e.source.c_str(), static_cast<long long>(e.offset),
                  e.record.c_str());
    }
    return kExitOk;
  }
  std::fprintf(stderr, "kizashi: no incident %s in %s\n", a.Get("id").c_str(), cfg.state.dir.c_str());
  return kExitFailure;
}

int Main(int argc, char** argv) {
  const char* top =
      "usage: kizashi <command> [options]\n\n"
      "commands:\n"
      "  run        run the pipeline (file replay or Kafka)\n"
      "  check      validate configuration, registry, packs and rules\n"
      "  config     print the configuration reference\n"
      "  rules      check correlation rules, test them against scenarios\n"
      "  incidents  list incidents, show one incident's revisions and evidence\n"
      "  patterns   pattern packs: check, compile, import, keygen, sign, verify, test, profile\n"
      "  topics     create or verify the Kafka topics of a configuration\n"
      "  produce    load recorded traffic files into the Kafka input topics\n"
      "  ledger     disclosure ledger: who received what about an operator; verify the chain\n"
      "  documents  verify the signatures of notifications and advisories\n"
      "  exercise   run an exercise scenario (tagged, exercise destinations only) and report\n"
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
  if (cmd == "rules") return correlate::cli::RulesMain(argc, argv);
  if (cmd == "incidents") return CmdIncidents(argc, argv);
  if (cmd == "patterns") return patterns::PatternsMain(argc - 1, argv + 1);
  if (cmd == "topics") return CmdTopics(argc, argv);
  if (cmd == "produce") return CmdProduce(argc, argv);
  if (cmd == "ledger") return CmdLedger(argc, argv);
  if (cmd == "documents") return CmdDocuments(argc, argv);
  if (cmd == "exercise") return CmdExercise(argc, argv);
  std::fprintf(stderr, "kizashi: unknown command '%s'\n\n%s", cmd.c_str(), top);
  return kExitUsage;
}

}  // namespace
}  // namespace kizashi::app

int main(int argc, char** argv) { return kizashi::app::Main(argc, argv); }
