// libFuzzer target for the people's-input decoders, operator_input and analyst_action (see
// fuzz_decode.h for what every run checks). Bit 2 of the first byte picks the family; bit 0-1
// the operator rule (with 0: the record's own "operator" field).
#include "tests/fuzz/fuzz_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kizashi::decode;
  if (size == 0) return 0;
  DecodeOptions o;
  o.format = (data[0] & 4) ? "analyst_action" : "operator_input";
  fuzz::Vary(data[0], &o);
  if ((data[0] & 3) == 0) {
    o.operator_from = "field";
    o.authoritative = false;
  }
  fuzz::Check(o, data[0], data + 1, size - 1, /*utf8=*/true);
  return 0;
}
