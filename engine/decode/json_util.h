// JSON helpers shared by the JSON-based decoders.
#pragma once

#include <string_view>

#include "engine/common/arena.h"

namespace kizashi::decode {

// `raw` is a JSON string token as it appears in the record (starting with '"', possibly with
// trailing whitespace). Sets `out` to the unescaped contents: a view into the record when the
// string has no escapes (the common case: no copy), else an unescaped copy in `arena`.
// Returns false if the token is not a well-formed string.
bool JsonStringToken(std::string_view raw, Arena* arena, std::string_view* out);

}  // namespace kizashi::decode
