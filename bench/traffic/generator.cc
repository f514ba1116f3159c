#include "bench/traffic/generator.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <queue>

#include "bench/traffic/real_lines.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::traffic {

namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kJst = 9 * 3600 * kS;

// SplitMix64: small, fast and identical on every platform (std distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  int64_t Range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t s_;
};

const char* kSectors[] = {"finance", "railway", "electricity", "telecom", "gas", "aviation"};
const char* kUsers[] = {"root", "admin", "oracle", "postgres", "ubuntu", "test", "git", "ops"};
const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string Ip(int a, int b, int c, int d) { return StrCat(a, ".", b, ".", c, ".", d); }

struct Net {
  int op;
  std::string Ctl(int host) const { return Ip(10, op + 1, 1, 10 + host); }
  std::string Svc(int host) const { return Ip(10, op + 1, 2, 10 + host); }
  std::string Client(int host) const { return Ip(10, op + 1, 5, 10 + host); }
  std::string AdWeb() const { return Ip(203, 0, 113, op + 1); }
  std::string Firewall() const { return Ip(192, 0, 2, op + 1); }
  std::string CtlHost(int i) const { return StrCat("c", op, "-ctl0", i + 1); }
  std::string SvcHost() const { return StrCat("c", op, "-svc01"); }
};

struct Pending {
  int64_t due;  // scheduled emission time (before jitter)
  uint64_t seq;
  Record rec;
  bool operator>(const Pending& o) const { return due != o.due ? due > o.due : seq > o.seq; }
};

}  // namespace

std::string EveTime(int64_t ns) {
  int64_t local = ns + kJst;
  int64_t days = local >= 0 ? local / (86400 * kS) : (local - 86400 * kS + 1) / (86400 * kS);
  int64_t rem = local - days * 86400 * kS;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  int64_t sec = rem / kS, us = (rem % kS) / 1000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lld+0900",
                static_cast<long long>(y), m, d, static_cast<long long>(sec / 3600),
                static_cast<long long>(sec / 60 % 60), static_cast<long long>(sec % 60),
                static_cast<long long>(us));
  return buf;
}

std::string SyslogTime(int64_t ns) {
  int64_t local = ns + kJst;
  int64_t days = local / (86400 * kS);
  int64_t rem = local - days * 86400 * kS;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  int64_t sec = rem / kS;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s %2u %02lld:%02lld:%02lld", kMonths[m - 1], d,
                static_cast<long long>(sec / 3600), static_cast<long long>(sec / 60 % 60),
                static_cast<long long>(sec % 60));
  return buf;
}

Generator::Generator(const GenOptions& options) : o_(options) {
  if (o_.start_ns == 0) {
    ParseIso8601("2024-03-01T00:00:00+09:00", &o_.start_ns);
  }
  o_.operators = std::clamp(o_.operators, 1, 200);
}

std::string Generator::OperatorId(int op) { return StrCat("op-", op < 10 ? "0" : "", op); }
std::string Generator::SyslogInputName(int op) { return StrCat("syslog-", OperatorId(op)); }

