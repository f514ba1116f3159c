#include "connectors/kafka/compat.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "connectors/kafka/client.h"
#include "engine/common/strings.h"

namespace kizashi::connectors::kafka {

namespace {

const ApiVersionRange* Find(const std::vector<ApiVersionRange>& apis, int16_t key) {
  for (const auto& a : apis) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

struct Need {
  int16_t key;
  const char* name;
  int16_t min, max;  // the versions librdkafka < 2.11 can speak for this feature
};

// librdkafka 2.0.2 src/rdkafka_feature.c, RD_KAFKA_FEATURE_BROKER_BALANCED_CONSUMER: every
// one of these must overlap the broker's range or the group consumer is disabled.
constexpr Need kBalancedConsumerBefore211[] = {
    {kApiFindCoordinator, "FindCoordinator", 0, 0}, {kApiOffsetCommit, "OffsetCommit", 1, 2},
    {kApiOffsetFetch, "OffsetFetch", 1, 1},         {kApiJoinGroup, "JoinGroup", 0, 0},
    {kApiSyncGroup, "SyncGroup", 0, 0},             {kApiHeartbeat, "Heartbeat", 0, 0},
    {kApiLeaveGroup, "LeaveGroup", 0, 0},
};

struct ProbeState {
  std::mutex mu;
  std::map<std::string, std::vector<ApiVersionRange>> by_broker;
};

void ProbeLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  ApiVersionRange r;
  if (!ParseApiVersionLine(buf, &r)) return;
  auto* st = static_cast<ProbeState*>(rd_kafka_opaque(rk));
  // The broker's name precedes the message: "[thrd:...]: <broker>:   ApiKey ...".
  std::string_view line(buf);
  size_t cut = line.find(":   ApiKey");
  std::string broker(line.substr(0, cut == std::string_view::npos ? 0 : cut));
  std::lock_guard<std::mutex> l(st->mu);
  st->by_broker[broker].push_back(r);
}

}  // namespace

std::string LibrdkafkaVersionText(int v) {
  return StrCat((v >> 24) & 0xff, ".", (v >> 16) & 0xff, ".", (v >> 8) & 0xff);
}

bool LooksLikeKafka4(const std::vector<ApiVersionRange>& apis) {
  const ApiVersionRange* produce = Find(apis, kApiProduce);
  const ApiVersionRange* join = Find(apis, kApiJoinGroup);
  return (produce != nullptr && produce->min >= 3) || (join != nullptr && join->min >= 2);
}

absl::Status CheckBrokerCompatibility(const std::vector<ApiVersionRange>& apis,
                                      int librdkafka_version) {
  if (apis.empty() || librdkafka_version >= kLibrdkafkaForKafka4) return absl::OkStatus();
  std::vector<std::string> missing;
  for (const Need& n : kBalancedConsumerBefore211) {
    const ApiVersionRange* b = Find(apis, n.key);
    if (b == nullptr) {
      missing.push_back(StrCat(n.name, " (not offered)"));
    } else if (b->max < n.min || b->min > n.max) {
      missing.push_back(StrCat(n.name, " v", n.min, "..v", n.max, " (broker offers v", b->min,
                               "..v", b->max, ")"));
    }
  }
  if (missing.empty()) return absl::OkStatus();
  const char* who = LooksLikeKafka4(apis)
                        ? "the Kafka cluster runs Kafka 4.0 or later, which no longer offers"
                        : "the Kafka cluster does not offer";
  return absl::FailedPreconditionError(StrCat(
      who, " the group protocol versions that librdkafka ",
      LibrdkafkaVersionText(librdkafka_version), " needs for consumer groups: ",
      Join(missing, ", "),
      ". Consumer groups on Kafka 4.x need librdkafka 2.11.0 or later (librdkafka issue #4948; "
      "Debian 12 ships 2.0.2). Link kizashi against librdkafka >= 2.11.0, or run a Kafka 3.9 "
      "cluster (deploy/kafka/kafka.sh); set kafka.allow_unsupported_broker=true only to start "
      "anyway."));
}

bool ParseApiVersionLine(std::string_view line, ApiVersionRange* out) {
  size_t p = line.find("ApiKey ");
  if (p == std::string_view::npos) return false;
  size_t open = line.find(" (", p);
  size_t close = line.find(") Versions ", p);
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return false;
  }
  std::string_view key = line.substr(open + 2, close - open - 2);
  std::string_view vers = line.substr(close + 11);
  size_t dots = vers.find("..");
  if (dots == std::string_view::npos) return false;
  std::string_view vmax = vers.substr(dots + 2);
  size_t end = 0;
  while (end < vmax.size() && (vmax[end] == '-' || (vmax[end] >= '0' && vmax[end] <= '9'))) ++end;
  int k, mn, mx;
  if (!ParseInt(key, &k) || !ParseInt(vers.substr(0, dots), &mn) ||
      !ParseInt(vmax.substr(0, end), &mx)) {
    return false;
  }
  out->key = static_cast<int16_t>(k);
  out->min = static_cast<int16_t>(mn);
  out->max = static_cast<int16_t>(mx);
  return true;
}

absl::StatusOr<std::vector<ApiVersionRange>> ProbeBrokerApiVersions(const KafkaOptions& options,
                                                                    int timeout_ms) {
  ProbeState state;
  auto conf = MakeConf(options, Role::kAdmin, {{"debug", "feature"}, {"log_level", "7"}});
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_log_cb(conf->get(), &ProbeLog);
  rd_kafka_conf_set_opaque(conf->get(), &state);
  auto client = NewClient(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!client.ok()) return client.status();
  auto n = BrokerCount(client->get(), timeout_ms);
  client->reset();  // joins librdkafka's threads: no more log callbacks after this
  if (!n.ok()) return n.status();
  std::vector<ApiVersionRange> merged;
  for (const auto& [broker, apis] : state.by_broker) {
    for (const auto& a : apis) {
      auto it = std::find_if(merged.begin(), merged.end(),
                             [&](const ApiVersionRange& m) { return m.key == a.key; });
      if (it == merged.end()) {
        merged.push_back(a);
      } else {
        it->min = std::max(it->min, a.min);
        it->max = std::min(it->max, a.max);
      }
    }
  }
  std::sort(merged.begin(), merged.end(),
            [](const ApiVersionRange& a, const ApiVersionRange& b) { return a.key < b.key; });
  return merged;
}

}  // namespace kizashi::connectors::kafka
