// FileSource: replays recorded traffic from files (one record per line) as one partition.
//
// Several files of the same partition (e.g. an EVE file and a syslog file of one operator)
// are merged deterministically: the next record always comes from the file that has read the
// smallest fraction of its size (ties: lower input index). Recordings that cover the same
// period therefore advance together in event time, and the merged order depends only on the
// files — never on batch sizes or restart points (DESIGN.md §4).
//
// Lines longer than `max_record_bytes` are cut (the decoder then dead-letters them as
// too_large) and the rest of the line is skipped: memory stays bounded on hostile input.
//
// Ownership: owned by the runtime's poll loop. Thread contract: single thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/common/time.h"
#include "engine/io/io.h"

namespace kizashi::connectors {

struct FileInput {
  std::string path;
  std::string name;    // shown as the record's source (evidence, dead letters); path if empty
  uint16_t input = 0;  // index of the configured input (selects the decoder)
};

class FileSource final : public io::Source {
 public:
  static absl::StatusOr<std::unique_ptr<FileSource>> Open(std::vector<FileInput> files,
                                                          int32_t partition,
                                                          int64_t max_record_bytes,
                                                          const Clock* clock);
  ~FileSource() override;

  absl::Status Poll(Batch* batch, size_t max_records) override;
  bool exhausted() const override;
  absl::Status Seek(int32_t partition, std::string_view resume) override;

  int32_t partition() const { return partition_; }
  uint64_t bytes_read() const;

 private:
  struct Reader;
  FileSource() = default;
  std::string Resume() const;

  std::vector<std::unique_ptr<Reader>> readers_;
  int32_t partition_ = 0;
  int64_t max_record_bytes_ = 0;
  const Clock* clock_ = nullptr;
};

}  // namespace kizashi::connectors
