// fail2ban filter.d -> pack entries on the `message` field (the syslog MSG / log text after
// the timestamp, which is what fail2ban matches once it has cut the date off).
//
// The filter is read as fail2ban reads it: INI sections, [INCLUDES] before/after from the
// same directory, `%(name)s` and `<name>` interpolation (innermost first, section/name
// references, `known/`), `prefregex` with <F-CONTENT>, then the <HOST>/<ADDR>/<F-...> tags.
// Each failregex line becomes one entry:
//   - Hyperscan accepts it exactly              -> `regex` entry (the fast path);
//   - it needs lookaround, conditionals or backreferences, or the filter has ignoreregex
//                                               -> `rule` entry: pcre (prefiltered by
//                                                  Hyperscan in prefilter mode, confirmed
//                                                  by PCRE2) + one negated pcre per
//                                                  ignoreregex.
// Refused with the reason: lines tagged F-NOFAIL / F-MLFGAINED (they mark non-failures used
// for multi-line tracking), multi-line patterns (<SKIPLINES>, \n).
#include <map>
#include <cctype>
#include <set>

#include "engine/common/file_util.h"
#include "engine/common/strings.h"
#include "patterns/compile/expression.h"
#include "patterns/import/import.h"

namespace kizashi::patterns {

namespace {

using Section = std::map<std::string, std::string>;
using Ini = std::map<std::string, Section>;

void ParseIni(std::string_view text, Ini* ini) {
  std::string section = "DEFAULT";
  std::string key;
  for (std::string_view raw : Split(text, '\n')) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = StripWhitespace(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      // A blank or comment line ends nothing in ConfigParser, but a continuation must be
      // indented; comments inside continuations are dropped.
      continue;
    }
    bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (indented && !key.empty()) {
      std::string& v = (*ini)[section][key];
      v += "\n";
      v += std::string(line);
      continue;
    }
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(line.substr(1, line.size() - 2));
      key.clear();
      continue;
    }
    size_t eq = line.find('=');
    size_t colon = line.find(':');
    size_t sep = std::min(eq, colon);
    if (sep == std::string_view::npos) continue;
    key = std::string(StripWhitespace(line.substr(0, sep)));
    (*ini)[section][key] = std::string(StripWhitespace(line.substr(sep + 1)));
  }
}

std::string DirOf(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? "." : std::string(path.substr(0, slash));
}

std::string StemOf(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  return std::string(dot == std::string_view::npos ? name : name.substr(0, dot));
}

// Loads `file` with its includes into `ini` (before-files first, after-files last).
void LoadWithIncludes(const std::string& dir, std::string_view text, Ini* ini, Ini* known,
                      int depth, std::vector<std::string>* notes) {
  Ini own;
  ParseIni(text, &own);
  auto inc = own.find("INCLUDES");
  auto load = [&](const std::string& key) {
    if (inc == own.end()) return;
    auto it = inc->second.find(key);
    if (it == inc->second.end()) return;
    for (std::string_view name : Split(it->second, ' ', true)) {
      for (std::string_view n : Split(name, '\n', true)) {
        n = StripWhitespace(n);
        if (n.empty()) continue;
        auto body = ReadFile(StrCat(dir, "/", n));
        if (!body.ok()) {
          // .local overrides are optional by design.
          if (!EndsWith(n, ".local")) notes->push_back(StrCat("include ", n, " not found"));
          continue;
        }
        if (depth < 8) LoadWithIncludes(dir, *body, ini, nullptr, depth + 1, notes);
      }
    }
  };
  load("before");
  if (known != nullptr) *known = *ini;  // what the includes defined: `known/` lookups
  for (auto& [sec, kv] : own) {
    if (sec == "INCLUDES") continue;
    for (auto& [k, v] : kv) (*ini)[sec][k] = v;
  }
  load("after");
}

// fail2ban's __prefix_line skips the syslog "host daemon[pid]: " header of a raw line. kizashi
// matches the decoded `message`, where the syslog decoder has already removed that header;
// what may remain is a kernel timestamp or a Solaris "[ID n facility.level]" tag. Using this
// instead keeps the meaning on messages and makes Hyperscan compile ~2x faster.
constexpr std::string_view kMessagePrefix = R"((?:\[ *\d+\.\d+\]:?\s+)?(?:\[ID \d+ \S+\]\s+)?)";

// Whether regex `re` ends with a `$` anchor (not an escaped "\$").
bool EndsWithEndAnchor(std::string_view re) {
  if (re.empty() || re.back() != '$') return false;
  size_t backslashes = 0;
  for (size_t i = re.size() - 1; i > 0 && re[i - 1] == '\\'; --i) ++backslashes;
  return backslashes % 2 == 0;
}

bool IsTagChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '/' || c == '-';
}

