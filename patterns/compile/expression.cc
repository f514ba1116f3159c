#include "patterns/compile/expression.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "engine/common/strings.h"

namespace kizashi::patterns {

namespace {

void AppendByte(std::string* out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Finds the ')' closing the '(' at `open`, honouring nesting.
size_t MatchingParen(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

// Splits on '|' at nesting depth 0.
std::vector<std::string_view> SplitAlternatives(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    if (s[i] == '|' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

bool ParseRange(std::string_view range, std::string* out, std::string* error) {
  size_t dash = range.find('-');
  std::string_view lo = range, hi = range;
  if (dash != std::string_view::npos) {
    lo = range.substr(0, dash);
    hi = range.substr(dash + 1);
  }
  int64_t a = 0, b = 0;
  if ((!lo.empty() && !ParseInt(lo, &a)) || (!hi.empty() && !ParseInt(hi, &b)) ||
      (lo.empty() && hi.empty()) || a < 0 || (!hi.empty() && b < a)) {
    *error = StrCat("bad range {", range, "} in hex signature");
    return false;
  }
  StrAppend(out, ".{", lo.empty() ? "0" : lo, ",", hi, "}");
  return true;
}

bool HexToRegexImpl(std::string_view hex, std::string* out, int* fixed_bytes, std::string* error) {
  size_t i = 0;
  while (i < hex.size()) {
    char c = hex[i];
    if (c == '*') {
      out->append(".*");
      ++i;
      continue;
    }
    if (c == '{' || c == '[') {
      char close_ch = c == '{' ? '}' : ']';
      size_t close = hex.find(close_ch, i);
      if (close == std::string_view::npos) {
        *error = StrCat("unterminated ", std::string(1, c), "n-m", std::string(1, close_ch),
                        " in hex signature");
        return false;
      }
      if (!ParseRange(hex.substr(i + 1, close - i - 1), out, error)) return false;
      i = close + 1;
      continue;
    }
    bool negated = false;
    if (c == '!' && i + 1 < hex.size() && hex[i + 1] == '(') {
      negated = true;
      ++i;
      c = '(';
    }
    if (c == '(') {
      size_t close = MatchingParen(hex, i);
      if (close == std::string_view::npos) {
        *error = "unterminated (aa|bb) in hex signature";
        return false;
      }
      std::string_view body = hex.substr(i + 1, close - i - 1);
      if (body == "B" || body == "L") {
        *error = StrCat("ClamAV boundary marker (", body, ") is not supported");
        return false;
      }
      std::vector<std::string_view> alts = SplitAlternatives(body);
      if (negated) {
        out->append("[^");
        for (std::string_view alt : alts) {
          int hi = alt.size() == 2 ? HexNibble(alt[0]) : -1;
          int lo = alt.size() == 2 ? HexNibble(alt[1]) : -1;
          if (hi < 0 || lo < 0) {
            *error = "negated alternatives !(..) are supported for single fixed bytes only";
            return false;
          }
          AppendByte(out, static_cast<unsigned char>(hi << 4 | lo));
        }
        out->push_back(']');
      } else {
        out->append("(?:");
        bool first = true;
        for (std::string_view alt : alts) {
          if (!first) out->push_back('|');
          first = false;
          if (alt.empty()) {
            *error = "empty alternative in hex signature";
            return false;
          }
          int sub_fixed = 0;
          if (!HexToRegexImpl(alt, out, &sub_fixed, error)) return false;
        }
        out->push_back(')');
      }
      ++*fixed_bytes;
      i = close + 1;
      continue;
    }
    if (i + 1 >= hex.size()) {
      *error = "odd number of hex digits";
      return false;
    }
    char c2 = hex[i + 1];
    int hi = HexNibble(c), lo = HexNibble(c2);
    if (c == '?' && c2 == '?') {
      out->push_back('.');
    } else if (c == '?' && lo >= 0) {
      out->push_back('[');
      for (int h = 0; h < 16; ++h) AppendByte(out, static_cast<unsigned char>(h << 4 | lo));
      out->push_back(']');
    } else if (hi >= 0 && c2 == '?') {
      out->push_back('[');
      AppendByte(out, static_cast<unsigned char>(hi << 4));
      out->push_back('-');
      AppendByte(out, static_cast<unsigned char>(hi << 4 | 15));
      out->push_back(']');
    } else if (hi >= 0 && lo >= 0) {
      AppendByte(out, static_cast<unsigned char>(hi << 4 | lo));
      ++*fixed_bytes;
    } else {
      *error = StrCat("unsupported hex signature syntax at '", hex.substr(i, 8), "'");
      return false;
    }
    i += 2;
  }
  return true;
}

}  // namespace

std::string EscapeRegexBytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out.push_back(static_cast<char>(c));
    } else {
      AppendByte(&out, c);
    }
  }
  return out;
}

bool HexToRegex(std::string_view hex, std::string* out, std::string* error) {
  out->clear();
  int fixed = 0;
  if (hex.empty()) {
    *error = "empty hex signature";
    return false;
  }
  if (!HexToRegexImpl(hex, out, &fixed, error)) return false;
  if (fixed == 0) {
    *error = "hex signature has no fixed bytes (it would match almost anything)";
    return false;
  }
  return true;
}

bool ToHyperscanRegex(const PackEntry& e, std::string* regex, std::string* error) {
  switch (e.expr_type) {
    case ExprType::kRegex:
      if (e.expression.empty()) {
        *error = "empty regex";
        return false;
      }
      *regex = e.expression;
      return true;
    case ExprType::kLiteral:
      if (e.expression.empty()) {
        *error = "empty literal";
        return false;
      }
      *regex = EscapeRegexBytes(e.expression);
      return true;
    case ExprType::kHex:
      return HexToRegex(e.expression, regex, error);
    case ExprType::kRule:
    case ExprType::kIndicator:
      break;
  }
  *error = StrCat(ExprTypeName(e.expr_type), " entries are not single expressions");
  return false;
}

namespace {

// Length of the escape sequence starting at re[i] == '\\' (including the backslash).
size_t EscapeLength(std::string_view re, size_t i) {
  if (i + 1 >= re.size()) return 1;
  char c = re[i + 1];
  auto braced = [&](size_t from) -> size_t {
    size_t close = re.find('}', from);
    return close == std::string_view::npos ? re.size() - i : close + 1 - i;
  };
  switch (c) {
    case 'x':
      if (i + 2 < re.size() && re[i + 2] == '{') return braced(i + 2);
      {
        size_t n = 2;
        while (n < 4 && i + n < re.size() && std::isxdigit(static_cast<unsigned char>(re[i + n]))) ++n;
        return n;
      }
    case 'o': case 'N': case 'p': case 'P':
      if (i + 2 < re.size() && re[i + 2] == '{') return braced(i + 2);
      return (c == 'p' || c == 'P') ? 3 : 2;
    case 'c':
      return 3;
    case 'k': case 'g': {
      if (i + 2 >= re.size()) return 2;
      char open = re[i + 2];
      char close = open == '<' ? '>' : open == '{' ? '}' : open == '\'' ? '\'' : 0;
      if (close != 0) {
        size_t e = re.find(close, i + 3);
        return e == std::string_view::npos ? re.size() - i : e + 1 - i;
      }
      size_t n = 2;
      if (i + n < re.size() && re[i + n] == '-') ++n;
      while (i + n < re.size() && re[i + n] >= '0' && re[i + n] <= '9') ++n;
      return n;
    }
    default:
      if (c >= '0' && c <= '9') {
        size_t n = 1;
        while (i + n < re.size() && re[i + n] >= '0' && re[i + n] <= '9') ++n;
        return n;
      }
      return 2;
  }
}

// Index just past the character class starting at re[i] == '['.
size_t SkipClass(std::string_view re, size_t i) {
  size_t j = i + 1;
  if (j < re.size() && re[j] == '^') ++j;
  if (j < re.size() && re[j] == ']') ++j;  // a leading ']' is a member
  while (j < re.size() && re[j] != ']') {
    if (re[j] == '\\') {
      j += EscapeLength(re, j);
      continue;
    }
    if (re[j] == '[' && j + 1 < re.size() && (re[j + 1] == ':' || re[j + 1] == '.' || re[j + 1] == '=')) {
      char kind = re[j + 1];
      size_t close = re.find(std::string{kind, ']'}, j + 2);
      j = close == std::string_view::npos ? re.size() : close + 2;
      continue;
    }
    ++j;
  }
  return j < re.size() ? j + 1 : re.size();
}

// 'o' optional (?, *, {0..}), 'r' required but repeating (+, {n..}), 0 no quantifier.
char QuantifierAt(std::string_view re, size_t i) {
  if (i >= re.size()) return 0;
  char q = re[i];
  if (q == '?' || q == '*') return 'o';
  if (q == '+') return 'r';
  if (q == '{') {
    if (i + 1 < re.size() && re[i + 1] >= '1' && re[i + 1] <= '9') return 'r';
    if (i + 1 < re.size() && (re[i + 1] == '0' || re[i + 1] == ',')) return 'o';
  }
  return 0;
}

// True if extended mode (whitespace and '#' with other meanings) may be on somewhere: a
// literal read from such a regex could be wrong.
bool MayBeExtended(std::string_view re) {
  if (re.find("(?x") != std::string_view::npos || re.find("(?^") != std::string_view::npos) {
    return true;
  }
  for (size_t p = re.find("(?"); p != std::string_view::npos; p = re.find("(?", p + 2)) {
    size_t q = p + 2;
    while (q < re.size() && std::isalpha(static_cast<unsigned char>(re[q]))) ++q;
    if (re.substr(p + 2, q - p - 2).find('x') != std::string_view::npos) return true;
  }
  return false;
}

// True if an inline option group ("(?i)", "(?mi:", "(?^i)") may switch `option` on somewhere
// (letters after '-' switch options off and do not count).
bool MaySetOption(std::string_view re, char option) {
  for (size_t p = re.find("(?"); p != std::string_view::npos; p = re.find("(?", p + 2)) {
    bool on = true;
    for (size_t q = p + 2; q < re.size(); ++q) {
      char c = re[q];
      if (c == '-') {
        on = false;
      } else if (c == '^') {
        on = true;
      } else if (!std::isalpha(static_cast<unsigned char>(c))) {
        break;
      } else if (c == option && on) {
        return true;
      }
    }
  }
  return false;
}

// One atom at top level, outside groups, classes and \Q..\E: an escape (a punctuation escape
// stands for its character), a quantifier, a metacharacter or a literal character. Returns
// where the next atom starts. `*lit` gets the atom's text (empty when it has none); `*breaks`
// is set for quantifiers and metacharacters, which end a literal run.
size_t ReadAtom(std::string_view re, size_t i, std::string* lit, bool* breaks) {
  char c = re[i];
  *breaks = false;
  if (c == '\\') {
    size_t len = EscapeLength(re, i);
    char n = i + 1 < re.size() ? re[i + 1] : 0;
    bool alnum = std::isalnum(static_cast<unsigned char>(n)) != 0;
    if (len == 2 && !alnum && n != 0) lit->push_back(n);  // \. \- \/ ...: the character
    return i + len;
  }
  if (c == '{' && QuantifierAt(re, i) != 0) {
    // A quantifier of the previous atom ({n}, {n,}, {n,m}): skip it whole, its digits are
    // not text.
    *breaks = true;
    size_t close = re.find('}', i);
    return close == std::string_view::npos ? re.size() : close + 1;
  }
  if (c == '.' || c == '^' || c == '$' || c == '?' || c == '*' || c == '+') {
    *breaks = true;
    return i + 1;
  }
  lit->push_back(c);
  return i + 1;
}

}  // namespace

std::string RequiredLiteral(std::string_view re, bool* caseless) {
  // Any inline option group that switches 'i' on ("(?i)", "(?mi)", "(?s-x:i)"...), not only
  // "(?i": a literal matched with case while PCRE2 ignores it would miss matches.
  *caseless = MaySetOption(re, 'i');
  // Extended mode gives whitespace and '#' other meanings, and inline option groups can
  // switch it on anywhere: find no literal rather than a wrong one.
  if (MayBeExtended(re)) return "";
  std::string best, run;
  auto flush = [&]() {
    if (run.size() > best.size()) best = run;
    run.clear();
  };
  int depth = 0;
  size_t i = 0;
  while (i < re.size()) {
    char c = re[i];
    if (depth > 0) {
      if (c == '\\') {
        i += EscapeLength(re, i);
      } else if (c == '[') {
        i = SkipClass(re, i);
      } else {
        if (c == '(') ++depth;
        if (c == ')') --depth;
        ++i;
      }
      continue;
    }
    if (c == '(') {
      flush();
      ++depth;
      ++i;
      continue;
    }
    if (c == ')') {  // unbalanced: give up
      return "";
    }
    if (c == '|') return "";  // top-level alternation: nothing is required
    if (c == '[') {
      flush();
      i = SkipClass(re, i);
      continue;
    }
    std::string lit;
    size_t next = i + 1;
    if (c == '\\' && i + 1 < re.size() && re[i + 1] == 'Q') {
      size_t e = re.find("\\E", i + 2);
      std::string_view quoted = re.substr(i + 2, e == std::string_view::npos ? std::string_view::npos : e - i - 2);
      next = e == std::string_view::npos ? re.size() : e + 2;
      if (quoted.empty()) {
        i = next;
        continue;
      }
      char q = QuantifierAt(re, next);
      run.append(quoted.substr(0, q ? quoted.size() - 1 : quoted.size()));
      if (q) flush();
      if (q == 'r') {
        run.push_back(quoted.back());
        flush();
      }
      i = next;
      continue;
    }
    bool breaks = false;
    next = ReadAtom(re, i, &lit, &breaks);
    if (breaks) {
      flush();
      i = next;
      continue;
    }
    char q = QuantifierAt(re, next);
    if (lit.empty() || q == 'o') {
      flush();
    } else if (q == 'r') {
      run += lit;
      flush();
    } else {
      run += lit;
    }
    i = next;
  }
  flush();
  return best;
}

namespace {

// The alternatives of the group whose '(' is at re[i] when every alternative is a plain,
// non-empty literal ("(?:failure|error|failed)", "(GET|POST)"); false otherwise (nested groups,
// classes, metacharacters, lookaround, inline options, conditionals). `*end` is just past ')'.
bool LiteralAlternatives(std::string_view re, size_t i, std::vector<std::string>* alts,
                         size_t* end) {
  size_t j = i + 1;
  if (re.substr(j, 2) == "?:") {
    j += 2;
  } else if (re.substr(j, 3) == "?P<" || re.substr(j, 2) == "?<") {
    size_t close = re.find('>', j);
    if (close == std::string_view::npos || re[j + 1] == '=' || re[j + 1] == '!' ||
        (re[j + 1] == '<' && (re[j + 2] == '=' || re[j + 2] == '!'))) {
      return false;  // lookbehind
    }
    j = close + 1;
  } else if (j < re.size() && re[j] == '?') {
    return false;  // lookaround, options, conditionals, comments
  }
  alts->assign(1, std::string());
  for (; j < re.size(); ++j) {
    char c = re[j];
    if (c == ')') {
      *end = j + 1;
      for (const auto& a : *alts) {
        if (a.empty()) return false;
      }
      return true;
    }
    if (c == '|') {
      alts->emplace_back();
      continue;
    }
    if (c == '\\') {
      char n = j + 1 < re.size() ? re[j + 1] : 0;
      if (n == 0 || std::isalnum(static_cast<unsigned char>(n)) != 0) return false;
      alts->back().push_back(n);  // \. \- \/ ...: the character
      ++j;
      continue;
    }
    if (std::string_view("^$.?*+([]{").find(c) != std::string_view::npos) return false;
    alts->back().push_back(c);
  }
  return false;
}

}  // namespace

std::vector<std::string> RequiredLiterals(std::string_view re, bool* caseless,
                                          size_t max_literals) {
  std::string single = RequiredLiteral(re, caseless);
  // The single longest literal is the answer unless a set built across literal alternation
  // groups has a longer shortest member (the set needs each of its literals to be rarer).
  std::vector<std::string> best;
  if (!single.empty()) best.push_back(single);
  size_t best_score = single.size();
  if (MayBeExtended(re)) return best;
  std::vector<std::string> runs(1);
  auto score = [](const std::vector<std::string>& v) {
    size_t m = SIZE_MAX;
    for (const auto& x : v) m = std::min(m, x.size());
    return m;
  };
  auto flush = [&]() {
    size_t sc = score(runs);
    if (sc > best_score) {
      best = runs;
      best_score = sc;
    }
    runs.assign(1, std::string());
  };
  auto append = [&](std::string_view lit) {
    for (auto& r : runs) r.append(lit);
  };
  size_t i = 0;
  while (i < re.size()) {
    char c = re[i];
    if (c == '(') {
      std::vector<std::string> alts;
      size_t end = 0;
      char q = 0;
      if (LiteralAlternatives(re, i, &alts, &end) && (q = QuantifierAt(re, end)) != 'o') {
        if (runs.size() * alts.size() > max_literals) flush();
        std::vector<std::string> next;
        for (const auto& r : runs) {
          for (const auto& a : alts) next.push_back(r + a);
        }
        runs = std::move(next);
        if (q == 'r') flush();
        i = end;
        if (q == 'r') {  // skip the quantifier
          if (re[i] == '{') {
            size_t close = re.find('}', i);
            i = close == std::string_view::npos ? re.size() : close + 1;
          } else {
            ++i;
          }
        }
        continue;
      }
      // Any other group: skip it whole (escapes and classes may hold parentheses).
      flush();
      int depth = 0;
      while (i < re.size()) {
        char d = re[i];
        if (d == '\\') {
          i += EscapeLength(re, i);
          continue;
        }
        if (d == '[') {
          i = SkipClass(re, i);
          continue;
        }
        ++i;
        if (d == '(') ++depth;
        if (d == ')' && --depth == 0) break;
      }
      continue;
    }
    if (c == ')') return {};  // unbalanced (Hyperscan refuses such a regex earlier)
    if (c == '|') return {};    // top-level alternation: nothing is required
    if (c == '[') {
      flush();
      i = SkipClass(re, i);
      continue;
    }
    std::string lit;
    size_t next = i + 1;
    if (c == '\\' && i + 1 < re.size() && re[i + 1] == 'Q') {
      return best;  // quoted runs: the single-literal answer covers them
    }
    bool breaks = false;
    next = ReadAtom(re, i, &lit, &breaks);
    if (breaks) {
      flush();
      i = next;
      continue;
    }
    char q = QuantifierAt(re, next);
    if (lit.empty() || q == 'o') {
      flush();
    } else if (q == 'r') {
      append(lit);
      flush();
    } else {
      append(lit);
    }
    i = next;
  }
  flush();
  return best;
}

int64_t LargestBoundedRepeat(std::string_view s) {
  int64_t largest = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;  // skip the escaped character
      continue;
    }
    if (s[i] != '{') continue;
    size_t j = i + 1;
    int64_t a = -1, b = -1, cur = -1;
    bool comma = false, ok = true;
    for (; j < s.size() && s[j] != '}'; ++j) {
      char c = s[j];
      if (c >= '0' && c <= '9') {
        cur = (cur < 0 ? 0 : cur) * 10 + (c - '0');
        if (cur > (int64_t{1} << 40)) cur = int64_t{1} << 40;
      } else if (c == ',' && !comma) {
        comma = true;
        a = cur;
        cur = -1;
      } else {
        ok = false;
        break;
      }
    }
    if (!ok || j >= s.size()) continue;
    if (comma) {
      b = cur;
    } else {
      a = cur;
    }
    largest = std::max({largest, a, b});
  }
  return largest;
}

}  // namespace kizashi::patterns
