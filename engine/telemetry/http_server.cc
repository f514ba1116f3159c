#include "engine/telemetry/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::telemetry {

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::string Render(const HttpResponse& r, bool head, bool allow_header) {
  std::string out = StrCat("HTTP/1.1 ", r.status, " ", Reason(r.status), "\r\n",
                           "Content-Type: ", r.content_type, "\r\n",
                           "Content-Length: ", r.body.size(), "\r\n",
                           "Cache-Control: no-store\r\n",
                           "Connection: close\r\n");
  if (allow_header) out += "Allow: GET, HEAD\r\n";
  out += "\r\n";
  if (!head) out += r.body;
  return out;
}

std::string ErrnoText(const char* what) { return StrCat(what, ": ", std::strerror(errno)); }

}  // namespace

bool ParseListenAddress(std::string_view address, std::string* host, int* port,
                        std::string* error) {
  std::string_view port_text;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      *error = StrCat("'", address, "': expected [ipv6-address]:port");
      return false;
    }
    *host = std::string(address.substr(1, close - 1));
    port_text = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      *error = StrCat("'", address, "': expected host:port (e.g. 127.0.0.1:9730 or :9730)");
      return false;
    }
    *host = std::string(address.substr(0, colon));
    if (host->find(':') != std::string::npos) {
      *error = StrCat("'", address, "': write IPv6 addresses in brackets, e.g. [::1]:9730");
      return false;
    }
    port_text = address.substr(colon + 1);
  }
  if (*host == "*") host->clear();
  if (!ParseInt(port_text, port) || *port < 0 || *port > 65535) {
    *error = StrCat("'", address, "': port must be 0..65535");
    return false;
  }
  return true;
}

struct HttpServer::Conn {
  int fd = -1;
  int64_t deadline_ns = 0;
  std::string in;
  std::string out;
  size_t sent = 0;
  bool responding = false;
  // Response sent and our side shut down: read until the client closes so that unread bytes
  // (a pipelined request) do not turn our close into a reset that discards the response.
  bool closing = false;
};

struct HttpServer::Thread {
  std::thread t;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    std::string_view address, std::map<std::string, HttpHandler> routes,
    HttpServerOptions options) {
  std::string host, error;
  int port = 0;
  if (!ParseListenAddress(address, &host, &port, &error)) {
    return absl::InvalidArgumentError(error);
  }
  auto s = std::unique_ptr<HttpServer>(new HttpServer());
  s->routes_ = std::move(routes);
  s->opts_ = options;

  // Every interface: dual-stack IPv6 when available, else IPv4.
  std::vector<std::string> candidates;
  if (host.empty()) candidates = {"::", "0.0.0.0"};
  else candidates = {host};
  std::string last_error;
  for (const auto& h : candidates) {
    struct addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    struct addrinfo* res = nullptr;
    std::string port_str = std::to_string(port);
    int rc = ::getaddrinfo(h.c_str(), port_str.c_str(), &hints, &res);
    if (rc != 0) {
      last_error = StrCat("cannot resolve '", h, "': ", ::gai_strerror(rc));
      continue;
    }
    for (struct addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        last_error = ErrnoText("socket");
        continue;
      }
      int one = 1, zero = 0;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (ai->ai_family == AF_INET6 && host.empty()) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
      }
      if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
        last_error = StrCat("cannot listen on ", address, ": ", std::strerror(errno));
        ::close(fd);
        continue;
      }
      s->listen_fd_ = fd;
      break;
    }
    ::freeaddrinfo(res);
    if (s->listen_fd_ >= 0) break;
  }
  if (s->listen_fd_ < 0) return absl::UnavailableError(last_error);

  struct sockaddr_storage ss {};
  socklen_t len = sizeof ss;
  ::getsockname(s->listen_fd_, reinterpret_cast<struct sockaddr*>(&ss), &len);
  char text[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<struct sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    s->port_ = ntohs(a->sin6_port);
    s->bound_ = StrCat("[", text, "]:", s->port_);
  } else {
    auto* a = reinterpret_cast<struct sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    s->port_ = ntohs(a->sin_port);
    s->bound_ = StrCat(text, ":", s->port_);
  }
  s->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s->wake_fd_ < 0) return absl::InternalError(ErrnoText("eventfd"));
  s->thread_ = std::make_unique<Thread>();
  HttpServer* raw = s.get();
  s->thread_->t = std::thread([raw]() { raw->Loop(); });
  return s;
}

