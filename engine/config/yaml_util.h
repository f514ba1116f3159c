// Helpers for loaders that read untrusted YAML (registry, packs, rules): parse without
// throwing, and read typed fields while recording every problem with file:line and the
// object id. Include only from .cc files (yaml-cpp is heavy).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/diag.h"

namespace kizashi::yaml {

// 1-based line of a node (0 if unknown).
int Line(const YAML::Node& n);

// Parses a document; on a syntax error records it and returns nullopt.
std::optional<YAML::Node> LoadText(std::string_view text, std::string_view file, Diagnostics* d);
std::optional<YAML::Node> LoadFile(const std::string& path, Diagnostics* d);
// Parses a stream of documents separated by `---`.
std::optional<std::vector<YAML::Node>> LoadAllText(std::string_view text, std::string_view file,
                                                   Diagnostics* d);

// Field readers. `required` missing -> error. Wrong type -> error. Returns whether a value
// was read.
class Reader {
 public:
  Reader(const YAML::Node& node, std::string_view file, std::string_view id, Diagnostics* d)
      : node_(node), file_(file), id_(id), d_(d) {}

  bool Str(const char* key, std::string* out, bool required = false);
  bool Int(const char* key, int64_t* out, int64_t min, int64_t max, bool required = false);
  bool Bool(const char* key, bool* out, bool required = false);
  bool Duration(const char* key, int64_t* out_ns, bool required = false);
  bool StrList(const char* key, std::vector<std::string>* out, bool required = false);
  // Reports keys not in `known` (typos must not pass silently).
  void RejectUnknown(std::initializer_list<std::string_view> known);
  void Error(const YAML::Node& at, std::string_view reason);
  void Error(std::string_view reason) { Error(node_, reason); }

  const YAML::Node& node() const { return node_; }
  int line() const { return Line(node_); }
  void set_id(std::string_view id) { id_ = std::string(id); }

 private:
  YAML::Node node_;
  std::string file_;
  std::string id_;
  Diagnostics* d_;
};

}  // namespace kizashi::yaml
