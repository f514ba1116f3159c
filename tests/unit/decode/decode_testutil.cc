#include "tests/unit/decode/decode_testutil.h"

#include <cstring>
#include <fstream>
#include <iostream>

namespace kizashi::decode::testing {

void AddRecord(Batch& b, const RecordSpec& r) {
  char* p = b.arena.Allocate(r.value.size() + kRecordPadding);
  std::memcpy(p, r.value.data(), r.value.size());
  for (size_t i = 0; i < kRecordPadding; ++i) p[r.value.size() + i] = "\"\\}"[i % 3];
  RawRecord rec;
  rec.value = std::string_view(p, r.value.size());
  rec.key = b.arena.Copy(r.key);
  rec.operator_hint = b.arena.Copy(r.operator_hint);
  rec.timestamp_ns = r.timestamp_ns;
  rec.pos.partition = b.partition;
  rec.pos.offset = static_cast<int64_t>(b.records.size()) + 1;
  b.records.push_back(rec);
}

void AddRecord(Batch& b, std::string_view value, int64_t timestamp_ns) {
  RecordSpec r;
  r.value = std::string(value);
  r.timestamp_ns = timestamp_ns;
  AddRecord(b, r);
}

std::unique_ptr<Decoder> MustMake(const DecodeOptions& o) {
  auto d = MakeDecoder(o);
  if (!d.ok()) {
    std::cerr << "MakeDecoder failed: " << d.status() << "\n";
    return nullptr;
  }
  return std::move(d).value();
}

One DecodeOne(Decoder& d, Batch& b, const RecordSpec& r) {
  b.Clear();
  AddRecord(b, r);
  d.Decode(b);
  One o;
  if (b.events.size() == 1 && b.dead_letters.empty()) {
    o.ok = true;
    o.event = b.events[0];
  } else if (b.dead_letters.size() == 1 && b.events.empty()) {
    o.reason = b.dead_letters[0].reason;
    o.detail = b.dead_letters[0].detail;
  }
  return o;
}

One DecodeOne(Decoder& d, Batch& b, std::string_view value, int64_t timestamp_ns) {
  RecordSpec r;
  r.value = std::string(value);
  r.timestamp_ns = timestamp_ns;
  return DecodeOne(d, b, r);
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string Ip(const IpAddr& a) { return a.ToString(); }

}  // namespace kizashi::decode::testing

#include <ctime>

namespace kizashi::decode::testing {
int64_t Utc(int y, int mo, int d, int h, int mi, int s, int64_t ns) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000'000 + ns;
}
}  // namespace kizashi::decode::testing
