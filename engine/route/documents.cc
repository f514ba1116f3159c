#include "engine/route/documents.h"

#include "engine/common/json_writer.h"
#include "engine/common/time.h"

namespace kizashi::route {

namespace {
void Position(JsonWriter& w, const Batch& b, const SourcePos& p, std::string_view input) {
  w.KV("input", input);
  w.KV("source", b.source_name(p));
  w.KV("partition", p.partition);
  w.KV("offset", p.offset);
}

std::string_view Truncated(std::string_view s, size_t n, bool* cut) {
  *cut = s.size() > n;
  return s.substr(0, n);
}
}  // namespace

std::string RenderDeadLetter(const Batch& b, const DeadLetter& dl, std::string_view input,
                             size_t copy_bytes) {
  const RawRecord& r = b.records[dl.record];
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.KV("schema", "kizashi.dead_letter/1");
  w.KV("reason", DeadLetterReasonName(dl.reason));
  w.KV("detail", dl.detail);
  Position(w, b, r.pos, input);
  w.KV("record_bytes", static_cast<uint64_t>(r.value.size()));
  bool cut;
  w.KV("record", Truncated(r.value, copy_bytes, &cut));
  w.KV("record_truncated", cut);
  w.EndObject();
  return out;
}

std::string RenderLateEvent(const Batch& b, const Event& e, std::string_view input,
                            int64_t watermark_ns, size_t copy_bytes) {
  const RawRecord& r = b.records[e.record];
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.KV("schema", "kizashi.late_event/1");
  w.KV("operator", e.operator_id);
  w.KV("event_time", FormatRfc3339(e.event_time_ns, 6));
  w.KV("watermark", FormatRfc3339(watermark_ns, 6));
  Position(w, b, e.pos, input);
  bool cut;
  w.KV("record", Truncated(r.value, copy_bytes, &cut));
  w.KV("record_truncated", cut);
  w.EndObject();
  return out;
}

std::string RenderFutureEvent(const Batch& b, const Event& e, std::string_view input,
                              size_t copy_bytes) {
  const RawRecord& r = b.records[e.record];
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.KV("schema", "kizashi.dead_letter/1");
  w.KV("reason", DeadLetterReasonName(DeadLetterReason::kFutureTimestamp));
  w.KV("detail", "event time beyond max_future_skew");
  Position(w, b, e.pos, input);
  w.KV("record_bytes", static_cast<uint64_t>(r.value.size()));
  bool cut;
  w.KV("record", Truncated(r.value, copy_bytes, &cut));
  w.KV("record_truncated", cut);
  w.EndObject();
  return out;
}

}  // namespace kizashi::route
