#include "engine/runtime/consumer_probe.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace kizashi::runtime {

ConsumerProbe::ConsumerProbe(telemetry::Metrics& metrics) {
  auto& reg = metrics.registry();
  lag_ = &prometheus::BuildGauge()
              .Name("kizashi_consumer_lag_records")
              .Help("Records between the consumer's position and the partition's high "
                    "watermark, by topic and partition.")
              .Register(reg);
  assigned_ = &prometheus::BuildGauge()
                   .Name("kizashi_partitions_assigned")
                   .Help("Input partitions assigned to this instance.")
                   .Register(reg)
                   .Add({});
}

prometheus::Gauge* ConsumerProbe::SeriesLocked(std::string_view topic, int32_t partition) {
  auto key = std::make_pair(std::string(topic), partition);
  auto it = series_.find(key);
  if (it != series_.end()) return it->second;
  auto* g = &lag_->Add({{"topic", key.first}, {"partition", std::to_string(partition)}});
  series_.emplace(std::move(key), g);
  assigned_->Set(static_cast<double>(series_.size()));
  return g;
}

void ConsumerProbe::Assigned(std::string_view topic, int32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  SeriesLocked(topic, partition);
}

void ConsumerProbe::Revoked(std::string_view topic, int32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(std::make_pair(std::string(topic), partition));
  if (it == series_.end()) return;
  lag_->Remove(it->second);
  series_.erase(it);
  assigned_->Set(static_cast<double>(series_.size()));
}

void ConsumerProbe::SetLag(std::string_view topic, int32_t partition, int64_t lag_records) {
  std::lock_guard<std::mutex> lock(mu_);
  SeriesLocked(topic, partition)->Set(static_cast<double>(lag_records < 0 ? 0 : lag_records));
}

size_t ConsumerProbe::assigned() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_.size();
}

}  // namespace kizashi::runtime
