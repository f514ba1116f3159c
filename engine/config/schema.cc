#include "engine/config/schema.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "engine/common/strings.h"
#include "engine/common/time.h"

extern char** environ;

namespace kizashi::config {

namespace {

struct Spec {
  KeyInfo info;
  // Sets the field from a YAML node; returns an error message or "".
  std::function<std::string(const YAML::Node&)> set_node;
  // Sets the field from a string (overrides); null for non-scalar keys.
  std::function<std::string(std::string_view)> set_text;
  // Lists of objects.
  std::function<void*()> append;
  std::function<void(Schema&, void*)> declare;
  std::function<void()> clear;
  std::function<void(Schema&)> describe;
  std::function<void(const std::function<void(Schema&)>&)> each;
  // The field's current value as text (scalars and string lists/maps).
  std::function<std::string()> get_text;
};

std::string DurationText(int64_t ns) {
  struct U {
    int64_t ns;
    const char* s;
  } units[] = {{86400 * kNanosPerSecond, "d"}, {3600 * kNanosPerSecond, "h"},
               {60 * kNanosPerSecond, "m"},    {kNanosPerSecond, "s"},
               {kNanosPerMilli, "ms"},         {1000, "us"}};
  if (ns == 0) return "0s";
  for (const auto& u : units) {
    if (ns % u.ns == 0) return StrCat(ns / u.ns, u.s);
  }
  return StrCat(ns, "ns");
}

std::string ScalarOf(const YAML::Node& n, bool* ok) {
  *ok = n.IsScalar();
  return *ok ? n.Scalar() : std::string();
}

int LineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

}  // namespace

struct Schema::Impl {
  std::string prefix;
  std::vector<Spec> specs;

