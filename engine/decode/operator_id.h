// Which operator a record belongs to, per the input's DecodeOptions (shared by all decoders).
#pragma once

#include <string_view>

#include "engine/decode/decoder.h"

namespace kizashi::decode {

// `claimed` is the operator named inside the record (JSON field), empty if none. Returns
// false with `reason` when the record must be dead-lettered (no operator, or a claim that
// contradicts an authoritative input).
bool ResolveOperator(const DecodeOptions& o, const RawRecord& r, std::string_view claimed,
                     std::string_view* out, DeadLetterReason* reason);

}  // namespace kizashi::decode
