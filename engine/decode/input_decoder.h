// Decoders of people's inputs (engine/inputs, docs/inputs.md): `operator_input` accepts
// operator reports (threat notice, major failure, damage confirmed, response status),
// `analyst_action` accepts analyst actions (acknowledge, forward, withdraw, annotate). A record
// of the other family, or one that does not parse, is dead-lettered with the reason; an
// input's operator rule (operator_from, authoritative) applies as for every format.
//
// The event carries the kind, the input's time as event time, the operator and `system` as
// host; the correlator re-reads the record (inputs::ParseInput) to merge it. Its payload
// fields are left empty so pattern packs never match people's text.
//
// Ownership and threads: as every Decoder (one thread at a time).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "engine/decode/decoder.h"

namespace kizashi::decode {

absl::StatusOr<std::unique_ptr<Decoder>> NewInputDecoder(const DecodeOptions& options,
                                                         bool analyst_actions);

}  // namespace kizashi::decode
