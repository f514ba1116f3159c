// Health: liveness and readiness of the process, behind /healthz, /readyz, sd_notify and the
// kizashi_ready gauge.
//
//   alive  the process answers (the HTTP thread runs): /healthz is 200 whenever it responds.
//   ready  every declared readiness condition holds and the process is not draining. A
//          runner declares what it needs — "snapshot" (packs, registry and rules loaded),
//          "state" (the state store open and each partition's state restored),
//          "partitions" (inputs assigned) — and each starts unmet. Once draining starts the
//          process is never ready again, so a load balancer or Kubernetes stops sending it
//          work while it finishes the batch in flight.
//
// Ownership: one per process, owned by the app. Thread contract: every method is
// thread-safe (one mutex, never taken on the data path). Listeners run on the thread that
// made the change, under the mutex: they must not call back into Health.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kizashi::telemetry {

class Health {
 public:
  using Listener = std::function<void(bool ready, bool draining)>;

  explicit Health(std::vector<std::string> conditions = {});

  // Adds a condition (unmet) if it is not declared yet.
  void Declare(std::string_view condition);
  // Marks a declared condition met or unmet; `detail` is shown by /readyz. Undeclared
  // conditions are declared on the fly.
  void Set(std::string_view condition, bool met, std::string_view detail = {});
  void BeginDrain(std::string_view reason);

  bool ready() const;
  bool draining() const;
  // /readyz body: "ready" or "not ready", then one line per condition.
  std::string Describe() const;
  // Called after every change of (ready, draining), and once at registration.
  void AddListener(Listener fn);

 private:
  struct Condition {
    std::string name;
    bool met = false;
    std::string detail;
  };
  bool ReadyLocked() const;
  void NotifyLocked();

  mutable std::mutex mu_;
  std::vector<Condition> conditions_;
  bool draining_ = false;
  std::string drain_reason_;
  std::vector<Listener> listeners_;
  bool last_ready_ = false, last_draining_ = false;
};

// Sends `state` ("READY=1", "STOPPING=1", "RELOADING=1", "STATUS=...") to systemd when the
// process runs under a unit with Type=notify ($NOTIFY_SOCKET set); otherwise does nothing.
// Returns false only when the socket is set but the message could not be sent.
bool SdNotify(std::string_view state);

}  // namespace kizashi::telemetry
