// The operational HTTP endpoint and its configuration (`metrics:` section).
//
//   GET /metrics   Prometheus text exposition of every probe (Metrics::Scrape)
//   GET /healthz   200 "ok" while the process is alive (liveness)
//   GET /readyz    200 when Health::ready(), else 503; the body lists each condition
//   GET /          the list above
//
// Ownership: the app owns one Endpoint, created before the snapshot is built (so /healthz
// answers and /readyz says "not ready" during a long start-up) and stopped last. Thread
// contract: Start/Stop from the controlling thread; requests are answered on the HTTP thread.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/common/diag.h"
#include "engine/config/schema.h"
#include "engine/telemetry/health.h"
#include "engine/telemetry/http_server.h"
#include "engine/telemetry/metrics.h"

namespace kizashi::telemetry {

struct TelemetryConfig {
  // Serve /metrics, /healthz and /readyz. Default: true.
  bool enabled = true;
  // Listen address: "host:port", "[ipv6]:port" or ":port" for every interface; port 0 picks a
  // free port (logged as metrics.listening). Default: 127.0.0.1:9730 (loopback only: expose
  // it deliberately, e.g. ":9730" in a container).
  std::string address = "127.0.0.1:9730";
  static void Declare(config::Schema& s, TelemetryConfig* c);
  void Validate(Diagnostics* d) const;
};

class Endpoint {
 public:
  static absl::StatusOr<std::unique_ptr<Endpoint>> Start(const std::string& address,
                                                         Metrics* metrics, Health* health,
                                                         HttpServerOptions options = {});
  int port() const { return server_->port(); }
  const std::string& address() const { return server_->bound_address(); }
  void Stop() { server_->Stop(); }

 private:
  std::unique_ptr<HttpServer> server_;
};

// kizashi_ready and kizashi_draining gauges following a Health.
class HealthProbe {
 public:
  HealthProbe(Metrics& metrics, Health& health);
};

}  // namespace kizashi::telemetry