void Generator::Run(const std::function<void(const Record&)>& sink) {
  Rng rng(o_.seed);
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> heap;
  uint64_t seq = 0, emitted = 0, instance = 0;
  int64_t t = o_.start_ns;
  const int64_t step = static_cast<int64_t>(1e9 / std::max(o_.rate_per_second, 1e-3));
  const bool sec_profile = o_.auth_variants > 0;
  // Mean attack records per instance (see the scenarios below) ~ 5.
  const double p_attack = o_.attack_fraction / (5.0 * std::max(1e-9, 1.0 - o_.attack_fraction));
  int pid = 1000;
  bool in_attack = false;
  bool closing = false;  // the recordings' common last instant: no sensor jitter
  const RealLines real = o_.annex4 ? RealLines::Load(o_.data_dir) : RealLines{};

  auto eve = [&](int64_t when, int op, std::string body) {
    Record r;
    r.stream = Record::Stream::kEve;
    r.op = op;
    int64_t jitter = o_.max_jitter_ns > 0 && !closing ? static_cast<int64_t>(rng.Below(static_cast<uint64_t>(o_.max_jitter_ns))) : 0;
    // One record in a thousand comes from a sensor that fell behind by 1-2 minutes: late.
    // (Annex 4 catalogue: attack records are never late, so that every labelled instance is
    // detectable and quality is measured on detection, not on lateness.)
    if (o_.max_jitter_ns > 0 && !closing && !(o_.annex4 && in_attack) && rng.Below(1000) == 0) {
      jitter = rng.Range(60, 120) * kS;
    }
    r.time_ns = when - jitter;
    r.line = StrCat("{\"timestamp\":\"", EveTime(r.time_ns), "\",\"flow_id\":",
                    1'000'000'000'000ULL + seq, ",", body, ",\"operator\":\"", OperatorId(op),
                    "\"}");
    return r;
  };
  auto syslog = [&](int64_t when, int op, const std::string& host, const std::string& tag,
                    const std::string& msg) {
    Record r;
    r.stream = Record::Stream::kSyslog;
    r.op = op;
    r.time_ns = when - (when - o_.start_ns) % kS;  // RFC 3164 has whole seconds
    pid = pid >= 32000 ? 1000 : pid + 1;
    r.line = StrCat(SyslogTime(when), " ", host, " ", tag, "[", pid, "]: ", msg);
    return r;
  };
  auto push = [&](int64_t due, Record r) { heap.push(Pending{due, seq++, std::move(r)}); };
  auto external_ip = [&]() {
    return Ip(198, 18 + static_cast<int>(rng.Below(2)), static_cast<int>(rng.Below(256)),
              1 + static_cast<int>(rng.Below(254)));
  };
  auto label = [&](Record& r, const char* scenario, uint64_t inst, const std::string& target,
                   bool expect, const std::string& origin = "template") {
    r.scenario = scenario;
    r.instance = inst;
    r.target = target;
    r.expect_reportable = expect;
    r.origin = origin;
  };
  // A deterministic pick from a real-line list (empty: no pick).
  auto pick = [&](const std::vector<std::string>& v) -> const std::string* {
    return v.empty() ? nullptr : &v[rng.Below(v.size())];
  };
  auto alert_body = [&](const std::string& src_ip, int src_port, const std::string& dst_ip,
                        int dst_port, const std::string& alert) {
    return StrCat("\"event_type\":\"alert\",\"src_ip\":\"", src_ip, "\",\"src_port\":", src_port,
                  ",\"dest_ip\":\"", dst_ip, "\",\"dest_port\":", dst_port,
                  ",\"proto\":\"TCP\",", alert);
  };
  auto http_body = [&](const std::string& src_ip, const std::string& dst_ip, const std::string& host,
                       const std::string& url, int status) {
    return StrCat("\"event_type\":\"http\",\"src_ip\":\"", src_ip, "\",\"src_port\":",
                  40000 + rng.Below(20000), ",\"dest_ip\":\"", dst_ip,
                  "\",\"dest_port\":80,\"proto\":\"TCP\",\"tx_id\":0,\"http\":{\"hostname\":\"",
                  host, "\",\"url\":\"", url, "\",\"http_user_agent\":\"curl/7.68.0\","
                  "\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":", status,
                  ",\"length\":162}");
  };

  // The Annex 4 catalogue (GenOptions::annex4). Reportable: (a) an access attempt on an
  // internal-only critical system, (b) a virus able to disrupt it found inside it, (c) an
  // attack matching a severe pattern, (d) an indicator of a named group. Not reportable: the
  // ten examples of Annex 4 — four preparatory acts, three thefts of information, three
  // attacks on systems that are not critical. Each instance is labelled with what the
  // framework expects; records come from real recordings where the data has them.
  auto annex4_attack = [&](int64_t at, int op, const Net& n, const std::string& src) {
    const char* kWiper =
        "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2890001,\"rev\":1,"
        "\"signature\":\"ET TROJAN Possible wiper payload download\",\"category\":\"A Network "
        "Trojan was detected\",\"severity\":1},\"payload_printable\":\"HTTP/1.1 200 OK\\r\\n\\r\\n"
        "..ELF....KZWIPER-v2 stage..\"";
    uint64_t k = rng.Below(100);
    const std::string ctl_host = n.CtlHost(static_cast<int>(rng.Below(2)));
    if (k < 20) {  // (a) password guessing on the internal-only control system (real sshd lines)
      int count = static_cast<int>(rng.Range(5, 9));
      int64_t w = at;
      for (int i = 0; i < count; ++i) {
        const std::string* m = pick(real.ssh_failures);
        std::string msg = m != nullptr ? *m
                                       : StrCat("Failed password for ", kUsers[rng.Below(8)],
                                                " from {SRC} port ", 40000 + rng.Below(20000), " ssh2");
        msg.replace(msg.find("{SRC}"), 5, src);
        Record r = syslog(w, op, ctl_host, "sshd", msg);
        label(r, "a_access_attempt_internal_system", instance, "ctl", true,
              m != nullptr ? "real:sshd" : "template");
        push(w, std::move(r));
        w += rng.Range(2, 10) * kS;
      }
    } else if (k < 25) {  // (b) a virus able to disrupt the control system, inside it
      Record r = eve(at, op, alert_body(src, 80, n.Ctl(static_cast<int>(rng.Below(40))), 53022, kWiper));
      label(r, "b_virus_inside_critical_system", instance, "ctl", true);
      push(at, std::move(r));
    } else if (k < 35) {  // (c) an exploit matching a severe pattern (real Suricata alert)
      const std::string* a = pick(real.exploit_alerts);
      std::string alert = a != nullptr ? *a
                                       : "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":"
                                         "2024001,\"rev\":2,\"signature\":\"ET EXPLOIT Possible remote "
                                         "code execution\",\"category\":\"Attempted Administrator "
                                         "Privilege Gain\",\"severity\":1}";
      Record r = eve(at, op, alert_body(src, 40000 + static_cast<int>(rng.Below(20000)),
                                        n.Svc(static_cast<int>(rng.Below(20))), 80, alert));
      label(r, "c_severe_attack_pattern", instance, "svc", true, a != nullptr ? "real:suricata-eve" : "template");
      push(at, std::move(r));
    } else if (k < 40) {  // (d) a named group's command-and-control lookup from the control system
      Record r = eve(at, op,
                     StrCat("\"event_type\":\"dns\",\"src_ip\":\"", n.Ctl(static_cast<int>(rng.Below(40))),
                            "\",\"src_port\":53211,\"dest_ip\":\"", Ip(10, op + 1, 0, 53),
                            "\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"type\":\"query\","
                            "\"id\":77,\"rrname\":\"upd.c2.apt-kz.example\",\"rrtype\":\"A\",\"tx_id\":0}"));
      label(r, "d_group_intent", instance, "ctl", true);
      push(at, std::move(r));
    } else if (k < 46) {  // not reportable: a backdoor found (preparatory), never used
      std::string host_ip = n.Svc(static_cast<int>(rng.Below(20)));
      Record r = eve(at, op,
                     alert_body(host_ip, 4444, src, 51510,
                                "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2101000,"
                                "\"rev\":3,\"signature\":\"GPL ATTACK_RESPONSE command listener\","
                                "\"category\":\"Potentially Bad Traffic\",\"severity\":2},"
                                "\"payload_printable\":\"nc -lvp 4444 -e /bin/sh\""));
      label(r, "nr_backdoor_found", instance, "svc", false);
      push(at, std::move(r));
    } else if (k < 52) {  // not reportable: a suspicious modem on the control system
      Record r = syslog(at, op, ctl_host, "kernel",
                        StrCat("cdc_acm 1-1.", 1 + rng.Below(4), ":1.0: ttyACM0: USB ACM device "
                               "(unregistered modem)"));
      label(r, "nr_suspicious_modem", instance, "ctl", false);
      push(at, std::move(r));
    } else if (k < 58) {  // not reportable: an attack tool found planted
      Record r = syslog(at, op, ctl_host, "edr",
                        "Threat found: HackTool:Linux/Mimipenguin at /var/tmp/.cache/mimipenguin.sh "
                        "(planted, not executed); quarantined");
      label(r, "nr_attack_tool_planted", instance, "ctl", false);
      push(at, std::move(r));
    } else if (k < 64) {  // not reportable: maintenance port open to third parties
      Record r = syslog(at, op, ctl_host, "audit",
                        StrCat("maintenance port telnet/", 2300 + rng.Below(10),
                               " open to any address with the vendor default account"));
      label(r, "nr_open_maintenance_port", instance, "ctl", false);
      push(at, std::move(r));
    } else if (k < 70) {  // not reportable: configuration files taken (real probe paths)
      const std::string* u = pick(real.sensitive_urls);
      Record r = eve(at, op, http_body(src, n.Svc(static_cast<int>(rng.Below(20))),
                                       StrCat("svc.", OperatorId(op), ".example"),
                                       u != nullptr ? *u : "/config/settings.ini.bak", 200));
      label(r, "nr_configuration_stolen", instance, "svc", false, u != nullptr ? "real:nginx" : "template");
      push(at, std::move(r));
    } else if (k < 76) {  // not reportable: password file taken (real path-traversal requests)
      const std::string* u = pick(real.credential_urls);
      Record r = eve(at, op, http_body(src, n.Svc(static_cast<int>(rng.Below(20))),
                                       StrCat("svc.", OperatorId(op), ".example"),
                                       u != nullptr ? *u : "/..%2f..%2fetc%2fshadow", 200));
      label(r, "nr_passwords_stolen", instance, "svc", false, u != nullptr ? "real:nginx" : "template");
      push(at, std::move(r));
    } else if (k < 82) {  // not reportable: a sniffer on the gateway next to the control system
      Record r = syslog(at, op, ctl_host, "kernel",
                        StrCat("device eth", rng.Below(3), " entered promiscuous mode"));
      label(r, "nr_sniffer_on_gateway", instance, "ctl", false);
      push(at, std::move(r));
    } else if (k < 88) {  // not reportable: a port scan of the internet-facing firewall (real alert)
      const std::string* a = pick(real.scan_alerts);
      std::string alert = a != nullptr ? *a
                                       : "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":"
                                         "2009582,\"rev\":3,\"signature\":\"ET SCAN NMAP -sS window 1024\","
                                         "\"category\":\"Attempted Information Leak\",\"severity\":2}";
      int count = static_cast<int>(rng.Range(3, 6));
      int64_t w = at;
      for (int i = 0; i < count; ++i) {
        Record r = eve(w, op, alert_body(src, 40000 + static_cast<int>(rng.Below(20000)), n.Firewall(),
                                         static_cast<int>(rng.Range(1, 1024)), alert));
        label(r, "nr_firewall_port_scan", instance, "fw", false, a != nullptr ? "real:suricata-eve" : "template");
        push(w, std::move(r));
        w += rng.Range(1, 5) * kS;
      }
    } else if (k < 94) {  // not reportable: break-in attempts on the advertising web server
      int count = static_cast<int>(rng.Range(3, 5));
      int64_t w = at;
      for (int i = 0; i < count; ++i) {
        Record r = eve(w, op, http_body(src, n.AdWeb(), StrCat("www.", OperatorId(op), ".example"),
                                        i % 2 ? "/wp-admin/theme-editor.php" : "/wp-login.php", 200));
        label(r, "nr_advertising_web_attack", instance, "ad-web", false);
        push(w, std::move(r));
        w += rng.Range(1, 30) * kS;
      }
    } else {  // not reportable: a virus arriving at the office-only mail server
      Record r = eve(at, op, alert_body(src, 25, Ip(10, op + 1, 9, 25), 25, kWiper));
      label(r, "nr_office_mail_virus", instance, "mail", false);
      push(at, std::move(r));
    }
  };

  auto schedule_attack = [&](int64_t at) {
    ++instance;
    if (sec_profile) {
      // k failures of one variant from one source against one host, 1..20 s apart.
      int variant = static_cast<int>(rng.Below(static_cast<uint64_t>(o_.auth_variants)));
      std::string src = external_ip();
      std::string host = StrCat("h", 10 + rng.Below(20));
      int k = static_cast<int>(rng.Range(2, 8));
      int64_t w = at;
      for (int i = 0; i < k; ++i) {
        char v[16];
        std::snprintf(v, sizeof v, "%04d", variant);
        Record r = syslog(w, 0, host, "authsvc",
                          StrCat("auth-failure-", v, " for ", kUsers[rng.Below(8)], " from ",
                                 src, " port ", 40000 + rng.Below(20000)));
        label(r, "auth_failure", instance, host, false);
        push(w, std::move(r));
        w += rng.Range(1, 20) * kS;
      }
      return;
    }
    int op = static_cast<int>(rng.Below(static_cast<uint64_t>(o_.operators)));
    Net n{op};
    uint64_t kind = rng.Below(100);
    std::string src = external_ip();
    if (o_.annex4) {
      in_attack = true;
      annex4_attack(at, op, n, src);
      in_attack = false;
      return;
    }
    if (kind < 40) {  // ssh brute force on a critical host (syslog)
      std::string host = n.CtlHost(static_cast<int>(rng.Below(2)));
      int k = static_cast<int>(rng.Range(3, 10));
      int64_t w = at;
      for (int i = 0; i < k; ++i) {
        const char* user = kUsers[rng.Below(8)];
        bool invalid = rng.Below(3) == 0;
        Record r = syslog(w, op, host, "sshd",
                          StrCat("Failed password for ", invalid ? "invalid user " : "", user,
                                 " from ", src, " port ", 40000 + rng.Below(20000), " ssh2"));
        label(r, "ssh_bruteforce", instance, "ctl", k >= 5);
        push(w, std::move(r));
        w += rng.Range(2, 15) * kS;
      }
    } else if (kind < 65) {  // web admin scan against the advertising web server
      int k = static_cast<int>(rng.Range(2, 5));
      int64_t w = at;
      for (int i = 0; i < k; ++i) {
        Record r = eve(w, op,
                       StrCat("\"event_type\":\"http\",\"src_ip\":\"", src, "\",\"src_port\":",
                              40000 + rng.Below(20000), ",\"dest_ip\":\"", n.AdWeb(),
                              "\",\"dest_port\":80,\"proto\":\"TCP\",\"tx_id\":0,\"http\":{"
                              "\"hostname\":\"www.", OperatorId(op), ".example\",\"url\":\"",
                              i % 2 ? "/wp-admin/theme-editor.php" : "/wp-login.php",
                              "\",\"http_user_agent\":\"Mozilla/5.0 (compatible; WPScan)\","
                              "\"http_method\":\"POST\",\"protocol\":\"HTTP/1.1\",\"status\":200,"
                              "\"length\":4120}"));
        label(r, "web_scan", instance, "ad-web", false);
        push(w, std::move(r));
        w += rng.Range(1, 30) * kS;
      }
    } else if (kind < 85) {  // IDS scan sweep across a critical system's addresses
      int k = static_cast<int>(rng.Range(2, 6));
      int64_t w = at;
      int first = static_cast<int>(rng.Below(40));
      for (int i = 0; i < k; ++i) {
        Record r = eve(w, op,
                       StrCat("\"event_type\":\"alert\",\"src_ip\":\"", src, "\",\"src_port\":",
                              40000 + rng.Below(20000), ",\"dest_ip\":\"", n.Ctl(first + i),
                              "\",\"dest_port\":22,\"proto\":\"TCP\",\"alert\":{\"action\":"
                              "\"allowed\",\"gid\":1,\"signature_id\":2001219,\"rev\":20,"
                              "\"signature\":\"ET SCAN Potential SSH Scan\",\"category\":"
                              "\"Attempted Information Leak\",\"severity\":2}"));
        label(r, "scan_sweep", instance, "ctl", k >= 4);
        push(w, std::move(r));
        w += rng.Range(1, 10) * kS;
      }
    } else if (kind < 96) {  // exploit, then a backdoor listener, maybe removed in time
      std::string host_ip = n.Svc(static_cast<int>(rng.Below(20)));
      Record r = eve(at, op,
                     StrCat("\"event_type\":\"alert\",\"src_ip\":\"", src, "\",\"src_port\":",
                            40000 + rng.Below(20000), ",\"dest_ip\":\"", host_ip,
                            "\",\"dest_port\":443,\"proto\":\"TCP\",\"alert\":{\"action\":"
                            "\"allowed\",\"gid\":1,\"signature_id\":2024001,\"rev\":2,"
                            "\"signature\":\"ET EXPLOIT Possible remote code execution\","
                            "\"category\":\"Attempted Administrator Privilege Gain\","
                            "\"severity\":1}"));
      label(r, "intrusion_chain", instance, "svc", true);
      push(at, std::move(r));
      if (rng.Below(2) == 0) {  // reconnaissance of the same host shortly after
        int64_t sc = at + rng.Range(5, 120) * kS;
        Record s = eve(sc, op,
                       StrCat("\"event_type\":\"alert\",\"src_ip\":\"", src, "\",\"src_port\":",
                              40000 + rng.Below(20000), ",\"dest_ip\":\"", host_ip,
                              "\",\"dest_port\":22,\"proto\":\"TCP\",\"alert\":{\"action\":"
                              "\"allowed\",\"gid\":1,\"signature_id\":2001219,\"rev\":20,"
                              "\"signature\":\"ET SCAN Potential SSH Scan\",\"category\":"
                              "\"Attempted Information Leak\",\"severity\":2}"));
        label(s, "intrusion_chain", instance, "svc", true);
        push(sc, std::move(s));
      }
      int64_t b = at + rng.Range(30, 600) * kS;
      Record bd = eve(b, op,
                      StrCat("\"event_type\":\"alert\",\"src_ip\":\"", host_ip,
                             "\",\"src_port\":4444,\"dest_ip\":\"", src,
                             "\",\"dest_port\":51510,\"proto\":\"TCP\",\"alert\":{\"action\":"
                             "\"allowed\",\"gid\":1,\"signature_id\":2101000,\"rev\":3,"
                             "\"signature\":\"GPL ATTACK_RESPONSE command listener\","
                             "\"category\":\"Potentially Bad Traffic\",\"severity\":2},"
                             "\"payload_printable\":\"nc -lvp 4444 -e /bin/sh\""));
      label(bd, "intrusion_chain", instance, "svc", true);
      push(b, std::move(bd));
      if (rng.Below(2) == 0) {
        int64_t rm = b + rng.Range(2, 400) * kS;
        Record x = syslog(rm, op, n.SvcHost(), "edr", "Listener removed: pid 4242 (nc) killed");
        label(x, "intrusion_chain", instance, "svc", true);
        push(rm, std::move(x));
      }
    } else if (kind < 99) {  // wiper download to a critical host
      Record r = eve(at, op,
                     StrCat("\"event_type\":\"alert\",\"src_ip\":\"", src,
                            "\",\"src_port\":80,\"dest_ip\":\"", n.Ctl(static_cast<int>(rng.Below(40))),
                            "\",\"dest_port\":53022,\"proto\":\"TCP\",\"alert\":{\"action\":"
                            "\"allowed\",\"gid\":1,\"signature_id\":2890001,\"rev\":1,"
                            "\"signature\":\"ET TROJAN Possible wiper payload download\","
                            "\"category\":\"A Network Trojan was detected\",\"severity\":1},"
                            "\"payload_printable\":\"HTTP/1.1 200 OK\\r\\n\\r\\n..ELF....KZWIPER-v2 stage..\""));
      label(r, "virus", instance, "ctl", true);
      push(at, std::move(r));
    } else {  // actor C2 lookup from a critical host
      Record r = eve(at, op,
                     StrCat("\"event_type\":\"dns\",\"src_ip\":\"", n.Ctl(static_cast<int>(rng.Below(40))),
                            "\",\"src_port\":53211,\"dest_ip\":\"", Ip(10, op + 1, 0, 53),
                            "\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"type\":\"query\","
                            "\"id\":77,\"rrname\":\"upd.c2.apt-kz.example\",\"rrtype\":\"A\","
                            "\"tx_id\":0}"));
      label(r, "actor", instance, "ctl", true);
      push(at, std::move(r));
    }
  };

  auto background = [&](int64_t when) {
    if (sec_profile) {
      std::string host = StrCat("h", 10 + rng.Below(20));
      switch (rng.Below(4)) {
        case 0:
          return syslog(when, 0, host, "CRON", "(root) CMD (/usr/local/bin/healthcheck)");
        case 1:
          return syslog(when, 0, host, "sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by ops(uid=1001)");
        case 2:
          return syslog(when, 0, host, "authsvc",
                        StrCat("accepted publickey for ops from 10.0.", rng.Below(256), ".",
                               1 + rng.Below(254), " port ", 40000 + rng.Below(20000)));
        default:
          return syslog(when, 0, host, "systemd", "Started Session 42 of user ops.");
      }
    }
    int op = static_cast<int>(rng.Below(static_cast<uint64_t>(o_.operators)));
    Net n{op};
    uint64_t k = rng.Below(10);
    if (k < 6) {
      switch (k % 3) {
        case 0:
          return eve(when, op,
                     StrCat("\"event_type\":\"dns\",\"src_ip\":\"", n.Client(static_cast<int>(rng.Below(200))),
                            "\",\"src_port\":", 30000 + rng.Below(30000), ",\"dest_ip\":\"",
                            Ip(10, op + 1, 0, 53), "\",\"dest_port\":53,\"proto\":\"UDP\","
                            "\"dns\":{\"type\":\"query\",\"id\":", rng.Below(65536),
                            ",\"rrname\":\"host", rng.Below(500), ".", OperatorId(op),
                            ".example\",\"rrtype\":\"A\",\"tx_id\":0}"));
        case 1:
          return eve(when, op,
                     StrCat("\"event_type\":\"http\",\"src_ip\":\"198.51.100.", 1 + rng.Below(254),
                            "\",\"src_port\":", 30000 + rng.Below(30000), ",\"dest_ip\":\"",
                            n.AdWeb(), "\",\"dest_port\":80,\"proto\":\"TCP\",\"tx_id\":0,"
                            "\"http\":{\"hostname\":\"www.", OperatorId(op), ".example\","
                            "\"url\":\"/campaign/page", rng.Below(100), ".html\","
                            "\"http_user_agent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\","
                            "\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,"
                            "\"length\":", 1000 + rng.Below(50000), "}"));
        default:
          return eve(when, op,
                     StrCat("\"event_type\":\"flow\",\"src_ip\":\"", n.Client(static_cast<int>(rng.Below(200))),
                            "\",\"src_port\":", 30000 + rng.Below(30000), ",\"dest_ip\":\"",
                            n.Svc(static_cast<int>(rng.Below(20))),
                            "\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\","
                            "\"flow\":{\"pkts_toserver\":", 1 + rng.Below(100),
                            ",\"pkts_toclient\":", 1 + rng.Below(100),
                            ",\"bytes_toserver\":", 100 + rng.Below(100000),
                            ",\"bytes_toclient\":", 100 + rng.Below(100000),
                            ",\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false}"));
      }
    }
    std::string host = k % 2 ? n.CtlHost(static_cast<int>(rng.Below(2))) : n.SvcHost();
    switch (k) {
      case 6:
        return syslog(when, op, host, "CRON", "(root) CMD (/usr/local/bin/healthcheck)");
      case 7:
        return syslog(when, op, host, "sudo",
                      "pam_unix(sudo:session): session opened for user root(uid=0) by ops(uid=1001)");
      case 8:
        return syslog(when, op, host, "sshd",
                      StrCat("Accepted publickey for ops from ", n.Client(static_cast<int>(rng.Below(200))),
                             " port ", 40000 + rng.Below(20000), " ssh2"));
      default:
        return syslog(when, op, host, "systemd", "Started Daily apt upgrade and clean activities.");
    }
  };

  while (emitted < o_.events) {
    t += step / 2 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(step)));
    while (!heap.empty() && heap.top().due <= t && emitted < o_.events) {
      sink(heap.top().rec);
      heap.pop();
      ++emitted;
    }
    if (emitted >= o_.events) break;
    if (rng.Unit() < p_attack) schedule_attack(t);
    sink(background(t));
    ++emitted;
  }
  // Annex 4 catalogue: finish the instances already started (a few records past `events`),
  // so that every labelled instance is whole and its expectation holds. Background traffic
  // goes on meanwhile (no new attacks), so every file's event time keeps advancing together
  // and a replay's merge by file position does not make the last attack records late.
  while (o_.annex4 && !heap.empty()) {
    t += step / 2 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(step)));
    while (!heap.empty() && heap.top().due <= t) {
      sink(heap.top().rec);
      heap.pop();
    }
    sink(background(t));
  }
  // Annex 4 catalogue: every recording ends at the same instant T (the next whole second), with
  // one ordinary record per operator and file — a flow in eve.jsonl, a cron line in each
  // syslog file. A replay's watermark ends at (last event time - allowed lateness) of its
  // scope — a file in the file configuration, a partition group (the files of the operators
  // it holds) in Kafka — so recordings that stop at different instants close the incidents
  // whose quiet period ends in between in one replay and not in the other. Like a capture
  // window common to all sensors, T makes the end the same for every scope.
  if (o_.annex4 && emitted > 0) {
    const int64_t end = t - (t - o_.start_ns) % kS + kS;
    closing = true;
    for (int op = 0; op < o_.operators; ++op) {
      Net n{op};
      sink(eve(end, op,
               StrCat("\"event_type\":\"flow\",\"src_ip\":\"", n.Client(0), "\",\"src_port\":40000,"
                      "\"dest_ip\":\"", n.Svc(0), "\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\","
                      "\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":1,\"bytes_toserver\":100,"
                      "\"bytes_toclient\":100,\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false}")));
      sink(syslog(end, op, n.SvcHost(), "CRON", "(root) CMD (/usr/local/bin/healthcheck)"));
    }
  }
}

