// A ledger entry for the ledger tests (engine/ledger): a notification of `doc` revision `rev`
// to `dest` about operator `op`, with fixed fields, basis and recording time.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "engine/ledger/ledger.h"

namespace kizashi::ledger {

inline LedgerEntry Entry(std::string doc, uint32_t rev, std::string dest, std::string op) {
  LedgerEntry e;
  e.document_id = std::move(doc);
  e.revision = rev;
  e.destination = std::move(dest);
  e.kind = "notification";
  e.subject_operator = std::move(op);
  e.fields = {"operator.id", "verdict.category"};
  e.basis = "framework 4(1)";
  e.recorded_at_ns = 1'700'000'000'000'000'000;
  return e;
}

}  // namespace kizashi::ledger
