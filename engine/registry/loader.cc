#include "engine/registry/loader.h"

#include <sys/stat.h>

#include <chrono>

#include "engine/common/log.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::registry {

void RegistryConfig::Declare(config::Schema& s, RegistryConfig* c) {
  s.StringList("paths", &c->paths,
               "Registry files or directories (*.yaml / *.yml in a directory, sorted, not "
               "recursive): the sector file plus the operators' files. Default: "
               "/etc/kizashi/registry.",
               config::Reload::kLive);
  s.Duration("watch_interval", &c->watch_interval_ns,
             "How often the registry files are checked for changes (size, mtime, inode); a "
             "change reloads them, and a bad registry is rejected while the old one keeps "
             "serving. 0 disables the watcher (reload on SIGHUP only). Default: 5s.",
             0, int64_t{3600} * kNanosPerSecond);
  s.Bool("warnings_as_errors", &c->warnings_as_errors,
         "Reject a registry that has warnings as well as errors. Default: false.");
}

RegistryLoader::RegistryLoader(RegistryConfig config, PublishFn publish)
    : config_(std::move(config)), publish_(std::move(publish)) {}

RegistryLoader::~RegistryLoader() { StopWatching(); }

std::string RegistryLoader::Fingerprint() const {
  Diagnostics ignored;  // missing files show up in the fingerprint as "-"
  std::string fp;
  for (const auto& p : config_.paths) {
    StrAppend(&fp, p, "\n");
  }
  for (const auto& f : ExpandRegistryPaths(config_.paths, &ignored)) {
    struct stat st;
    if (::stat(f.c_str(), &st) != 0) {
      StrAppend(&fp, f, " -\n");
      continue;
    }
    StrAppend(&fp, f, " ", static_cast<uint64_t>(st.st_dev), ":", static_cast<uint64_t>(st.st_ino),
              " ", static_cast<int64_t>(st.st_size), " ", static_cast<int64_t>(st.st_mtim.tv_sec),
              ".", static_cast<int64_t>(st.st_mtim.tv_nsec), " ",
              static_cast<int64_t>(st.st_ctim.tv_sec), ".",
              static_cast<int64_t>(st.st_ctim.tv_nsec), "\n");
  }
  for (const auto& d : ignored.items()) StrAppend(&fp, "! ", d.file, " ", d.reason, "\n");
  return fp;
}

absl::StatusOr<ReloadOutcome> RegistryLoader::Reload(Diagnostics* diags) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  return ReloadLocked(diags);
}

absl::StatusOr<ReloadOutcome> RegistryLoader::ReloadLocked(Diagnostics* out) {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    ++stats_.attempts;
  }
  // Fingerprint first: a file changed while we read it shows up as a change on the next poll.
  last_fingerprint_ = Fingerprint();
  Diagnostics diags;
  auto loaded = Registry::Load(config_.paths, &diags);
  if (out != nullptr) out->Append(diags);
  absl::Status status = loaded.status();
  if (status.ok() && config_.warnings_as_errors && diags.size() > 0) {
    status = absl::InvalidArgumentError(
        StrCat("registry: ", diags.size(), " warning(s) and warnings_as_errors is set\n",
               diags.ToText()));
  }
  if (!status.ok()) {
    std::string serving;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      ++stats_.rejected;
      stats_.last_error = diags.ToText();
      serving = stats_.version;
    }
    KZ_LOG(kError, "registry.rejected")
        .Kv("errors", static_cast<uint64_t>(diags.error_count()))
        .Kv("diagnostics", static_cast<uint64_t>(diags.size()))
        .Kv("first", diags.size() > 0 ? diags.items()[0].reason : std::string())
        .Kv("serving", serving);
    return status;
  }
  for (const auto& d : diags.items()) {
    KZ_LOG(kWarn, "registry.warning")
        .Kv("file", d.file)
        .Kv("line", d.line)
        .Kv("id", d.object_id)
        .Kv("reason", d.reason);
  }
  std::shared_ptr<const Registry> reg = std::move(loaded).value();
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (current_ != nullptr && current_->version() == reg->version()) {
      ++stats_.unchanged;
      return ReloadOutcome::kUnchanged;
    }
    current_ = reg;
    stats_.version = reg->version();
    ++stats_.published;
  }
  KZ_LOG(kInfo, "registry.published")
      .Kv("version", reg->version())
      .Kv("operators", static_cast<uint64_t>(reg->operators().size()))
      .Kv("systems", static_cast<uint64_t>(reg->systems().size()))
      .Kv("assets", static_cast<uint64_t>(reg->assets().size()))
      .Kv("sectors", static_cast<uint64_t>(reg->sectors().size()));
  if (publish_) publish_(std::move(reg));
  return ReloadOutcome::kPublished;
}

bool RegistryLoader::PollOnce(Diagnostics* diags) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  if (Fingerprint() == last_fingerprint_) return false;
  KZ_IGNORE_STATUS(ReloadLocked(diags).status());  // logged and counted in stats
  return true;
}

void RegistryLoader::StartWatching() {
  if (config_.watch_interval_ns <= 0) return;
  std::lock_guard<std::mutex> lock(watch_mu_);
  if (watcher_.joinable()) return;
  stop_ = false;
  watcher_ = std::thread([this] { WatchLoop(); });
}

void RegistryLoader::StopWatching() {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    stop_ = true;
  }
  watch_cv_.notify_all();
  if (watcher_.joinable() && watcher_.get_id() != std::this_thread::get_id()) watcher_.join();
}

void RegistryLoader::WatchLoop() {
  const auto interval = std::chrono::nanoseconds(config_.watch_interval_ns);
  std::unique_lock<std::mutex> lock(watch_mu_);
  while (!stop_) {
    if (watch_cv_.wait_for(lock, interval, [this] { return stop_; })) break;
    lock.unlock();
    PollOnce();
    lock.lock();
  }
}

std::shared_ptr<const Registry> RegistryLoader::current() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return current_;
}

RegistryLoader::Stats RegistryLoader::stats() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return stats_;
}

}  // namespace kizashi::registry
