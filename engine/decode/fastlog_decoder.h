// Suricata / Snort fast.log alert lines (internal; create through MakeDecoder):
//   MM/DD/YYYY-HH:MM:SS.uuuuuu  [**] [gid:sid:rev] msg [**] [Classification: c] [Priority: p]
//   {PROTO} src[:port] -> dst[:port]
// Snort without -y writes MM/DD-HH:MM:SS.uuuuuu (no year: DecodeOptions::year applies). Times
// are the sensor's local time (DecodeOptions::timezone).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "engine/decode/decoder.h"

namespace kizashi::decode {

absl::StatusOr<std::unique_ptr<Decoder>> NewFastlogDecoder(const DecodeOptions& options);

}  // namespace kizashi::decode