  std::string Full(std::string_view key) const {
    return prefix.empty() ? std::string(key) : StrCat(prefix, ".", key);
  }
  const Spec* Find(std::string_view path) const {
    for (const auto& s : specs) {
      if (s.info.path == path) return &s;
    }
    return nullptr;
  }
  bool HasPrefix(std::string_view path) const {
    std::string p = StrCat(path, ".");
    for (const auto& s : specs) {
      if (s.info.path.compare(0, p.size(), p) == 0) return true;
    }
    return false;
  }
  void ApplyNode(const YAML::Node& node, const std::string& path, std::string_view file,
                 std::string_view shown_prefix, Diagnostics* diags);
};

Schema::Schema() : impl_(std::make_unique<Impl>()) {}
Schema::~Schema() = default;

void Schema::Section(std::string_view prefix, const std::function<void(Schema&)>& declare) {
  std::string saved = impl_->prefix;
  impl_->prefix = impl_->Full(prefix);
  declare(*this);
  impl_->prefix = saved;
}

void Schema::Int(std::string_view key, int64_t* field, std::string_view description, int64_t min,
                 int64_t max, Reload reload) {
  Spec s;
  s.info = {impl_->Full(key), "int", std::string(description), std::to_string(*field),
            StrCat(min, "..", max), reload};
  s.set_text = [field, min, max](std::string_view v) -> std::string {
    int64_t x;
    std::string t(StripWhitespace(v));
    // Accept size suffixes for byte-ish values: 64KiB, 16MiB.
    int64_t mult = 1;
    for (auto [suf, m] : {std::pair{"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30}}) {
      std::string_view sv(t);
      if (sv.size() > 3 && sv.substr(sv.size() - 3) == suf) {
        t.resize(t.size() - 3);
        mult = m;
      }
    }
    if (!ParseInt(std::string_view(t), &x)) return StrCat("expected an integer, got '", v, "'");
    if (x > INT64_MAX / mult || x < INT64_MIN / mult) return "integer out of range";
    x *= mult;
    if (x < min || x > max) return StrCat("value ", x, " outside ", min, "..", max);
    *field = x;
    return "";
  };
  s.set_node = [t = s.set_text](const YAML::Node& n) -> std::string {
    bool ok;
    std::string v = ScalarOf(n, &ok);
    return ok ? t(v) : "expected a scalar integer";
  };
  s.get_text = [field]() { return std::to_string(*field); };
  impl_->specs.push_back(std::move(s));
}

void Schema::Bool(std::string_view key, bool* field, std::string_view description, Reload reload) {
  Spec s;
  s.info = {impl_->Full(key), "bool", std::string(description), *field ? "true" : "false", "",
            reload};
  s.set_text = [field](std::string_view v) -> std::string {
    std::string l = AsciiLower(StripWhitespace(v));
    if (l == "true" || l == "yes" || l == "on" || l == "1") *field = true;
    else if (l == "false" || l == "no" || l == "off" || l == "0") *field = false;
    else return StrCat("expected true or false, got '", v, "'");
    return "";
  };
  s.set_node = [t = s.set_text](const YAML::Node& n) -> std::string {
    bool ok;
    std::string v = ScalarOf(n, &ok);
    return ok ? t(v) : "expected true or false";
  };
  s.get_text = [field]() -> std::string { return *field ? "true" : "false"; };
  impl_->specs.push_back(std::move(s));
}

void Schema::String(std::string_view key, std::string* field, std::string_view description,
                    std::vector<std::string> allowed, Reload reload) {
  Spec s;
  s.info = {impl_->Full(key), "string", std::string(description), *field,
            allowed.empty() ? "" : StrCat("one of: ", Join(allowed, ", ")),
            reload};
  s.set_text = [field, allowed](std::string_view v) -> std::string {
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      return StrCat("'", v, "' is not one of: ", Join(allowed, ", "));
    }
    *field = std::string(v);
    return "";
  };
  s.set_node = [t = s.set_text](const YAML::Node& n) -> std::string {
    bool ok;
    std::string v = ScalarOf(n, &ok);
    return ok ? t(v) : "expected a string";
  };
  s.get_text = [field]() { return *field; };
  impl_->specs.push_back(std::move(s));
}

void Schema::Duration(std::string_view key, int64_t* field_ns, std::string_view description,
                      int64_t min_ns, int64_t max_ns, Reload reload) {
  Spec s;
  s.info = {impl_->Full(key), "duration", std::string(description), DurationText(*field_ns),
            StrCat(DurationText(min_ns), "..", DurationText(max_ns)), reload};
  s.set_text = [field_ns, min_ns, max_ns](std::string_view v) -> std::string {
    int64_t ns;
    if (!ParseDuration(StripWhitespace(v), &ns)) {
      return StrCat("expected a duration like 500ms, 30s, 5m, 2h, 1d; got '", v, "'");
    }
    if (ns < min_ns || ns > max_ns) {
      return StrCat("duration ", v, " outside ", DurationText(min_ns), "..",
                          DurationText(max_ns));
    }
    *field_ns = ns;
    return "";
  };
  s.set_node = [t = s.set_text](const YAML::Node& n) -> std::string {
    bool ok;
    std::string v = ScalarOf(n, &ok);
    return ok ? t(v) : "expected a duration";
  };
  s.get_text = [field_ns]() { return DurationText(*field_ns); };
  impl_->specs.push_back(std::move(s));
}

void Schema::StringList(std::string_view key, std::vector<std::string>* field,
                        std::string_view description, Reload reload) {
  Spec s;
  s.info = {impl_->Full(key), "list<string>", std::string(description),
            StrCat("[", Join(*field, ", "), "]"), "", reload};
  s.set_node = [field](const YAML::Node& n) -> std::string {
    if (n.IsScalar()) {
      *field = {n.Scalar()};
      return "";
    }
    if (!n.IsSequence()) return "expected a list of strings";
    std::vector<std::string> out;
    for (const auto& e : n) {
      if (!e.IsScalar()) return "expected a list of strings";
      out.push_back(e.Scalar());
    }
    *field = std::move(out);
    return "";
  };
  s.set_text = [field](std::string_view v) -> std::string {
    field->clear();
    for (std::string_view part : Split(v, ',', true)) {
      field->emplace_back(StripWhitespace(part));
    }
    return "";
  };
  s.get_text = [field]() { return StrCat("[", Join(*field, ", "), "]"); };
  impl_->specs.push_back(std::move(s));
}

void Schema::StringMap(std::string_view key,
                       std::vector<std::pair<std::string, std::string>>* field,
                       std::string_view description, Reload reload) {
  Spec s;
  s.info = {impl_->Full(key), "map<string,string>", std::string(description), "{}", "", reload};
  s.set_node = [field](const YAML::Node& n) -> std::string {
    if (!n.IsMap()) return "expected a map of string to string";
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar() || !kv.second.IsScalar()) return "expected string values";
      out.emplace_back(kv.first.Scalar(), kv.second.Scalar());
    }
    std::sort(out.begin(), out.end());
    *field = std::move(out);
    return "";
  };
  s.get_text = [field]() {
    std::string out = "{";
    for (const auto& [k, v] : *field) StrAppend(&out, out.size() > 1 ? ", " : "", k, ": ", v);
    return out + "}";
  };
  impl_->specs.push_back(std::move(s));
}

