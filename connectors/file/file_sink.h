// File and stdout sinks: each document is one JSON line. Flush() writes the buffered lines
// and, for files with `fsync`, syncs them to disk before returning — the runtime commits input
// positions only after Flush succeeds.
//
// Ownership: created by the runtime from the destinations config. Thread contract: one thread
// at a time.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/io/io.h"

namespace kizashi::connectors {

class FileSink final : public io::Sink {
 public:
  // Appends to `path` (created if missing, parent directories too). A partial last line —
  // a write torn by a crash, whose batch was never committed and will be emitted again — is
  // truncated first, so every line of the file is a whole document.
  static absl::StatusOr<std::unique_ptr<FileSink>> Open(const std::string& path, bool fsync);
  ~FileSink() override;
  absl::Status Write(std::string_view destination, std::string_view document) override;
  absl::Status Flush() override;

 private:
  FileSink() = default;
  int fd_ = -1;
  bool fsync_ = false;
  std::string path_;
  std::string buf_;
};

// Writes to stdout (the demo). Shares one buffer for all destinations mapped to it.
class StdoutSink final : public io::Sink {
 public:
  absl::Status Write(std::string_view destination, std::string_view document) override;
  absl::Status Flush() override;

 private:
  std::string buf_;
};

}  // namespace kizashi::connectors
