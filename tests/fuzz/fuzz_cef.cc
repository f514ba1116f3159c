// libFuzzer target for the cef decoder (see fuzz_decode.h for what every run checks).
#include "tests/fuzz/fuzz_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kizashi::decode;
  if (size == 0) return 0;
  DecodeOptions o;
  o.format = "cef";
  fuzz::Vary(data[0], &o);
  o.operator_field = (data[0] & 4) ? "kizashi@32473/operator" : "cs1";
  o.require_utf8 = (data[0] & 2) != 0;
  fuzz::Check(o, data[0], data + 1, size - 1, /*utf8=*/o.require_utf8);
  return 0;
}
