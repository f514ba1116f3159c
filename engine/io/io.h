// The interfaces between the engine and its connectors: a Source fills batches of raw records
// for one partition at a time; a Sink writes output documents to a named destination and
// makes them durable on Flush. Implementations: connectors/file, connectors/kafka.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/event/batch.h"

namespace kizashi::io {

// Thread contract: a Source is driven by one thread (the runtime's poll loop).
class Source {
 public:
  virtual ~Source() = default;
  // Clears `batch` and fills it with up to `max_records` records of one partition. Sets
  // batch->resume to the position after the last record. OK with zero records means "nothing
  // now" (or end of input: see exhausted()).
  virtual absl::Status Poll(Batch* batch, size_t max_records) = 0;
  // Bounded sources (files): true once every record has been returned.
  virtual bool exhausted() const = 0;
  // Restores the position after a restart from what a committed batch's `resume` held.
  virtual absl::Status Seek(int32_t partition, std::string_view resume) = 0;
};

// Thread contract: Write and Flush are called by one thread at a time.
class Sink {
 public:
  virtual ~Sink() = default;
  // Buffers one document (a JSON line without the newline) for `destination`.
  virtual absl::Status Write(std::string_view destination, std::string_view document) = 0;
  // Returns once every buffered document is durable (written and flushed / acknowledged).
  virtual absl::Status Flush() = 0;
};

}  // namespace kizashi::io
