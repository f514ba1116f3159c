#include <algorithm>
#include <set>

#include "engine/common/strings.h"
#include "patterns/import/import.h"

namespace kizashi::patterns {

void ImportReport::Refuse(std::string_view file, int line, std::string_view id,
                          std::string_view category, std::string_view detail) {
  refused.push_back(Refusal{std::string(file), line, std::string(id), std::string(category),
                            std::string(detail)});
}

std::vector<std::pair<std::string, uint64_t>> ImportReport::RefusedByCategory() const {
  std::map<std::string, uint64_t> counts;
  for (const auto& r : refused) ++counts[r.category];
  std::vector<std::pair<std::string, uint64_t>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

std::string ImportReport::Summary() const {
  std::string out;
  StrAppend(&out, format, ": ", seen, " considered, ", imported, " imported, ", refused.size(),
            " refused");
  if (skipped > 0) StrAppend(&out, ", ", skipped, " skipped");
  out += "\n";
  auto by = RefusedByCategory();
  if (!by.empty()) {
    out += "refused, by reason:\n";
    for (const auto& [cat, n] : by) StrAppend(&out, "  ", n, "\t", cat, "\n");
  }
  if (!ignored.empty()) {
    out += "accepted but not evaluated (rules affected):\n";
    for (const auto& [kw, n] : ignored) {
      auto why = ignored_why.find(kw);
      StrAppend(&out, "  ", n, "\t", kw);
      if (why != ignored_why.end()) StrAppend(&out, ": ", why->second);
      out += "\n";
    }
  }
  if (!shapes.empty()) {
    out += "imported as:\n";
    for (const auto& [k, n] : shapes) StrAppend(&out, "  ", n, "\t", k, "\n");
  }
  for (const auto& n : notes) StrAppend(&out, "note: ", n, "\n");
  return out;
}

std::string ImportReport::RefusalList() const {
  std::string out;
  for (const auto& r : refused) {
    StrAppend(&out, r.file, r.line > 0 ? StrCat(":", r.line) : "", ": [", r.id, "] ",
              r.category, r.detail.empty() ? "" : ": ", r.detail, "\n");
  }
  return out;
}

std::shared_ptr<const PatternSet> FinalizeImport(Pack* pack, ImportReport* report,
                                                 const CompileOptions& options) {
  // Errors are per entry (the compiler reports every one), so a couple of rounds suffice; the
  // loop also covers a Hyperscan failure that only shows once other entries are gone.
  for (int round = 0; round < 8; ++round) {
    if (pack->entries.empty()) return nullptr;
    Diagnostics d;
    auto set = PatternSet::Compile({*pack}, &d, options);
    if (set != nullptr) return set;
    std::map<std::string, std::string> bad;  // entry id -> first reason
    for (const auto& x : d.items()) {
      if (x.severity != kizashi::Severity::kError) continue;
      if (!x.object_id.empty()) bad.emplace(x.object_id, x.reason);
    }
    if (bad.empty()) {
      report->notes.push_back(StrCat("the pack does not compile: ", d.ToText()));
      return nullptr;
    }
    std::vector<PackEntry> kept;
    for (auto& e : pack->entries) {
      auto it = bad.find(e.id);
      if (it == bad.end()) {
        kept.push_back(std::move(e));
        continue;
      }
      std::string category = "does not compile";
      if (it->second.find("Hyperscan") != std::string::npos) category = "Hyperscan rejects it";
      if (it->second.find("PCRE2") != std::string::npos) category = "PCRE2 rejects the pcre";
      if (it->second.find("empty string") != std::string::npos) category = "matches empty";
      if (it->second.find("nothing can nominate") != std::string::npos) {
        category = "no positive content or pcre to prefilter on";
      }
      if (it->second.find("resource limit") != std::string::npos) category = "resource limit";
      report->Refuse(pack->file, e.line, e.id, category, it->second);
      if (report->imported > 0) --report->imported;
    }
    pack->entries = std::move(kept);
  }
  return nullptr;
}

}  // namespace kizashi::patterns
