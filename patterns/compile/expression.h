// Translation of pack expressions into the regex text Hyperscan compiles, and the static
// checks that do not need a compiler (resource limits on bounded repeats).
//
// Thread contract: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>
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

// The longest run of literal bytes every match of `regex` must contain, found syntactically at
// the top level (no top-level alternation; groups, classes and quantified atoms break runs).
// Empty when there is none. `caseless` is set when the regex switches case-insensitivity on
// anywhere (the literal must then be matched without case). Used to give pcre-only rules a
// literal fast pattern.
std::string RequiredLiteral(std::string_view regex, bool* caseless);
// A set of literals one of which every match of `regex` contains, chosen to make the
// shortest member as long as possible: runs of text are extended across groups of plain
// literal alternatives ("[aA]uthentication (?:failure|error) for" gives "uthentication
// failure for " and "uthentication error for " rather than "uthentication "), up to
// `max_literals` members. Falls back to {RequiredLiteral()} when no set does better; empty
// when nothing is required. Longer literals nominate fewer lines for confirmation.
std::vector<std::string> RequiredLiterals(std::string_view regex, bool* caseless,
                                          size_t max_literals = 8);

// Why Hyperscan would refuse `regex` with `flags` as a direct entry (syntax it does not
// support, empty match), or "" when it accepts it. Importers use it to decide between a
// regex entry and a pcre rule (Hyperscan prefilter + PCRE2 confirmation).
std::string HyperscanRejects(const std::string& regex, const EntryFlags& flags);
// Why Hyperscan could not prefilter `pcre` (HS_FLAG_PREFILTER: unsupported constructs
// over-approximated), or "" when it can.
std::string HyperscanCannotPrefilter(const std::string& pcre, const PcreFlags& flags);

}  // namespace kizashi::patterns
