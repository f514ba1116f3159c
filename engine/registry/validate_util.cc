#include "engine/registry/validate_util.h"

#include <algorithm>

#include "engine/common/strings.h"

namespace kizashi::registry {

bool ParseNetwork(std::string_view s, Cidr* out, std::string* reason) {
  *out = Cidr{};
  if (s.empty()) {
    *reason = "empty";
    return false;
  }
  if (s.find('%') != std::string_view::npos) {
    *reason = "zone indexes (%...) are not allowed in networks";
    return false;
  }
  const size_t slash = s.find('/');
  const std::string_view addr_text = s.substr(0, slash);
  IpAddr a;
  if (!IpAddr::Parse(addr_text, &a)) {
    *reason = "not an IPv4 or IPv6 address (expected a.b.c.d/n, x:x::/n or a bare address)";
    return false;
  }
  // The prefix length counts in the notation's own family: 10.0.0.0/8 and
  // ::ffff:10.0.0.0/104 are the same network.
  const bool v4_text = addr_text.find(':') == std::string_view::npos;
  const int max = v4_text ? 32 : 128;
  int len = max;
  if (slash != std::string_view::npos) {
    std::string_view l = s.substr(slash + 1);
    if (!ParseInt(l, &len) || l[0] == '+' || len < 0 || len > max) {
      *reason = v4_text ? "prefix length must be a number 0..32 for IPv4"
                        : "prefix length must be a number 0..128 for IPv6";
      return false;
    }
  }
  const int mapped = v4_text ? len + 96 : len;
  Cidr c;
  c.addr = a;
  c.prefix = static_cast<uint8_t>(mapped);
  bool host_bits = false;
  for (int bit = mapped; bit < 128; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if (c.addr.bytes[bit / 8] & mask) {
      host_bits = true;
      c.addr.bytes[bit / 8] &= static_cast<uint8_t>(~mask);
    }
  }
  if (host_bits) {
    *reason = StrCat("host bits are set after the prefix; did you mean ", c.ToString(), "?");
    return false;
  }
  *out = c;
  return true;
}

bool NormaliseHostname(std::string_view s, std::string* out, std::string* reason) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty()) {
    *reason = "empty";
    return false;
  }
  if (s.size() > kMaxHostnameLength) {
    *reason = StrCat("longer than ", kMaxHostnameLength, " characters");
    return false;
  }
  IpAddr ip;
  if (IpAddr::Parse(s, &ip)) {
    *reason = "is an IP address: list it under 'networks'";
    return false;
  }
  size_t label = 0;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '.') {
      if (label == 0) {
        *reason = "has an empty label";
        return false;
      }
      label = 0;
      continue;
    }
    if (c == '*') {
      *reason = "wildcards are not supported: list each host name";
      return false;
    }
    if (u >= 0x80) {
      *reason = "non-ASCII: write the IDNA (xn--) form";
      return false;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_')) {
      *reason = StrCat("character '", std::string(1, c), "' is not allowed in a host name");
      return false;
    }
    if (++label > 63) {
      *reason = "has a label longer than 63 characters";
      return false;
    }
  }
  if (label == 0) {
    *reason = "has an empty label";
    return false;
  }
  *out = AsciiLower(s);
  return true;
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(id[0])) return false;
  return std::all_of(id.begin(), id.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool CheckContactValue(const ContactMeans& m, std::string* reason) {
  std::string_view v = StripWhitespace(m.value);
  if (v.empty()) {
    *reason = "empty value";
    return false;
  }
  switch (m.type) {
    case ContactMeansType::kPhone:
    case ContactMeansType::kFax: {
      int digits = 0;
      for (size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (c >= '0' && c <= '9') ++digits;
        else if (c == '+' && i == 0) continue;
        else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.') continue;
        else {
          *reason = StrCat("'", std::string(v), "' is not a ", ContactMeansTypeName(m.type),
                           " number (digits, an optional leading +, spaces, hyphens, "
                           "parentheses)");
          return false;
        }
      }
      if (digits < 6 || digits > 15) {
        *reason = StrCat("'", std::string(v), "' has ", digits,
                         " digits; a ", ContactMeansTypeName(m.type), " number has 6 to 15");
        return false;
      }
      return true;
    }
    case ContactMeansType::kEmail: {
      size_t at = v.find('@');
      bool ok = at != std::string_view::npos && at > 0 && v.find('@', at + 1) == std::string_view::npos &&
                v.find(' ') == std::string_view::npos;
      if (ok) {
        std::string_view domain = v.substr(at + 1);
        size_t dot = domain.find('.');
        ok = dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
      }
      if (!ok) {
        *reason = StrCat("'", std::string(v), "' is not an e-mail address (local@domain.tld)");
        return false;
      }
      return true;
    }
    case ContactMeansType::kOther:
      return true;
  }
  return true;
}

std::string NormaliseContactValue(const ContactMeans& m) {
  std::string_view v = StripWhitespace(m.value);
  if (m.type == ContactMeansType::kPhone || m.type == ContactMeansType::kFax) {
    std::string digits;
    for (char c : v) {
      if (c >= '0' && c <= '9') digits.push_back(c);
    }
    // +81 3-1234-5678 and 03-1234-5678 are the same line.
    if (!v.empty() && v[0] == '+' && StartsWith(digits, "81")) digits = "0" + digits.substr(2);
    return digits;
  }
  return AsciiLower(v);
}

int DistinctContactMeans(const Contact& c) {
  // A maximum matching of types to values: with four types, keeping four distinct values
  // per type is enough, and an exhaustive search over them is at most 5^4 steps.
  constexpr int kTypes = 4;
  std::vector<std::string> values[kTypes];
  for (const auto& m : c.means) {
    std::string reason;
    if (!CheckContactValue(m, &reason)) continue;  // malformed means do not count
    auto& v = values[static_cast<int>(m.type)];
    std::string n = NormaliseContactValue(m);
    if (v.size() < kTypes && std::find(v.begin(), v.end(), n) == v.end()) v.push_back(n);
  }
  int best = 0;
  std::vector<const std::string*> chosen;
  auto dfs = [&](auto&& self, int t) -> void {
    if (t == kTypes) {
      best = std::max(best, static_cast<int>(chosen.size()));
      return;
    }
    self(self, t + 1);  // skip type t
    for (const auto& v : values[t]) {
      bool clash = false;
      for (const auto* ch : chosen) clash = clash || *ch == v;
      if (clash) continue;
      chosen.push_back(&v);
      self(self, t + 1);
      chosen.pop_back();
    }
  };
  dfs(dfs, 0);
  return best;
}

}  // namespace kizashi::registry
