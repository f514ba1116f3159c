#include "engine/runtime/reloader.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/config/schema.h"
#include "engine/runtime/snapshot_probe.h"

namespace kizashi::runtime {

namespace {

// The keys a reload applies, and how. Snapshot inputs only need copying: the new snapshot is
// built from the configuration in effect.
struct LiveKey {
  std::string_view key;
  void (*apply)(const EngineConfig& from, EngineConfig* to);
};
constexpr LiveKey kLiveKeys[] = {
    {"patterns.packs",
     [](const EngineConfig& f, EngineConfig* t) { t->patterns.packs = f.patterns.packs; }},
    {"patterns.trusted_keys",
     [](const EngineConfig& f, EngineConfig* t) { t->patterns.trusted_keys = f.patterns.trusted_keys; }},
    {"rules", [](const EngineConfig& f, EngineConfig* t) { t->rule_paths = f.rule_paths; }},
    {"registry.paths",
     [](const EngineConfig& f, EngineConfig* t) { t->registry.paths = f.registry.paths; }},
    {"log.level", [](const EngineConfig& f, EngineConfig* t) { t->log_level = f.log_level; }},
};

const LiveKey* FindLive(std::string_view key) {
  for (const auto& k : kLiveKeys) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

std::map<std::string, config::KeyValue> ValuesOf(const EngineConfig& c) {
  EngineConfig copy = c;
  config::Schema s;
  EngineConfig::Declare(s, &copy);
  std::map<std::string, config::KeyValue> out;
  for (auto& kv : s.Values()) {
    std::string path = kv.path;
    out.emplace(std::move(path), std::move(kv));
  }
  return out;
}

void LogDiagnostics(const Diagnostics& d) {
  constexpr size_t kMaxLines = 100;  // the count is logged; the rest is in `kizashi check`
  size_t n = 0;
  for (const auto& item : d.items()) {
    if (n++ == kMaxLines) break;
    KZ_LOG(kError, item.severity == Severity::kError ? "reload.error" : "reload.warning")
        .Kv("file", item.file)
        .Kv("line", item.line)
        .Kv("id", item.object_id)
        .Kv("reason", item.reason);
  }
}

}  // namespace

bool Reloader::AppliesLive(std::string_view key) { return FindLive(key) != nullptr; }

Reloader::Reloader(std::string config_path, std::vector<std::string> overrides,
                   EngineConfig initial, SnapshotHolder* holder, SnapshotProbe* probe,
                   Builder builder, const Clock* clock)
    : path_(std::move(config_path)),
      overrides_(std::move(overrides)),
      holder_(holder),
      probe_(probe),
      builder_(builder ? std::move(builder) : Builder(&BuildSnapshot)),
      clock_(clock != nullptr ? clock : SystemClock::Get()),
      config_(std::move(initial)) {}

EngineConfig Reloader::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

absl::Status Reloader::LoadInitial(Diagnostics* diags) {
  std::lock_guard<std::mutex> lock(mu_);
  auto snap = builder_(config_, 1, diags);
  if (!snap.ok()) return snap.status();
  holder_->Publish(*snap);
  if (probe_ != nullptr) probe_->Published(**snap);
  KZ_LOG(kInfo, "snapshot.loaded")
      .Kv("generation", uint64_t{1})
      .Kv("packs", (*snap)->patterns->version())
      .Kv("registry_version", (*snap)->registry_version)
      .Kv("rules_version", (*snap)->rules_version);
  return absl::OkStatus();
}

ReloadResult Reloader::Reload(std::string_view trigger) {
  std::lock_guard<std::mutex> lock(mu_);
  ReloadResult r;
  int64_t t0 = MonotonicNowNs();
  auto current = holder_->Get();
  r.generation = current != nullptr ? current->generation : 0;
  KZ_LOG(kInfo, "reload.started").Kv("trigger", trigger).Kv("generation", r.generation);

  // 1. The configuration file, exactly as at start-up (file, then environment, then --set).
  EngineConfig fresh = EngineConfig::Load(path_, overrides_, &r.diagnostics);
  if (!r.diagnostics.has_errors()) fresh.Validate(&r.diagnostics);

  // 2. What changed: live keys are taken, the others wait for a restart.
  EngineConfig next = config_;
  if (!r.diagnostics.has_errors()) {
    auto before = ValuesOf(config_);
    auto after = ValuesOf(fresh);
    std::vector<std::string> changed;
    for (const auto& [path, kv] : after) {
      auto it = before.find(path);
      if (it == before.end() || it->second.value != kv.value) changed.push_back(path);
    }
    for (const auto& [path, kv] : before) {
      if (!after.count(path)) changed.push_back(path);
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    for (const auto& path : changed) {
      if (const LiveKey* live = FindLive(path)) {
        live->apply(fresh, &next);
        r.applied.push_back(path);
      } else {
        r.restart_required.push_back(path);
      }
    }
  }

  // 3. Load, validate, compile; publish only a complete snapshot.
  std::shared_ptr<const Snapshot> snap;
  if (!r.diagnostics.has_errors()) {
    auto built = builder_(next, r.generation + 1, &r.diagnostics);
    if (built.ok() && !r.diagnostics.has_errors()) snap = *built;
  }
  r.seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  r.ok = snap != nullptr;
  if (probe_ != nullptr) probe_->ReloadFinished(r.ok, r.seconds, clock_->NowNs());
  if (!r.ok) {
    LogDiagnostics(r.diagnostics);
    KZ_LOG(kError, "reload.failed")
        .Kv("trigger", trigger)
        .Kv("errors", static_cast<uint64_t>(r.diagnostics.error_count()))
        .Kv("generation", r.generation)
        .Kv("seconds", r.seconds);
    r.applied.clear();
    r.restart_required.clear();
    return r;
  }
  holder_->Publish(snap);
  r.generation = snap->generation;
  if (probe_ != nullptr) probe_->Published(*snap);
  if (next.log_level != config_.log_level) {
    log::Level level;
    if (log::ParseLevel(next.log_level, &level)) log::SetLevel(level);
  }
  config_ = std::move(next);
  for (const auto& key : r.restart_required) {
    KZ_LOG(kWarn, "reload.restart_required")
        .Kv("key", key)
        .Kv("note", "changed in the configuration file; takes effect after a restart");
  }
  // Restart-only keys keep their running values, so every reload compares the file with what
  // runs: reverting the file clears the flag.
  restart_required_ = !r.restart_required.empty();
  if (probe_ != nullptr) probe_->RestartRequired(restart_required_);
  for (const auto& item : r.diagnostics.items()) {
    KZ_LOG(kWarn, "reload.warning").Kv("file", item.file).Kv("line", item.line)
        .Kv("id", item.object_id).Kv("reason", item.reason);
  }
  KZ_LOG(kInfo, "reload.done")
      .Kv("trigger", trigger)
      .Kv("generation", r.generation)
      .Kv("packs", snap->patterns->version())
      .Kv("registry_version", snap->registry_version)
      .Kv("rules_version", snap->rules_version)
      .Kv("applied", Join(r.applied, ","))
      .Kv("seconds", r.seconds);
  return r;
}

std::vector<std::string> Reloader::WatchedPaths() const {
  EngineConfig c = config();
  std::vector<std::string> out;
  if (!path_.empty()) out.push_back(path_);
  Diagnostics ignored;  // a missing path is reported by the reload it triggers
  std::vector<std::string> sigs;  // detached pack signatures change with the packs
  for (const auto& f : ExpandYamlPaths(c.patterns.packs, &ignored)) sigs.push_back(f + ".sig");
  for (const auto& s : sigs) out.push_back(s);
  for (const auto* list : {&c.registry.paths, &c.patterns.packs, &c.patterns.trusted_keys, &c.rule_paths}) {
    for (const auto& p : *list) out.push_back(p);
    for (auto& f : ExpandYamlPaths(*list, &ignored)) out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::string> Reloader::RegistryPaths() const {
  EngineConfig c = config();
  std::vector<std::string> out = c.registry.paths;
  Diagnostics ignored;
  for (auto& f : ExpandYamlPaths(c.registry.paths, &ignored)) out.push_back(std::move(f));
  return out;
}

// ---------------------------------------------------------------------------------------

FileWatcher::FileWatcher(std::function<std::vector<std::string>()> paths,
                         std::function<void()> on_change)
    : paths_(std::move(paths)), on_change_(std::move(on_change)) {
  last_ = Fingerprint();
}

FileWatcher::~FileWatcher() { Stop(); }

std::string FileWatcher::Fingerprint() const {
  std::string out;
  for (const auto& p : paths_()) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) {
      StrAppend(&out, p, " missing\n");
      continue;
    }
    StrAppend(&out, p, " ", static_cast<uint64_t>(st.st_ino), " ",
              static_cast<int64_t>(st.st_size), " ", static_cast<int64_t>(st.st_mtim.tv_sec),
              ".", static_cast<int64_t>(st.st_mtim.tv_nsec), "\n");
  }
  return out;
}

bool FileWatcher::PollOnce() {
  std::string now = Fingerprint();
  if (now == last_) {
    pending_.reset();
    return false;
  }
  if (!pending_ || *pending_ != now) {
    pending_ = std::move(now);  // changed: wait one interval for it to settle
    return false;
  }
  last_ = std::move(now);
  pending_.reset();
  on_change_();
  // The reload may have changed what is watched (new paths): start from what is there now.
  last_ = Fingerprint();
  return true;
}

void FileWatcher::Start(int64_t interval_ns) {
  Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this, interval_ns]() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::nanoseconds(interval_ns), [this] { return stop_; })) {
      lock.unlock();
      PollOnce();
      lock.lock();
    }
  });
}

void FileWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace kizashi::runtime
