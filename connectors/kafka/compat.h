// Broker/client compatibility check run before kizashi joins a consumer group.
//
// Kafka 4.0 removed the oldest versions of many requests (KIP-896), among them JoinGroup v0
// and OffsetCommit v0-v1. librdkafka before 2.11.0 enables its balanced (group) consumer only
// if the broker supports JoinGroup v0 and friends, so with Kafka 4.x it silently never joins
// (librdkafka issue #4948; Debian 12 ships librdkafka 2.0.2). kizashi therefore reads the
// broker's ApiVersions at start-up and stops with an error naming librdkafka 2.11.0 as the
// minimum for that pairing, instead of sitting idle in a group it cannot join.
//
// CheckBrokerCompatibility is a pure function (unit-tested with recorded ApiVersions);
// ProbeBrokerApiVersions reads them from a live cluster through librdkafka itself (so TLS and
// SASL settings apply) by capturing its "feature" debug lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/kafka/kafka_options.h"

namespace kizashi::connectors::kafka {

struct ApiVersionRange {
  int16_t key = -1;
  int16_t min = 0;
  int16_t max = -1;
};

// Kafka protocol API keys used by the check.
inline constexpr int16_t kApiProduce = 0;
inline constexpr int16_t kApiOffsetCommit = 8;
inline constexpr int16_t kApiOffsetFetch = 9;
inline constexpr int16_t kApiFindCoordinator = 10;
inline constexpr int16_t kApiJoinGroup = 11;
inline constexpr int16_t kApiHeartbeat = 12;
inline constexpr int16_t kApiLeaveGroup = 13;
inline constexpr int16_t kApiSyncGroup = 14;

// The first librdkafka release whose group consumer works with Kafka 4.x.
inline constexpr int kLibrdkafkaForKafka4 = 0x020b0000;  // 2.11.0
std::string LibrdkafkaVersionText(int version);          // 0x020b0000 -> "2.11.0"

// True when the ApiVersions show a broker of Kafka 4.0 or later (Produce v0-v2 and JoinGroup
// v0-v1 are gone there).
bool LooksLikeKafka4(const std::vector<ApiVersionRange>& apis);

// OK when `librdkafka_version` (rd_kafka_version()) can run consumer groups against a broker
// with `apis`; FailedPrecondition with an explanation otherwise. An empty `apis` (unknown) is OK.
absl::Status CheckBrokerCompatibility(const std::vector<ApiVersionRange>& apis,
                                      int librdkafka_version);

// Parses one librdkafka debug line "...ApiKey JoinGroup (11) Versions 0..9". False if the
// line is something else.
bool ParseApiVersionLine(std::string_view line, ApiVersionRange* out);

// Connects with `options` and returns the API versions every broker it talked to supports
// (intersected). Empty if librdkafka did not report them (e.g. a very old broker).
absl::StatusOr<std::vector<ApiVersionRange>> ProbeBrokerApiVersions(const KafkaOptions& options,
                                                                    int timeout_ms);

}  // namespace kizashi::connectors::kafka
