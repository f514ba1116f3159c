// Structured logging: one line per event, logfmt (default) or JSON, to stderr.
//
//   KZ_LOG(kInfo, "pack.reloaded").Kv("pack", id).Kv("ms", ms);
//   KZ_LOG_EVERY(kWarn, "sink.retry", 10).Kv("sink", name);   // at most once per 10 s per site
//
// Never log per event on the hot path: count in metrics and log rate-limited summaries.
// Thread contract: all functions are thread-safe; a line is written with one write(2).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace kizashi::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

void SetLevel(Level level);
void SetFormat(Format format);
Level GetLevel();
bool ParseLevel(std::string_view s, Level* out);
// Redirect output (tests); nullptr restores stderr. Captured lines are appended to `sink`.
void CaptureForTest(std::string* sink);

// Builds one line; emits it when destroyed.
class Line {
 public:
  Line(Level level, std::string_view event, bool enabled = true);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& Kv(std::string_view key, std::string_view value);
  Line& Kv(std::string_view key, const char* value) { return Kv(key, std::string_view(value)); }
  Line& Kv(std::string_view key, const std::string& value) {
    return Kv(key, std::string_view(value));
  }
  Line& Kv(std::string_view key, int64_t value);
  Line& Kv(std::string_view key, uint64_t value);
  Line& Kv(std::string_view key, int value) { return Kv(key, static_cast<int64_t>(value)); }
  Line& Kv(std::string_view key, unsigned value) { return Kv(key, static_cast<uint64_t>(value)); }
  Line& Kv(std::string_view key, long long value) { return Kv(key, static_cast<int64_t>(value)); }
  Line& Kv(std::string_view key, unsigned long long value) {
    return Kv(key, static_cast<uint64_t>(value));
  }
  Line& Kv(std::string_view key, double value);
  Line& Kv(std::string_view key, bool value);

 private:
  void Field(std::string_view key, std::string_view value, bool quote);
  bool enabled_;
  std::string buf_;
};

// Per-call-site limiter: allows one line per `period_s` seconds and counts the suppressed
// ones, which are reported as `suppressed=N` on the next line that passes.
class RateLimiter {
 public:
  explicit RateLimiter(int period_s) : period_ns_(int64_t{period_s} * 1'000'000'000) {}
  bool Allow(uint64_t* suppressed);

 private:
  int64_t period_ns_;
  std::atomic<int64_t> next_ns_{0};
  std::atomic<uint64_t> suppressed_{0};
};

}  // namespace kizashi::log

#define KZ_LOG(level, event)                                              \
  ::kizashi::log::Line(::kizashi::log::Level::level, event,                 \
                       ::kizashi::log::Level::level >= ::kizashi::log::GetLevel())

#define KZ_LOG_EVERY(level, event, period_s) KZ_LOG_EVERY_IMPL(level, event, period_s, __LINE__)
#define KZ_LOG_EVERY_IMPL(level, event, period_s, line) \
  KZ_LOG_EVERY_IMPL2(level, event, period_s, line)
// `if (!allowed) {} else Line(...)`: an `else` written after the macro by its caller binds to
// the caller's own `if`, never to this one.
#define KZ_LOG_EVERY_IMPL2(level, event, period_s, line)                              \
  if (uint64_t kz_sup##line = 0; !([]() -> ::kizashi::log::RateLimiter& {            \
        static ::kizashi::log::RateLimiter kz_rl(period_s);                          \
        return kz_rl;                                                                \
      }().Allow(&kz_sup##line))) {                                                   \
  } else                                                                             \
    ::kizashi::log::Line(::kizashi::log::Level::level, event,                        \
                         ::kizashi::log::Level::level >= ::kizashi::log::GetLevel()) \
        .Kv("suppressed", kz_sup##line)
