// Translation of pack expressions into the regex text Hyperscan compiles, and the static
// checks that do not need a compiler (resource limits on bounded repeats).
//
// Thread contract: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "patterns/pack/pack.h"

namespace kizashi::patterns {

// Escapes bytes so that Hyperscan (and PCRE) match them literally: [A-Za-z0-9] as is,
// everything else as \xHH.
std::string EscapeRegexBytes(std::string_view bytes);

// ClamAV body-signature subset -> byte regex (to be compiled with DOTALL):
// hex bytes, ?? (any byte), a? / ?a (nibble wildcards), * (any run), {n} {n-} {-m} {n-m} and
// [n-m] (bounded runs), (aa|bb|cc) (alternatives, may contain wildcards), !(aa|bb) (negated
// single-byte alternatives). (B), (L) and multi-byte negations are refused with a reason.
bool HexToRegex(std::string_view hex, std::string* out, std::string* error);

// Translates a regex/literal/hex entry's expression to the Hyperscan regex it compiles to.
// Returns false with `error` for unsupported syntax. Not for rule or indicator entries.
bool ToHyperscanRegex(const PackEntry& e, std::string* regex, std::string* error);

// Largest bounded-repeat count written in `regex` ({n}, {n,m}, {n,}), 0 when none. Counted
// syntactically (escaped braces skipped) so a hostile {1000000} is refused before any
// compiler sees it.
int64_t LargestBoundedRepeat(std::string_view regex);

}  // namespace kizashi::patterns
