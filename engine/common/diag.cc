#include "engine/common/diag.h"

#include "engine/common/strings.h"
#include "engine/common/json_writer.h"

namespace kizashi {

void Diagnostics::Error(std::string_view file, int line, std::string_view object_id,
                        std::string_view reason) {
  items_.push_back(Diagnostic{Severity::kError, std::string(file), line, std::string(object_id),
                              std::string(reason)});
  ++errors_;
}

void Diagnostics::Warning(std::string_view file, int line, std::string_view object_id,
                          std::string_view reason) {
  items_.push_back(Diagnostic{Severity::kWarning, std::string(file), line,
                              std::string(object_id), std::string(reason)});
}

void Diagnostics::Append(const Diagnostics& other) {
  for (const auto& d : other.items_) items_.push_back(d);
  errors_ += other.errors_;
}

std::string Diagnostics::ToText() const {
  std::string out;
  for (const auto& d : items_) {
    StrAppend(&out, d.file.empty() ? "<input>" : d.file);
    if (d.line > 0) StrAppend(&out, ":", d.line);
    StrAppend(&out, d.severity == Severity::kError ? ": error: " : ": warning: ");
    if (!d.object_id.empty()) StrAppend(&out, "[", d.object_id, "] ");
    StrAppend(&out, d.reason, "\n");
  }
  return out;
}

std::string Diagnostics::ToJson() const {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  for (const auto& d : items_) {
    w.BeginObject()
        .KV("severity", d.severity == Severity::kError ? "error" : "warning")
        .KV("file", d.file)
        .KV("line", d.line)
        .KV("id", d.object_id)
        .KV("reason", d.reason)
        .EndObject();
  }
  w.EndArray();
  return out;
}

absl::Status Diagnostics::ToStatus(std::string_view what) const {
  if (!has_errors()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat(what, ": ", errors_, " error(s)\n", ToText()));
}

}  // namespace kizashi
