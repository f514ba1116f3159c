// Field-level checks shared by the registry reader and validator (internal header).
#pragma once

#include <string>
#include <string_view>

#include "engine/common/ip.h"
#include "engine/registry/registry.h"

namespace kizashi::registry {

// Longest host name accepted (RFC 1035 presentation form without the trailing dot).
inline constexpr size_t kMaxHostnameLength = 253;

// Parses "a.b.c.d/n", "x::/n" or a bare address (a host prefix). On failure `reason` says
// what is wrong and, for host bits set, which network was probably meant.
bool ParseNetwork(std::string_view s, Cidr* out, std::string* reason);

// Lower-cases and strips one trailing dot; rejects empty labels, labels over 63 characters,
// names over 253, characters outside [A-Za-z0-9_-.], wildcards and IP literals.
bool NormaliseHostname(std::string_view s, std::string* out, std::string* reason);

// Ids are used in state keys, topics and file names: 1-64 characters of [A-Za-z0-9._-],
// starting with a letter or digit.
bool IsValidId(std::string_view id);

// Checks one contact means value; `reason` says what is expected.
bool CheckContactValue(const ContactMeans& m, std::string* reason);
// The value compared for distinctness: phone/fax digits (+81 -> 0), others lower-cased.
std::string NormaliseContactValue(const ContactMeans& m);

}  // namespace kizashi::registry
