// Decoding: raw records of a batch -> Events (views into the batch arena) or dead letters.
//
// One Decoder per configured input, created from its DecodeOptions. Decode() runs over a whole
// batch (one virtual call per batch, not per record) and never depends on a previous record:
// a bad record becomes a dead letter with a reason and never stops the batch.
//
// Ownership: owned by the worker that processes the input's partitions. Thread contract: one
// thread at a time (decoders keep reusable parse buffers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/config/schema.h"
#include "engine/event/batch.h"

namespace kizashi::decode {

// Bytes of readable padding a source must leave after every record value (simdjson reads
// up to 64 bytes past the end).
inline constexpr size_t kRecordPadding = 64;

struct DecodeOptions {
  // Record format: eve (Suricata EVE JSON), syslog (RFC 5424 / RFC 3164 auto-detected),
  // cef, fastlog, json (generic JSON with `json_fields` mapping), operator_input, control.
  std::string format = "eve";
  // Where the operator comes from: field (JSON path `operator_field`), key (Kafka key),
  // header (Kafka header `operator_header`), topic (topic->operator map), fixed (`operator`).
  std::string operator_from = "field";
  std::string operator_field = "operator";
  std::string operator_header = "operator";
  std::string operator_fixed;
  // The input is authoritative for its operator (per-operator topic protected by ACLs):
  // a record that claims another operator is dead-lettered as operator_mismatch.
  bool authoritative = false;
  int64_t max_event_bytes = 64 * 1024;
  // RFC 3164 has no year and no zone: both are explicit configuration.
  // syslog_year: 0 = the year of the record's ingest time, rolling back one year when the
  // month is more than one month in the future; otherwise a fixed year.
  int64_t syslog_year = 0;
  // Offset from UTC of RFC 3164 timestamps, e.g. "+09:00" (JST). Default UTC.
  std::string syslog_timezone = "+00:00";
  // Generic JSON: event field -> dotted JSON path (e.g. message: "log.msg").
  std::vector<std::pair<std::string, std::string>> json_fields;

  static void Declare(config::Schema& s, DecodeOptions* c);
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Decodes batch.records[begin, end) into batch.events and batch.dead_letters (appending,
  // in record order). The runtime calls it once per run of records from the same input.
  virtual void Decode(Batch& batch, uint32_t begin, uint32_t end) = 0;
  void Decode(Batch& batch) { Decode(batch, 0, static_cast<uint32_t>(batch.records.size())); }
};

absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(const DecodeOptions& options);

}  // namespace kizashi::decode
