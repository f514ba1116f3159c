// Configuration keys, declared once.
//
// Each component owns a plain config struct whose member initialisers are the defaults, and a
// static Declare(Schema&, T*) that binds every key to a member with its description, bounds
// and reload class. The same declaration drives YAML loading (all errors, with file:line),
// environment and command-line overrides, and `kizashi config reference`:
//
//   struct DecodeConfig {
//     int64_t max_event_bytes = 64 * 1024;
//     static void Declare(config::Schema& s, DecodeConfig* c) {
//       s.Int("max_event_bytes", &c->max_event_bytes,
//             "Records longer than this are dead-lettered (too_large).", 256, 16 << 20);
//     }
//   };
//
// Thread contract: a Schema is built and applied on one thread at start-up or reload; the
// resulting config structs are immutable afterwards and shared by const reference.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/diag.h"

namespace kizashi::config {

enum class Reload { kRestart, kLive };

struct KeyInfo {
  std::string path;         // dotted, lists as "inputs[].name"
  std::string type;         // int, bool, string, duration, list<string>, list<object>, bytes
  std::string description;
  std::string default_value;
  std::string bounds;       // "256..16777216", "one of: a, b", or empty
  Reload reload = Reload::kRestart;
};

// A key's current value, rendered as text (lists of objects also as "inputs[0].name").
struct KeyValue {
  std::string path;
  std::string value;
  Reload reload = Reload::kRestart;
};

class Schema {
 public:
  Schema();
  ~Schema();
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  // Keys declared inside the callback get `prefix.` in front of their path.
  void Section(std::string_view prefix, const std::function<void(Schema&)>& declare);

  void Int(std::string_view key, int64_t* field, std::string_view description, int64_t min,
           int64_t max, Reload reload = Reload::kRestart);
  void Bool(std::string_view key, bool* field, std::string_view description,
            Reload reload = Reload::kRestart);
  // `allowed` empty = any string.
  void String(std::string_view key, std::string* field, std::string_view description,
              std::vector<std::string> allowed = {}, Reload reload = Reload::kRestart);
  // Durations are written "500ms", "30s", "5m", "2h", "1d"; stored as nanoseconds.
  void Duration(std::string_view key, int64_t* field_ns, std::string_view description,
                int64_t min_ns, int64_t max_ns, Reload reload = Reload::kRestart);
  void StringList(std::string_view key, std::vector<std::string>* field,
                  std::string_view description, Reload reload = Reload::kRestart);
  // A string->string map (e.g. topic -> operator).
  void StringMap(std::string_view key, std::vector<std::pair<std::string, std::string>>* field,
                 std::string_view description, Reload reload = Reload::kRestart);

  // A list of objects, each declared by `declare`.
  template <typename T>
  void List(std::string_view key, std::vector<T>* field, std::string_view description,
            void (*declare)(Schema&, T*)) {
    AddList(
        key, description, [field]() -> void* { return &field->emplace_back(); },
        [declare](Schema& s, void* p) { declare(s, static_cast<T*>(p)); },
        [field]() { field->clear(); },
        [declare](Schema& s) {
          T sample;
          declare(s, &sample);
        },
        [field, declare](const std::function<void(Schema&)>& fn) {
          for (T& elem : *field) {
            Schema s;
            declare(s, &elem);
            fn(s);
          }
        });
  }

  // Applies a YAML file / text. Unknown keys, wrong types and out-of-bound values are all
  // reported in `diags` (with file:line); valid keys are applied even when others fail, but
  // callers must not use the result when diags has errors.
  void ApplyFile(const std::string& path, Diagnostics* diags);
  void ApplyText(std::string_view yaml, std::string_view file_name, Diagnostics* diags);
  // "decode.max_event_bytes=131072" (from --set); scalar keys only.
  void ApplyOverride(std::string_view assignment, Diagnostics* diags);
  // KIZASHI_DECODE__MAX_EVENT_BYTES=131072 style variables from `environ`.
  void ApplyEnvironment(Diagnostics* diags);

  // Every key, sorted by path, for `kizashi config reference`.
  std::vector<KeyInfo> Reference() const;
  // The reference rendered as Markdown.
  std::string ReferenceMarkdown() const;
  // The current value of every key bound by this schema, sorted by path; a list of objects
  // gives its length under its own path and each element's keys as "list[i].key". Reloads
  // compare two loads with it to find which keys changed.
  std::vector<KeyValue> Values() const;

  struct Impl;

 private:
  void AddList(std::string_view key, std::string_view description, std::function<void*()> append,
               std::function<void(Schema&, void*)> declare, std::function<void()> clear,
               std::function<void(Schema&)> describe,
               std::function<void(const std::function<void(Schema&)>&)> each);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kizashi::config
