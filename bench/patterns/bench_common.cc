#include "bench/patterns/bench_common.h"

#include <hs/hs.h>
#include <zlib.h>

#include <cstdlib>
#include <algorithm>
#include <filesystem>

#include "engine/common/file_util.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"

namespace kizashi::patterns::bench {

namespace fs = std::filesystem;

std::string SharedData(const std::string& rel) {
  std::string dir;
  if (const char* env = std::getenv("KIZASHI_SHARED_DATA"); env != nullptr && *env) {
    dir = env;
  } else {
    dir = (fs::path(KIZASHI_SOURCE_DIR).parent_path() / "shared" / "data").string();
  }
  std::error_code ec;
  fs::path p = fs::path(dir) / rel;
  return fs::exists(p, ec) ? p.string() : std::string();
}

bool Smoke() {
  const char* s = std::getenv("KIZASHI_BENCH_SMOKE");
  return s != nullptr && std::string(s) == "1";
}

std::string ReadMaybeGz(const std::string& path) {
  if (!EndsWith(path, ".gz")) {
    auto t = ReadFile(path);
    return t.ok() ? *t : std::string();
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return "";
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

MatcherLoop::MatcherLoop(const PatternSet& set, const std::vector<Event>& events,
                         size_t batch_size)
    : set_(set) {
  for (size_t i = 0; i < events.size(); i += batch_size) {
    Batch& b = batches_.emplace_back();
    for (size_t k = i; k < std::min(events.size(), i + batch_size); ++k) {
      b.events.push_back(events[k]);
      for (FieldId f : set.scanned_fields()) bytes_ += events[k].field(f).size();
    }
  }
}

Counts MatcherLoop::Run() {
  Counts c;
  const uint64_t cand0 = matcher_.stats().candidates;
  for (Batch& b : batches_) {
    absl::Status st = matcher_.Match(b, set_);
    if (!st.ok()) std::abort();
    c.events += b.events.size();
    c.matches += b.matches.size();
  }
  c.candidates = matcher_.stats().candidates - cand0;
  c.bytes = bytes_;
  return c;
}

struct RawHsLoop::Impl {
  const PatternSet& set;
  const std::vector<Event>& events;
  hs_scratch_t* scratch = nullptr;
  uint64_t bytes = 0;
};

RawHsLoop::RawHsLoop(const PatternSet& set, const std::vector<Event>& events)
    : impl_(new Impl{set, events}) {
  for (FieldId f : set.scanned_fields()) hs_alloc_scratch(set.database(f), &impl_->scratch);
  for (const Event& e : events) {
    for (FieldId f : set.scanned_fields()) impl_->bytes += e.field(f).size();
  }
}

RawHsLoop::~RawHsLoop() {
  if (impl_->scratch != nullptr) hs_free_scratch(impl_->scratch);
}

Counts RawHsLoop::Run() {
  Counts c;
  uint64_t hits = 0;
  auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned,
                     void* ctx) -> int {
    ++*static_cast<uint64_t*>(ctx);
    return 0;
  };
  const auto& fields = impl_->set.scanned_fields();
  for (const Event& e : impl_->events) {
    for (FieldId f : fields) {
      std::string_view v = e.field(f);
      if (v.empty()) continue;
      hs_scan(impl_->set.database(f), v.data(), static_cast<unsigned>(v.size()), 0,
              impl_->scratch, on_match, &hits);
    }
  }
  c.events = impl_->events.size();
  c.bytes = impl_->bytes;
  c.matches = hits;  // Hyperscan reports (prefilter hits for rules, not confirmed matches)
  return c;
}

void Report(benchmark::State& state, const Counts& c) {
  const double iters = static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(c.events * state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(c.bytes * state.iterations()));
  const double ev = static_cast<double>(c.events);
  state.counters["events"] = benchmark::Counter(ev * iters, benchmark::Counter::kIsRate);
  state.counters["matches/ev"] = ev > 0 ? static_cast<double>(c.matches) / ev : 0;
  state.counters["cand/ev"] = ev > 0 ? static_cast<double>(c.candidates) / ev : 0;
}

void LoadSyslogCorpus(SampleEvents* out) {
  std::string dir = SharedData("fail2ban/logs");
  std::string text;
  if (!dir.empty()) {
    std::vector<std::string> files;
    for (const auto& ent : fs::directory_iterator(dir)) {
      if (ent.is_regular_file()) files.push_back(ent.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string body = ReadMaybeGz(f);
      for (std::string_view l : Split(body, '\n')) {
        if (l.empty() || l[0] == '#') continue;
        text.append(l);
        text.push_back('\n');
      }
    }
  }
  std::string wrccdc = SharedData("derived/wrccdc_syslog_rfc5424.log.gz");
  if (!wrccdc.empty()) text += ReadMaybeGz(wrccdc);
  KZ_IGNORE_STATUS(ReadSampleEvents(text, SampleFormat::kSyslog, FieldId::kMessage, out));
}

void LoadEveCorpus(SampleEvents* out) {
  for (const char* rel : {"suricata-eve-surevego/eve.json",
                          "crowdsec-hub/tests/suricata-logs-evelog/suricata-logs-evelog.log",
                          "crowdsec-hub/tests/suricata-eve-detect/suricata-eve-detect.log",
                          "suricata-verify/output-eve-fileinfo.eve.json"}) {
    std::string path = SharedData(rel);
    if (path.empty()) continue;
    std::string text = ReadMaybeGz(path);
    std::string kept;
    for (std::string_view l : Split(text, '\n')) {
      for (const char* t : {"\"event_type\":\"http\"", "\"event_type\":\"dns\"",
                            "\"event_type\":\"tls\"", "\"event_type\":\"alert\""}) {
        if (l.find(t) != std::string_view::npos) {
          kept.append(l);
          kept.push_back('\n');
          break;
        }
      }
    }
    KZ_IGNORE_STATUS(ReadSampleEvents(kept, SampleFormat::kEve, FieldId::kPayload, out));
  }
}

}  // namespace kizashi::patterns::bench
