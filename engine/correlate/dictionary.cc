#include "engine/correlate/dictionary.h"

#include "engine/common/strings.h"

namespace kizashi::correlate {

namespace {
constexpr char kTag = 'd';

std::string DictKey(std::string_view prefix, uint8_t kind, uint32_t code) {
  std::string k(prefix);
  k.push_back(kTag);
  k.push_back(static_cast<char>(kind));
  for (int i = 3; i >= 0; --i) k.push_back(static_cast<char>(code >> (i * 8)));
  return k;
}
}  // namespace

uint32_t Dictionary::Intern(Kind kind, std::string_view payload) {
  auto& map = by_value_[kind];
  auto it = map.find(absl::string_view(payload.data(), payload.size()));
  if (it != map.end()) return it->second;
  size_t limit = kind == kSource ? 65535 : kind == kAddr ? max_entries_ : (1u << 27) - 1;
  if (by_code_[kind].size() >= limit) return 0;
  by_code_[kind].emplace_back(payload);
  uint32_t code = static_cast<uint32_t>(by_code_[kind].size());
  map.emplace(std::string(payload), code);
  bytes_ += 2 * payload.size() + 64;
  return code;
}

std::string_view Dictionary::Get(Kind kind, uint32_t code) const {
  if (code == 0 || code > by_code_[kind].size()) return {};
  return by_code_[kind][code - 1];
}

absl::Status Dictionary::Load(const state::StateStore& store, std::string_view prefix) {
  std::string scan(prefix);
  scan.push_back(kTag);
  return store.Scan(state::Cf::kDictionary, scan, [&](std::string_view k, std::string_view v) {
    if (k.size() != scan.size() + 5) return absl::DataLossError("corrupt dictionary key");
    uint8_t kind = static_cast<uint8_t>(k[scan.size()]);
    uint32_t code = 0;
    for (size_t i = 0; i < 4; ++i) code = code << 8 | static_cast<uint8_t>(k[scan.size() + 1 + i]);
    if (kind >= kKinds) return absl::DataLossError("corrupt dictionary kind");
    // Keys scan in code order within a kind: codes are dense from 1.
    if (code != by_code_[kind].size() + 1) {
      return absl::DataLossError(StrCat("dictionary gap at kind ", kind, " code ", code));
    }
    by_code_[kind].emplace_back(v);
    by_value_[kind].emplace(std::string(v), code);
    flushed_[kind] = by_code_[kind].size();
    bytes_ += 2 * v.size() + 64;
    return absl::OkStatus();
  });
}

void Dictionary::Flush(std::string_view prefix, state::StateDelta* delta) {
  for (uint8_t k = 0; k < kKinds; ++k) {
    for (size_t i = flushed_[k]; i < by_code_[k].size(); ++i) {
      delta->Put(state::Cf::kDictionary, DictKey(prefix, k, static_cast<uint32_t>(i + 1)),
                 by_code_[k][i]);
    }
    flushed_[k] = by_code_[k].size();
  }
}

}  // namespace kizashi::correlate
