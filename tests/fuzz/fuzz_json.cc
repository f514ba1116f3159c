// libFuzzer target for the json decoder (see fuzz_decode.h for what every run checks).
#include "tests/fuzz/fuzz_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kizashi::decode;
  if (size == 0) return 0;
  DecodeOptions o;
  o.format = "json";
  fuzz::Vary(data[0], &o);
  o.json_fields = {{"time", "ts"},          {"src_ip", "id.orig_h"},   {"dst_ip", "id\\.resp_h"},
                   {"src_port", "a.b.port"}, {"message", "msg"},        {"http.url", "events[].url"},
                   {"sig_id", "sid"},        {"host", "agent.name"}};
  const char* formats[] = {"iso8601", "epoch_s", "epoch_ms", "epoch_ns"};
  o.json_time_format = formats[(data[0] >> 2) & 3];
  o.operator_field = "meta.operator";
  fuzz::Check(o, data[0], data + 1, size - 1, /*utf8=*/true);
  return 0;
}
