// Shared libFuzzer harness for the decoders (tests/fuzz/fuzz_*.cc).
//
// The input is split on '\n' into records (so one input is a small stream), each copied into a
// batch arena followed by kRecordPadding bytes of junk, as a source lays records out. The
// first byte picks option variants (operator rule, authoritative input, year rule, depth...).
// Besides "no crash, no sanitizer report", every run checks the decoder's contract and aborts
// if it is broken:
//   - each record yields exactly one event or one dead letter, in record order;
//   - decoding is independent of the previous record and deterministic: the whole stream in
//     one batch, every record in its own batch, and a second fresh decoder give identical
//     results;
//   - JSON decoders (and text decoders with require_utf8) only emit valid UTF-8 strings;
//   - event times lie in [1970, 2262).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/strings.h"
#include "engine/decode/decoder.h"

namespace kizashi::decode::fuzz {

inline void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "decoder contract broken: %s\n", what);
    std::abort();
  }
}

inline std::vector<std::string_view> SplitRecords(std::string_view data) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= data.size(); ++i) {
    if (i == data.size() || data[i] == '\n') {
      if (i > start || i < data.size()) out.push_back(data.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

inline void AddRecords(Batch& b, const std::vector<std::string_view>& records, size_t first,
                       size_t count) {
  for (size_t i = first; i < first + count; ++i) {
    std::string_view v = records[i];
    char* p = b.arena.Allocate(v.size() + kRecordPadding);
    if (!v.empty()) std::memcpy(p, v.data(), v.size());
    for (size_t k = 0; k < kRecordPadding; ++k) p[v.size() + k] = "\"\\}]\x80"[k % 5];
    RawRecord r;
    r.value = std::string_view(p, v.size());
    // A key and a header/topic operator derived from the record, so every rule is exercised.
    r.key = v.size() % 3 == 0 ? std::string_view() : std::string_view("op-a");
    r.operator_hint = v.size() % 5 == 0 ? std::string_view("op-b") : std::string_view("op-a");
    r.timestamp_ns = v.size() % 7 == 0 ? 0 : 1'709'294'405'000'000'000;  // 2024-03-01
    r.pos.offset = static_cast<int64_t>(i) + 1;
    b.records.push_back(r);
  }
}

inline std::string Canon(const Event& e) {
  std::string s = StrCat(EventKindName(e.kind), "|", e.event_type, "|", e.event_time_ns, "|",
                         e.operator_id, "|", e.host, "|", e.proto, "|", e.app_proto, "|",
                         e.src.ToString(), ":", e.src_port, "|", e.dst.ToString(), ":",
                         e.dst_port, "|", e.sig_id, "/", e.sig_rev, "/", e.ids_severity, "|",
                         e.flow_id, "|", e.pid, "|", e.syslog_facility, ".", e.syslog_severity);
  for (size_t i = 0; i < kFieldCount; ++i) StrAppend(&s, "|", e.fields[i]);
  return s;
}

// Per record: "E<canon>" or "D<reason>".
inline std::vector<std::string> Outcomes(const Batch& b, size_t base, bool utf8) {
  std::vector<std::string> out(b.records.size());
  size_t ei = 0, di = 0;
  for (size_t r = 0; r < b.records.size(); ++r) {
    bool is_event = ei < b.events.size() && b.events[ei].record == r;
    bool is_dead = di < b.dead_letters.size() && b.dead_letters[di].record == r;
    Require(is_event != is_dead, "a record must give exactly one event or one dead letter");
    if (is_event) {
      const Event& e = b.events[ei++];
      Require(e.event_time_ns >= 0 && e.event_time_ns < INT64_MAX, "event time out of range");
      if (utf8) {
        for (size_t f = 0; f < kFieldCount; ++f) {
          std::string_view v = e.fields[f];
          Require(simdjson::validate_utf8(v.data(), v.size()), "field is not UTF-8");
        }
        Require(simdjson::validate_utf8(e.host.data(), e.host.size()), "host is not UTF-8");
      }
      out[r] = "E" + Canon(e);
    } else {
      out[r] = StrCat("D", DeadLetterReasonName(b.dead_letters[di++].reason));
    }
  }
  Require(ei == b.events.size() && di == b.dead_letters.size(), "outputs out of record order");
  (void)base;
  return out;
}

// Decodes `data` two ways (the whole stream in one batch with decoder A; each record in its own
// batch with decoder B) and checks they agree. Decoders and batches are cached per option
// variant and reused (Clear() keeps the arena), as a worker reuses them.
inline void Check(const DecodeOptions& o, uint8_t variant, const uint8_t* data, size_t size,
                  bool utf8) {
  struct Cached {
    std::unique_ptr<Decoder> a, b;
    Batch whole, one;
  };
  static std::unique_ptr<Cached> cache[256];
  std::unique_ptr<Cached>& c = cache[variant];
  if (!c) {
    c = std::make_unique<Cached>();
    auto a = MakeDecoder(o);
    auto b = MakeDecoder(o);
    Require(a.ok() && b.ok(), "options rejected");
    c->a = std::move(a).value();
    c->b = std::move(b).value();
  }
  std::vector<std::string_view> records =
      SplitRecords(std::string_view(reinterpret_cast<const char*>(data), size));
  if (records.empty()) return;
  DecodeStats before = c->a->stats();
  c->whole.Clear();
  AddRecords(c->whole, records, 0, records.size());
  c->a->Decode(c->whole);
  std::vector<std::string> whole = Outcomes(c->whole, 0, utf8);
  for (size_t i = 0; i < records.size(); ++i) {
    c->one.Clear();
    AddRecords(c->one, records, i, 1);
    c->b->Decode(c->one);
    std::vector<std::string> x = Outcomes(c->one, i, utf8);
    Require(x[0] == whole[i], "decoding depends on the previous record or is not deterministic");
  }
  const DecodeStats& after = c->a->stats();
  Require(after.records - before.records == records.size(), "stats.records");
  Require((after.events - before.events) +
                  (after.dead_letter_total() - before.dead_letter_total()) ==
              records.size(),
          "stats do not add up");
}

// Option variants chosen by a selector byte.
inline void Vary(uint8_t sel, DecodeOptions* o) {
  switch (sel % 4) {
    case 0:
      o->operator_from = "fixed";
      o->operator_fixed = "op-a";
      break;
    case 1:
      o->operator_from = "key";
      o->authoritative = true;
      break;
    case 2:
      o->operator_from = "topic";
      break;
    case 3:
      o->operator_from = "header";
      o->authoritative = true;
      break;
  }
  o->year = (sel & 0x10) ? 0 : 2024;
  o->timezone = (sel & 0x20) ? "+09:00" : "-05:30";
  o->max_future_skew_ns = (sel & 0x40) ? 0 : 3600LL * 1'000'000'000;
  o->max_depth = (sel & 0x80) ? 4 : 32;
  o->max_event_bytes = (sel & 0x08) ? 512 : 65536;
}

}  // namespace kizashi::decode::fuzz
