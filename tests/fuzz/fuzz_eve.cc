// libFuzzer target for the eve decoder (see fuzz_decode.h for what every run checks).
#include "tests/fuzz/fuzz_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kizashi::decode;
  if (size == 0) return 0;
  DecodeOptions o;
  o.format = "eve";
  fuzz::Vary(data[0], &o);
  o.operator_field = (data[0] & 4) ? "host" : "kizashi.operator";
  if (o.operator_from == "key" || o.operator_from == "header") o.operator_field = "operator";
  fuzz::Check(o, data[0], data + 1, size - 1, /*utf8=*/true);
  return 0;
}
