#include "engine/decode/message_extract.h"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/common/strings.h"
#include "engine/decode/decode_util.h"

namespace kizashi::decode::internal {

namespace {

// Messages are split on single spaces into at most this many tokens (the rest is ignored):
// every extractor here finds what it needs well before.
constexpr size_t kMaxTokens = 48;

struct Tokens {
  std::array<std::string_view, kMaxTokens> t;
  size_t n = 0;
};

// Splits on single spaces, 16 bytes at a time (messages are record bytes: the padding after
// the record makes the last block readable).
void Tokenize(std::string_view s, Tokens* out) {
  out->n = 0;
  const char* p = s.data();
  size_t n = s.size(), start = 0;
#if defined(__SSE2__)
  for (size_t base = 0; base < n; base += 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + base));
    uint32_t m = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' '))));
    if (n - base < 16) m &= (1u << (n - base)) - 1;
    while (m != 0) {
      size_t i = base + static_cast<size_t>(__builtin_ctz(m));
      m &= m - 1;
      out->t[out->n++] = std::string_view(p + start, i - start);
      start = i + 1;
      if (out->n == kMaxTokens) return;
    }
  }
#else
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == ' ') {
      out->t[out->n++] = std::string_view(p + start, i - start);
      start = i + 1;
      if (out->n == kMaxTokens) return;
    }
  }
#endif
  out->t[out->n++] = std::string_view(p + start, n - start);
}

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

enum class Kv : uint8_t { kNone, kSrc, kDst, kSrcPort, kDstPort, kProto, kAction, kUser, kHost,
                          kDate, kTime, kTz, kRhost };

Kv KvTarget(std::string_view k) {
  switch (k.size()) {
    case 2:
      if (k == "tz") return Kv::kTz;
      break;
    case 3:
      if (k == "SRC" || k == "src") return Kv::kSrc;
      if (k == "DST" || k == "dst") return Kv::kDst;
      if (k == "SPT" || k == "spt") return Kv::kSrcPort;
      if (k == "DPT" || k == "dpt") return Kv::kDstPort;
      if (k == "act") return Kv::kAction;
      if (k == "rip") return Kv::kRhost;
      break;
    case 4:
      if (k == "user") return Kv::kUser;
      if (k == "date") return Kv::kDate;
      if (k == "time") return Kv::kTime;
      break;
    case 5:
      if (k == "srcip") return Kv::kSrc;
      if (k == "dstip") return Kv::kDst;
      if (k == "PROTO" || k == "proto") return Kv::kProto;
      if (k == "remip") return Kv::kSrc;
      if (k == "rhost") return Kv::kRhost;
      if (k == "suser") return Kv::kUser;
      break;
    case 6:
      if (k == "action") return Kv::kAction;
      if (k == "src_ip") return Kv::kSrc;
      if (k == "dst_ip") return Kv::kDst;
      break;
    case 7:
      if (k == "srcport") return Kv::kSrcPort;
      if (k == "dstport") return Kv::kDstPort;
      if (k == "devname") return Kv::kHost;
      if (k == "usrName") return Kv::kUser;
      break;
    case 8:
      if (k == "src_port") return Kv::kSrcPort;
      if (k == "dst_port") return Kv::kDstPort;
      break;
    default:
      break;
  }
  return Kv::kNone;
}

std::string_view StripPunct(std::string_view t) {
  while (!t.empty() && (t.back() == ',' || t.back() == ';' || t.back() == ':' ||
                        t.back() == '.' || t.back() == ')' || t.back() == '>' ||
                        t.back() == '\'' || t.back() == '"')) {
    t.remove_suffix(1);
  }
  while (!t.empty() && (t.front() == '(' || t.front() == '<' || t.front() == '\'' ||
                        t.front() == '"')) {
    t.remove_prefix(1);
  }
  return t;
}

bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

std::string_view ProtoWord(std::string_view w) {
  if (EqualsLower(w, "tcp")) return "TCP";
  if (EqualsLower(w, "udp")) return "UDP";
  if (EqualsLower(w, "icmp")) return "ICMP";
  if (EqualsLower(w, "icmp6") || EqualsLower(w, "ipv6-icmp")) return "IPv6-ICMP";
  return {};
}