class Interpolator {
 public:
  Interpolator(const Ini& ini, const Ini& known, const ImportOptions& o)
      : ini_(ini), known_(known), o_(o) {}

  bool Lookup(std::string_view name, std::string* out) const {
    for (const auto& [k, v] : o_.vars) {
      if (k == name) {
        *out = v;
        return true;
      }
    }
    if (StartsWith(name, "known/")) return Find(known_, "Definition", name.substr(6), out);
    size_t slash = name.find('/');
    if (slash != std::string_view::npos) {
      // ConfigParser: every section inherits [DEFAULT].
      return Find(ini_, std::string(name.substr(0, slash)), name.substr(slash + 1), out) ||
             Find(ini_, "DEFAULT", name.substr(slash + 1), out);
    }
    if (name == "__prefix_line" && !o_.fail2ban_keep_prefix) {
      *out = std::string(kMessagePrefix);
      return true;
    }
    return Find(ini_, "Init", name, out) || Find(ini_, "Definition", name, out) ||
           Find(ini_, "DEFAULT", name, out);
  }

  // Replaces %(name)s and <name> (when `name` is defined) until nothing changes. Tags are
  // resolved innermost first: in <lt_<logtype>/x>, <logtype> is a tag, "<lt_" is not.
  std::string Expand(std::string s) const {
    for (int round = 0; round < 32; ++round) {
      bool changed = false;
      std::string out;
      out.reserve(s.size());
      for (size_t i = 0; i < s.size();) {
        if (s.compare(i, 2, "%(") == 0) {
          size_t close = s.find(")s", i + 2);
          std::string name = close == std::string::npos ? "" : s.substr(i + 2, close - i - 2);
          std::string value;
          if (!name.empty() && name.find_first_of("()") == std::string::npos &&
              Lookup(name, &value)) {
            out += value;
            i = close + 2;
            changed = true;
            continue;
          }
        } else if (s[i] == '<') {
          size_t j = i + 1;
          while (j < s.size() && IsTagChar(s[j])) ++j;
          std::string value;
          if (j > i + 1 && j < s.size() && s[j] == '>' && Lookup(s.substr(i + 1, j - i - 1), &value)) {
            out += value;
            i = j + 1;
            changed = true;
            continue;
          }
        }
        out.push_back(s[i++]);
      }
      s = std::move(out);
      if (!changed) break;
    }
    return s;
  }

 private:
  static bool Find(const Ini& ini, const std::string& sec, std::string_view key,
                   std::string* out) {
    auto s = ini.find(sec);
    if (s == ini.end()) return false;
    auto k = s->second.find(std::string(key));
    if (k == s->second.end()) return false;
    *out = k->second;
    return true;
  }
  const Ini& ini_;
  const Ini& known_;
  const ImportOptions& o_;
};

// fail2ban's host tags, written for both Hyperscan and PCRE2.
constexpr std::string_view kIp4 = R"((?:\d{1,3}\.){3}\d{1,3})";
constexpr std::string_view kIp6 = R"((?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4})";

std::string Addr() { return StrCat(R"(\[?(?:(?:::f{4,6}:)?)", kIp4, "|", kIp6, R"()\]?)"); }
std::string Dns() { return R"([\w\-.^_]*\w)"; }

// Replaces fail2ban's own tags. Returns false with `why` for tags that mark non-failures or
// multi-line matching.
// A <F-NOFAIL> / <F-MLFGAINED> group marks text that makes the line a non-failure (or a
// success). When that group is one alternative of an enclosing group, the alternative is
// removed (the other alternatives are still failures, e.g. sshd's "Failed (publickey|\S+)");
// when it is mandatory, the whole regex describes a non-failure and is refused.
bool DropNonFailures(std::string* s, std::string_view tag, std::string* category,
                     std::string* why) {
  const std::string open = StrCat("<", tag, ">"), close = StrCat("</", tag, ">");
  for (size_t at; (at = s->find(open)) != std::string::npos;) {
    size_t end = s->find(close, at);
    if (end == std::string::npos) {
      *category = StrCat(tag, " syntax");
      *why = StrCat("unterminated ", open);
      return false;
    }
    end += close.size();
    bool bar_before = at > 0 && (*s)[at - 1] == '|';
    bool bar_after = end < s->size() && (*s)[end] == '|';
    bool group_before = at > 0 && (*s)[at - 1] == '(' ;
    bool group_before_nc = at >= 3 && s->compare(at - 3, 3, "(?:") == 0;
    if (bar_before) {
      s->erase(at - 1, end - at + 1);
    } else if ((group_before || group_before_nc) && bar_after) {
      s->erase(at, end - at + 1);
    } else {
      *category = std::string(tag);
      *why = tag == "F-NOFAIL"
                 ? "the line is tagged F-NOFAIL: it marks a non-failure used for multi-line tracking"
                 : "the line is tagged F-MLFGAINED: it marks a successful login";
      return false;
    }
  }
  return true;
}

