// HttpServer: a small HTTP/1.1 server for the operational endpoints (/metrics, /healthz,
// /readyz).
//
// Why not prometheus-cpp's Exposer: its civetweb server is private, so it cannot answer
// /readyz with a 503; Debian's 1.0.1 binds IPv4 only; and it takes ~2 s to stop. These
// endpoints are GETs answered with a status, a content type and a small body, so one thread
// polling non-blocking sockets is enough, and it is small enough to reason about:
//   - a request (line + headers) is capped at `max_request_bytes`; bodies are not read;
//   - a connection has `request_timeout` from accept to its last response byte;
//   - at most `max_connections` are open; further clients wait in the listen backlog;
//   - every response closes the connection (no keep-alive state to get wrong);
//   - Stop() wakes the loop through an eventfd and returns as soon as the thread has joined.
// A slow or hostile client therefore costs one slot for at most `request_timeout`, and
// cannot hold up the other clients (probes and scrapes keep being answered).
//
// Ownership: owned by whoever serves the endpoints (telemetry::Endpoint). Thread contract:
// Start/Stop/port from one controlling thread; handlers run on the server thread and must be
// thread-safe with respect to the rest of the process.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace kizashi::telemetry {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};
using HttpHandler = std::function<HttpResponse()>;

struct HttpServerOptions {
  int max_connections = 64;
  int64_t request_timeout_ns = 10'000'000'000;
  size_t max_request_bytes = 8192;
};

class HttpServer {
 public:
  // `address`: "host:port", "[v6addr]:port", or ":port" (every interface, IPv6 and IPv4 when
  // the host has IPv6). Port 0 picks a free port (see port()). `routes` maps exact paths
  // (query strings are ignored) to handlers; GET and HEAD only.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(std::string_view address,
                                                           std::map<std::string, HttpHandler> routes,
                                                           HttpServerOptions options = {});
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void Stop();
  int port() const { return port_; }
  // The bound address with the actual port, e.g. "127.0.0.1:40123" or "[::]:9730".
  const std::string& bound_address() const { return bound_; }

 private:
  struct Conn;
  HttpServer() = default;
  void Loop();
  void Handle(Conn* c);

  int listen_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  std::string bound_;
  std::map<std::string, HttpHandler> routes_;
  HttpServerOptions opts_;
  struct Thread;
  std::unique_ptr<Thread> thread_;
};

// Splits a listen address into host and port ("" host = every interface). Exposed for tests
// and for configuration validation.
bool ParseListenAddress(std::string_view address, std::string* host, int* port,
                        std::string* error);

}  // namespace kizashi::telemetry