// Splits CSV honouring double quotes ("a,b" is one field; "" inside stays as written).
size_t SplitCsv(std::string_view s, std::string_view* out, size_t max) {
  size_t n = 0, i = 0;
  while (n < max) {
    if (i < s.size() && s[i] == '"') {
      size_t j = i + 1;
      while (j < s.size()) {
        if (s[j] == '"') {
          if (j + 1 < s.size() && s[j + 1] == '"') {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      out[n++] = s.substr(i + 1, j > i + 1 ? j - i - 1 : 0);
      i = j + 1;  // past the closing quote (or the end)
      if (i >= s.size()) break;
      if (s[i] == ',') ++i;
      continue;
    }
    size_t c = s.find(',', i);
    if (c == std::string_view::npos) {
      out[n++] = s.substr(std::min(i, s.size()));
      break;
    }
    out[n++] = s.substr(i, c - i);
    i = c + 1;
  }
  return n;
}

}  // namespace

bool AddressToken(std::string_view token, IpAddr* out) {
  std::string_view t = StripPunct(token);
  if (t.empty()) return false;
  if (ParseIp(t, out)) return true;
  // host[1.2.3.4] / [1.2.3.4]:port / host(1.2.3.4)
  size_t lb = t.find('[');
  if (lb != std::string_view::npos) {
    size_t rb = t.find(']', lb);
    if (rb != std::string_view::npos && ParseIp(t.substr(lb + 1, rb - lb - 1), out)) return true;
  }
  size_t lp = t.find('(');
  if (lp != std::string_view::npos) {
    size_t rp = t.find(')', lp);
    std::string_view in = t.substr(lp + 1, rp == std::string_view::npos ? t.npos : rp - lp - 1);
    if (ParseIp(in, out)) return true;
  }
  *out = IpAddr{};
  return false;
}

void ExtractKeyValues(std::string_view msg, Arena* arena, Event* e, KvTime* time) {
  const char* p = msg.data();
  size_t n = msg.size();
  size_t i = 0;      // search position
  size_t floor = 0;  // a key cannot start before the end of the previous value
  while (i < n) {
    const void* eqp = std::memchr(p + i, '=', n - i);
    if (eqp == nullptr) break;
    size_t eq = static_cast<size_t>(static_cast<const char*>(eqp) - p);
    size_t ks = eq;
    while (ks > floor && IsKeyChar(p[ks - 1])) --ks;
    // Value: "quoted" (FortiGate) or up to the next space.
    size_t vs = eq + 1, ve, next;
    if (vs < n && p[vs] == '"') {
      size_t j = vs + 1;
      while (j < n && !(p[j] == '"' && p[j - 1] != '\\')) ++j;
      ve = j;
      ++vs;
      next = j + 1;
    } else {
      ve = vs;
      while (ve < n && p[ve] != ' ') ++ve;
      next = ve;
    }
    bool key_ok = ks < eq && (ks == 0 || p[ks - 1] == ' ' || p[ks - 1] == ',' ||
                              p[ks - 1] == ';' || p[ks - 1] == '[' || p[ks - 1] == '(' ||
                              p[ks - 1] == '\t');
    if (key_ok) {
      std::string_view key(p + ks, eq - ks);
      std::string_view val(p + vs, ve > vs ? ve - vs : 0);
      while (!val.empty() && (val.back() == ',' || val.back() == ';')) val.remove_suffix(1);
      Kv t = KvTarget(key);
      switch (t) {
        case Kv::kNone: break;
        case Kv::kSrc:
          if (!e->src.valid) ParseIp(val, &e->src);
          break;
        case Kv::kRhost:
          if (!e->src.valid && !val.empty()) ParseIp(val, &e->src);
          break;
        case Kv::kDst:
          if (!e->dst.valid) ParseIp(val, &e->dst);
          break;
        case Kv::kSrcPort:
          if (e->src_port == 0) ParsePort(val, &e->src_port);
          break;
        case Kv::kDstPort:
          if (e->dst_port == 0) ParsePort(val, &e->dst_port);
          break;
        case Kv::kProto:
          if (e->proto.empty()) e->proto = ProtoName(val);
          break;
        case Kv::kAction:
          if (e->field(FieldId::kAction).empty()) e->set_field(FieldId::kAction, val);
          break;
        case Kv::kUser:
          // pam writes "user=<name>" with angle brackets (dovecot), "N/A" for none (FortiGate).
          if (val.size() >= 2 && val.front() == '<' && val.back() == '>') {
            val = val.substr(1, val.size() - 2);
          }
          if (e->field(FieldId::kUser).empty() && !val.empty()) {
            e->set_field(FieldId::kUser, val);
          }
          break;
        case Kv::kHost:
          if (e->host.empty()) e->host = val;
          break;
        case Kv::kDate:
          if (time != nullptr && time->date.empty()) time->date = val;
          break;
        case Kv::kTime:
          if (time != nullptr && time->time.empty()) time->time = val;
          break;
        case Kv::kTz:
          if (time != nullptr && time->tz.empty()) time->tz = val;
          break;
      }
    }
    if (next <= eq) next = eq + 1;
    i = next;
    floor = std::min(next, n);
  }
  (void)arena;
}

void ExtractSshd(std::string_view msg, Arena* arena, Event* e) {
  Tokens tk;
  Tokenize(msg, &tk);
  // Source, in order of trust (OpenSSH writes "from A port P" after the user-controlled user
  // name, and may append user-influenced text after "ssh2:"):
  //   1. "from A port P ssh2" where ssh2 ends the line or opens the appendix ("ssh2: ...");
  //      a user name cannot fake that position
  //   2. the last "from A port P"      (a user name "x from B port 1" comes before the real one)
  //   3. the last "A port P"           ("Connection closed by authenticating user X A port P")
  //   4. the last "from A"             ("PAM: Authentication failure for X from A")
  //   5. the first address not named as local ("on A") or as a user name.
  int src = -1;
  IpAddr a;
  auto ends_sshd_part = [&](size_t j) {
    if (j >= tk.n) return true;
    std::string_view t = tk.t[j];
    bool colon = !t.empty() && t.back() == ':';
    if (colon) t.remove_suffix(1);
    return (t == "ssh1" || t == "ssh2") && (colon || j + 1 == tk.n);
  };
  int last_from_port = -1;
  for (size_t j = 0; j + 3 < tk.n && src < 0; ++j) {
    if (tk.t[j] == "from" && tk.t[j + 2] == "port" && AddressToken(tk.t[j + 1], &a)) {
      last_from_port = static_cast<int>(j + 1);
      if (ends_sshd_part(j + 4)) src = static_cast<int>(j + 1);
    }
  }
  if (src < 0 && last_from_port >= 0) {
    src = last_from_port;
    AddressToken(tk.t[src], &a);
  }
  for (size_t j = tk.n; src < 0 && j-- > 0;) {
    if (j + 1 < tk.n && tk.t[j + 1] == "port" && !(j > 0 && tk.t[j - 1] == "on") &&
        AddressToken(tk.t[j], &a)) {
      src = static_cast<int>(j);
    }
  }
  for (size_t j = tk.n; src < 0 && j-- > 1;) {
    if (tk.t[j - 1] == "from" && AddressToken(tk.t[j], &a)) src = static_cast<int>(j);
  }
  for (size_t j = 0; src < 0 && j < tk.n; ++j) {
    if (j > 0 && (tk.t[j - 1] == "on" || tk.t[j - 1] == "user")) continue;
    if (AddressToken(tk.t[j], &a)) src = static_cast<int>(j);
  }
  if (src >= 0) e->src = a;
  if (src >= 0 && static_cast<size_t>(src) + 2 < tk.n && tk.t[src + 1] == "port") {
    ParsePort(StripPunct(tk.t[src + 2]), &e->src_port);
  }
  // Destination: "on A port P" (Connection from ... on ...).
  for (size_t j = 0; j + 1 < tk.n; ++j) {
    if (tk.t[j] == "on" && AddressToken(tk.t[j + 1], &e->dst)) {
      if (j + 3 < tk.n && tk.t[j + 2] == "port") ParsePort(StripPunct(tk.t[j + 3]), &e->dst_port);
      break;
    }
  }
  // User: "... user NAME ...", "for NAME from" (not "for invalid user", not "for 1.2.3.4").
  for (size_t j = 0; j + 1 < tk.n; ++j) {
    std::string_view w = tk.t[j];
    if (w == "user" || w == "User") {
      std::string_view u = tk.t[j + 1];
      if (u != "from" && !u.empty()) e->set_field(FieldId::kUser, u);
      break;
    }
    if (w == "for") {
      std::string_view u = tk.t[j + 1];
      IpAddr tmp;
      if (u == "invalid" || u == "illegal" || u == "user" || u.empty()) continue;
      if (AddressToken(u, &tmp)) continue;
      e->set_field(FieldId::kUser, u);
      break;
    }
  }
  if (msg.find('=') != std::string_view::npos) ExtractKeyValues(msg, arena, e);
}

void ExtractSudo(std::string_view msg, Arena* arena, Event* e) {
  // "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls" (or "3 incorrect
  // password attempts ;" after the first separator).
  std::string_view m = msg;
  while (!m.empty() && m[0] == ' ') m.remove_prefix(1);  // sudo pads after "sudo:"
  size_t sep = m.find(" : ");
  if (sep != std::string_view::npos && sep > 0 && m.substr(0, sep).find(' ') == m.npos) {
    e->set_field(FieldId::kUser, m.substr(0, sep));
  }
  ExtractKeyValues(msg, arena, e);
}

void ExtractFilterlog(std::string_view msg, Event* e) {
  std::array<std::string_view, 32> f;
  size_t n = SplitCsv(msg, f.data(), f.size());
  if (n < 9) return;
  e->set_field(FieldId::kAction, f[6]);
  if (f[8] == "4" && n >= 20) {
    e->proto = ProtoWord(f[16]).empty() ? f[16] : ProtoWord(f[16]);
    ParseIp(f[18], &e->src);
    ParseIp(f[19], &e->dst);
    if (n >= 22) {
      ParsePort(f[20], &e->src_port);
      ParsePort(f[21], &e->dst_port);
    }
  } else if (f[8] == "6" && n >= 17) {
    e->proto = ProtoWord(f[12]).empty() ? f[12] : ProtoWord(f[12]);
    ParseIp(f[15], &e->src);
    ParseIp(f[16], &e->dst);
    if (n >= 19) {
      ParsePort(f[17], &e->src_port);
      ParsePort(f[18], &e->dst_port);
    }
  }
}

bool ExtractPaloAlto(std::string_view msg, Arena* arena, Event* e) {
  (void)arena;
  // "1,2015/01/05 05:38:58,0006C110285,THREAT,vulnerability,..." : cheap shape check first.
  if (msg.size() < 40 || msg[1] != ',' || msg[6] != '/') return false;
  std::array<std::string_view, 48> f;
  size_t n = SplitCsv(msg, f.data(), f.size());
  if (n < 31) return false;
  std::string_view type = f[3];
  if (type != "TRAFFIC" && type != "THREAT") return false;
  ParseIp(f[7], &e->src);
  ParseIp(f[8], &e->dst);
  if (!f[12].empty()) e->set_field(FieldId::kUser, f[12]);
  if (!f[14].empty()) e->app_proto = f[14];
  ParsePort(f[24], &e->src_port);
  ParsePort(f[25], &e->dst_port);
  e->proto = ProtoWord(f[29]).empty() ? f[29] : ProtoWord(f[29]);
  e->set_field(FieldId::kAction, f[30]);
  if (type == "THREAT" && n >= 35) {
    if (f[4] == "url" && !f[31].empty()) e->set_field(FieldId::kHttpUrl, f[31]);
    e->set_field(FieldId::kSignature, f[32]);
    e->set_field(FieldId::kCategory, f[4]);
    std::string_view sev = f[34];
    e->ids_severity = sev == "critical" ? 1 : sev == "high" ? 2 : sev == "medium" ? 3
                      : (sev == "low" || sev == "informational") ? 4 : 0;
  }
  return true;
}

namespace {

// "outside:1.2.3.4/80", "1.2.3.4/80", "inside/10.0.0.1(443)", "1.2.3.4/0(LOCAL\user)".
bool AsaAddress(std::string_view t, IpAddr* ip, uint16_t* port) {
  t = StripPunct(t);
  size_t colon = t.find(':');
  // An interface name prefix "name:" (IPv4 addresses carry no ':').
  if (colon != std::string_view::npos && t.find('.') != std::string_view::npos &&
      t.find('.') > colon) {
    t = t.substr(colon + 1);
  }
  size_t lp = t.find('(');
  size_t slash = t.rfind('/', lp);
  if (lp != std::string_view::npos && slash != std::string_view::npos && slash < lp &&
      t.find('/') == slash && !ParseIp(t.substr(0, slash), ip)) {
    // inside/10.0.0.1(443)
    size_t rp = t.find(')', lp);
    if (ParseIp(t.substr(slash + 1, lp - slash - 1), ip)) {
      // StripPunct may have taken the closing parenthesis already.
      ParsePort(t.substr(lp + 1, rp == std::string_view::npos ? t.npos : rp - lp - 1), port);
      return true;
    }
    return false;
  }
  if (lp != std::string_view::npos) t = t.substr(0, lp);
  slash = t.find('/');
  if (slash == std::string_view::npos) return ParseIp(t, ip);
  if (!ParseIp(t.substr(0, slash), ip)) return false;
  ParsePort(t.substr(slash + 1), port);
  return true;
}

}  // namespace

void ExtractCiscoAsa(std::string_view tag, std::string_view msg, Event* e) {
  (void)tag;
  Tokens tk;
  Tokenize(msg, &tk);
  if (tk.n == 0) return;
  e->set_field(FieldId::kAction, tk.t[0]);
  bool outbound = tk.n > 1 && tk.t[0] == "Built" && tk.t[1] == "outbound";
  bool have_src = false, have_dst = false;
  for (size_t j = 0; j + 1 < tk.n; ++j) {
    std::string_view w = tk.t[j];
    if (e->proto.empty()) e->proto = ProtoWord(w);
    bool src_kw = w == "src" || w == "from" || w == "faddr" || w == "for";
    bool dst_kw = w == "dst" || w == "to" || w == "laddr";
    if (!src_kw && !dst_kw) continue;
    IpAddr ip;
    uint16_t port = 0;
    if (!AsaAddress(tk.t[j + 1], &ip, &port)) continue;
    if (src_kw != outbound) {
      if (!have_src) {
        e->src = ip;
        e->src_port = port;
        have_src = true;
      }
    } else if (!have_dst) {
      e->dst = ip;
      e->dst_port = port;
      have_dst = true;
    }
  }
  // access-list ACL denied tcp inside/10.0.0.1(1234) -> outside/1.2.3.4(80) hit-cnt 1
  if (!have_src) {
    for (size_t j = 1; j + 1 < tk.n; ++j) {
      if (tk.t[j] != "->") continue;
      uint16_t port = 0;
      IpAddr ip;
      if (AsaAddress(tk.t[j - 1], &ip, &port)) {
        e->src = ip;
        e->src_port = port;
      }
      port = 0;
      if (AsaAddress(tk.t[j + 1], &ip, &port)) {
        e->dst = ip;
        e->dst_port = port;
      }
      break;
    }
  }
}

namespace {
// "1.2.3.4:5678" (IPv4 with port) or a bare address.
bool Endpoint(std::string_view t, IpAddr* ip, uint16_t* port) {
  size_t colon = t.rfind(':');
  if (colon != std::string_view::npos && t.find(':') == colon &&
      ParseIp(t.substr(0, colon), ip)) {
    return ParsePort(t.substr(colon + 1), port);
  }
  return ParseIp(t, ip);
}
}  // namespace

void ExtractGeneric(std::string_view msg, Arena* arena, Event* e) {
  Tokens tk;
  Tokenize(msg, &tk);
  // "src:port->dst:port" (MikroTik and others).
  bool arrow_anywhere = msg.find("->") != std::string_view::npos;
  for (size_t j = 0; arrow_anywhere && j < tk.n; ++j) {
    std::string_view t = StripPunct(tk.t[j]);
    size_t arrow = t.find("->");
    if (arrow == std::string_view::npos || arrow == 0) continue;
    IpAddr s, d;
    uint16_t sp = 0, dp = 0;
    if (Endpoint(t.substr(0, arrow), &s, &sp) && Endpoint(t.substr(arrow + 2), &d, &dp)) {
      e->src = s;
      e->src_port = sp;
      e->dst = d;
      e->dst_port = dp;
      if (e->proto.empty() && j > 0) e->proto = ProtoWord(StripPunct(tk.t[j - 1]));
      if (e->proto.empty() && j > 1) e->proto = ProtoWord(tk.t[j - 2]);
      return;
    }
  }
  for (size_t j = 0; j + 1 < tk.n; ++j) {
    IpAddr a;
    if (tk.t[j] == "from" && AddressToken(tk.t[j + 1], &a)) {
      // "from host (1.2.3.4)": the address may be the token after the name.
      e->src = a;
    } else if (tk.t[j] == "from" && j + 2 < tk.n && tk.t[j + 2].size() > 2 &&
               tk.t[j + 2].front() == '(' && AddressToken(tk.t[j + 2], &a)) {
      e->src = a;
    }
  }
  if (!e->src.valid || e->field(FieldId::kUser).empty()) {
    if (msg.find('=') != std::string_view::npos) ExtractKeyValues(msg, arena, e);
  }
}

}  // namespace kizashi::decode::internal
