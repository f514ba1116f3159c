#include "engine/telemetry/health.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "engine/common/strings.h"

namespace kizashi::telemetry {

Health::Health(std::vector<std::string> conditions) {
  for (auto& c : conditions) conditions_.push_back({std::move(c), false, ""});
}

void Health::Declare(std::string_view condition) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& c : conditions_) {
    if (c.name == condition) return;
  }
  conditions_.push_back({std::string(condition), false, ""});
  NotifyLocked();
}

void Health::Set(std::string_view condition, bool met, std::string_view detail) {
  std::lock_guard<std::mutex> lock(mu_);
  Condition* found = nullptr;
  for (auto& c : conditions_) {
    if (c.name == condition) found = &c;
  }
  if (found == nullptr) found = &conditions_.emplace_back(Condition{std::string(condition)});
  found->met = met;
  found->detail = std::string(detail);
  NotifyLocked();
}

void Health::BeginDrain(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (draining_) return;
  draining_ = true;
  drain_reason_ = std::string(reason);
  NotifyLocked();
}

bool Health::ReadyLocked() const {
  if (draining_) return false;
  for (const auto& c : conditions_) {
    if (!c.met) return false;
  }
  return true;
}

bool Health::ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ReadyLocked();
}

bool Health::draining() const {
  std::lock_guard<std::mutex> lock(mu_);
  return draining_;
}

std::string Health::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out = ReadyLocked() ? "ready\n" : "not ready\n";
  if (draining_) StrAppend(&out, "draining: ", drain_reason_, "\n");
  for (const auto& c : conditions_) {
    StrAppend(&out, c.name, ": ", c.met ? "ok" : "waiting");
    if (!c.detail.empty()) StrAppend(&out, " (", c.detail, ")");
    out += "\n";
  }
  return out;
}

void Health::AddListener(Listener fn) {
  std::lock_guard<std::mutex> lock(mu_);
  fn(ReadyLocked(), draining_);
  listeners_.push_back(std::move(fn));
}

void Health::NotifyLocked() {
  bool ready = ReadyLocked();
  if (ready == last_ready_ && draining_ == last_draining_) return;
  last_ready_ = ready;
  last_draining_ = draining_;
  for (auto& l : listeners_) l(ready, draining_);
}

bool SdNotify(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == 0) return true;
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  size_t len = std::strlen(path);
  if (len >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = 0;  // abstract namespace
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  socklen_t addr_len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + len);
  ssize_t n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                       reinterpret_cast<struct sockaddr*>(&addr), addr_len);
  ::close(fd);
  return n == static_cast<ssize_t>(state.size());
}

}  // namespace kizashi::telemetry
