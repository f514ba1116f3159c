// JsonWriter: appends compact JSON to a std::string. Output is always valid UTF-8 JSON:
// control characters are escaped and invalid UTF-8 bytes become U+FFFD, because untrusted
// record bytes end up in dead letters and evidence.
//
// Keys are written in the order the caller writes them; callers that emit maps sort first so
// documents are byte-identical across runs (determinism is a requirement, see DESIGN.md §4).
//
// Thread contract: not thread-safe; one writer per output being built.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kizashi {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view k);
  JsonWriter& String(std::string_view v);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Inserts already-serialized JSON as a value (caller guarantees validity).
  JsonWriter& Raw(std::string_view json);

  // Shorthands for "key": value.
  JsonWriter& KV(std::string_view k, std::string_view v) { return Key(k).String(v); }
  JsonWriter& KV(std::string_view k, const char* v) { return Key(k).String(v); }
  JsonWriter& KV(std::string_view k, int64_t v) { return Key(k).Int(v); }
  JsonWriter& KV(std::string_view k, int v) { return Key(k).Int(v); }
  JsonWriter& KV(std::string_view k, uint64_t v) { return Key(k).Uint(v); }
  JsonWriter& KV(std::string_view k, uint32_t v) { return Key(k).Uint(v); }
  JsonWriter& KV(std::string_view k, bool v) { return Key(k).Bool(v); }
  JsonWriter& KV(std::string_view k, double v) { return Key(k).Double(v); }

  // Appends `s` as a JSON string literal (with quotes) to `out`.
  static void AppendQuoted(std::string* out, std::string_view s);

 private:
  void Separator();
  std::string* out_;
  // Bit i set = the container at depth i already has an element. Depth beyond 63 is not
  // supported (documents here are shallow by construction).
  uint64_t has_elem_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace kizashi