bool ReplaceTags(std::string* s, std::string* category, std::string* why) {
  if (!DropNonFailures(s, "F-NOFAIL", category, why) ||
      !DropNonFailures(s, "F-MLFGAINED", category, why)) {
    return false;
  }
  if (s->find("<SKIPLINES>") != std::string::npos || s->find("\\n") != std::string::npos) {
    *category = "multi-line";
    *why = "multi-line pattern (<SKIPLINES> or \\n): events are single lines";
    return false;
  }
  const std::string addr = Addr();
  const std::string host = StrCat("(?:", addr, "|", Dns(), ")");
  const std::pair<std::string_view, std::string> tags[] = {
      {"<HOST>", host},
      {"<ADDR>", StrCat("(?:", addr, ")")},
      {"<IP4>", StrCat("(?:", kIp4, ")")},
      {"<IP6>", StrCat("(?:", kIp6, ")")},
      {"<DNS>", StrCat("(?:", Dns(), ")")},
      {"<CIDR>", R"((?:\d+))"},
      {"<SUBNET>", StrCat("(?:", addr, R"((?:/\d+)?))")},
  };
  for (const auto& [tag, re] : tags) {
    for (size_t p; (p = s->find(tag)) != std::string::npos;) s->replace(p, tag.size(), re);
  }
  // <F-NAME/> (empty capture) disappears; <F-NAME> ... </F-NAME> become the named groups
  // fail2ban makes of them when the regex refers back to a group ((?P=user), (?(user)...)),
  // plain groups otherwise (Hyperscan then compiles the regex as it is).
  const bool named = s->find("(?P=") != std::string::npos || s->find("(?(") != std::string::npos;
  std::string out;
  for (size_t i = 0; i < s->size();) {
    bool closing = s->compare(i, 4, "</F-") == 0;
    if (closing || s->compare(i, 3, "<F-") == 0) {
      size_t b = i + (closing ? 4 : 3), j = b;
      while (j < s->size() && (std::isalnum(static_cast<unsigned char>((*s)[j])) || (*s)[j] == '_')) ++j;
      if (j > b && j < s->size()) {
        if (!closing && (*s)[j] == '/' && j + 1 < s->size() && (*s)[j + 1] == '>') {
          i = j + 2;  // <F-NAME/>
          continue;
        }
        if ((*s)[j] == '>') {
          if (closing) {
            out += ")";
          } else {
            std::string name = AsciiLower(s->substr(b, j - b));
            out += !named ? "(?:" : name == "id" ? "(?P<fid>" : StrCat("(?P<", name, ">");
          }
          i = j + 1;
          continue;
        }
      }
    }
    out.push_back((*s)[i++]);
  }
  *s = std::move(out);
  // A <section/name> reference left over is undefined; other <WORD> tags are literal text in
  // fail2ban too (haproxy's <NOSRV>).
  for (size_t i = s->find('<'); i != std::string::npos; i = s->find('<', i + 1)) {
    size_t j = i + 1;
    while (j < s->size() && IsTagChar((*s)[j])) ++j;
    if (j < s->size() && (*s)[j] == '>' && j > i + 1) {
      std::string_view tag(s->data() + i + 1, j - i - 1);
      size_t slash = tag.find('/');
      if (slash != std::string_view::npos && slash > 0 && slash + 1 < tag.size() &&
          (std::isalpha(static_cast<unsigned char>(tag[0])) || tag[0] == '_')) {
        *category = "undefined reference";
        *why = StrCat("tag <", tag, "> is not defined by the filter or its includes");
        return false;
      }
    }
  }
  return true;
}

std::vector<std::string> Lines(const std::string& value) {
  std::vector<std::string> out;
  for (std::string_view l : Split(value, '\n')) {
    l = StripWhitespace(l);
    if (!l.empty()) out.emplace_back(l);
  }
  return out;
}

}  // namespace

