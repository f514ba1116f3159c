#include "engine/telemetry/endpoint.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace kizashi::telemetry {

void TelemetryConfig::Declare(config::Schema& s, TelemetryConfig* c) {
  s.Bool("enabled", &c->enabled, "Serve /metrics (Prometheus), /healthz and /readyz over HTTP.");
  s.String("address", &c->address,
           "Listen address of the metrics and health endpoint: host:port, [ipv6]:port, or "
           ":port for every interface; port 0 picks a free port (logged as metrics.listening).");
}

void TelemetryConfig::Validate(Diagnostics* d) const {
  if (!enabled) return;
  std::string host, error;
  int port;
  if (!ParseListenAddress(address, &host, &port, &error)) {
    d->Error("config", 0, "metrics.address", error);
  }
}

absl::StatusOr<std::unique_ptr<Endpoint>> Endpoint::Start(const std::string& address,
                                                          Metrics* metrics, Health* health,
                                                          HttpServerOptions options) {
  std::map<std::string, HttpHandler> routes;
  routes["/metrics"] = [metrics]() {
    return HttpResponse{200, Metrics::kContentType, metrics->Scrape()};
  };
  routes["/healthz"] = []() { return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; };
  routes["/readyz"] = [health]() {
    return HttpResponse{health->ready() ? 200 : 503, "text/plain; charset=utf-8",
                        health->Describe()};
  };
  routes["/"] = []() {
    return HttpResponse{200, "text/plain; charset=utf-8",
                        "kizashi\n/metrics  Prometheus metrics\n/healthz  liveness\n"
                        "/readyz   readiness\n"};
  };
  auto server = HttpServer::Start(address, std::move(routes), options);
  if (!server.ok()) return server.status();
  auto e = std::unique_ptr<Endpoint>(new Endpoint());
  e->server_ = std::move(*server);
  return e;
}

HealthProbe::HealthProbe(Metrics& metrics, Health& health) {
  auto* ready = &prometheus::BuildGauge()
                     .Name("kizashi_ready")
                     .Help("1 when the process is ready to process traffic (see /readyz).")
                     .Register(metrics.registry())
                     .Add({});
  auto* draining = &prometheus::BuildGauge()
                        .Name("kizashi_draining")
                        .Help("1 once a shutdown was requested and the process is draining.")
                        .Register(metrics.registry())
                        .Add({});
  health.AddListener([ready, draining](bool r, bool d) {
    ready->Set(r ? 1 : 0);
    draining->Set(d ? 1 : 0);
  });
}

}  // namespace kizashi::telemetry
