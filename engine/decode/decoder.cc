#include "engine/decode/decoder.h"

#include "engine/common/strings.h"
#include "engine/decode/eve_decoder.h"
#include "engine/decode/syslog_decoder.h"

namespace kizashi::decode {

void DecodeOptions::Declare(config::Schema& s, DecodeOptions* c) {
  s.String("format", &c->format, "Record format of this input.",
           {"eve", "syslog", "cef", "fastlog", "json", "operator_input", "control"});
  s.String("operator_from", &c->operator_from,
           "Where each record's operator comes from.",
           {"field", "key", "header", "topic", "fixed"});
  s.String("operator_field", &c->operator_field,
           "JSON path of the operator id when operator_from=field.");
  s.String("operator_header", &c->operator_header,
           "Kafka header holding the operator id when operator_from=header.");
  s.String("operator", &c->operator_fixed, "Operator id when operator_from=fixed.");
  s.Bool("authoritative", &c->authoritative,
         "This input belongs to one operator (ACL-protected topic): records claiming another "
         "operator are dead-lettered as operator_mismatch.");
  s.Int("max_event_bytes", &c->max_event_bytes,
        "Records longer than this are dead-lettered as too_large.", 256, 16 << 20);
  s.Int("syslog_year", &c->syslog_year,
        "Year for RFC 3164 timestamps (which carry none). 0 = year of ingest time, minus one "
        "when the month would be more than a month in the future.",
        0, 9999);
  s.String("syslog_timezone", &c->syslog_timezone,
           "UTC offset of RFC 3164 timestamps (which carry none), e.g. +09:00.");
  s.StringMap("json_fields", &c->json_fields,
              "Generic JSON: event field name -> dotted JSON path.");
}

absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(const DecodeOptions& o) {
  if (o.format == "eve") return NewEveDecoder(o);
  if (o.format == "syslog") return NewSyslogDecoder(o);
  return absl::UnimplementedError(StrCat("decoder format '", o.format, "' is not available"));
}

}  // namespace kizashi::decode