std::string Generator::RegistryYaml(const GenOptions& o) {
  std::string y =
      "# Generated by kizashi-traffic: the operators of the generated traffic (fictional).\n"
      "ministries:\n"
      "  - {id: cas, name_en: Cabinet Secretariat, destination: cabinet-secretariat, "
      "cabinet_secretariat: true}\n"
      "  - {id: fsa, name_en: Financial Services Agency, destination: ministry.fsa}\n"
      "  - {id: mlit, name_en: MLIT, destination: ministry.mlit}\n"
      "  - {id: meti, name_en: METI, destination: ministry.meti}\n"
      "  - {id: mic, name_en: MIC, destination: ministry.mic}\n"
      "sectors:\n"
      "  - {id: finance, name_en: Finance, ministry: fsa}\n"
      "  - {id: railway, name_en: Railway, ministry: mlit}\n"
      "  - {id: aviation, name_en: Aviation, ministry: mlit}\n"
      "  - {id: electricity, name_en: Electricity, ministry: meti}\n"
      "  - {id: gas, name_en: Gas, ministry: meti}\n"
      "  - {id: telecom, name_en: Telecommunications, ministry: mic}\n"
      "operators:\n";
  int ops = std::clamp(o.operators, 1, 200);
  for (int op = 0; op < ops; ++op) {
    Net n{op};
    StrAppend(&y, "  - id: ", OperatorId(op), "\n    name: Generated operator ", op,
              "\n    sector: ", kSectors[op % 6], "\n    home_networks: [", Ip(10, op + 1, 0, 0),
              "/16, ", n.AdWeb(), "/32", o.annex4 ? StrCat(", ", n.Firewall(), "/32") : std::string(), "]\n",
              "    contact: {person: SOC ", op, ", means: [{type: phone, value: \"+81-3-0000-", 1000 + op,
              "\"}, {type: email, value: soc@", OperatorId(op), ".example}]}\n",
              "    critical_systems:\n",
              "      - {id: ctl, name: Control system, category: plant_control, internal_only: true, "
              "networks: [", Ip(10, op + 1, 1, 0), "/24], hostnames: [", n.CtlHost(0), ", ",
              n.CtlHost(1), "]}\n",
              "      - {id: svc, name: Customer service system, category: service, internal_only: "
              "false, networks: [", Ip(10, op + 1, 2, 0), "/24], hostnames: [", n.SvcHost(), "]}\n");
    if (o.auth_variants > 0 && op == 0) {
      // The SEC-comparison profile's syslog hosts h10..h29 (see Run).
      StrAppend(&y, "      - {id: hosts, name: Authentication servers, category: service, "
                    "internal_only: true, networks: [10.1.3.0/24], hostnames: [");
      for (int h = 10; h < 30; ++h) StrAppend(&y, h > 10 ? ", " : "", "h", h);
      StrAppend(&y, "]}\n");
    }
    StrAppend(&y,
              "    assets:\n",
              "      - {id: ad-web, name: Advertising web server, role: advertising_web, networks: [",
              n.AdWeb(), "/32]}\n",
              "      - {id: mail, name: Office mail, role: office_mail, networks: [",
              Ip(10, op + 1, 9, 25), "/32]}\n");
    if (o.annex4) {
      StrAppend(&y, "      - {id: fw, name: Internet-facing firewall, role: internet_firewall, networks: [",
                n.Firewall(), "/32]}\n");
    }
  }
  return y;
}

