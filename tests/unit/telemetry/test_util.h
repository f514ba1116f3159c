// Helpers for tests of the operational surface: a blocking HTTP/1.1 client for the endpoint
// and `promtool check metrics` on a scrape. Header-only; tests only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace kizashi::testing {

struct HttpReply {
  int status = 0;  // 0: no answer
  std::string headers;
  std::string body;
};

// Connects to 127.0.0.1:port (or ::1 with `v6`), sends `request` verbatim, reads until the
// server closes.
inline HttpReply HttpRaw(int port, const std::string& request, bool v6 = false) {
  HttpReply r;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return r;
  int rc;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    a.sin6_addr = in6addr_loopback;
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) {
    ::close(fd);
    return r;
  }
  size_t off = 0;
  while (off < request.size()) {
    ssize_t n = ::send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  std::string all;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t sp = all.find(' ');
  if (all.compare(0, 5, "HTTP/") != 0 || sp == std::string::npos) return r;
  r.status = std::atoi(all.c_str() + sp + 1);
  size_t end = all.find("\r\n\r\n");
  r.headers = all.substr(0, end);
  if (end != std::string::npos) r.body = all.substr(end + 4);
  return r;
}

inline HttpReply HttpGet(int port, const std::string& path, bool v6 = false) {
  return HttpRaw(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n", v6);
}

// Path of promtool, or "" when the Debian `prometheus` package is not installed.
inline std::string PromtoolPath() {
  for (const char* p : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
inline int PromtoolCheckMetrics(const std::string& text, const std::string& tmp_dir,
                                std::string* output) {
  std::string path = tmp_dir + "/scrape.txt";
  std::ofstream(path) << text;
  std::string cmd = PromtoolPath() + " check metrics < " + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  output->clear();
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace kizashi::testing
