#include "engine/runtime/snapshot.h"

#include <algorithm>
#include <filesystem>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "engine/common/strings.h"

namespace kizashi::runtime {

std::vector<std::string> ExpandYamlPaths(const std::vector<std::string>& paths, Diagnostics* d) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        std::string ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path().string());
      }
      std::sort(files.begin(), files.end());
      out.insert(out.end(), files.begin(), files.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);
    } else {
      d->Error(p, 0, "", "no such file or directory");
    }
  }
  return out;
}

std::string FilesVersion(const std::vector<std::string>& files) {
  std::string all;
  for (const auto& f : files) {
    auto bytes = ReadFile(f);
    if (!bytes.ok()) return "";
    StrAppend(&all, f.size(), ":", f, bytes->size(), ":", *bytes);
  }
  return Sha256Hex(all).substr(0, 12);
}

absl::StatusOr<std::shared_ptr<const Snapshot>> BuildSnapshot(const EngineConfig& config,
                                                              uint64_t generation,
                                                              Diagnostics* diags) {
  auto snap = std::make_shared<Snapshot>();
  snap->generation = generation;
  size_t before = diags->error_count();
  auto reg = registry::Registry::Load(config.registry_paths, diags);
  if (reg.ok()) snap->registry = *reg;

  std::vector<patterns::Pack> packs;
  for (const auto& f : ExpandYamlPaths(config.pack_paths, diags)) {
    packs.push_back(patterns::ParsePackFile(f, diags));
  }
  if (diags->error_count() == before || packs.size() > 0) {
    snap->patterns = patterns::PatternSet::Compile(packs, diags);
  }
  std::vector<correlate::Rule> rules;
  std::vector<std::string> rule_files = ExpandYamlPaths(config.rule_paths, diags);
  snap->rules_version = FilesVersion(rule_files);
  {
    Diagnostics ignored;  // Registry::Load reports missing paths itself
    snap->registry_version = FilesVersion(ExpandYamlPaths(config.registry_paths, &ignored));
  }
  for (const auto& f : rule_files) {
    auto r = correlate::ParseRulesFile(f, diags);
    for (auto& x : r) rules.push_back(std::move(x));
  }
  if (snap->patterns != nullptr) {
    snap->rules = correlate::Rulebook::Compile(std::move(rules), *snap->patterns, diags);
  }
  if (diags->error_count() > before || !snap->registry || !snap->patterns || !snap->rules) {
    return diags->ToStatus("configuration");
  }
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace kizashi::runtime
