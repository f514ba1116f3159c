// Enrichment: attaches registry facts to each event — which registered operator it belongs to,
// what its target is (critical system, non-critical asset with a role, or unknown), and whether
// the peer address is inside the operator's home networks.
//
// Target rule (docs/pipeline.md): the destination address if it resolves in the operator's
// registry; else the source address if that resolves (response or outbound traffic from a
// registered system); else the emitting host name (syslog); else unknown.
//
// Events whose operator is not in the registry are removed and dead-lettered
// (unknown_operator): an operator's data is never attributed to a guess.
//
// Ownership: stateless; one per worker. Thread contract: const methods, any thread.
#pragma once

#include "engine/event/batch.h"
#include "engine/registry/registry.h"

namespace kizashi::enrich {

class Enricher {
 public:
  void Enrich(Batch& batch, const registry::Registry& reg) const;
};

}  // namespace kizashi::enrich
