// A small command-line parser for kizashi's subcommands: GNU-style long options
// (--name value, --name=value, boolean --flag), repeated options, positionals, and generated
// --help text. Errors are returned, never thrown.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace kizashi::app {

class Args {
 public:
  Args(std::string command, std::string summary) : command_(std::move(command)), summary_(std::move(summary)) {}

  // Declares an option taking a value (may repeat: all values kept in order).
  Args& Option(const std::string& name, const std::string& value_name, const std::string& help,
               const std::string& default_value = "");
  Args& Flag(const std::string& name, const std::string& help);
  Args& Positional(const std::string& name, const std::string& help, bool required = true);

  // Parses argv[first..argc). Returns false with `error` set on bad usage; `help()` is true
  // when --help was given.
  bool Parse(int argc, char** argv, int first, std::string* error);

  bool help() const { return help_; }
  std::string Get(const std::string& name) const;
  const std::vector<std::string>& GetAll(const std::string& name) const;
  bool Has(const std::string& name) const;
  std::string Usage() const;

 private:
  struct Opt {
    std::string value_name, help, default_value;
    bool flag = false;
  };
  std::string command_, summary_;
  std::map<std::string, Opt> opts_;
  std::vector<std::string> opt_order_;
  std::vector<std::pair<std::string, std::string>> positionals_;
  size_t required_positionals_ = 0;
  std::map<std::string, std::vector<std::string>> values_;
  bool help_ = false;
};

}  // namespace kizashi::app