HttpServer::~HttpServer() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void HttpServer::Stop() {
  if (thread_ && thread_->t.joinable()) {
    uint64_t one = 1;
    ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
    (void)ignored;
    thread_->t.join();
  }
  // Closing the listener refuses new connections instead of leaving them in the backlog.
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

void HttpServer::Handle(Conn* c) {
  // Request line: METHOD SP target SP HTTP/1.x
  size_t eol = c->in.find('\n');
  std::string_view line(c->in.data(), eol == std::string::npos ? c->in.size() : eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto parts = Split(line, ' ', true);
  HttpResponse r;
  bool head = false, allow = false;
  if (parts.size() != 3 || !StartsWith(parts[2], "HTTP/1.")) {
    r = {400, "text/plain; charset=utf-8", "bad request\n"};
  } else if (parts[0] != "GET" && parts[0] != "HEAD") {
    r = {405, "text/plain; charset=utf-8", "only GET and HEAD\n"};
    allow = true;
  } else {
    head = parts[0] == "HEAD";
    std::string_view path = parts[1];
    size_t q = path.find('?');
    if (q != std::string_view::npos) path = path.substr(0, q);
    auto it = routes_.find(std::string(path));
    if (it == routes_.end()) {
      r = {404, "text/plain; charset=utf-8", "not found\n"};
    } else {
      // Handlers are ours, but they call third-party code (prometheus-cpp) that may throw:
      // answer 500 rather than lose the server thread.
      try {
        r = it->second();
      } catch (const std::exception& e) {
        r = {500, "text/plain; charset=utf-8", StrCat("internal error: ", e.what(), "\n")};
      }
    }
  }
  c->out = Render(r, head, allow);
  c->sent = 0;
  c->responding = true;
}

void HttpServer::Loop() {
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<struct pollfd> fds;
  char buf[4096];
  while (true) {
    int64_t now = MonotonicNowNs();
    // Expire connections past their deadline.
    for (auto& c : conns) {
      if (c && now >= c->deadline_ns) {
        ::close(c->fd);
        c.reset();
      }
    }
    std::erase_if(conns, [](const std::unique_ptr<Conn>& c) { return !c; });

    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    bool accepting = static_cast<int>(conns.size()) < opts_.max_connections;
    fds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0});
    int64_t next_deadline = INT64_MAX;
    for (auto& c : conns) {
      short want = (c->responding && !c->closing) ? POLLOUT : POLLIN;
      fds.push_back({c->fd, want, 0});
      next_deadline = std::min(next_deadline, c->deadline_ns);
    }
    int timeout_ms = -1;
    if (next_deadline != INT64_MAX) {
      timeout_ms = static_cast<int>(std::max<int64_t>(0, (next_deadline - now) / 1'000'000) + 1);
    }
    int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // cannot happen with valid descriptors; stop serving rather than spin
    }
    if (fds[0].revents != 0) break;  // Stop()
    if (fds[1].revents & POLLIN) {
      while (static_cast<int>(conns.size()) < opts_.max_connections) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;  // EAGAIN, or a transient error (ECONNABORTED, EMFILE): next poll
        auto c = std::make_unique<Conn>();
        c->fd = fd;
        c->deadline_ns = MonotonicNowNs() + opts_.request_timeout_ns;
        conns.push_back(std::move(c));
      }
    }
    // fds[2 + i] belongs to conns[i] for the connections that existed before accepting.
    for (size_t i = 2; i < fds.size(); ++i) {
      Conn* c = conns[i - 2].get();
      short ev = fds[i].revents;
      if (ev == 0) continue;
      bool done = false;
      if (c->closing) {
        ssize_t r = ::recv(c->fd, buf, sizeof buf, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) done = true;
      } else if (!c->responding && (ev & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t r = ::recv(c->fd, buf, sizeof buf, 0);
        if (r > 0) {
          c->in.append(buf, static_cast<size_t>(r));
          bool complete = c->in.find("\r\n\r\n") != std::string::npos ||
                          c->in.find("\n\n") != std::string::npos;
          if (complete) {
            Handle(c);
          } else if (c->in.size() > opts_.max_request_bytes) {
            c->out = Render({431, "text/plain; charset=utf-8", "request too large\n"}, false,
                            false);
            c->responding = true;
          }
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          done = true;  // client went away before finishing its request
        }
      } else if (c->responding && (ev & (POLLOUT | POLLHUP | POLLERR))) {
        ssize_t w = ::send(c->fd, c->out.data() + c->sent, c->out.size() - c->sent,
                           MSG_NOSIGNAL);
        if (w > 0) c->sent += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
          done = true;
        } else if (c->sent == c->out.size()) {
          ::shutdown(c->fd, SHUT_WR);
          c->closing = true;
          c->in.clear();
          c->in.shrink_to_fit();
        }
      }
      if (done) {
        ::close(c->fd);
        conns[i - 2].reset();
      }
    }
    std::erase_if(conns, [](const std::unique_ptr<Conn>& c) { return !c; });
  }
  for (auto& c : conns) ::close(c->fd);
}

}  // namespace kizashi::telemetry
