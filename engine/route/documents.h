// Documents for records that did not become incidents: dead letters (bad records, with reason,
// source position and a truncated copy) and late events. Schemas: docs/schemas/.
#pragma once

#include <string>
#include <string_view>

#include "engine/event/batch.h"

namespace kizashi::route {

// `copy_bytes`: how much of the raw record to include (the copy is made valid UTF-8 JSON).
std::string RenderDeadLetter(const Batch& batch, const DeadLetter& dl, std::string_view input,
                             size_t copy_bytes);
std::string RenderLateEvent(const Batch& batch, const Event& e, std::string_view input,
                            int64_t watermark_ns, size_t copy_bytes);
std::string RenderFutureEvent(const Batch& batch, const Event& e, std::string_view input,
                              size_t copy_bytes);

}  // namespace kizashi::route
