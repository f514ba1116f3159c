// JSON decoders (internal; create through MakeDecoder): Suricata EVE and generic JSON with a
// configured field mapping share one engine — a compiled tree of the paths to extract, walked
// in a single simdjson On-Demand pass per record.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "engine/decode/decoder.h"

namespace kizashi::decode {

absl::StatusOr<std::unique_ptr<Decoder>> NewEveDecoder(const DecodeOptions& options);
absl::StatusOr<std::unique_ptr<Decoder>> NewJsonDecoder(const DecodeOptions& options);

}  // namespace kizashi::decode
