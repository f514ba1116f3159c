// Diagnostics: every problem found while loading untrusted configuration-like input
// (packs, rules, registry, config), collected instead of stopping at the first.
//
// Loaders follow load -> validate (collect *all* diagnostics) -> compile -> swap; a non-empty
// error list means nothing is published and the previous artifact keeps serving.
//
// Thread contract: a Diagnostics is filled by one thread, then read by any.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace kizashi {

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;       // path as given to the loader
  int line = 0;           // 1-based; 0 when unknown
  std::string object_id;  // pack entry id, rule id, operator id, config key...
  std::string reason;     // human-readable, says what is wrong and, where possible, how to fix
};

class Diagnostics {
 public:
  void Error(std::string_view file, int line, std::string_view object_id, std::string_view reason);
  void Warning(std::string_view file, int line, std::string_view object_id,
               std::string_view reason);
  void Add(Diagnostic d) { items_.push_back(std::move(d)); }
  void Append(const Diagnostics& other);

  bool has_errors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }

  // One line per diagnostic: "file:line: error: [id] reason".
  std::string ToText() const;
  // A JSON array of {severity,file,line,id,reason}.
  std::string ToJson() const;
  // OK when there are no errors; otherwise InvalidArgument with `what` and the text listing.
  absl::Status ToStatus(std::string_view what) const;

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

}  // namespace kizashi
