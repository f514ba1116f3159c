// Syslog-family decoders (internal; create through MakeDecoder).
//   syslog: RFC 5424 and RFC 3164/BSD auto-detected per record, CEF in the message, FortiGate
//           key=value with or without a syslog header.
//   cef:    the same parser, but every record must carry CEF (bare or syslog-wrapped).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "engine/decode/decoder.h"

namespace kizashi::decode {

absl::StatusOr<std::unique_ptr<Decoder>> NewSyslogDecoder(const DecodeOptions& options,
                                                          bool cef_only);

}  // namespace kizashi::decode
