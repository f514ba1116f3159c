// ConsumerProbe: where the consumer stands on its input topics — the hook a Kafka runner
// calls.
//
//   kizashi_consumer_lag_records{topic,partition}   records between the committed position
//                                                   and the partition's high watermark
//   kizashi_partitions_assigned                     partitions this instance owns now
//
//   probe.Assigned("ids.eve", 3);          // on assignment (series created, lag unknown = 0)
//   probe.SetLag("ids.eve", 3, hw - pos);  // e.g. from librdkafka statistics, per poll cycle
//   probe.Revoked("ids.eve", 3);           // on revocation: the series disappears
//
// Ownership: owned by the app (one per process). Thread contract: every method is thread-safe
// (prometheus-cpp families lock internally); call per poll cycle or statistics callback,
// never per record.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "engine/telemetry/metrics.h"

namespace prometheus {
template <typename T>
class Family;
class Gauge;
}  // namespace prometheus

namespace kizashi::runtime {

class ConsumerProbe {
 public:
  explicit ConsumerProbe(telemetry::Metrics& metrics);

  void Assigned(std::string_view topic, int32_t partition);
  void Revoked(std::string_view topic, int32_t partition);
  // Also assigns the partition if it was not.
  void SetLag(std::string_view topic, int32_t partition, int64_t lag_records);
  size_t assigned() const;

 private:
  prometheus::Gauge* SeriesLocked(std::string_view topic, int32_t partition);

  mutable std::mutex mu_;
  prometheus::Family<prometheus::Gauge>* lag_;
  prometheus::Gauge* assigned_;
  std::map<std::pair<std::string, int32_t>, prometheus::Gauge*> series_;
};

}  // namespace kizashi::runtime
