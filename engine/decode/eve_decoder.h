// Suricata EVE JSON decoder (internal; create through MakeDecoder).
#pragma once

#include <memory>

#include "engine/decode/decoder.h"

namespace kizashi::decode {

std::unique_ptr<Decoder> NewEveDecoder(const DecodeOptions& options);

}  // namespace kizashi::decode
