#include "engine/telemetry/metrics.h"

#include <dirent.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/telemetry/local_metrics.h"

namespace kizashi::telemetry {

ScrapeHook& ScrapeHook::operator=(ScrapeHook&& o) noexcept {
  if (this != &o) {
    Reset();
    metrics_ = o.metrics_;
    id_ = o.id_;
    o.metrics_ = nullptr;
  }
  return *this;
}

void ScrapeHook::Reset() {
  if (metrics_ != nullptr) metrics_->RemoveHook(id_);
  metrics_ = nullptr;
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}
Metrics::~Metrics() = default;

ScrapeHook Metrics::AddScrapeHook(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t id = next_id_++;
  hooks_.emplace(id, std::move(fn));
  return ScrapeHook(this, id);
}

void Metrics::RemoveHook(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  hooks_.erase(id);
}

void Metrics::RunHooks() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, fn] : hooks_) fn();
}

std::string Metrics::Scrape() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, fn] : hooks_) fn();
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

// ---------------------------------------------------------------------------------------

namespace {

// Fields of /proc/self/stat after the command name (which may contain spaces and parens).
bool ReadProcStat(std::vector<std::string>* fields) {
  FILE* f = std::fopen("/proc/self/stat", "r");
  if (f == nullptr) return false;
  char buf[4096];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* close = std::strrchr(buf, ')');
  if (close == nullptr) return false;
  fields->clear();
  for (std::string_view part : Split(std::string_view(close + 1), ' ', true)) {
    fields->emplace_back(part);
  }
  return true;
}

double BootTimeSeconds() {
  FILE* f = std::fopen("/proc/stat", "r");
  if (f == nullptr) return 0;
  char line[512];
  double btime = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "btime ", 6) == 0) {
      btime = std::strtod(line + 6, nullptr);
      break;
    }
  }
  std::fclose(f);
  return btime;
}

int CountOpenFds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  int n = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the descriptor opendir itself holds
}

}  // namespace

struct ProcessProbe::Impl {
  prometheus::Gauge* start_time;
  prometheus::Gauge* resident;
  prometheus::Gauge* virtual_mem;
  prometheus::Gauge* open_fds;
  prometheus::Gauge* max_fds;
  prometheus::Counter* cpu;
  double cpu_last = 0;
  ScrapeHook hook;
};

ProcessProbe::ProcessProbe(Metrics& metrics, const std::string& version)
    : impl_(std::make_unique<Impl>()) {
  auto& reg = metrics.registry();
  prometheus::BuildGauge()
      .Name("kizashi_build_info")
      .Help("Build of the running kizashi binary (value is always 1).")
      .Register(reg)
      .Add({{"version", version}})
      .Set(1);
  impl_->start_time = &prometheus::BuildGauge()
                           .Name("process_start_time_seconds")
                           .Help("Start time of the process since unix epoch in seconds.")
                           .Register(reg)
                           .Add({});
  impl_->resident = &prometheus::BuildGauge()
                         .Name("process_resident_memory_bytes")
                         .Help("Resident memory size in bytes.")
                         .Register(reg)
                         .Add({});
  impl_->virtual_mem = &prometheus::BuildGauge()
                            .Name("process_virtual_memory_bytes")
                            .Help("Virtual memory size in bytes.")
                            .Register(reg)
                            .Add({});
  impl_->open_fds = &prometheus::BuildGauge()
                         .Name("process_open_fds")
                         .Help("Number of open file descriptors.")
                         .Register(reg)
                         .Add({});
  impl_->max_fds = &prometheus::BuildGauge()
                        .Name("process_max_fds")
                        .Help("Maximum number of open file descriptors.")
                        .Register(reg)
                        .Add({});
  impl_->cpu = &prometheus::BuildCounter()
                    .Name("process_cpu_seconds_total")
                    .Help("Total user and system CPU time spent in seconds.")
                    .Register(reg)
                    .Add({});
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // Boot time from /proc/stat turns the start tick into wall time. Under systemd's
  // ProcSubset=pid /proc/stat is hidden: the probe's own creation time (moments after exec)
  // stands in.
  const double boot = BootTimeSeconds();
  const double created = static_cast<double>(SystemClock::Get()->NowNs()) / 1e9;
  Impl* p = impl_.get();
  p->hook = metrics.AddScrapeHook([p, tick, page, boot, created]() {
    std::vector<std::string> f;
    // After the command name: state(0) ... utime(11) stime(12) ... starttime(19) vsize(20)
    // rss(21) — proc(5) fields 3, 14, 15, 22, 23, 24 shifted by the two leading fields.
    if (ReadProcStat(&f) && f.size() > 21) {
      double cpu = (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) /
                   tick;
      if (cpu > p->cpu_last) p->cpu->Increment(cpu - p->cpu_last);
      p->cpu_last = std::max(p->cpu_last, cpu);
      p->start_time->Set(boot > 0 ? boot + std::strtod(f[19].c_str(), nullptr) / tick : created);
      p->virtual_mem->Set(std::strtod(f[20].c_str(), nullptr));
      p->resident->Set(std::strtod(f[21].c_str(), nullptr) * page);
    }
    p->open_fds->Set(CountOpenFds());
    struct rlimit rl;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) p->max_fds->Set(static_cast<double>(rl.rlim_cur));
  });
}

ProcessProbe::~ProcessProbe() = default;

}  // namespace kizashi::telemetry