void Schema::AddList(std::string_view key, std::string_view description,
                     std::function<void*()> append, std::function<void(Schema&, void*)> declare,
                     std::function<void()> clear, std::function<void(Schema&)> describe,
                     std::function<void(const std::function<void(Schema&)>&)> each) {
  Spec s;
  s.info = {impl_->Full(key), "list<object>", std::string(description), "[]", "",
            Reload::kRestart};
  s.append = std::move(append);
  s.declare = std::move(declare);
  s.clear = std::move(clear);
  s.describe = std::move(describe);
  s.each = std::move(each);
  impl_->specs.push_back(std::move(s));
}

void Schema::Impl::ApplyNode(const YAML::Node& node, const std::string& path,
                             std::string_view file, std::string_view shown_prefix,
                             Diagnostics* diags) {
  auto shown = [&](const std::string& p) {
    return shown_prefix.empty() ? p : StrCat(shown_prefix, ".", p);
  };
  if (const Spec* spec = Find(path)) {
    if (spec->append) {
      if (!node.IsSequence()) {
        diags->Error(file, LineOf(node), shown(path), "expected a list");
        return;
      }
      spec->clear();
      int i = 0;
      for (const auto& elem : node) {
        void* obj = spec->append();
        Schema sub;
        spec->declare(sub, obj);
        std::string elem_prefix = StrCat(shown(path), "[", i++, "]");
        if (!elem.IsMap()) {
          diags->Error(file, LineOf(elem), elem_prefix, "expected a map");
          continue;
        }
        for (const auto& kv : elem) {
          sub.impl_->ApplyNode(kv.second, kv.first.Scalar(), file, elem_prefix, diags);
        }
      }
      return;
    }
    std::string err = spec->set_node(node);
    if (!err.empty()) diags->Error(file, LineOf(node), shown(path), err);
    return;
  }
  if (node.IsMap() && (path.empty() || HasPrefix(path))) {
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        diags->Error(file, LineOf(kv.first), shown(path), "keys must be strings");
        continue;
      }
      ApplyNode(kv.second, path.empty() ? kv.first.Scalar() : StrCat(path, ".", kv.first.Scalar()),
                file, shown_prefix, diags);
    }
    return;
  }
  if (node.IsNull() && HasPrefix(path)) return;  // an empty section
  diags->Error(file, LineOf(node), shown(path), "unknown configuration key");
}

