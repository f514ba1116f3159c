// Small file helpers that return Status instead of throwing.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace kizashi {

absl::StatusOr<std::string> ReadFile(const std::string& path);
// Writes to `path`.tmp, fsyncs, renames over `path`.
absl::Status WriteFileAtomic(const std::string& path, std::string_view data);
bool FileExists(const std::string& path);
// 1-based line number of byte `offset` in `text`.
int LineOfOffset(std::string_view text, size_t offset);

}  // namespace kizashi
