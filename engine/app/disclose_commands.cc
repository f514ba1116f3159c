#include "engine/app/disclose_commands.h"

#include <cstdio>
#include <fstream>

#include "engine/app/args.h"
#include "engine/common/file_util.h"
#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/docsign/docsign.h"
#include "engine/exercise/exercise.h"
#include "engine/ledger/ledger.h"
#include "engine/runtime/engine_config.h"

namespace kizashi::app {

namespace {

constexpr int kOk = 0, kFailure = 1, kUsage = 2, kInvalid = 3;

int Usage(const Args& a, const std::string& err) {
  if (!err.empty()) std::fprintf(stderr, "kizashi: %s\n\n", err.c_str());
  std::fputs(a.Usage().c_str(), err.empty() ? stdout : stderr);
  return err.empty() ? kOk : kUsage;
}

bool Load(const Args& a, runtime::EngineConfig* out) {
  Diagnostics d;
  *out = runtime::EngineConfig::Load(a.Get("config"), a.GetAll("set"), &d);
  if (!d.has_errors()) out->Validate(&d);
  if (d.size() > 0) std::fputs(d.ToText().c_str(), stderr);
  return !d.has_errors();
}

}  // namespace

int CmdLedger(int argc, char** argv) {
  Args a("ledger query|verify",
         "The disclosure ledger: `query` prints who received which document about an operator "
         "(one JSON record per line, with its hash); `verify` recomputes the hash chain and "
         "exits 1 if any record was modified, removed or inserted.");
  a.Positional("action", "query or verify")
      .Option("config", "FILE", "Configuration file (its ledger directory is read).")
      .Option("set", "KEY=VALUE", "Override one configuration key (repeatable).")
      .Option("dir", "DIR", "Ledger directory (instead of the configuration's ledger.dir).")
      .Option("operator", "ID", "query: only documents about this operator.")
      .Flag("exercise", "Read the exercise ledger (<ledger dir>.exercise).");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  std::string dir = a.Get("dir");
  if (dir.empty()) {
    runtime::EngineConfig cfg;
    if (!Load(a, &cfg)) return kInvalid;
    dir = cfg.LedgerOpts().dir;
  }
  if (a.Has("exercise")) dir += ".exercise";
  auto l = ledger::Ledger::OpenReadOnly(dir);
  if (!l.ok()) {
    std::fprintf(stderr, "kizashi: %s\n", std::string(l.status().message()).c_str());
    return kFailure;
  }
  std::string action = a.Get("action");
  if (action == "query") {
    absl::Status st = (*l)->Query(a.Get("operator"), [](const ledger::LedgerRecord& r) {
      std::string line = r.body;
      line.pop_back();
      std::printf("%s,\"hash\":\"%s\"}\n", line.c_str(), r.hash.c_str());
      return absl::OkStatus();
    });
    if (!st.ok()) {
      std::fprintf(stderr, "kizashi: %s\n", std::string(st.message()).c_str());
      return kFailure;
    }
    return kOk;
  }
  if (action == "verify") {
    ledger::VerifyResult v = (*l)->Verify();
    for (const auto& p : v.problems) std::printf("TAMPERED: %s\n", p.c_str());
    std::printf("%s: %llu record(s), head %s\n", v.ok ? "ok" : "FAILED",
                static_cast<unsigned long long>(v.records), v.head_hash.c_str());
    return v.ok ? kOk : kFailure;
  }
  return Usage(a, "expected: query or verify");
}

int CmdDocuments(int argc, char** argv) {
  Args a("documents verify FILE",
         "Verify the Ed25519 signatures of documents (one JSON document per line) against "
         "trusted public keys; exits 1 if any line is unsigned, modified or signed by an "
         "untrusted key.");
  a.Positional("action", "verify").Positional("file", "JSON-lines file of documents")
      .Option("key", "PEM", "Trusted public key (repeatable).");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  if (a.Get("action") != "verify") return Usage(a, "expected: verify");
  patterns::TrustStore trust;
  for (const auto& k : a.GetAll("key")) {
    auto pem = ReadFile(k);
    absl::Status st = pem.ok() ? trust.AddPublicKeyPem(*pem, k) : pem.status();
    if (!st.ok()) {
      std::fprintf(stderr, "kizashi: %s\n", std::string(st.message()).c_str());
      return kInvalid;
    }
  }
  std::ifstream in(a.Get("file"));
  if (!in) {
    std::fprintf(stderr, "kizashi: cannot read %s\n", a.Get("file").c_str());
    return kFailure;
  }
  int bad = 0, n = 0;
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (line.empty()) continue;
    ++n;
    auto r = docsign::VerifyDocument(line, trust);
    if (r.ok()) continue;
    ++bad;
    std::printf("%s:%d: %s\n", a.Get("file").c_str(), lineno, std::string(r.status().message()).c_str());
  }
  std::printf("%s: %d document(s), %d failed\n", bad == 0 ? "ok" : "FAILED", n, bad);
  return bad == 0 ? kOk : kFailure;
}

int CmdExercise(int argc, char** argv) {
  Args a("exercise run SCENARIO",
         "Run an exercise (訓練): feed the scenario's events through the normal pipeline with "
         "every document tagged `exercise` and routed only to exercise destinations "
         "('<destination>.exercise'; real destinations are not configured in the run), then "
         "print what was raised, when, where it went, and expected vs actual. Exits 1 if an "
         "expectation fails or a document was untagged or left the exercise destinations.");
  a.Positional("action", "run").Positional("scenario", "Scenario file (YAML)")
      .Option("config", "FILE", "Configuration file the exercise is derived from.")
      .Option("set", "KEY=VALUE", "Override one configuration key (repeatable).")
      .Option("work-dir", "DIR", "Where the exercise keeps its state (default: "
                                 "<state.dir>.exercise/<scenario id>; reset each run).")
      .Flag("json", "Print the report as JSON.");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  if (a.Get("action") != "run") return Usage(a, "expected: run SCENARIO");
  runtime::EngineConfig cfg;
  if (!Load(a, &cfg)) return kInvalid;
  Diagnostics d;
  exercise::Scenario sc = exercise::LoadScenario(a.Get("scenario"), &d);
  if (d.size() > 0) std::fputs(d.ToText().c_str(), stderr);
  if (d.has_errors()) return kInvalid;
  std::string work = a.Get("work-dir");
  if (work.empty()) work = StrCat(cfg.state.dir, ".exercise/", sc.id);
  auto report = exercise::RunExercise(cfg, sc, work, SystemClock::Get());
  if (!report.ok()) {
    std::fprintf(stderr, "kizashi: exercise %s: %s\n", sc.id.c_str(),
                 std::string(report.status().message()).c_str());
    return kFailure;
  }
  std::fputs((a.Has("json") ? report->ToJson() + "\n" : report->ToText()).c_str(), stdout);
  return report->ok ? kOk : kFailure;
}

}  // namespace kizashi::app