void Schema::ApplyText(std::string_view yaml, std::string_view file_name, Diagnostics* diags) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    diags->Error(file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg);
    return;
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    diags->Error(file_name, LineOf(root), "", "the configuration must be a YAML map");
    return;
  }
  try {
    impl_->ApplyNode(root, "", file_name, "", diags);
  } catch (const YAML::Exception& e) {
    diags->Error(file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg);
  }
}

void Schema::ApplyFile(const std::string& path, Diagnostics* diags) {
  YAML::Node root;
  std::string text;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    diags->Error(path, 0, "", "cannot open configuration file");
    return;
  }
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  ApplyText(text, path, diags);
}

void Schema::ApplyOverride(std::string_view assignment, Diagnostics* diags) {
  size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    diags->Error("--set", 0, std::string(assignment), "expected key=value");
    return;
  }
  std::string key(StripWhitespace(assignment.substr(0, eq)));
  std::string_view value = assignment.substr(eq + 1);
  const Spec* spec = impl_->Find(key);
  if (spec == nullptr) {
    diags->Error("--set", 0, key, "unknown configuration key");
    return;
  }
  if (!spec->set_text) {
    diags->Error("--set", 0, key, "only scalar keys can be overridden; edit the file instead");
    return;
  }
  std::string err = spec->set_text(value);
  if (!err.empty()) diags->Error("--set", 0, key, err);
}

void Schema::ApplyEnvironment(Diagnostics* diags) {
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    constexpr std::string_view kPrefix = "KIZASHI_";
    if (kv.substr(0, kPrefix.size()) != kPrefix) continue;
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name = AsciiLower(kv.substr(kPrefix.size(), eq - kPrefix.size()));
    // KIZASHI_DECODE__MAX_EVENT_BYTES -> decode.max_event_bytes
    std::string path;
    for (size_t i = 0; i < name.size(); ++i) {
      if (name[i] == '_' && i + 1 < name.size() && name[i + 1] == '_') {
        path.push_back('.');
        ++i;
      } else {
        path.push_back(name[i]);
      }
    }
    const Spec* spec = impl_->Find(path);
    if (spec == nullptr || !spec->set_text) continue;  // other KIZASHI_* variables are not ours
    std::string err = spec->set_text(kv.substr(eq + 1));
    if (!err.empty()) diags->Error(std::string(kv.substr(0, eq)), 0, path, err);
  }
}

std::vector<KeyInfo> Schema::Reference() const {
  std::vector<KeyInfo> out;
  for (const auto& s : impl_->specs) {
    out.push_back(s.info);
    if (s.describe) {
      Schema sub;
      s.describe(sub);
      for (auto k : sub.Reference()) {
        k.path = StrCat(s.info.path, "[].", k.path);
        out.push_back(std::move(k));
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const KeyInfo& a, const KeyInfo& b) { return a.path < b.path; });
  return out;
}

std::vector<KeyValue> Schema::Values() const {
  std::vector<KeyValue> out;
  for (const auto& s : impl_->specs) {
    if (s.each) {
      size_t i = 0;
      s.each([&](Schema& elem) {
        for (auto kv : elem.Values()) {
          kv.path = StrCat(s.info.path, "[", i, "].", kv.path);
          out.push_back(std::move(kv));
        }
        ++i;
      });
      out.push_back({s.info.path, std::to_string(i), s.info.reload});
    } else if (s.get_text) {
      out.push_back({s.info.path, s.get_text(), s.info.reload});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const KeyValue& a, const KeyValue& b) { return a.path < b.path; });
  return out;
}

std::string Schema::ReferenceMarkdown() const {
  std::string out =
      "| key | type | default | bounds | reload | description |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& k : Reference()) {
    std::string desc = k.description;
    std::replace(desc.begin(), desc.end(), '|', '/');
    StrAppend(&out, "| `", k.path, "` | ", k.type, " | `", k.default_value, "` | ",
                    k.bounds, " | ", k.reload == Reload::kLive ? "live" : "restart", " | ", desc,
                    " |\n");
  }
  return out;
}

}  // namespace kizashi::config
