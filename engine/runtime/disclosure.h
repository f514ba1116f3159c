// What the runners do with a batch's outputs before and after writing them, for the
// framework's information handling (docs/information-handling.md):
//   - exercise runs (route.exercise): every output must go to an exercise destination
//     (name ending in ".exercise") and carry "exercise": true — CheckExercise refuses the
//     batch otherwise (fail closed: an exercise document can never reach a real destination);
//   - the disclosure ledger: LedgerEntries describes each written output (document id and
//     revision, destination, kind, subject operator, disclosed fields, basis).
//
// Free functions; any thread.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/ledger/ledger.h"
#include "engine/route/router.h"
#include "engine/runtime/engine_config.h"

namespace kizashi::runtime {

inline constexpr std::string_view kExerciseSuffix = ".exercise";

// Exercise mode: adds "exercise":true to documents that lack the member (dead letters, late
// events) and fails on any output whose destination is not an exercise destination.
absl::Status CheckExercise(const EngineConfig& config, std::vector<route::Output>* outputs);

// The ledger kind of an output ("notification", ..., "dead_letter", "late_event").
std::string LedgerKind(const EngineConfig& config, const route::Output& o);
// The basis an output is disclosed under (o.basis, or the framework rule of its kind).
std::string DisclosureBasis(const std::string& kind, const route::Output& o);

// One ledger entry per output. Documents without an id (dead letters, late events) get the
// hash of their content, which is deterministic, so a replay finds the same key.
std::vector<ledger::LedgerEntry> LedgerEntries(const EngineConfig& config,
                                               const std::vector<route::Output>& outputs,
                                               int64_t now_ns);

}  // namespace kizashi::runtime
