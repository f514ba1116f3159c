// Syslog decoder: RFC 5424 and RFC 3164/BSD, auto-detected per line (internal; create through
// MakeDecoder).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "engine/decode/decoder.h"

namespace kizashi::decode {

absl::StatusOr<std::unique_ptr<Decoder>> NewSyslogDecoder(const DecodeOptions& options);

}  // namespace kizashi::decode
