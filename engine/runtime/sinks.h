// SinkSet: the configured destinations, by name. Several destinations may share one
// underlying sink (e.g. everything to stdout in the demo). Routing writes by destination name;
// an unknown name is an error (fail closed), never a fallback.
//
// Ownership: owned by a runner. Thread contract: one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/io/io.h"
#include "engine/route/router.h"
#include "engine/runtime/engine_config.h"

namespace kizashi::runtime {

class SinkSet {
 public:
  // `kafka_factory` creates a sink for type=kafka destinations (null: such destinations are
  // an error, e.g. in file mode without a broker).
  using KafkaFactory =
      std::function<absl::StatusOr<std::unique_ptr<io::Sink>>(const DestinationConfig&)>;
  static absl::StatusOr<std::unique_ptr<SinkSet>> Create(
      const std::vector<DestinationConfig>& destinations, const KafkaFactory& kafka_factory);

  absl::Status Write(const route::Output& out);
  // Flushes every sink; returns the first error (all are attempted).
  absl::Status Flush();
  std::set<std::string> names() const;
  uint64_t written(const std::string& destination) const;
  // Destinations whose sink failed in the last Write or Flush that returned an error (for
  // kizashi_destination_up); empty after a success.
  const std::vector<std::string>& last_failed() const { return last_failed_; }

 private:
  std::vector<std::unique_ptr<io::Sink>> owned_;
  std::map<std::string, io::Sink*> by_name_;
  std::map<std::string, uint64_t> written_;
  std::vector<std::string> last_failed_;
};

}  // namespace kizashi::runtime