std::string Generator::PackYaml(const GenOptions& o) {
  if (o.annex4) {
    return R"(# Generated by kizashi-traffic --profile annex4: entries for the Annex 4 catalogue (format:
# docs/pattern-packs.md). Attack types decide the verdict: unauthorized_access on an
# internal-only system -> (a); a virus marked able to disrupt -> (b); a high-severity attack
# pattern -> (c); an actor indicator -> (d); preparatory and credential_theft -> not reportable.
pack:
  id: kizashi-traffic-annex4
  version: "1"
  issued_at: "2024-03-01T00:00:00Z"
  issuer: kizashi-traffic (benchmark issuer)
entries:
  - {id: ssh-fail, kind: attack_pattern, title: SSH password failure or unknown user, regex: '(Failed password for (invalid user )?\S+|Invalid user \S*) from ', fields: [message], attack_type: unauthorized_access, severity: medium}
  - {id: exploit, kind: attack_pattern, title: Exploit attempt, regex: '^ET EXPLOIT ', fields: [alert.signature], attack_type: unauthorized_access, severity: high}
  - {id: ids-scan-any, kind: attack_pattern, title: IDS scan alert, regex: '^ET SCAN ', fields: [alert.signature], attack_type: recon, severity: medium}
  - {id: web-admin, kind: attack_pattern, title: Web admin brute force, regex: '/wp-login\.php|/wp-admin/', flags: [caseless], fields: [http.url], attack_type: unauthorized_access, severity: medium}
  - {id: backdoor, kind: attack_pattern, title: Bind-shell listener, regex: '\b(nc|ncat|netcat)\s+-[a-z]*l[a-z]*\s.*-e\s+/bin/(ba)?sh', fields: [message, payload], attack_type: preparatory, severity: high}
  - {id: modem, kind: attack_pattern, title: Modem attached, regex: 'ttyACM[0-9]+: USB ACM device', fields: [message], attack_type: preparatory, severity: medium}
  - {id: attack-tool, kind: attack_pattern, title: Attack tool found, regex: 'HackTool:', fields: [message], attack_type: preparatory, severity: high}
  - {id: maint-port, kind: attack_pattern, title: Maintenance port open to anyone, regex: 'maintenance port \S+ open to any', fields: [message], attack_type: preparatory, severity: medium}
  - {id: config-theft, kind: attack_pattern, title: Configuration or secret file requested, regex: '\.env|\.git|\.htpasswd|wp-config|config|backup|\.sql', flags: [caseless], fields: [http.url], attack_type: credential_theft, severity: medium}
  - {id: cred-theft, kind: attack_pattern, title: Password file requested, regex: 'etc(/|%2f|%252f)(passwd|shadow)', flags: [caseless], fields: [http.url], attack_type: credential_theft, severity: high}
  - {id: sniffer, kind: attack_pattern, title: Interface in promiscuous mode, regex: 'entered promiscuous mode', fields: [message], attack_type: credential_theft, severity: medium}
  - {id: wiper, kind: virus_signature, title: Wiper able to disrupt control systems, hex: '4b5a57495045522d??32', fields: [payload], attack_type: destruction, severity: critical, may_disrupt_critical_systems: true}
  - {id: apt-kz-c2, kind: actor_indicator, title: APT-KZ command and control domain, regex: 'c2\.apt-kz\.example', fields: [dns.rrname], attack_type: malware, severity: high, actor: APT-KZ}
)";
  }
  return R"(# Generated by kizashi-traffic: entries matching the injected attacks (format:
