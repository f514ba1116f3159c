// ClamAV signature databases -> pack entries.
//   .ndb  Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]]
//         offset *        -> hex entry (anywhere);
//         offset n / n,m  -> regex entry anchored at n (..n+m) bytes from the start;
//         EP/Sx/SL/SE/EOF -> refused (need executable-format parsing or the file end).
//   .hdb  Hash:Size:Name (MD5; SHA1/SHA256 by length in newer databases) -> hash indicator
//   .hsb  Hash:Size:Name (SHA1/SHA256)                                   -> hash indicator
// Everything else (.ldb logical, .mdb/.msb section hashes, .imp, .cdb, .gdb, .pdb, .wdb,
// .ftm, .idb, .fp ...) is refused per signature with the reason.
#include <set>

#include "engine/common/strings.h"
#include "patterns/compile/expression.h"
#include "patterns/import/import.h"

namespace kizashi::patterns {

namespace {

std::string SafeId(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '@';
    if (c == '{' || c == '}') continue;
    out.push_back(ok ? c : '_');
  }
  return out;
}

std::string_view TargetName(int64_t t) {
  switch (t) {
    case 0: return "any";
    case 1: return "PE";
    case 2: return "OLE2";
    case 3: return "HTML";
    case 4: return "mail";
    case 5: return "graphics";
    case 6: return "ELF";
    case 7: return "ASCII text";
    case 9: return "Mach-O";
    case 10: return "PDF";
    case 11: return "Flash";
    case 12: return "Java";
    default: return "other";
  }
}

std::string Extension(std::string_view file) {
  size_t dot = file.rfind('.');
  size_t slash = file.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "";
  return AsciiLower(file.substr(dot + 1));
}

}  // namespace

void ImportClamAv(std::string_view text, std::string_view file, const ImportOptions& o,
                  Pack* pack, ImportReport* report) {
  if (report->format.empty()) report->format = "clamav";
  const std::string ext = Extension(file);
  const std::string prefix = o.id_prefix.empty() ? "clamav-" : o.id_prefix;
  std::set<std::string> ids;
  for (const auto& e : pack->entries) ids.insert(e.id);
  std::vector<std::string_view> lines = Split(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = StripWhitespace(lines[i]);
    const int lineno = static_cast<int>(i) + 1;
    if (line.empty() || line.front() == '#') continue;
    ++report->seen;
    std::vector<std::string_view> f = Split(line, ':');
    std::string name(f.size() > 2 ? f[ext == "ndb" ? 0 : 2] : f[0]);
    auto refuse = [&](std::string_view category, std::string_view detail) {
      report->Refuse(file, lineno, name, category, detail);
    };
    PackEntry e;
    e.kind = EntryKind::kVirusSignature;
    e.attack_type = AttackType::kMalware;
    e.severity = o.severity == Severity::kMedium ? Severity::kHigh : o.severity;
    e.line = lineno;
    e.title = name;
    e.references.push_back(StrCat("clamav:", name));
    if (!o.actor.empty()) e.actor = o.actor;
    if (ext == "ndb") {
      if (f.size() < 4) {
        refuse("parse error", "an .ndb line is Name:TargetType:Offset:HexSignature");
        continue;
      }
      int64_t target = 0;
      if (!ParseInt(f[1], &target)) {
        refuse("parse error", StrCat("bad target type '", f[1], "'"));
        continue;
      }
      if (target != 0) {
        // The matcher does not know the file type of a payload: say so, do not hide it.
        ++report->ignored[StrCat("target type ", target, " (", TargetName(target), ")")];
        e.tags.push_back(StrCat("clamav-target:", TargetName(target)));
      }
      std::string_view offset = f[2];
      std::string hex(f[3]);
      std::string regex, error;
      if (!HexToRegex(hex, &regex, &error)) {
        refuse("hex syntax", error);
        continue;
      }
      if (offset == "*") {
        e.expr_type = ExprType::kHex;
        e.expression = hex;
      } else {
        int64_t at = 0, shift = 0;
        std::vector<std::string_view> parts = Split(offset, ',');
        if (!ParseInt(parts[0], &at) || at < 0 ||
            (parts.size() == 2 && (!ParseInt(parts[1], &shift) || shift < 0)) ||
            parts.size() > 2) {
          refuse(StrCat("offset ", offset.substr(0, 3)),
                 StrCat("offset '", offset, "' needs executable-format parsing or the file "
                        "end (EP, Sx, SL, SE, VI, EOF): not supported"));
          continue;
        }
        e.expr_type = ExprType::kRegex;
        e.flags.dotall = true;
        e.expression = StrCat("^.{", at, shift > 0 ? StrCat(",", at + shift) : "", "}", regex);
        if (at == 0 && shift == 0) e.expression = StrCat("^", regex);
      }
      e.fields = {FieldId::kPayload};
    } else if (ext == "hdb" || ext == "hsb") {
      if (f.size() < 3) {
        refuse("parse error", "a hash signature is Hash:Size:Name");
        continue;
      }
      std::string_view hash = f[0];
      std::string type = hash.size() == 32 ? "md5" : hash.size() == 40 ? "sha1"
                                                   : hash.size() == 64 ? "sha256" : "";
      Indicator ind;
      std::string error;
      if (type.empty() || !ParseIndicator(StrCat(type, ":", hash), &ind, &error)) {
        refuse("hash syntax", error.empty() ? StrCat("'", hash, "' is not an MD5/SHA1/SHA256")
                                            : error);
        continue;
      }
      if (f[1] != "*") ++report->ignored["file size"];
      e.expr_type = ExprType::kIndicator;
      e.indicators.push_back(ind);
    } else {
      refuse(StrCat("format .", ext),
             StrCat("ClamAV .", ext, " signatures (", ext == "ldb" ? "logical signatures"
                                                      : ext == "mdb" || ext == "msb"
                                                          ? "PE section hashes"
                                                          : "this database type",
                    ") are not supported; import .ndb body and .hdb/.hsb hash signatures"));
      continue;
    }
    e.id = prefix + SafeId(name);
    if (!ids.insert(e.id).second) {
      // ClamAV allows repeated names; the entry id must be unique.
      std::string base = e.id;
      for (int k = 2; !ids.insert(e.id = StrCat(base, ".", k)).second; ++k) {
      }
    }
    pack->entries.push_back(std::move(e));
    ++report->imported;
  }
  report->ignored_why["file size"] = "hash signatures match on the hash alone";
  for (const auto& [k, n] : report->ignored) {
    if (StartsWith(k, "target type")) {
      report->ignored_why[k] = "the file type is not known for an event payload";
    }
  }
}

}  // namespace kizashi::patterns
