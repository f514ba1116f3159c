#include "engine/decode/operator_id.h"

namespace kizashi::decode {

bool ResolveOperator(const DecodeOptions& o, const RawRecord& r, std::string_view claimed,
                     std::string_view* out, DeadLetterReason* reason) {
  std::string_view op;
  if (o.operator_from == "field") {
    op = claimed;
  } else if (o.operator_from == "key") {
    op = r.key;
  } else if (o.operator_from == "fixed") {
    op = o.operator_fixed;
  } else {  // header, topic: the source resolved it into operator_hint
    op = r.operator_hint;
  }
  if (op.empty()) {
    *reason = DeadLetterReason::kUnknownOperator;
    return false;
  }
  if (o.authoritative && !claimed.empty() && claimed != op) {
    *reason = DeadLetterReason::kOperatorMismatch;
    return false;
  }
  *out = op;
  return true;
}

}  // namespace kizashi::decode
