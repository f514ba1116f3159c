#include "engine/enrich/enricher.h"

namespace kizashi::enrich {

void Enricher::Enrich(Batch& batch, const registry::Registry& reg) const {
  size_t out = 0;
  for (size_t i = 0; i < batch.events.size(); ++i) {
    Event& e = batch.events[i];
    uint32_t op = reg.FindOperator(e.operator_id);
    if (op == kNone) {
      batch.dead_letters.push_back(
          DeadLetter{e.record, DeadLetterReason::kUnknownOperator, "operator not in registry"});
      continue;
    }
    e.operator_ref = op;
    registry::Resolution r;
    const IpAddr* peer = &e.src;
    if (e.dst.valid) {
      r = reg.ResolveAddress(op, e.dst);
      e.dst_is_target = true;
    }
    if (r.kind != TargetKind::kCriticalSystem && r.kind != TargetKind::kNonCriticalAsset &&
        e.src.valid) {
      registry::Resolution rs = reg.ResolveAddress(op, e.src);
      if (rs.kind == TargetKind::kCriticalSystem || rs.kind == TargetKind::kNonCriticalAsset) {
        r = rs;
        e.dst_is_target = false;
        peer = &e.dst;
      }
    }
    if (r.kind != TargetKind::kCriticalSystem && r.kind != TargetKind::kNonCriticalAsset &&
        !e.host.empty()) {
      registry::Resolution rh = reg.ResolveHost(op, e.host);
      if (rh.kind != TargetKind::kUnresolved) {
        r = rh;
        e.dst_is_target = true;
        peer = &e.src;
      }
    }
    e.target_kind = r.kind == TargetKind::kUnresolved ? TargetKind::kUnknownAsset : r.kind;
    e.target_ref = r.index;
    e.src_internal = peer->valid && reg.IsInternal(op, *peer);
    if (out != i) batch.events[out] = e;
    ++out;
  }
  batch.events.resize(out);
}

}  // namespace kizashi::enrich
