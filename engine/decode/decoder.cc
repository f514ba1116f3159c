#include "engine/decode/decoder.h"

#include "engine/common/strings.h"
#include "engine/decode/fastlog_decoder.h"
#include "engine/decode/input_decoder.h"
#include "engine/decode/json_decoder.h"
#include "engine/decode/syslog_decoder.h"

namespace kizashi::decode {

void DecodeOptions::Declare(config::Schema& s, DecodeOptions* c) {
  s.String("format", &c->format,
           "Record format of this input: eve (Suricata EVE JSON), syslog (RFC 5424/3164, CEF "
           "and FortiGate key=value inside), cef, fastlog (Suricata/Snort fast.log), json "
           "(generic JSON mapped by json_fields), operator_input (operator reports: threat notice, "
           "major failure, damage confirmed, response status; docs/inputs.md), analyst_action "
           "(the control input: acknowledge, forward, withdraw, annotate).",
           {"eve", "syslog", "cef", "fastlog", "json", "operator_input", "analyst_action"});
  s.String("operator_from", &c->operator_from,
           "Where each record's operator comes from: field (operator_field inside the record), "
           "key (Kafka key), header (Kafka header operator_header), topic (topic -> operator "
           "map), fixed (operator).",
           {"field", "key", "header", "topic", "fixed"});
  s.String("operator_field", &c->operator_field,
           "Where a record names its operator: JSON dotted path (eve, json), RFC 5424 "
           "\"SD-ID/PARAM\" (syslog), CEF extension key (cef). Used by operator_from=field and "
           "to detect claims on authoritative inputs.");
  s.String("operator_header", &c->operator_header,
           "Kafka header holding the operator id when operator_from=header.");
  s.String("operator", &c->operator_fixed, "Operator id when operator_from=fixed.");
  s.Bool("authoritative", &c->authoritative,
         "This input belongs to one operator (ACL-protected topic): records whose "
         "operator_field claims another operator are dead-lettered operator_mismatch. Needs "
         "operator_from key, header, topic or fixed.");
  s.Int("max_event_bytes", &c->max_event_bytes,
        "Records longer than this are dead-lettered as too_large.", 256, 16 << 20);
  s.Int("max_depth", &c->max_depth, "JSON nesting deeper than this is dead-lettered too_deep.",
        2, 1024);
  s.Bool("require_utf8", &c->require_utf8,
         "Text formats (syslog, cef, fastlog): dead-letter records that are not valid UTF-8. "
         "JSON formats always require UTF-8.");
  s.Int("year", &c->year,
        "Year of timestamps that carry none (RFC 3164, fast.log without year). 0 = the year "
        "that puts the timestamp nearest to the record's ingest time (records without one are "
        "dead-lettered bad_timestamp); otherwise that year.",
        0, 2261);
  s.String("timezone", &c->timezone,
           "UTC offset of timestamps that carry no zone (RFC 3164, fast.log, CEF and FortiGate "
           "text dates), e.g. +09:00.");
  s.Duration("max_future_skew", &c->max_future_skew_ns,
             "Event times further than this after the record's ingest time are dead-lettered "
             "future_timestamp (they would advance the watermark). 0 disables the check.",
             0, 365LL * 86400 * 1'000'000'000);
  s.StringMap("json_fields", &c->json_fields,
              "Generic JSON: event field -> dotted JSON path (a segment \"name[]\" takes the "
              "first object of an array). `time` is required.");
  s.String("json_time_format", &c->json_time_format,
           "Generic JSON: how the `time` field is written.",
           {"iso8601", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"});
}

uint64_t DecodeStats::dead_letter_total() const {
  uint64_t n = 0;
  for (uint64_t v : dead_letters) n += v;
  return n;
}

void DecodeStats::Merge(const DecodeStats& o) {
  records += o.records;
  events += o.events;
  bytes += o.bytes;
  for (size_t i = 0; i < dead_letters.size(); ++i) dead_letters[i] += o.dead_letters[i];
}

void Decoder::Decode(Batch& batch, uint32_t begin, uint32_t end) {
  size_t events_before = batch.events.size();
  size_t dead_before = batch.dead_letters.size();
  DecodeRecords(batch, begin, end);
  stats_.records += end - begin;
  for (uint32_t i = begin; i < end; ++i) stats_.bytes += batch.records[i].value.size();
  stats_.events += batch.events.size() - events_before;
  for (size_t i = dead_before; i < batch.dead_letters.size(); ++i) {
    size_t r = static_cast<size_t>(batch.dead_letters[i].reason);
    if (r < kDeadLetterReasonCount) ++stats_.dead_letters[r];
  }
}

absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(const DecodeOptions& o) {
  if (o.max_event_bytes < 1) return absl::InvalidArgumentError("max_event_bytes must be >= 1");
  if (o.max_depth < 1) return absl::InvalidArgumentError("max_depth must be >= 1");
  if (o.format == "eve") return NewEveDecoder(o);
  if (o.format == "json") return NewJsonDecoder(o);
  if (o.format == "syslog") return NewSyslogDecoder(o, /*cef_only=*/false);
  if (o.format == "cef") return NewSyslogDecoder(o, /*cef_only=*/true);
  if (o.format == "fastlog") return NewFastlogDecoder(o);
  if (o.format == "operator_input") return NewInputDecoder(o, /*analyst_actions=*/false);
  if (o.format == "analyst_action") return NewInputDecoder(o, /*analyst_actions=*/true);
  return absl::InvalidArgumentError(StrCat(
      "format '", o.format,
      "' is not one of eve, syslog, cef, fastlog, json, operator_input, analyst_action"));
}

std::string_view TruncateUtf8(std::string_view raw, size_t max_bytes) {
  if (raw.size() <= max_bytes) return raw;
  size_t n = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character, then
  // drop that character: what remains ends on a boundary.
  size_t back = 0;
  while (n > 0 && back < 4 && (static_cast<unsigned char>(raw[n]) & 0xC0) == 0x80) {
    --n;
    ++back;
  }
  return raw.substr(0, n);
}

absl::Status DecodeByInput(Batch& batch, const std::vector<std::unique_ptr<Decoder>>& decoders) {
  batch.events.clear();
  batch.dead_letters.clear();
  uint32_t n = static_cast<uint32_t>(batch.records.size());
  for (uint32_t b = 0; b < n;) {
    uint16_t input = batch.records[b].input;
    uint32_t e = b + 1;
    while (e < n && batch.records[e].input == input) ++e;
    if (input >= decoders.size() || decoders[input] == nullptr) {
      return absl::InternalError("record from an input without a decoder");
    }
    decoders[input]->Decode(batch, b, e);
    b = e;
  }
  return absl::OkStatus();
}

}  // namespace kizashi::decode
