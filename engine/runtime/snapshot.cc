#include "engine/runtime/snapshot.h"

#include <algorithm>
#include <filesystem>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "engine/common/strings.h"
#include "engine/registry/loader.h"

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
  // Each loader gets its own Diagnostics: a loader that declines to validate once its
  // diagnostics hold errors must not hide its own findings because of another file's errors
  // (`kizashi check` prints every error of every file).
  size_t errors = 0;
  auto collect = [&](const Diagnostics& d) {
    errors += d.error_count();
    diags->Append(d);
  };
  {
    // The snapshot holds its own registry load; RegistryLoader (hot reload) publishes
    // through the same validation.
    Diagnostics d;
    registry::RegistryLoader loader(config.registry, nullptr);
    auto outcome = loader.Reload(&d);
    if (outcome.ok()) snap->registry = loader.current();
    collect(d);
    if (snap->registry != nullptr) snap->registry_version = snap->registry->version();
  }
  {
    // Verify signatures -> parse -> validate -> compile (or load the compiled-set cache).
    patterns::LoadResult r = patterns::LoadPacks(config.patterns);
    snap->patterns = r.set;
    collect(r.diags);
  }
  {
    Diagnostics d;
    std::vector<correlate::Rule> rules;
    std::vector<std::string> rule_files = ExpandYamlPaths(config.rule_paths, &d);
    snap->rules_version = FilesVersion(rule_files);
    for (const auto& f : rule_files) {
      Diagnostics rd;
      auto r = correlate::ParseRulesFile(f, &rd);
      for (auto& x : r) rules.push_back(std::move(x));
      d.Append(rd);
    }
    collect(d);
    // Rules name pattern entries: they are checked against the compiled set when there is
    // one (otherwise their references cannot be judged, and the pack errors say why).
    if (snap->patterns != nullptr) {
      Diagnostics cd;
      snap->rules = correlate::Rulebook::Compile(std::move(rules), *snap->patterns, &cd);
      collect(cd);
    }
  }
  if (errors > 0 || !snap->registry || !snap->patterns || !snap->rules) {
    return diags->ToStatus("configuration");
  }
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace kizashi::runtime
