#include "engine/decode/input_decoder.h"

#include "engine/decode/decode_util.h"
#include "engine/inputs/input.h"

namespace kizashi::decode {

namespace {

class InputDecoder final : public Decoder {
 public:
  InputDecoder(const DecodeOptions& o, internal::OperatorRule rule, bool analyst)
      : o_(o), rule_(std::move(rule)), analyst_(analyst) {}

 protected:
  void DecodeRecords(Batch& batch, uint32_t begin, uint32_t end) override {
    for (uint32_t i = begin; i < end; ++i) {
      const RawRecord& r = batch.records[i];
      DeadLetterReason reason;
      const char* detail = nullptr;
      std::string_view value = internal::StripEol(r.value);
      if (!internal::Precheck(value, o_.max_event_bytes, true, &reason, &detail)) {
        internal::DeadLetterRecord(batch, i, reason, detail);
        continue;
      }
      auto in = inputs::ParseInput(value);
      if (!in.ok()) {
        // The reason must outlive the batch's dead-letter rendering: keep it in the arena.
        batch.dead_letters.push_back(DeadLetter{
            i, DeadLetterReason::kMalformed,
            batch.arena.Copy(std::string(in.status().message()))});
        continue;
      }
      if (inputs::IsAnalystAction(in->type) != analyst_) {
        internal::DeadLetterRecord(
            batch, i, DeadLetterReason::kMalformed,
            analyst_ ? "an operator report on an analyst_action input (use an operator_input input)"
                     : "an analyst action on an operator_input input (analyst actions come only "
                       "from the control input)");
        continue;
      }
      std::string_view claimed = batch.arena.Copy(in->operator_id);
      std::string_view op;
      if (!rule_.Resolve(r, claimed, &op, &reason, &detail)) {
        internal::DeadLetterRecord(batch, i, reason, detail);
        continue;
      }
      Event& e = internal::StartEvent(batch, i);
      e.kind = analyst_ ? EventKind::kAnalystAction : EventKind::kOperatorInput;
      e.event_time_ns = in->time_ns;
      e.operator_id = op;
      e.host = batch.arena.Copy(in->system);
      e.event_type = analyst_ ? "analyst_action" : "operator_input";
      e.set_field(FieldId::kRaw, {});  // people's text is not matched against packs
      if (!internal::CheckEventTime(e, o_.max_future_skew_ns, &reason, &detail)) {
        batch.events.pop_back();
        internal::DeadLetterRecord(batch, i, reason, detail);
      }
    }
  }

 private:
  DecodeOptions o_;
  internal::OperatorRule rule_;
  bool analyst_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> NewInputDecoder(const DecodeOptions& o,
                                                         bool analyst_actions) {
  auto rule = internal::OperatorRule::Make(o);
  if (!rule.ok()) return rule.status();
  return std::make_unique<InputDecoder>(o, std::move(*rule), analyst_actions);
}

}  // namespace kizashi::decode
