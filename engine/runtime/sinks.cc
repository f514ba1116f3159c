#include "engine/runtime/sinks.h"

#include "connectors/file/file_sink.h"
#include "engine/common/strings.h"

namespace kizashi::runtime {

namespace {
// Drops documents (a destination deliberately not kept, e.g. late events in a benchmark).
class DiscardSink final : public io::Sink {
 public:
  absl::Status Write(std::string_view, std::string_view) override { return absl::OkStatus(); }
  absl::Status Flush() override { return absl::OkStatus(); }
};
}  // namespace

absl::StatusOr<std::unique_ptr<SinkSet>> SinkSet::Create(
    const std::vector<DestinationConfig>& destinations, const KafkaFactory& kafka_factory) {
  auto set = std::make_unique<SinkSet>();
  io::Sink* stdout_sink = nullptr;
  std::map<std::string, io::Sink*> by_path;
  for (const auto& d : destinations) {
    io::Sink* sink = nullptr;
    if (d.type == "stdout") {
      if (stdout_sink == nullptr) {
        set->owned_.push_back(std::make_unique<connectors::StdoutSink>());
        stdout_sink = set->owned_.back().get();
      }
      sink = stdout_sink;
    } else if (d.type == "file") {
      auto it = by_path.find(d.path);
      if (it != by_path.end()) {
        sink = it->second;
      } else {
        auto fs = connectors::FileSink::Open(d.path, d.fsync);
        if (!fs.ok()) return fs.status();
        set->owned_.push_back(std::move(*fs));
        sink = set->owned_.back().get();
        by_path[d.path] = sink;
      }
    } else if (d.type == "discard") {
      set->owned_.push_back(std::make_unique<DiscardSink>());
      sink = set->owned_.back().get();
    } else if (d.type == "kafka") {
      if (!kafka_factory) {
        return absl::FailedPreconditionError(
            StrCat("destination '", d.name, "' is a Kafka topic but no broker is configured"));
      }
      auto ks = kafka_factory(d);
      if (!ks.ok()) return ks.status();
      set->owned_.push_back(std::move(*ks));
      sink = set->owned_.back().get();
    }
    set->by_name_[d.name] = sink;
  }
  return set;
}

absl::Status SinkSet::Write(const route::Output& out) {
  auto it = by_name_.find(out.destination);
  if (it == by_name_.end()) {
    return absl::FailedPreconditionError(StrCat("destination '", out.destination, "' is not configured"));
  }
  ++written_[out.destination];
  absl::Status st = it->second->Write(out.destination, out.json);
  last_failed_.clear();
  if (!st.ok()) last_failed_.push_back(out.destination);
  return st;
}

absl::Status SinkSet::Flush() {
  absl::Status first;
  last_failed_.clear();
  for (auto& s : owned_) {
    absl::Status st = s->Flush();
    if (st.ok()) continue;
    if (first.ok()) first = st;
    for (const auto& [name, sink] : by_name_) {
      if (sink == s.get()) last_failed_.push_back(name);
    }
  }
  return first;
}

std::set<std::string> SinkSet::names() const {
  std::set<std::string> out;
  for (const auto& [n, s] : by_name_) out.insert(n);
  return out;
}

uint64_t SinkSet::written(const std::string& destination) const {
  auto it = written_.find(destination);
  return it == written_.end() ? 0 : it->second;
}

}  // namespace kizashi::runtime
