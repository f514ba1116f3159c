#include "engine/common/log.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "engine/common/json_writer.h"
#include "engine/common/time.h"

namespace kizashi::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kLogfmt)};
std::mutex g_capture_mu;
std::string* g_capture = nullptr;

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

bool NeedsQuote(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  }
  return false;
}
}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
void SetFormat(Format format) { g_format.store(static_cast<int>(format)); }
Level GetLevel() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

bool ParseLevel(std::string_view s, Level* out) {
  if (s == "debug") *out = Level::kDebug;
  else if (s == "info") *out = Level::kInfo;
  else if (s == "warn" || s == "warning") *out = Level::kWarn;
  else if (s == "error") *out = Level::kError;
  else return false;
  return true;
}

void CaptureForTest(std::string* sink) {
  std::lock_guard<std::mutex> lock(g_capture_mu);
  g_capture = sink;
}

Line::Line(Level level, std::string_view event, bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  std::string ts = FormatRfc3339(SystemClock::Get()->NowNs(), 3);
  if (static_cast<Format>(g_format.load()) == Format::kJson) {
    buf_ = "{";
    JsonWriter::AppendQuoted(&buf_, "ts");
    buf_ += ":";
    JsonWriter::AppendQuoted(&buf_, ts);
    buf_ += ",\"level\":\"";
    buf_ += LevelName(level);
    buf_ += "\",\"event\":";
    JsonWriter::AppendQuoted(&buf_, event);
  } else {
    buf_ = "ts=" + ts + " level=" + LevelName(level) + " event=";
    Field("", event, NeedsQuote(event));
  }
}

void Line::Field(std::string_view key, std::string_view value, bool quote) {
  if (static_cast<Format>(g_format.load()) == Format::kJson) {
    buf_ += ",";
    JsonWriter::AppendQuoted(&buf_, key);
    buf_ += ":";
    if (quote) JsonWriter::AppendQuoted(&buf_, value);
    else buf_.append(value);
    return;
  }
  if (!key.empty()) {
    buf_ += ' ';
    buf_.append(key);
    buf_ += '=';
  }
  if (quote && NeedsQuote(value)) JsonWriter::AppendQuoted(&buf_, value);
  else buf_.append(value);
}

Line& Line::Kv(std::string_view key, std::string_view value) {
  if (enabled_) Field(key, value, true);
  return *this;
}
Line& Line::Kv(std::string_view key, int64_t value) {
  if (enabled_) Field(key, std::to_string(value), false);
  return *this;
}
Line& Line::Kv(std::string_view key, uint64_t value) {
  if (enabled_) Field(key, std::to_string(value), false);
  return *this;
}
Line& Line::Kv(std::string_view key, double value) {
  if (enabled_) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", value);
    Field(key, b, false);
  }
  return *this;
}
Line& Line::Kv(std::string_view key, bool value) {
  if (enabled_) Field(key, value ? "true" : "false", false);
  return *this;
}

Line::~Line() {
  if (!enabled_) return;
  if (static_cast<Format>(g_format.load()) == Format::kJson) buf_ += "}";
  buf_ += "\n";
  {
    std::lock_guard<std::mutex> lock(g_capture_mu);
    if (g_capture != nullptr) {
      g_capture->append(buf_);
      return;
    }
  }
  ssize_t ignored = ::write(2, buf_.data(), buf_.size());
  (void)ignored;
}

bool RateLimiter::Allow(uint64_t* suppressed) {
  int64_t now = MonotonicNowNs();
  int64_t next = next_ns_.load(std::memory_order_relaxed);
  if (now < next || !next_ns_.compare_exchange_strong(next, now + period_ns_)) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  *suppressed = suppressed_.exchange(0);
  return true;
}

}  // namespace kizashi::log
