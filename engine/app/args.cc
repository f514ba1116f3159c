#include "engine/app/args.h"

#include "engine/common/strings.h"

namespace kizashi::app {

Args& Args::Option(const std::string& name, const std::string& value_name,
                   const std::string& help, const std::string& default_value) {
  opts_[name] = Opt{value_name, help, default_value, false};
  opt_order_.push_back(name);
  return *this;
}

Args& Args::Flag(const std::string& name, const std::string& help) {
  opts_[name] = Opt{"", help, "", true};
  opt_order_.push_back(name);
  return *this;
}

Args& Args::Positional(const std::string& name, const std::string& help, bool required) {
  positionals_.emplace_back(name, help);
  if (required) ++required_positionals_;
  return *this;
}

bool Args::Parse(int argc, char** argv, int first, std::string* error) {
  size_t pos = 0;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      return true;
    }
    if (StartsWith(a, "--") && a.size() > 2) {
      std::string name = a.substr(2), value;
      bool has_value = false;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      auto it = opts_.find(name);
      if (it == opts_.end()) {
        *error = StrCat("unknown option --", name);
        return false;
      }
      if (it->second.flag) {
        if (has_value) {
          *error = StrCat("--", name, " takes no value");
          return false;
        }
        values_[name].push_back("true");
        continue;
      }
      if (!has_value) {
        if (i + 1 >= argc) {
          *error = StrCat("--", name, " needs a value (", it->second.value_name, ")");
          return false;
        }
        value = argv[++i];
      }
      values_[name].push_back(value);
      continue;
    }
    if (pos >= positionals_.size()) {
      *error = StrCat("unexpected argument '", a, "'");
      return false;
    }
    values_[positionals_[pos++].first].push_back(a);
  }
  if (pos < required_positionals_) {
    *error = StrCat("missing argument ", positionals_[pos].first);
    return false;
  }
  return true;
}

std::string Args::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end() && !it->second.empty()) return it->second.back();
  auto o = opts_.find(name);
  return o == opts_.end() ? "" : o->second.default_value;
}

const std::vector<std::string>& Args::GetAll(const std::string& name) const {
  static const std::vector<std::string> kEmpty;
  auto it = values_.find(name);
  return it == values_.end() ? kEmpty : it->second;
}

bool Args::Has(const std::string& name) const { return values_.count(name) > 0; }

std::string Args::Usage() const {
  std::string u = StrCat("usage: kizashi ", command_);
  if (!opts_.empty()) u += " [options]";
  for (size_t i = 0; i < positionals_.size(); ++i) {
    StrAppend(&u, i < required_positionals_ ? " " : " [", positionals_[i].first,
              i < required_positionals_ ? "" : "]");
  }
  StrAppend(&u, "\n\n", summary_, "\n");
  if (!positionals_.empty()) {
    u += "\narguments:\n";
    for (const auto& [n, h] : positionals_) StrAppend(&u, "  ", n, "\n      ", h, "\n");
  }
  u += "\noptions:\n";
  for (const auto& n : opt_order_) {
    const Opt& o = opts_.at(n);
    StrAppend(&u, "  --", n, o.flag ? "" : StrCat(" ", o.value_name), "\n      ", o.help);
    if (!o.default_value.empty()) StrAppend(&u, " (default: ", o.default_value, ")");
    u += "\n";
  }
  u += "  --help\n      Show this help.\n";
  return u;
}

}  // namespace kizashi::app
