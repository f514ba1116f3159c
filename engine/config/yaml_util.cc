#include "engine/config/yaml_util.h"

#include <algorithm>


#include "engine/common/strings.h"
#include "engine/common/file_util.h"
#include "engine/common/time.h"

namespace kizashi::yaml {

int Line(const YAML::Node& n) {
  try {
    return n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
  } catch (...) {
    return 0;
  }
}

std::optional<YAML::Node> LoadText(std::string_view text, std::string_view file, Diagnostics* d) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    d->Error(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", StrCat("YAML: ", e.msg));
    return std::nullopt;
  }
}

std::optional<std::vector<YAML::Node>> LoadAllText(std::string_view text, std::string_view file,
                                                   Diagnostics* d) {
  try {
    return YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    d->Error(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", StrCat("YAML: ", e.msg));
    return std::nullopt;
  }
}

std::optional<YAML::Node> LoadFile(const std::string& path, Diagnostics* d) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    d->Error(path, 0, "", std::string(text.status().message()));
    return std::nullopt;
  }
  return LoadText(*text, path, d);
}

void Reader::Error(const YAML::Node& at, std::string_view reason) {
  d_->Error(file_, Line(at), id_, reason);
}

bool Reader::Str(const char* key, std::string* out, bool required) {
  YAML::Node n = node_[key];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) Error(StrCat("missing required field '", key, "'"));
    return false;
  }
  if (!n.IsScalar()) {
    Error(n, StrCat("'", key, "' must be a string"));
    return false;
  }
  *out = n.Scalar();
  return true;
}

bool Reader::Int(const char* key, int64_t* out, int64_t min, int64_t max, bool required) {
  std::string s;
  if (!Str(key, &s, required)) return false;
  int64_t v;
  if (!ParseInt(s, &v)) {
    Error(node_[key], StrCat("'", key, "' must be an integer, got '", s, "'"));
    return false;
  }
  if (v < min || v > max) {
    Error(node_[key], StrCat("'", key, "' = ", v, " is outside ", min, "..", max));
    return false;
  }
  *out = v;
  return true;
}

bool Reader::Bool(const char* key, bool* out, bool required) {
  std::string s;
  if (!Str(key, &s, required)) return false;
  if (s == "true" || s == "yes") *out = true;
  else if (s == "false" || s == "no") *out = false;
  else {
    Error(node_[key], StrCat("'", key, "' must be true or false, got '", s, "'"));
    return false;
  }
  return true;
}

bool Reader::Duration(const char* key, int64_t* out_ns, bool required) {
  std::string s;
  if (!Str(key, &s, required)) return false;
  if (!ParseDuration(s, out_ns)) {
    Error(node_[key], StrCat("'", key, "' must be a duration like 30s, 5m, 1h; got '", s, "'"));
    return false;
  }
  return true;
}

bool Reader::StrList(const char* key, std::vector<std::string>* out, bool required) {
  YAML::Node n = node_[key];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) Error(StrCat("missing required field '", key, "'"));
    return false;
  }
  out->clear();
  if (n.IsScalar()) {
    out->push_back(n.Scalar());
    return true;
  }
  if (!n.IsSequence()) {
    Error(n, StrCat("'", key, "' must be a list of strings"));
    return false;
  }
  for (const auto& e : n) {
    if (!e.IsScalar()) {
      Error(e, StrCat("'", key, "' must be a list of strings"));
      return false;
    }
    out->push_back(e.Scalar());
  }
  return true;
}

void Reader::RejectUnknown(std::initializer_list<std::string_view> known) {
  if (!node_.IsMap()) return;
  for (const auto& kv : node_) {
    std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      Error(kv.first, StrCat("unknown field '", k, "'"));
    }
  }
}

}  // namespace kizashi::yaml