# docs/pattern-packs.md).
pack:
  id: kizashi-traffic
  version: "1"
  issued_at: "2024-03-01T00:00:00Z"
  issuer: kizashi-traffic (benchmark issuer)
entries:
  - {id: ssh-fail, kind: attack_pattern, title: SSH password failure, regex: 'Failed password for (invalid user )?\S+ from ', fields: [message], attack_type: unauthorized_access, severity: medium}
  - {id: ids-scan, kind: attack_pattern, title: IDS SSH scan, regex: 'ET SCAN Potential SSH Scan', fields: [alert.signature], attack_type: unauthorized_access, severity: medium}
  - {id: web-admin, kind: attack_pattern, title: Web admin brute force, regex: '/wp-login\.php|/wp-admin/', flags: [caseless], fields: [http.url], attack_type: unauthorized_access, severity: medium}
  - {id: exploit, kind: attack_pattern, title: Remote code execution attempt, regex: 'ET EXPLOIT', fields: [alert.signature], attack_type: unauthorized_access, severity: high}
  - {id: backdoor, kind: attack_pattern, title: Bind-shell listener, regex: '\b(nc|ncat|netcat)\s+-[a-z]*l[a-z]*\s.*-e\s+/bin/(ba)?sh', fields: [message, payload], attack_type: preparatory, severity: high}
  - {id: wiper, kind: virus_signature, title: Wiper able to disrupt control systems, hex: '4b5a57495045522d??32', fields: [payload], attack_type: destruction, severity: critical, may_disrupt_critical_systems: true}
  - {id: apt-kz-c2, kind: actor_indicator, title: APT-KZ command and control domain, regex: 'c2\.apt-kz\.example', fields: [dns.rrname], attack_type: malware, severity: high, actor: APT-KZ}
)";
}

