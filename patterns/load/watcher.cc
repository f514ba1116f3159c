#include "patterns/load/watcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "patterns/load/probe.h"

namespace kizashi::patterns {

namespace fs = std::filesystem;

PackWatcher::PackWatcher(PatternsConfig config, Publish publish, ReloadProbe* probe)
    : config_(std::move(config)), publish_(std::move(publish)), probe_(probe) {}

PackWatcher::~PackWatcher() { Stop(); }

std::string PackWatcher::Fingerprint() const {
  std::vector<std::string> files;
  auto add = [&](const std::string& p) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& ent : fs::directory_iterator(p, ec)) files.push_back(ent.path().string());
    } else {
      files.push_back(p);
      files.push_back(p + ".sig");
    }
  };
  for (const auto& p : config_.packs) add(p);
  for (const auto& p : config_.trusted_keys) add(p);
  std::sort(files.begin(), files.end());
  std::string fp;
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) {
      StrAppend(&fp, f, "|-\n");
      continue;
    }
    StrAppend(&fp, f, "|", static_cast<int64_t>(st.st_size), "|",
              static_cast<int64_t>(st.st_mtim.tv_sec), ".", static_cast<int64_t>(st.st_mtim.tv_nsec),
              "|", static_cast<uint64_t>(st.st_ino), "\n");
  }
  return fp;
}

void PackWatcher::Record(const LoadResult& r) {
  {
    std::lock_guard<std::mutex> lock(status_mu_);
    ++status_.attempts;
    status_.last_ok = r.ok();
    status_.last_from_cache = r.from_cache;
    status_.last_duration_ns = r.duration_ns;
    if (r.ok()) {
      status_.version = r.set->version();
      status_.entries = r.set->entries().size();
      status_.last_error.clear();
    } else {
      ++status_.failures;
      status_.last_error = r.diags.ToText();
    }
  }
  if (r.ok()) {
    KZ_LOG(kInfo, "patterns.loaded")
        .Kv("version", r.set->version())
        .Kv("entries", static_cast<uint64_t>(r.set->entries().size()))
        .Kv("from_cache", r.from_cache)
        .Kv("ms", static_cast<double>(r.duration_ns) / 1e6)
        .Kv("warnings", static_cast<uint64_t>(r.diags.size()));
  } else {
    // Every diagnostic: an operator must be able to fix the pack from the log alone.
    KZ_LOG(kError, "patterns.load_failed")
        .Kv("errors", static_cast<uint64_t>(r.diags.error_count()))
        .Kv("ms", static_cast<double>(r.duration_ns) / 1e6)
        .Kv("keeping", status().version)
        .Kv("diagnostics", r.diags.ToText());
  }
  if (probe_ != nullptr) probe_->OnLoad(r);
  if (r.ok() && publish_) publish_(r.set);
}

LoadResult PackWatcher::LoadNow() {
  std::lock_guard<std::mutex> lock(load_mu_);
  loaded_fingerprint_ = Fingerprint();
  pending_fingerprint_.clear();
  pending_polls_ = 0;
  LoadResult r = LoadPacks(config_);
  Record(r);
  return r;
}

bool PackWatcher::PollOnce() {
  std::lock_guard<std::mutex> lock(load_mu_);
  std::string fp = Fingerprint();
  if (fp == loaded_fingerprint_) {
    pending_fingerprint_.clear();
    pending_polls_ = 0;
    return false;
  }
  if (fp != pending_fingerprint_) {
    pending_fingerprint_ = fp;
    pending_polls_ = 0;
  }
  if (pending_polls_ < settle_polls_) {
    ++pending_polls_;
    return false;
  }
  // Whatever the outcome, this state of the files has been tried: a failed load is retried
  // when they change again, not on every poll.
  loaded_fingerprint_ = fp;
  pending_fingerprint_.clear();
  pending_polls_ = 0;
  Record(LoadPacks(config_));
  return true;
}

LoadResult PackWatcher::Reload(const std::vector<PackSource>& sources) {
  std::lock_guard<std::mutex> lock(load_mu_);
  Diagnostics pre;
  TrustStore trust = ReadTrustStore(config_.trusted_keys, &pre);
  LoadOptions o;
  o.trust = &trust;
  o.insecure_allow_unsigned = config_.insecure_allow_unsigned;
  o.cache_dir = config_.cache_dir;
  o.cache_keep = config_.cache_keep;
  o.compile = config_.compile_options();
  LoadResult r = LoadPacksFromBytes(sources, o);
  if (pre.has_errors()) {
    Diagnostics all = pre;
    all.Append(r.diags);
    r.diags = std::move(all);
    r.set = nullptr;
  }
  Record(r);
  return r;
}

void PackWatcher::Start() {
  std::lock_guard<std::mutex> lock(thread_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lk(thread_mu_);
    while (!stop_) {
      wake_.wait_for(lk, std::chrono::nanoseconds(config_.watch_interval_ns),
                     [this] { return stop_; });
      if (stop_) break;
      lk.unlock();
      PollOnce();
      lk.lock();
    }
  });
}

void PackWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ReloadStatus PackWatcher::status() const {
  std::lock_guard<std::mutex> lock(status_mu_);
  return status_;
}

}  // namespace kizashi::patterns
