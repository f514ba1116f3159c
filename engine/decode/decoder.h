// Decoding: raw records of a batch -> Events (views into the batch arena) or dead letters.
//
// One Decoder per configured input, created from its DecodeOptions by MakeDecoder(). Decode()
// runs over a whole batch (one virtual call per batch, not per record) and never depends on a
// previous record: every record becomes exactly one Event or exactly one DeadLetter, in record
// order, and a bad record never stops the batch.
//
// Formats (docs/decoding.md has the field tables):
//   eve      Suricata EVE JSON, one object per record
//   syslog   RFC 5424 and RFC 3164/BSD (auto-detected per record), with message extractors for
//            sshd, sudo/pam, kernel/iptables, key=value firewalls (FortiGate), pfSense
//            filterlog, Palo Alto CSV, Cisco ASA; CEF inside syslog; bare FortiGate key=value
//   cef      Common Event Format, bare or wrapped in a syslog header
//   fastlog  Suricata/Snort fast.log alert lines
//   json     generic JSON with a configured mapping of dotted paths to event fields
//
// Ownership: owned by the worker that processes the input's partitions. Thread contract: one
// thread at a time (decoders keep reusable parse buffers and their own DecodeStats).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/config/schema.h"
#include "engine/event/batch.h"

namespace kizashi::decode {

// Bytes of readable padding a source must leave after every record value (the scanners read
// whole 16-byte blocks and key matching 8-byte words past a value; 64 also leaves room for a
// simdjson-based reader). The padding bytes may hold anything (they are never interpreted).
inline constexpr size_t kRecordPadding = 64;

struct DecodeOptions {
  // Record format: eve | syslog | cef | fastlog | json. Default: eve. Restart to change.
  std::string format = "eve";
  // Where each record's operator comes from:
  //   field  - inside the record: `operator_field` (JSON dotted path; RFC 5424 "SD-ID/PARAM";
  //            CEF extension key)
  //   key    - the Kafka record key
  //   header - the Kafka header `operator_header` (the source puts it in RawRecord::operator_hint)
  //   topic  - the topic -> operator mapping (the source puts it in RawRecord::operator_hint)
  //   fixed  - `operator`
  // Default: field.
  std::string operator_from = "field";
  std::string operator_field = "operator";
  std::string operator_header = "operator";
  std::string operator_fixed;
  // The input belongs to one operator (a per-operator topic protected by ACLs): a record whose
  // own `operator_field` names another operator is dead-lettered operator_mismatch and never
  // attributed to the claimed one. Needs operator_from key|header|topic|fixed. Default: false.
  bool authoritative = false;
  // Records longer than this are dead-lettered too_large. Default: 64 KiB.
  int64_t max_event_bytes = 64 * 1024;
  // JSON nesting deeper than this is dead-lettered too_deep. Default: 32.
  int64_t max_depth = 32;
  // Text formats (syslog, cef, fastlog): dead-letter records that are not valid UTF-8
  // (invalid_utf8). JSON formats always require UTF-8. Default: true.
  bool require_utf8 = true;
  // Year of timestamps that carry none (RFC 3164, Snort fast.log without a year).
  // 0 = the year that puts the timestamp nearest to the record's ingest time
  // (RawRecord::timestamp_ns: Kafka timestamp, or when the file source read the line); a record
  // without an ingest time is then dead-lettered bad_timestamp. Otherwise that fixed year.
  // Default: 0.
  int64_t year = 0;
  // UTC offset of timestamps that carry no zone (RFC 3164, fast.log, CEF and FortiGate text
  // dates without tz), "+09:00" style. Default: +00:00.
  std::string timezone = "+00:00";
  // Event times more than this after the record's ingest time are dead-lettered
  // future_timestamp (they would drag the partition's watermark forward). 0 = no check; records
  // without an ingest time are not checked. Default: 1h.
  int64_t max_future_skew_ns = 3600LL * 1'000'000'000;
  // Generic JSON: event field -> dotted JSON path, e.g. {time: "ts", src_ip: "id.orig_h",
  // message: "log.msg"}. Targets: time, host, src_ip, dst_ip, src_port, dst_port, proto,
  // app_proto, event_type, flow_id, sig_id, sig_rev, severity, pid, and every payload field
  // name ("message", "http.url", ...). `time` is required.
  std::vector<std::pair<std::string, std::string>> json_fields;
  // Generic JSON: how `time` is written: iso8601 | epoch_s | epoch_ms | epoch_us | epoch_ns
  // (epoch_s accepts a fraction: 1402307733.473). Default: iso8601.
  std::string json_time_format = "iso8601";

  static void Declare(config::Schema& s, DecodeOptions* c);
};

inline constexpr size_t kDeadLetterReasonCount = static_cast<size_t>(DeadLetterReason::kCount);

// Counters of one decoder since it was created. The runtime exports them as metrics
// (summed over workers at scrape time); they are plain integers, owned by the decoder.
struct DecodeStats {
  uint64_t records = 0;  // records seen
  uint64_t events = 0;   // records decoded into events
  uint64_t bytes = 0;    // record bytes seen
  std::array<uint64_t, kDeadLetterReasonCount> dead_letters{};  // by DeadLetterReason

  uint64_t dead_letter(DeadLetterReason r) const {
    return dead_letters[static_cast<size_t>(r)];
  }
  uint64_t dead_letter_total() const;
  void Merge(const DecodeStats& other);
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Decodes batch.records[begin, end), appending to batch.events and batch.dead_letters
  // (each record yields exactly one of the two, in record order). Strings of the events are
  // views into the records or into batch.arena. Records must be followed by kRecordPadding
  // readable bytes. The runtime calls it once per run of records from the same input.
  void Decode(Batch& batch, uint32_t begin, uint32_t end);
  void Decode(Batch& batch) { Decode(batch, 0, static_cast<uint32_t>(batch.records.size())); }
  const DecodeStats& stats() const { return stats_; }

 protected:
  virtual void DecodeRecords(Batch& batch, uint32_t begin, uint32_t end) = 0;

 private:
  DecodeStats stats_;
};

// Validates the options (format, operator rule, time zone, JSON mapping) and returns the
// decoder, or InvalidArgument saying which option is wrong and how to fix it.
absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(const DecodeOptions& options);

// Decodes every record of `batch` with the decoder of its input (decoders[record.input]),
// run by run of records from one input; clears the batch's events and dead letters first.
// InternalError if a record names an input without a decoder.
absl::Status DecodeByInput(Batch& batch, const std::vector<std::unique_ptr<Decoder>>& decoders);

// The first `max_bytes` bytes of `raw`, cut back to a UTF-8 character boundary: the
// truncated copy a dead-letter document carries (JsonWriter escapes what remains).
std::string_view TruncateUtf8(std::string_view raw, size_t max_bytes);

}  // namespace kizashi::decode