std::string Generator::RulesYaml(const GenOptions& o) {
  if (o.annex4) {
    // Single-event rules group by source address so that unrelated instances against the same
    // system do not merge into one incident; no multi-step rule spans two instances.
    return R"(# Generated by kizashi-traffic --profile annex4: rules for the Annex 4 catalogue.
rules:
  - id: brute
    match: {entries: [ssh-fail], target: critical_system}
    group_by: [src_ip]
    condition: {type: event_count, count: 5, window: 2m}
    suppress: 30m
    quiet: 10m
  - id: exploit
    match: {entries: [exploit], target: critical_system}
    group_by: [src_ip]
    condition: {type: single}
    suppress: 1h
  - id: virus
    match: {kinds: [virus_signature], target: critical_system}
    group_by: [src_ip]
    condition: {type: single}
    suppress: 1h
  - id: actor
    match: {kinds: [actor_indicator]}
    group_by: [src_ip]
    condition: {type: single}
    suppress: 1h
  - id: preparatory
    match: {entries: [modem, attack-tool, maint-port], target: critical_system}
    condition: {type: single}
    suppress: 1h
  - id: backdoor-not-removed
    match: {target: critical_system}
    group_by: [src_ip]
    condition:
      type: absence
      window: 5m
      trigger: {entries: [backdoor]}
      expect: {where: [{field: message, contains: Listener removed}]}
    suppress: 1h
  - id: theft
    match: {entries: [config-theft, cred-theft, sniffer], target: critical_system}
    condition: {type: single}
    suppress: 1h
  - id: scan-edge
    match: {entries: [ids-scan-any], target: non_critical_asset}
    group_by: [src_ip]
    condition: {type: event_count, count: 3, window: 5m}
    suppress: 30m
  - id: web
    match: {entries: [web-admin], target: non_critical_asset}
    group_by: [src_ip]
    condition: {type: event_count, count: 3, window: 5m}
    suppress: 30m
  - id: virus-office
    match: {kinds: [virus_signature], target: non_critical_asset}
    condition: {type: single}
    suppress: 1h
)";
  }
  return R"(# Generated by kizashi-traffic: one rule per condition type for the injected attacks.
