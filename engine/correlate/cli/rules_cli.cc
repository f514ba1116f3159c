#include "engine/correlate/cli/rules_cli.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/app/args.h"
#include "engine/common/strings.h"
#include "engine/correlate/cli/scenario.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/snapshot.h"

namespace kizashi::correlate::cli {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInvalid = 3;
constexpr int kExitAllSkipped = 4;  // every scenario needed absent third-party data

int Usage(const app::Args& a, const std::string& err) {
  if (!err.empty()) std::fprintf(stderr, "kizashi rules: %s\n\n", err.c_str());
  std::fputs(a.Usage().c_str(), err.empty() ? stdout : stderr);
  return err.empty() ? kExitOk : kExitUsage;
}

int Check(int argc, char** argv) {
  app::Args a("rules check", "Parse and compile correlation rules against the packs of the "
                             "configuration; print every error and warning with file:line.");
  a.Positional("rules", "A rules file or a directory of *.yaml rule files.")
      .Option("config", "FILE", "Engine configuration (registry, packs).")
      .Option("set", "KEY=VALUE", "Override one configuration key (repeatable).");
  std::string err;
  if (!a.Parse(argc, argv, 3, &err) || a.help()) return Usage(a, err);
  Diagnostics d;
  runtime::EngineConfig cfg = runtime::EngineConfig::Load(a.Get("config"), a.GetAll("set"), &d);
  cfg.rule_paths = runtime::ExpandYamlPaths({a.Get("rules")}, &d);
  auto snap = d.has_errors() ? absl::InvalidArgumentError("configuration")
                             : runtime::BuildSnapshot(cfg, 1, &d);
  std::fputs(d.ToText().c_str(), stderr);
  if (!snap.ok()) {
    std::fprintf(stderr, "kizashi rules check: %zu error(s)\n", d.error_count());
    return kExitInvalid;
  }
  std::printf("ok: %zu rule(s), version %s\n", (*snap)->rules->size(),
              (*snap)->rules->version().c_str());
  return kExitOk;
}

int Test(int argc, char** argv) {
  app::Args a("rules test",
              "Replay scenarios (input records + expected incidents, verdicts and routes) "
              "through decode, enrich, match, correlate, classify and route with the given "
              "rules, and compare. Exit 0 pass, 1 a failure, 3 invalid input, 4 every scenario "
              "skipped (third-party data absent).");
  a.Positional("rules", "A rules file or a directory of *.yaml rule files.")
      .Positional("scenario", "A scenario file or a directory of *.yaml scenarios.")
      .Option("config", "FILE", "Engine configuration to use instead of each scenario's own.")
      .Option("set", "KEY=VALUE", "Override one configuration key (repeatable).")
      .Option("shared-data", "DIR",
              "Third-party data directory for records given as {shared: path, line: n} "
              "(default: $KIZASHI_SHARED_DATA). Scenarios whose data is absent are skipped.")
      .Option("documents", "FILE",
              "Write every routed document (one JSON per line) here, e.g. to validate them "
              "against docs/schemas.")
      .Flag("verbose", "Print every scenario's revisions, not only failures.");
  std::string err;
  if (!a.Parse(argc, argv, 3, &err) || a.help()) return Usage(a, err);
  std::string shared = a.Get("shared-data");
  if (shared.empty() && std::getenv("KIZASHI_SHARED_DATA") != nullptr) {
    shared = std::getenv("KIZASHI_SHARED_DATA");
  }
  std::FILE* docs = nullptr;
  if (!a.Get("documents").empty()) {
    docs = std::fopen(a.Get("documents").c_str(), "w");
    if (docs == nullptr) {
      std::fprintf(stderr, "kizashi rules test: cannot write %s\n", a.Get("documents").c_str());
      return kExitInvalid;
    }
  }
  Diagnostics d;
  std::vector<std::string> scenarios = runtime::ExpandYamlPaths({a.Get("scenario")}, &d);
  std::vector<std::string> rules = runtime::ExpandYamlPaths({a.Get("rules")}, &d);
  if (d.has_errors()) {
    std::fputs(d.ToText().c_str(), stderr);
    return kExitInvalid;
  }
  int passed = 0, failed = 0, invalid = 0, skipped = 0;
  for (const auto& path : scenarios) {
    Diagnostics sd;
    auto sc = ParseScenarioFile(path, &sd);
    if (!sc) {
      std::fputs(sd.ToText().c_str(), stderr);
      ++invalid;
      continue;
    }
    ScenarioResult r = RunScenario(*sc, rules, a.Get("config"), a.GetAll("set"), shared);
    if (r.skipped) {
      std::fputs(r.report.c_str(), stdout);
      ++skipped;
      continue;
    }
    if (docs != nullptr) {
      for (const auto& doc : r.documents) std::fprintf(docs, "%s\n", doc.c_str());
    }
    if (r.invalid) {
      std::fprintf(stderr, "scenario %s: cannot run:\n%s", path.c_str(), r.report.c_str());
      ++invalid;
      continue;
    }
    if (!r.pass || a.Has("verbose")) std::fputs(r.report.c_str(), r.pass ? stdout : stderr);
    if (r.pass) {
      ++passed;
      if (!a.Has("verbose")) std::printf("PASS %s\n", sc->name.c_str());
    } else {
      ++failed;
    }
  }
  if (docs != nullptr) std::fclose(docs);
  std::printf("%d passed, %d failed, %d invalid, %d skipped\n", passed, failed, invalid, skipped);
  if (invalid > 0) return kExitInvalid;
  if (failed > 0) return kExitFailed;
  return passed == 0 && skipped > 0 ? kExitAllSkipped : kExitOk;
}

}  // namespace

int RulesMain(int argc, char** argv) {
  const char* usage =
      "usage: kizashi rules <check|test> ...\n\n"
      "  check RULES [--config FILE]             validate rules against the packs in service\n"
      "  test RULES SCENARIO [--config FILE]     replay scenarios; compare incidents, verdicts, routes\n"
      "\n`kizashi rules <subcommand> --help` describes each.\n";
  if (argc < 3) {
    std::fputs(usage, stderr);
    return kExitUsage;
  }
  std::string sub = argv[2];
  if (sub == "check") return Check(argc, argv);
  if (sub == "test") return Test(argc, argv);
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(usage, stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "kizashi rules: unknown subcommand '%s'\n\n%s", sub.c_str(), usage);
  return kExitUsage;
}

}  // namespace kizashi::correlate::cli
