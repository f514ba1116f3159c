// Hypothesis: the disclosure ledger costs well under a millisecond per recorded document
// (field extraction with simdjson, one SHA-256, three RocksDB puts), so it is negligible next
// to the documents' own production — except for the fsync of `ledger.sync: true`, which
// costs one device flush per batch that has outputs, independent of the batch size.
//
// Baseline in the same run: DisclosedFields alone (the JSON walk), and Append without sync.
// Documents are a 2.6 KB notification-shaped JSON (the size of the demo's notifications).
// Report: documents/s (items_per_second) and MB/s of documents (bytes_per_second), one core.
#include <benchmark/benchmark.h>

#include "engine/common/strings.h"
#include "engine/ledger/ledger.h"
#include "tests/testing/testing.h"

namespace kizashi::ledger {
namespace {

std::string Document(int i) {
  std::string positions;
  for (int k = 0; k < 5; ++k) {
    StrAppend(&positions, k ? "," : "", R"({"source":"sensors","partition":0,"offset":)", i * 5 + k,
              R"(,"event_time":"2024-03-01T01:00:0)", k, R"(.000Z"})");
  }
  return StrCat(
      R"({"schema":"kizashi.notification/1","notification_id":"n)", i,
      R"(","incident_id":"i)", i,
      R"J(","revision":1,"change":"opened","incident_state":"open","kind":"notification","destination":"ministry.fsa","exercise":false,"downgrade":false,"times":{"window_start":"2024-03-01T01:00:00.000Z","first_seen":"2024-03-01T01:00:00.000Z","last_seen":"2024-03-01T01:00:04.000Z"},"operator":{"id":"bank-a","name":"Example Bank A","sector":{"id":"finance","name_en":"Finance"}},"verdict":{"reportable":true,"category":"attack_detected","annex4_clauses":["a"],"reasons":["rule 'access-attempt-critical' matched 5 event(s)","(a) unauthorized access attempt"]},"report":{"target_system":{"kind":"critical_system","id":"core-banking","name":"Core banking","software":[{"name":"suite","version":"11.2","patch_status":"current"}]},"overview":{"attack_types":["unauthorized_access"],"cause":{"matched_patterns":[{"pack":"kizashi-demo","pack_version":"2024.03.1","entry":"ids-ssh-scan","count":5}]}},"other_operators":{"operators_with_same_pattern":1},"contact":{"person":"SOC lead","means":[{"type":"phone","value":"+81-3-5555-0100"},{"type":"email","value":"soc@bank-a.example"}]}},"evidence":{"event_count":5,"sources":["198.51.100.23"],"positions":[)J",
      positions, R"J(]},"summary":"Example Bank A: REPORTABLE attack_detected (Annex 4 a)"})J");
}

void BM_DisclosedFields(benchmark::State& state) {
  std::string doc = Document(1);
  for (auto _ : state) benchmark::DoNotOptimize(DisclosedFields(doc));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
}
BENCHMARK(BM_DisclosedFields);

// Appends batches of `range(0)` documents (fields extracted per document, as the runner does).
void BM_Append(benchmark::State& state) {
  const bool sync = state.range(1) != 0;
  std::string dir = testing::MakeTempDir("ledger_bench");
  LedgerOptions o;
  o.dir = dir + "/l";
  o.sync = sync;
  auto l = Ledger::Open(o);
  if (!l.ok()) {
    state.SkipWithError("cannot open the ledger");
    return;
  }
  int n = 0;
  int64_t bytes = 0;
  std::vector<LedgerEntry> batch;
  for (auto _ : state) {
    batch.clear();
    for (int i = 0; i < state.range(0); ++i, ++n) {
      std::string doc = Document(n);
      bytes += static_cast<int64_t>(doc.size());
      LedgerEntry e;
      e.document_id = StrCat("n", n);
      e.revision = 1;
      e.destination = "ministry.fsa";
      e.kind = "notification";
      e.subject_operator = "bank-a";
      e.fields = DisclosedFields(doc);
      e.basis = "framework 2(1), 4(1)";
      batch.push_back(std::move(e));
    }
    auto added = (*l)->Append(batch);
    if (!added.ok()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(bytes);
  l->reset();
  testing::RemoveTree(dir);
}
BENCHMARK(BM_Append)->Args({1, 0})->Args({16, 0})->Args({1, 1})->Args({16, 1});

}  // namespace
}  // namespace kizashi::ledger

BENCHMARK_MAIN();