rules:
  - id: brute
    match: {entries: [ssh-fail], target: critical_system}
    group_by: [src_ip]
    condition: {type: event_count, count: 5, window: 2m}
    suppress: 30m
    quiet: 10m
  - id: web
    match: {entries: [web-admin], target: non_critical_asset}
    group_by: [src_ip]
    condition: {type: event_count, count: 3, window: 5m}
    suppress: 30m
  - id: sweep
    match: {entries: [ids-scan], target: critical_system}
    group_by: [src_ip]
    condition: {type: value_count, field: dst_ip, count: 4, window: 5m}
    suppress: 30m
  - id: chain
    match: {target: critical_system}
    condition:
      type: temporal_ordered
      window: 15m
      steps:
        - {id: exploit, match: {entries: [exploit]}}
        - {id: backdoor, match: {entries: [backdoor]}}
    suppress: 1h
  - id: exploit-and-scan
    match: {target: critical_system}
    condition:
      type: temporal
      window: 10m
      steps:
        - {id: exploit, match: {entries: [exploit]}}
        - {id: scan, match: {entries: [ids-scan]}}
    suppress: 1h
  - id: backdoor-not-removed
    match: {target: critical_system}
    condition:
      type: absence
      window: 5m
      trigger: {entries: [backdoor]}
      expect: {where: [{field: message, contains: Listener removed}]}
    suppress: 1h
  - id: virus
    match: {kinds: [virus_signature], target: critical_system}
    condition: {type: single}
    suppress: 1h
  - id: actor
    match: {kinds: [actor_indicator]}
    condition: {type: single}
    suppress: 1h
)";
}

namespace {

constexpr const char* kDestinationNames[] = {"ministry.fsa", "ministry.mlit", "ministry.meti",
                                             "ministry.mic", "cabinet-secretariat",
                                             "observations", "dead-letter", "late"};

// Registry, pack, rules and correlation settings: the same in the file and Kafka configs.
std::string SharedYaml(const GenOptions& o) {
  return StrCat(
      "registry: {paths: [registry.yaml], watch_interval: 0s}\n"
      "# The generated pack is not signed: accepted only because of this flag.\n"
      "patterns: {packs: [pack.yaml], insecure_allow_unsigned: true, watch: false}\n"
      "rules: [rules.yaml]\n",
      o.annex4 ? "correlate: {allowed_lateness: 30s, max_evidence: 200}\n"
               : "correlate: {allowed_lateness: 30s}\n");
}

}  // namespace