void ImportFail2ban(std::string_view text, std::string_view file, const ImportOptions& o,
                    Pack* pack, ImportReport* report) {
  if (report->format.empty()) report->format = "fail2ban";
  const std::string filter = StemOf(file);
  Ini ini, known;
  LoadWithIncludes(DirOf(file), text, &ini, &known, 0, &report->notes);
  Interpolator interp(ini, known, o);
  std::string failregex, ignoreregex, prefregex, maxlines;
  interp.Lookup("failregex", &failregex);
  interp.Lookup("ignoreregex", &ignoreregex);
  interp.Lookup("prefregex", &prefregex);
  std::vector<std::string> fails = Lines(interp.Expand(failregex));
  std::vector<std::string> ignores = Lines(interp.Expand(ignoreregex));
  prefregex = interp.Expand(prefregex);
  // prefregex cuts the common prefix; failregex then matches its <F-CONTENT> part.
  std::string pre_head, pre_tail;
  bool have_pref = false;
  if (!prefregex.empty()) {
    size_t open = prefregex.find("<F-CONTENT>");
    size_t close = prefregex.find("</F-CONTENT>");
    if (open != std::string::npos && close != std::string::npos && close > open) {
      pre_head = prefregex.substr(0, open);
      pre_tail = prefregex.substr(close + 12);
      have_pref = true;
    }
  }
  std::vector<std::string> ignore_regexes;
  for (auto ig : ignores) {
    std::string category, why;
    if (!ReplaceTags(&ig, &category, &why)) {
      report->notes.push_back(StrCat(filter, ": ignoreregex '", ig, "' not usable: ", why));
      continue;
    }
    ignore_regexes.push_back(ig);
  }
  std::set<std::string> ids;
  for (const auto& e : pack->entries) ids.insert(e.id);
  int n = 0;
  for (const auto& raw : fails) {
    ++n;
    ++report->seen;
    const std::string id = StrCat(o.id_prefix.empty() ? "f2b-" : o.id_prefix, filter, "-", n);
    std::string re = raw;
    if (have_pref) {
      std::string body = re;
      if (StartsWith(body, "^")) {
        body.erase(0, 1);
      } else {
        body = "(?:.*?)" + body;
      }
      // fail2ban searches the failregex inside the content, which runs to the end of what
      // prefregex matched: allow the rest of the content before the prefregex tail.
      if (pre_tail == "$" && EndsWithEndAnchor(body)) {
        // The content runs to the end of the line, where the failregex is anchored already:
        // "body$(?:.*)$" means "body$", and Hyperscan refuses the embedded end anchor of the
        // longer form (the entry would need PCRE2 behind a much weaker prefilter).
        re = pre_head + body;
      } else {
        re = pre_head + body + (pre_tail.empty() ? "" : "(?:.*)") + pre_tail;
      }
    }
    std::string category, why;
    if (!ReplaceTags(&re, &category, &why)) {
      report->Refuse(file, 0, id, category, StrCat(why, ": ", raw));
      continue;
    }
    PackEntry e;
    e.id = id;
    e.kind = o.actor.empty() ? EntryKind::kAttackPattern : EntryKind::kActorIndicator;
    e.actor = o.actor;
    e.attack_type = o.attack_type;
    e.severity = o.severity;
    e.title = StrCat("fail2ban ", filter, " failregex ", n);
    e.tags = {StrCat("fail2ban:", filter)};
    e.references = {StrCat("fail2ban-filter:", filter)};
    std::string hs_why = HyperscanRejects(re, EntryFlags{});
    if (hs_why.empty() && ignore_regexes.empty()) {
      e.expr_type = ExprType::kRegex;
      e.expression = re;
      e.fields = {FieldId::kMessage};
      ++report->shapes["regex (Hyperscan, exact)"];
    } else {
      e.expr_type = ExprType::kRule;
      // The pcre itself, in Hyperscan prefilter mode (unsupported constructs over-
      // approximated), nominates far fewer lines than any one literal it contains; when
      // Hyperscan cannot prefilter it, a literal every match contains is the fast pattern.
      bool caseless = false;
      std::string lit = HyperscanCannotPrefilter(re, PcreFlags{}).empty()
                            ? std::string()
                            : RequiredLiteral(re, &caseless);
      if (lit.size() >= 3) {
        RuleStep c;
        c.kind = StepKind::kContent;
        c.field = FieldId::kMessage;
        c.content = lit;
        c.nocase = caseless;
        c.fast_pattern = true;
        e.rule.steps.push_back(c);
      }
      RuleStep s;
      s.kind = StepKind::kPcre;
      s.field = FieldId::kMessage;
      s.pcre = re;
      e.rule.steps.push_back(s);
      for (const auto& ig : ignore_regexes) {
        RuleStep neg;
        neg.kind = StepKind::kPcre;
        neg.field = FieldId::kMessage;
        neg.negated = true;
        neg.pcre = ig;
        e.rule.steps.push_back(neg);
      }
      ++report->shapes[hs_why.empty() ? "pcre rule (filter has ignoreregex)"
                                      : "pcre rule (Hyperscan prefilter + PCRE2: lookaround, "
                                        "conditional or backreference)"];
    }
    if (!ids.insert(e.id).second) {
      report->Refuse(file, 0, id, "duplicate id", "an entry with this id already exists");
      continue;
    }
    pack->entries.push_back(std::move(e));
    ++report->imported;
  }
  if (fails.empty()) report->notes.push_back(StrCat(filter, ": no failregex"));
}

}  // namespace kizashi::patterns
