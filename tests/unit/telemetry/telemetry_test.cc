// Tests of engine/telemetry: the HTTP server (routes, methods, limits, slow clients, stop),
// listen addresses, health transitions, sd_notify, worker-local cells and their export, and
// the exposition format checked by promtool.
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <thread>

#include "engine/telemetry/counter_map.h"
#include "engine/telemetry/endpoint.h"
#include "engine/telemetry/health.h"
#include "engine/telemetry/http_server.h"
#include "engine/telemetry/local_metrics.h"
#include "engine/telemetry/metrics.h"
#include "tests/testing/testing.h"
#include "tests/unit/telemetry/test_util.h"

namespace kizashi::telemetry {
namespace {

using kizashi::testing::HttpGet;
using kizashi::testing::HttpRaw;

std::unique_ptr<HttpServer> StartServer(HttpServerOptions opts = {}) {
  std::map<std::string, HttpHandler> routes;
  routes["/hello"] = [] { return HttpResponse{200, "text/plain", "hello\n"}; };
  routes["/unavailable"] = [] { return HttpResponse{503, "text/plain", "no\n"}; };
  routes["/throws"] = []() -> HttpResponse { throw std::runtime_error("boom"); };
  auto s = HttpServer::Start("127.0.0.1:0", std::move(routes), opts);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(ListenAddress, Forms) {
  std::string host, err;
  int port = -1;
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:9730", &host, &port, &err));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9730);
  ASSERT_TRUE(ParseListenAddress(":0", &host, &port, &err));
  EXPECT_EQ(host, "");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(ParseListenAddress("*:80", &host, &port, &err));
  EXPECT_EQ(host, "");
  ASSERT_TRUE(ParseListenAddress("[::1]:9", &host, &port, &err));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9);
  EXPECT_FALSE(ParseListenAddress("9730", &host, &port, &err));
  EXPECT_FALSE(ParseListenAddress("::1:9730", &host, &port, &err));
  EXPECT_NE(err.find("brackets"), std::string::npos) << err;
  EXPECT_FALSE(ParseListenAddress("host:70000", &host, &port, &err));
  EXPECT_FALSE(ParseListenAddress("host:http", &host, &port, &err));
  EXPECT_FALSE(ParseListenAddress("[::1]9730", &host, &port, &err));
}

TEST(HttpServer, ServesRoutesWithStatusAndLength) {
  auto s = StartServer();
  ASSERT_NE(s, nullptr);
  ASSERT_GT(s->port(), 0);
  EXPECT_EQ(s->bound_address(), "127.0.0.1:" + std::to_string(s->port()));
  auto r = HttpGet(s->port(), "/hello");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello\n");
  EXPECT_NE(r.headers.find("Content-Length: 6"), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("Connection: close"), std::string::npos);
  // Query strings are ignored.
  EXPECT_EQ(HttpGet(s->port(), "/hello?x=1").body, "hello\n");
  EXPECT_EQ(HttpGet(s->port(), "/unavailable").status, 503);
  EXPECT_EQ(HttpGet(s->port(), "/nope").status, 404);
  // A handler that throws answers 500 and the server keeps serving.
  EXPECT_EQ(HttpGet(s->port(), "/throws").status, 500);
  EXPECT_EQ(HttpGet(s->port(), "/hello").status, 200);
}

TEST(HttpServer, HeadHasNoBodyOtherMethodsAreRefused) {
  auto s = StartServer();
  ASSERT_NE(s, nullptr);
  auto head = HttpRaw(s->port(), "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_NE(head.headers.find("Content-Length: 6"), std::string::npos);
  auto post = HttpRaw(s->port(), "POST /hello HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.headers.find("Allow: GET, HEAD"), std::string::npos);
  EXPECT_EQ(HttpRaw(s->port(), "garbage\r\n\r\n").status, 400);
  // HTTP/1.0 and bare-LF clients are answered too.
  EXPECT_EQ(HttpRaw(s->port(), "GET /hello HTTP/1.0\n\n").status, 200);
}

TEST(HttpServer, OversizedRequestIs431) {
  HttpServerOptions opts;
  opts.max_request_bytes = 1024;
  auto s = StartServer(opts);
  ASSERT_NE(s, nullptr);
  std::string req = "GET /hello HTTP/1.1\r\nX-Pad: " + std::string(4096, 'a') + "\r\n\r\n";
  EXPECT_EQ(HttpRaw(s->port(), req).status, 431);
}

// A client that connects and sends nothing holds one connection slot; others are answered.
TEST(HttpServer, SilentClientDoesNotBlockOthers) {
  HttpServerOptions opts;
  opts.max_connections = 4;
  auto s = StartServer(opts);
  ASSERT_NE(s, nullptr);
  std::vector<int> idle;
  for (int i = 0; i < 3; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(s->port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    idle.push_back(fd);
  }
  EXPECT_EQ(HttpGet(s->port(), "/hello").status, 200);
  for (int fd : idle) ::close(fd);
  EXPECT_EQ(HttpGet(s->port(), "/hello").status, 200);
}

// The deadline closes connections that never finish their request.
TEST(HttpServer, DeadlineClosesSilentConnections) {
  HttpServerOptions opts;
  opts.request_timeout_ns = 50'000'000;
  auto s = StartServer(opts);
  ASSERT_NE(s, nullptr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(s->port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::send(fd, "GET /hel", 8, 0), 8);
  char c;
  // Blocks until the server closes the connection (the deadline), then reads EOF.
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);
  ::close(fd);
}

TEST(HttpServer, StopClosesTheListener) {
  auto s = StartServer();
  ASSERT_NE(s, nullptr);
  int port = s->port();
  s->Stop();
  EXPECT_EQ(HttpGet(port, "/hello").status, 0);
  s.reset();
}

TEST(HttpServer, ManyConcurrentClients) {
  auto s = StartServer();
  ASSERT_NE(s, nullptr);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) ok += HttpGet(s->port(), "/hello").status == 200;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST(HttpServer, Ipv6LoopbackAndEveryInterface) {
  auto v6 = HttpServer::Start("[::1]:0", {{"/x", [] { return HttpResponse{200, "t", "v6"}; }}});
  if (!v6.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << v6.status();
  EXPECT_EQ(HttpGet((*v6)->port(), "/x", true).body, "v6");
  // ":port" listens on every interface: both families reach it when dual stack is available.
  auto any = HttpServer::Start(":0", {{"/x", [] { return HttpResponse{200, "t", "any"}; }}});
  ASSERT_TRUE(any.ok()) << any.status();
  EXPECT_EQ(HttpGet((*any)->port(), "/x").body, "any");
  EXPECT_EQ(HttpGet((*any)->port(), "/x", true).body, "any");
}

TEST(HttpServer, PortInUseIsAnError) {
  auto a = StartServer();
  ASSERT_NE(a, nullptr);
  auto b = HttpServer::Start("127.0.0.1:" + std::to_string(a->port()), {});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(std::string(b.status().message()).find("cannot listen"), std::string::npos);
  EXPECT_FALSE(HttpServer::Start("nonsense", {}).ok());
}

TEST(Health, ReadinessTransitions) {
  Health h({"snapshot", "state"});
  std::vector<std::pair<bool, bool>> seen;
  h.AddListener([&](bool ready, bool draining) { seen.emplace_back(ready, draining); });
  EXPECT_FALSE(h.ready());
  h.Set("snapshot", true);
  EXPECT_FALSE(h.ready());
  h.Set("state", true, "1 partition");
  EXPECT_TRUE(h.ready());
  EXPECT_NE(h.Describe().find("state: ok (1 partition)"), std::string::npos) << h.Describe();
  h.Set("state", false);
  EXPECT_FALSE(h.ready());
  h.Set("state", true);
  h.BeginDrain("signal 15");
  EXPECT_FALSE(h.ready());
  EXPECT_TRUE(h.draining());
  // Never ready again once draining.
  h.Set("snapshot", true);
  EXPECT_FALSE(h.ready());
  EXPECT_NE(h.Describe().find("draining: signal 15"), std::string::npos);
  std::vector<std::pair<bool, bool>> want = {
      {false, false}, {true, false}, {false, false}, {true, false}, {false, true}};
  EXPECT_EQ(seen, want);
}

TEST(Health, DeclaredLaterConditionBlocksReadiness) {
  Health h;
  EXPECT_TRUE(h.ready());  // nothing declared
  h.Declare("partitions");
  EXPECT_FALSE(h.ready());
  h.Set("partitions", true);
  EXPECT_TRUE(h.ready());
}

TEST(Endpoint, HealthzReadyzMetrics) {
  Metrics metrics;
  Health health({"snapshot"});
  HealthProbe probe(metrics, health);
  auto e = Endpoint::Start("127.0.0.1:0", &metrics, &health);
  ASSERT_TRUE(e.ok()) << e.status();
  int port = (*e)->port();
  EXPECT_EQ(HttpGet(port, "/healthz").status, 200);
  auto r = HttpGet(port, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("snapshot: waiting"), std::string::npos) << r.body;
  EXPECT_NE(HttpGet(port, "/metrics").body.find("kizashi_ready 0"), std::string::npos);
  health.Set("snapshot", true);
  EXPECT_EQ(HttpGet(port, "/readyz").status, 200);
  auto m = HttpGet(port, "/metrics");
  EXPECT_NE(m.headers.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(m.body.find("kizashi_ready 1"), std::string::npos);
  health.BeginDrain("test");
  EXPECT_EQ(HttpGet(port, "/readyz").status, 503);
  EXPECT_EQ(HttpGet(port, "/healthz").status, 200);  // alive while draining
  EXPECT_NE(HttpGet(port, "/metrics").body.find("kizashi_draining 1"), std::string::npos);
}

TEST(Endpoint, ConfigValidation) {
  TelemetryConfig c;
  Diagnostics d;
  c.address = "localhost";
  c.Validate(&d);
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.items()[0].object_id, "metrics.address");
  Diagnostics d2;
  c.enabled = false;  // not served: not checked
  c.Validate(&d2);
  EXPECT_EQ(d2.error_count(), 0u);
}

TEST(SdNotify, SendsToNotifySocket) {
  std::string dir = kizashi::testing::MakeTempDir("sdnotify");
  std::string path = dir + "/notify";
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(SdNotify("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
  char buf[64] = {0};
  EXPECT_EQ(::recv(fd, buf, sizeof buf, 0), 7);
  EXPECT_STREQ(buf, "READY=1");
  ::close(fd);
  EXPECT_TRUE(SdNotify("READY=1"));  // no socket: nothing to do
  kizashi::testing::RemoveTree(dir);
}

TEST(LocalCells, CounterHistogramAndExports) {
  Metrics metrics;
  auto& fam = prometheus::BuildCounter().Name("t_total").Help("t").Register(metrics.registry());
  auto& hfam = prometheus::BuildHistogram().Name("t_seconds").Help("t").Register(metrics.registry());
  static const Buckets bounds = {1, 10};
  auto& h = hfam.Add({}, bounds);
  CounterExport cx(&fam.Add({}));
  HistogramExport hx(&h, &bounds);
  LocalCounter a, b;
  LocalHistogram ha(&bounds), hb(&bounds);
  auto hook = metrics.AddScrapeHook([&] {
    cx.Update(a.Get() + b.Get());
    std::vector<uint64_t> counts;
    double sum = 0;
    ha.AddTo(&counts, &sum);
    hb.AddTo(&counts, &sum);
    hx.Update(counts, sum);
  });
  a.Add(2);
  b.Add(3);
  ha.Observe(0.5);   // bucket le=1
  hb.Observe(1);     // le=1 (bounds are inclusive)
  hb.Observe(5);     // le=10
  hb.Observe(50);    // +Inf
  std::string text = metrics.Scrape();
  EXPECT_NE(text.find("t_total 5"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{le=\"1\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{le=\"10\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{le=\"+Inf\"} 4"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_sum 56.5"), std::string::npos) << text;
  // Mirrored cumulative values export only their growth; a repeated scrape adds nothing.
  a.Set(10);
  text = metrics.Scrape();
  EXPECT_NE(text.find("t_total 13"), std::string::npos) << text;
  text = metrics.Scrape();
  EXPECT_NE(text.find("t_total 13"), std::string::npos) << text;
  // Once the hook is gone the values stay (counters never go back).
  hook.Reset();
  a.Add(100);
  EXPECT_NE(metrics.Scrape().find("t_total 13"), std::string::npos);
}

TEST(LocalCells, CounterMapKeysAndOverflow) {
  LocalCounterMap m(2, /*max_keys=*/2);
  std::string key;
  JoinLabels({"pack-a", "attack_pattern"}, &key);
  LocalCounter* c1 = m.Find(key);
  c1->Add();
  EXPECT_EQ(m.Find(key), c1);  // same cell for the same labels
  JoinLabels({"pack-b", "virus_signature"}, &key);
  m.Find(key)->Add(2);
  JoinLabels({"pack-c", "x"}, &key);
  m.Find(key)->Add(3);  // over the cap: the overflow cell
  JoinLabels({"pack-d", "y"}, &key);
  m.Find(key)->Add(4);
  std::map<std::string, uint64_t> seen;
  m.ForEach([&](std::string_view k, uint64_t v) {
    auto labels = SplitLabels(k);
    seen[labels[0] + "/" + labels[1]] = v;
  });
  std::map<std::string, uint64_t> want = {
      {"pack-a/attack_pattern", 1}, {"pack-b/virus_signature", 2}, {"_other/_other", 7}};
  EXPECT_EQ(seen, want);
}

TEST(ProcessProbe, ExportsStandardProcessMetricsThatPassPromtool) {
  if (kizashi::testing::PromtoolPath().empty()) {
    GTEST_SKIP() << "promtool not installed (Debian package `prometheus`)";
  }
  Metrics metrics;
  ProcessProbe probe(metrics, "1.2.3");
  Health health({"x"});
  HealthProbe hp(metrics, health);
  std::string text = metrics.Scrape();
  EXPECT_NE(text.find("kizashi_build_info{version=\"1.2.3\"} 1"), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_EQ(text.find("process_resident_memory_bytes 0\n"), std::string::npos);
  EXPECT_NE(text.find("process_open_fds "), std::string::npos);
  std::string dir = kizashi::testing::MakeTempDir("promtool");
  std::string out;
  EXPECT_EQ(kizashi::testing::PromtoolCheckMetrics(text, dir, &out), 0) << out << "\n" << text;
  kizashi::testing::RemoveTree(dir);
}

}  // namespace
}  // namespace kizashi::telemetry
