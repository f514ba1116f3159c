#include "engine/app/disclose_commands.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <tuple>

#include "engine/app/args.h"
#include "engine/common/file_util.h"
#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/docsign/docsign.h"
#include "engine/exercise/exercise.h"
#include "engine/ledger/chain.h"
#include "engine/ledger/ledger.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/kafka_topics.h"
#include "engine/runtime/ledger_reader.h"

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

namespace {

// `kizashi ledger query|verify` against the ledger topic (engine/ledger/chain.h).
int LedgerFromKafka(const Args& a) {
  std::vector<std::string> sets = a.GetAll("set");
  if (!a.Get("brokers").empty()) sets.push_back(StrCat("kafka.brokers=", a.Get("brokers")));
  Diagnostics d;
  runtime::EngineConfig cfg = runtime::EngineConfig::Load(a.Get("config"), sets, &d);
  if (d.size() > 0) std::fputs(d.ToText().c_str(), stderr);
  if (d.has_errors()) return kInvalid;
  if (cfg.kafka.brokers.empty()) {
    std::fprintf(stderr, "kizashi: no brokers (--brokers HOST:PORT or kafka.brokers)\n");
    return kUsage;
  }
  std::string topic = a.Get("topic");
  if (topic.empty()) {
    topic = runtime::LedgerTopic(cfg);
    if (a.Has("exercise") && !cfg.route.exercise) topic += ".exercise";
  }
  constexpr int kTimeoutMs = 120000;
  std::string action = a.Get("action");
  if (action == "verify") {
    ledger::TopicVerifier v(a.Has("strict"));
    absl::Status st = runtime::ReadLedgerTopic(
        cfg.kafka, topic, kTimeoutMs,
        [&](int32_t p, int64_t off, std::string_view key, std::string_view value) {
          v.Add(p, off, key, value);
          return absl::OkStatus();
        });
    if (!st.ok()) {
      std::fprintf(stderr, "kizashi: %s\n", std::string(st.message()).c_str());
      return kFailure;
    }
    ledger::TopicVerifyResult r = v.Finish();
    for (const auto& p : r.problems) std::printf("TAMPERED: %s\n", p.c_str());
    for (const auto& n : r.notes) std::printf("NOTE: %s\n", n.c_str());
    for (const auto& [p, h] : r.heads) {
      std::printf("partition %d: head seq %llu hash %s\n", p,
                  static_cast<unsigned long long>(h.seq), h.hash.c_str());
    }
    std::printf("%s: %s: %llu record(s) in %zu partition chain(s), %llu rewind(s)\n",
                r.ok ? "ok" : "FAILED", topic.c_str(), static_cast<unsigned long long>(r.records),
                r.heads.size(), static_cast<unsigned long long>(r.rewinds));
    return r.ok ? kOk : kFailure;
  }
  // query: the last record of each key (what compaction keeps), in topic order.
  struct Held {
    int32_t partition;
    int64_t offset;
    std::string value;
  };
  std::map<std::string, Held> by_key;
  uint64_t malformed = 0;
  std::string op = a.Get("operator");
  absl::Status st = runtime::ReadLedgerTopic(
      cfg.kafka, topic, kTimeoutMs,
      [&](int32_t p, int64_t off, std::string_view key, std::string_view value) {
        auto r = ledger::DecodeTopicRecord(value);
        if (!r.ok()) {
          ++malformed;
          return absl::OkStatus();
        }
        bool about = op.empty();
        for (std::string_view s : Split(r->subject_operator, ',', true)) about |= s == op;
        std::string k(key);
        if (!about) {
          by_key.erase(k);  // a later record of the key replaces an earlier one
          return absl::OkStatus();
        }
        by_key[k] = Held{p, off, std::string(value)};
        return absl::OkStatus();
      });
  if (!st.ok()) {
    std::fprintf(stderr, "kizashi: %s\n", std::string(st.message()).c_str());
    return kFailure;
  }
  std::vector<const Held*> out;
  for (const auto& [k, h] : by_key) out.push_back(&h);
  std::sort(out.begin(), out.end(), [](const Held* x, const Held* y) {
    return std::tie(x->partition, x->offset) < std::tie(y->partition, y->offset);
  });
  for (const Held* h : out) std::printf("%s\n", h->value.c_str());
  if (malformed > 0) {
    std::fprintf(stderr, "kizashi: %llu malformed ledger record(s) skipped (run `kizashi ledger "
                         "verify`)\n", static_cast<unsigned long long>(malformed));
    return kFailure;
  }
  return kOk;
}

}  // namespace

int CmdLedger(int argc, char** argv) {
  Args a("ledger query|verify",
         "The disclosure ledger: `query` prints who received which document about an operator "
         "(one JSON record per line, with its hash); `verify` recomputes the hash chain and "
         "exits 1 if any record was modified, removed or inserted. Reads the local ledger "
         "directory, or with --brokers/--kafka/--topic the cluster's ledger topic "
         "(read_committed; one hash chain per partition).");
  a.Positional("action", "query or verify")
      .Option("config", "FILE", "Configuration file (its ledger directory, or its kafka section).")
      .Option("set", "KEY=VALUE", "Override one configuration key (repeatable).")
      .Option("dir", "DIR", "Ledger directory (instead of the configuration's ledger.dir).")
      .Option("brokers", "HOST:PORT", "Read the ledger topic from these brokers (implies --kafka).")
      .Option("topic", "NAME", "Ledger topic (default: kafka.topic_prefix + 'ledger'; implies --kafka).")
      .Option("operator", "ID", "query: only documents about this operator.")
      .Flag("kafka", "Read the configuration's ledger topic instead of a local directory.")
      .Flag("strict", "verify (topic): a rewound chain (at_least_once re-recording after a "
                      "crash) is a failure; use with exactly_once.")
      .Flag("exercise", "Read the exercise ledger (<ledger dir>.exercise, <ledger topic>.exercise).");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) return Usage(a, err);
  std::string action = a.Get("action");
  if (action != "query" && action != "verify") return Usage(a, "expected: query or verify");
  if (a.Has("kafka") || !a.Get("brokers").empty() || !a.Get("topic").empty()) {
    return LedgerFromKafka(a);
  }
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
  ledger::VerifyResult v = (*l)->Verify();
  for (const auto& p : v.problems) std::printf("TAMPERED: %s\n", p.c_str());
  std::printf("%s: %llu record(s), head %s\n", v.ok ? "ok" : "FAILED",
              static_cast<unsigned long long>(v.records), v.head_hash.c_str());
  return v.ok ? kOk : kFailure;
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
