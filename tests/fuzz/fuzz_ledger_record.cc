// libFuzzer target for the ledger topic's records (engine/ledger/chain.h): `kizashi ledger
// verify|query --brokers` decode whatever bytes the topic holds. Checks: no crash, and a
// decoded record whose hash verifies re-encodes to the same key it names.
// Input: records separated by '\n'; the first byte of each picks its partition (0..3).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/ledger/chain.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kizashi::ledger;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  TopicVerifier v(/*strict=*/(size & 1) != 0);
  int64_t offset = 0;
  while (!in.empty()) {
    size_t nl = in.find('\n');
    std::string_view rec = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    if (rec.empty()) continue;
    int32_t partition = static_cast<uint8_t>(rec[0]) % 4;
    rec.remove_prefix(1);
    auto r = DecodeTopicRecord(rec);
    std::string key;
    if (r.ok()) key = TopicKey(r->document_id, r->revision, r->destination);
    v.Add(partition, offset++, key, rec);
    (void)DecodeChainHead(rec);
  }
  TopicVerifyResult res = v.Finish();
  if (res.ok && res.records > 0 && res.heads.empty()) std::abort();  // records but no chain
  return 0;
}