std::string Generator::ConfigYaml(const GenOptions& o) {
  std::string y =
      "# Generated by kizashi-traffic: replays this directory (kizashi run --config kizashi.yaml).\n"
      "inputs:\n"
      "  - {name: eve, type: file, path: eve.jsonl, partition: 0, format: eve, "
      "operator_from: field, operator_field: operator}\n";
  int ops = std::clamp(o.operators, 1, 200);
  for (int op = 0; op < (o.auth_variants > 0 ? 1 : ops); ++op) {
    // annex4: one partition per operator's syslog file. Files merged into one partition
    // interleave by file position, which drifts from event time over a long file by more than
    // the allowed lateness; a partition per file (as Kafka keyed by operator would give) does not.
    StrAppend(&y, "  - {name: ", SyslogInputName(op), ", type: file, path: ", SyslogInputName(op),
              ".log, partition: ", o.annex4 ? op + 1 : 1, ", format: syslog, operator_from: fixed, operator: ",
              OperatorId(op), ", year: 2024, timezone: \"+09:00\"}\n");
  }
  StrAppend(&y, SharedYaml(o),
            "state: {dir: state}\n"
            "metrics: {enabled: false}\n"
            "output_dir: out\n"
            "destinations:\n");
  for (const char* d : kDestinationNames) {
    StrAppend(&y, "  - {name: ", d, ", type: file, path: ", d, ".jsonl}\n");
  }
  return y;
}

std::string Generator::KafkaConfigYaml(const GenOptions& o) {
  std::string y =
      "# Generated by kizashi-traffic: this directory in Kafka mode. One topic per file, keyed by\n"
      "# operator by `kizashi produce` (add --rate R to pace it):\n"
      "#   kizashi topics create --config kizashi-kafka.yaml --set kafka.brokers=HOST:PORT\n"
      "#   kizashi produce       --config kizashi-kafka.yaml --set kafka.brokers=HOST:PORT --rate 50000\n"
      "#   kizashi run           --config kizashi-kafka.yaml --set kafka.brokers=HOST:PORT\n"
      "inputs:\n"
      "  - {name: eve, type: kafka, topic: eve, path: eve.jsonl, format: eve, "
      "operator_from: field, operator_field: operator}\n";
  int ops = std::clamp(o.operators, 1, 200);
  for (int op = 0; op < (o.auth_variants > 0 ? 1 : ops); ++op) {
    StrAppend(&y, "  - {name: ", SyslogInputName(op), ", type: kafka, topic: ", SyslogInputName(op),
              ", path: ", SyslogInputName(op), ".log, format: syslog, operator_from: fixed, operator: ",
              OperatorId(op), ", year: 2024, timezone: \"+09:00\"}\n");
  }
  StrAppend(&y, SharedYaml(o),
            "state: {dir: state-kafka}\n"
            "kafka:\n"
            "  brokers: 127.0.0.1:9092\n"
            "  topic_prefix: kizashi-traffic.\n"
            "  group_id: kizashi-traffic\n"
            "  processing_guarantee: at_least_once\n"
            "  topics: {input_partitions: 6, output_partitions: 3}\n"
            "destinations:\n");
  for (const char* d : kDestinationNames) {
    StrAppend(&y, "  - {name: ", d, ", type: kafka, topic: ", d, "}\n");
  }
  return y;
}

absl::Status Generator::WriteDirectory(const GenOptions& o, const std::string& dir, bool labels,
                                       uint64_t* eve_lines, uint64_t* syslog_lines) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(StrCat("cannot create ", dir, ": ", ec.message()));
  auto write = [&](const std::string& name, const std::string& text) -> absl::Status {
    std::ofstream f(fs::path(dir) / name, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    return f ? absl::OkStatus() : absl::InternalError(StrCat("cannot write ", dir, "/", name));
  };
  absl::Status st = write("registry.yaml", RegistryYaml(o));
  if (st.ok()) st = write("pack.yaml", PackYaml(o));
  if (st.ok()) st = write("rules.yaml", RulesYaml(o));
  if (st.ok()) st = write("kizashi.yaml", ConfigYaml(o));
  if (st.ok()) st = write("kizashi-kafka.yaml", KafkaConfigYaml(o));
  if (!st.ok()) return st;
  int ops = o.auth_variants > 0 ? 1 : std::clamp(o.operators, 1, 200);
  std::ofstream eve(fs::path(dir) / "eve.jsonl", std::ios::binary | std::ios::trunc);
  std::vector<std::unique_ptr<std::ofstream>> sys;
  for (int op = 0; op < ops; ++op) {
    sys.push_back(std::make_unique<std::ofstream>(fs::path(dir) / (SyslogInputName(op) + ".log"),
                                                  std::ios::binary | std::ios::trunc));
  }
  std::unique_ptr<std::ofstream> lab;
  if (labels) {
    lab = std::make_unique<std::ofstream>(fs::path(dir) / "labels.jsonl",
                                          std::ios::binary | std::ios::trunc);
  }
  std::vector<uint64_t> lines(static_cast<size_t>(ops), 0);
  uint64_t eve_n = 0;
  Generator g(o);
  g.Run([&](const Record& r) {
    std::string file;
    uint64_t line;
    if (r.stream == Record::Stream::kEve) {
      eve << r.line << '\n';
      line = ++eve_n;
      file = "eve.jsonl";
    } else {
      *sys[static_cast<size_t>(r.op)] << r.line << '\n';
      line = ++lines[static_cast<size_t>(r.op)];
      file = SyslogInputName(r.op) + ".log";
    }
    if (lab && !r.scenario.empty()) {
      *lab << "{\"file\":\"" << file << "\",\"line\":" << line << ",\"scenario\":\"" << r.scenario
           << "\",\"instance\":" << r.instance << ",\"operator\":\"" << OperatorId(r.op)
           << "\",\"target\":\"" << r.target << "\",\"time\":\"" << EveTime(r.time_ns)
           << "\",\"expect\":\"" << (r.expect_reportable ? "reportable" : "not_reportable")
           << "\",\"origin\":\"" << r.origin << "\"}\n";
    }
  });
  eve.close();
  for (auto& f : sys) f->close();
  if (!eve) return absl::InternalError("cannot write eve.jsonl");
  if (eve_lines) *eve_lines = eve_n;
  if (syslog_lines) {
    *syslog_lines = 0;
    for (auto n : lines) *syslog_lines += n;
  }
  return absl::OkStatus();
}

}  // namespace kizashi::traffic
