// Suricata EVE and generic JSON -> Event, in one pass over each record's bytes.
//
// Both decoders compile the paths they extract into a small tree of key tables (Schema): EVE
// from the built-in table below, generic JSON from the configured `json_fields`; the input's
// operator_field is added to the same tree. Decoding walks the record once: keys are matched
// on their raw bytes (no unescaped copy; keys with escapes take a slow path), values are read
// in place (strings as views into the record, unescaped into the batch arena only when they
// hold escapes; integers parsed where they stand), and values the tree does not name are
// validated and stepped over by one scan (json_raw.h).
//
// What is validated: UTF-8 of the whole record (Precheck) and NUL bytes; the JSON grammar of
// everything - objects and arrays (brackets, commas, colons, depth <= max_depth), strings
// (escapes, no raw control bytes), numbers, literals; and fully every value kizashi reads
// (integer ranges, addresses, timestamps). A key kizashi reads that appears twice in the same
// object is a duplicate_key; duplicates among keys it skips cannot change the event and are
// not looked for.
#include "engine/decode/json_decoder.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/decode/decode_util.h"
#include "engine/decode/json_raw.h"

namespace kizashi::decode {

namespace {

using internal::RawStatus;
using internal::OperatorRule;

// ---- The compiled path tree --------------------------------------------------------------

enum class Target : uint8_t {
  kNone = 0,  // no event field (the slot exists for the operator claim only)
  kObject,    // descend into an object (child node)
  kArrayFirst,  // descend into the first object of an array (or an object)
  kTime,
  kEventType,
  kHost,
  kSrcIp,
  kDstIp,
  kSrcPort,
  kDstPort,
  kProto,
  kAppProto,
  kFlowId,
  kSigId,
  kSigRev,
  kSeverity,
  kPid,
  kField,  // a payload field (Slot::field)
};

constexpr uint8_t kNoBit = 0xff;
// Keys longer than this are never in a schema (checked when paths are added).
constexpr size_t kMaxKeyBytes = 256;

struct Slot {
  Target target = Target::kNone;
  FieldId field = FieldId::kMessage;
  bool is_operator = false;  // the value is also the record's operator claim
  uint16_t child = 0;        // kObject / kArrayFirst
  uint8_t bit = kNoBit;      // duplicate detection: bit in State::seen
};

// The keys of one object level. Lookup runs on the raw key bytes in the record, before the
// key's length is known: candidates are grouped by first byte (one to three per byte for
// EVE), and a candidate matches when its bytes, masked to its length, equal the record's and
// the record's key ends right there (closing quote). No memcmp call, no hashing, no unescaped
// copy. A key with escapes never matches raw (candidates hold no backslash) and is looked up
// by its unescaped text instead (FindText).
class Node {
 public:
  // Entry index, or -1. `k` points just after the key's opening quote, inside a record that
  // ends at `end` and is followed by 24+ readable bytes (record padding). Sets `*len` on a
  // match.
  int FindRaw(const char* k, const char* end, size_t* len) const {
    uint8_t c = static_cast<uint8_t>(k[0]);
    uint32_t b = first_[c].begin, e = b + first_[c].count;
    if (b == e) return -1;
    uint64_t w0 = Load8(k);
    for (uint32_t i = b; i < e; ++i) {
      const Cand& x = cands_[i];
      if (((w0 ^ x.w0) & x.m0) != 0) continue;
      if (x.len > 8 && ((Load8(k + 8) ^ x.w1) & x.m1) != 0) continue;
      if (x.len > 16 && (k + x.len >= end || std::memcmp(k + 16, x.rest, x.len - 16) != 0)) {
        continue;
      }
      if (k[x.len] != '"') continue;
      *len = x.len;
      return x.entry;
    }
    return -1;
  }
  int FindText(std::string_view key) const {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].key == key) return static_cast<int>(i);
    }
    return -1;
  }
  int Add(std::string_view key) {
    entries_.push_back(Entry{std::string(key), Slot{}});
    return static_cast<int>(entries_.size() - 1);
  }
  // Builds the candidate table; call after the last Add().
  void Compile() {
    cands_.clear();
    first_.fill(Range{});
    std::vector<int> order(entries_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return static_cast<uint8_t>(entries_[static_cast<size_t>(a)].key[0]) <
             static_cast<uint8_t>(entries_[static_cast<size_t>(b)].key[0]);
    });
    for (int idx : order) {
      const std::string& key = entries_[static_cast<size_t>(idx)].key;
      Cand x;
      char padded[16] = {};
      std::memcpy(padded, key.data(), std::min<size_t>(key.size(), 16));
      std::memcpy(&x.w0, padded, 8);
      std::memcpy(&x.w1, padded + 8, 8);
      x.m0 = Mask(key.size(), 0);
      x.m1 = Mask(key.size(), 8);
      x.len = static_cast<uint32_t>(key.size());
      x.rest = key.size() > 16 ? key.data() + 16 : nullptr;
      x.entry = idx;
      uint8_t c = static_cast<uint8_t>(key[0]);
      if (first_[c].count == 0) first_[c].begin = static_cast<uint32_t>(cands_.size());
      ++first_[c].count;
      cands_.push_back(x);
    }
  }
  const Slot& slot(int i) const { return entries_[static_cast<size_t>(i)].slot; }
  Slot& slot(int i) { return entries_[static_cast<size_t>(i)].slot; }
  size_t size() const { return entries_.size(); }

 private:
  static uint64_t Load8(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  static uint64_t Mask(size_t len, size_t at) {
    if (len <= at) return 0;
    size_t valid = len - at;
    return valid >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * valid)) - 1;
  }
  struct Entry {
    std::string key;
    Slot slot;
  };
  struct Cand {
    uint64_t w0 = 0, m0 = 0, w1 = 0, m1 = 0;
    uint32_t len = 0;
    int entry = -1;
    const char* rest = nullptr;  // key bytes past 16 (points into entries_[entry].key)
  };
  struct Range {
    uint32_t begin = 0, count = 0;
  };
  std::vector<Entry> entries_;
  std::vector<Cand> cands_;
  std::array<Range, 256> first_{};
};

class Schema {
 public:
  Schema() : nodes_(1) {}

  // `path` is dotted; a segment written "name[]" descends into the first object of an array;
  // "\." is a dot inside a key name (Zeek's "id.orig_h" is written "id\.orig_h").
  absl::Status Add(std::string_view path, Target target, FieldId field, bool is_operator) {
    std::vector<std::string> owned = SplitPath(path);
    std::vector<std::string_view> segs(owned.begin(), owned.end());
    for (std::string_view s : segs) {
      if (s.empty() || s == "[]") {
        return absl::InvalidArgumentError(StrCat("JSON path '", path, "' has an empty segment"));
      }
      if (s.size() > kMaxKeyBytes) {
        return absl::InvalidArgumentError(StrCat("JSON path '", path, "' has a key longer than ",
                                                 kMaxKeyBytes, " bytes"));
      }
    }
    if (EndsWith(segs.back(), "[]")) {
      return absl::InvalidArgumentError(
          StrCat("JSON path '", path, "' ends in an array: name a field inside its objects"));
    }
    size_t node = 0;
    for (size_t i = 0; i + 1 < segs.size(); ++i) {
      std::string_view seg = segs[i];
      bool array = EndsWith(seg, "[]");
      if (array) seg.remove_suffix(2);
      int idx = nodes_[node].FindText(seg);
      if (idx < 0) {
        if (nodes_.size() >= 0xffff) return absl::InvalidArgumentError("too many JSON paths");
        uint16_t child = static_cast<uint16_t>(nodes_.size());
        nodes_.emplace_back();
        idx = nodes_[node].Add(seg);
        Slot& s = nodes_[node].slot(idx);
        s.target = array ? Target::kArrayFirst : Target::kObject;
        s.child = child;
      } else {
        const Slot& s = nodes_[node].slot(idx);
        bool is_container = s.target == Target::kObject || s.target == Target::kArrayFirst;
        if (!is_container || (s.target == Target::kArrayFirst) != array) {
          return absl::InvalidArgumentError(StrCat(
              "JSON path '", path, "' uses '", seg, "' both as a value and as an object/array"));
        }
      }
      node = nodes_[node].slot(idx).child;
    }
    std::string_view last = segs.back();
    int idx = nodes_[node].FindText(last);
    if (idx < 0) {
      idx = nodes_[node].Add(last);
      Slot& s = nodes_[node].slot(idx);
      s.target = target;
      s.field = field;
      s.is_operator = is_operator;
      return absl::OkStatus();
    }
    Slot& s = nodes_[node].slot(idx);
    if (s.target == Target::kObject || s.target == Target::kArrayFirst) {
      return absl::InvalidArgumentError(
          StrCat("JSON path '", path, "' names an object that other paths descend into"));
    }
    if (is_operator) {
      s.is_operator = true;
      return absl::OkStatus();
    }
    if (s.target != Target::kNone) {
      return absl::InvalidArgumentError(StrCat("JSON path '", path, "' is mapped twice"));
    }
    s.target = target;
    s.field = field;
    return absl::OkStatus();
  }

  // Gives each slot a duplicate-detection bit (the first 64; more are not checked).
  // Gives each slot a duplicate-detection bit (the first 64; more are not checked) and builds
  // the lookup tables. Call once, after the last Add().
  void Compile() {
    uint8_t next = 0;
    for (Node& n : nodes_) {
      for (size_t i = 0; i < n.size(); ++i) {
        n.slot(static_cast<int>(i)).bit = next < 64 ? next++ : kNoBit;
      }
      n.Compile();
    }
  }

  const Node& node(size_t i) const { return nodes_[i]; }

 private:
  static std::vector<std::string> SplitPath(std::string_view path) {
    std::vector<std::string> out(1);
    for (size_t i = 0; i < path.size(); ++i) {
      if (path[i] == '\\' && i + 1 < path.size() && path[i + 1] == '.') {
        out.back() += '.';
        ++i;
      } else if (path[i] == '.') {
        out.emplace_back();
      } else {
        out.back() += path[i];
      }
    }
    return out;
  }

  std::vector<Node> nodes_;
};

// ---- Built-in EVE paths ------------------------------------------------------------------

struct EvePath {
  const char* path;
  Target target;
  FieldId field;
};

constexpr EvePath kEvePaths[] = {
    {"timestamp", Target::kTime, FieldId::kMessage},
    {"event_type", Target::kEventType, FieldId::kMessage},
    {"src_ip", Target::kSrcIp, FieldId::kMessage},
    {"dest_ip", Target::kDstIp, FieldId::kMessage},
    {"src_port", Target::kSrcPort, FieldId::kMessage},
    {"dest_port", Target::kDstPort, FieldId::kMessage},
    {"proto", Target::kProto, FieldId::kMessage},
    {"app_proto", Target::kAppProto, FieldId::kMessage},
    {"flow_id", Target::kFlowId, FieldId::kMessage},
    {"host", Target::kHost, FieldId::kMessage},
    {"payload_printable", Target::kField, FieldId::kPayload},
    {"alert.signature_id", Target::kSigId, FieldId::kMessage},
    {"alert.rev", Target::kSigRev, FieldId::kMessage},
    {"alert.signature", Target::kField, FieldId::kSignature},
    {"alert.category", Target::kField, FieldId::kCategory},
    {"alert.severity", Target::kSeverity, FieldId::kMessage},
    {"alert.action", Target::kField, FieldId::kAction},
    {"anomaly.event", Target::kField, FieldId::kAnomalyEvent},
    {"http.hostname", Target::kField, FieldId::kHttpHostname},
    {"http.url", Target::kField, FieldId::kHttpUrl},
    {"http.http_user_agent", Target::kField, FieldId::kHttpUserAgent},
    {"http.http_method", Target::kField, FieldId::kHttpMethod},
    {"http.status", Target::kField, FieldId::kHttpStatus},
    // DNS v1/v2 logs keep rrname at the top of "dns"; v3 logs and alerts keep queries in
    // arrays: the first query is the one a pattern targets.
    {"dns.rrname", Target::kField, FieldId::kDnsRrname},
    {"dns.rrtype", Target::kField, FieldId::kDnsRrtype},
    {"dns.queries[].rrname", Target::kField, FieldId::kDnsRrname},
    {"dns.queries[].rrtype", Target::kField, FieldId::kDnsRrtype},
    {"dns.query[].rrname", Target::kField, FieldId::kDnsRrname},
    {"dns.query[].rrtype", Target::kField, FieldId::kDnsRrtype},
    {"tls.sni", Target::kField, FieldId::kTlsSni},
    {"tls.ja3.hash", Target::kField, FieldId::kTlsJa3},
    {"fileinfo.filename", Target::kField, FieldId::kFileName},
    {"fileinfo.magic", Target::kField, FieldId::kFileMagic},
    {"fileinfo.md5", Target::kField, FieldId::kFileMd5},
    {"fileinfo.sha1", Target::kField, FieldId::kFileSha1},
    {"fileinfo.sha256", Target::kField, FieldId::kFileSha256},
    {"ssh.client.software_version", Target::kField, FieldId::kSshClient},
    {"ssh.server.software_version", Target::kField, FieldId::kSshServer},
};

EventKind EveKind(std::string_view t) {
  switch (t.size()) {
    case 3:
      if (t == "dns") return EventKind::kDns;
      if (t == "tls") return EventKind::kTls;
      if (t == "ssh") return EventKind::kSsh;
      break;
    case 4:
      if (t == "http") return EventKind::kHttp;
      if (t == "flow") return EventKind::kFlow;
      break;
    case 5:
      if (t == "alert") return EventKind::kAlert;
      break;
    case 7:
      if (t == "anomaly") return EventKind::kAnomaly;
      break;
    case 8:
      if (t == "fileinfo") return EventKind::kFileinfo;
      break;
    default:
      break;
  }
  return EventKind::kOther;
}

// Generic JSON mapping targets by name (payload fields come from FieldName()).
struct NamedTarget {
  const char* name;
  Target target;
};
constexpr NamedTarget kNamedTargets[] = {
    {"time", Target::kTime},         {"host", Target::kHost},
    {"src_ip", Target::kSrcIp},      {"dst_ip", Target::kDstIp},
    {"src_port", Target::kSrcPort},  {"dst_port", Target::kDstPort},
    {"proto", Target::kProto},       {"app_proto", Target::kAppProto},
    {"event_type", Target::kEventType}, {"flow_id", Target::kFlowId},
    {"sig_id", Target::kSigId},      {"sig_rev", Target::kSigRev},
    {"severity", Target::kSeverity}, {"pid", Target::kPid},
};

enum class TimeFormat : uint8_t { kIso8601, kEpochS, kEpochMs, kEpochUs, kEpochNs };


// "1402307733.473" (unit = ns per unit of the integer part) -> ns. False on junk or overflow.
bool ParseEpoch(std::string_view s, int64_t unit_ns, int64_t* out, bool* overflow) {
  *overflow = false;
  size_t dot = s.find('.');
  std::string_view ip = s.substr(0, dot);
  uint64_t whole;
  if (!internal::ParseU64(ip, &whole)) {
    *overflow = ip.size() > 19;
    return false;
  }
  if (whole > static_cast<uint64_t>(INT64_MAX / unit_ns)) {
    *overflow = true;
    return false;
  }
  int64_t ns = static_cast<int64_t>(whole) * unit_ns;
  if (dot != std::string_view::npos) {
    std::string_view fp = s.substr(dot + 1);
    if (fp.empty()) return false;
    int64_t frac = 0, scale = 1;
    for (char c : fp) {
      if (c < '0' || c > '9') return false;
      if (scale < 1'000'000'000) {
        frac = frac * 10 + (c - '0');
        scale *= 10;
      }
    }
    int64_t add = frac * unit_ns / scale;
    if (ns > INT64_MAX - add) {
      *overflow = true;
      return false;
    }
    ns += add;
  }
  *out = ns;
  return true;
}

// SWAR digit parsing (the technique simdjson and fast_float use for 8 ASCII digits).
inline bool AllDigits8(uint64_t w) {
  return ((w & 0xF0F0F0F0F0F0F0F0ULL) |
          (((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
         0x3333333333333333ULL;
}
inline uint64_t Parse8Digits(uint64_t w) {
  w -= 0x3030303030303030ULL;
  w = (w * 10) + (w >> 8);
  return (((w & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
          (((w >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >>
         32;
}

// ---- The decoder -------------------------------------------------------------------------

enum class ValueKind : uint8_t { kString, kNumber, kBool, kNull };

DeadLetterReason ReasonOf(RawStatus r) {
  switch (r) {
    case RawStatus::kOk:
    case RawStatus::kMalformed: return DeadLetterReason::kMalformed;
    case RawStatus::kTruncated: return DeadLetterReason::kTruncated;
    case RawStatus::kTooDeep: return DeadLetterReason::kTooDeep;
    case RawStatus::kControlChar:
    case RawStatus::kBadEscape: return DeadLetterReason::kMalformed;
    case RawStatus::kInvalidUtf8: return DeadLetterReason::kInvalidUtf8;
  }
  return DeadLetterReason::kMalformed;
}

const char* DetailOf(RawStatus r) {
  switch (r) {
    case RawStatus::kOk: return "";
    case RawStatus::kMalformed: return "invalid JSON value";
    case RawStatus::kTruncated: return "record ends inside a JSON value";
    case RawStatus::kTooDeep: return "JSON nesting deeper than max_depth";
    case RawStatus::kControlChar: return "unescaped control character in a JSON string";
    case RawStatus::kBadEscape: return "invalid escape in a JSON string";
    case RawStatus::kInvalidUtf8: return "record is not valid UTF-8";
  }
  return "";
}

// Thread contract: Decoder's (one thread at a time); the schema is immutable after construction.
class JsonDecoder final : public Decoder {
 public:
  JsonDecoder(const DecodeOptions& o, OperatorRule rule, Schema schema, bool eve, TimeFormat tf,
              int32_t tz)
      : rule_(std::move(rule)),
        schema_(std::move(schema)),
        eve_(eve),
        time_format_(tf),
        tz_seconds_(tz),
        max_bytes_(o.max_event_bytes),
        max_depth_(static_cast<int>(o.max_depth)),
        max_future_skew_ns_(o.max_future_skew_ns) {}

 protected:
  void DecodeRecords(Batch& batch, uint32_t begin, uint32_t end) override {
    for (uint32_t i = begin; i < end; ++i) DecodeOne(batch, i);
  }

 private:
  // Per-record decoding state.
  struct State {
    Event* e = nullptr;
    Arena* arena = nullptr;
    const char* end = nullptr;  // end of the record
    uint64_t seen = 0;
    std::string_view time;
    bool have_time = false;
    std::string_view claim;
    bool failed = false;
    DeadLetterReason reason = DeadLetterReason::kMalformed;
    const char* detail = "";

    bool Fail(DeadLetterReason r, const char* d) {
      if (!failed) {
        failed = true;
        reason = r;
        detail = d;
      }
      return false;
    }
    bool Fail(RawStatus r) { return Fail(ReasonOf(r), DetailOf(r)); }
  };

  void DecodeOne(Batch& batch, uint32_t idx) {
    const RawRecord& rec = batch.records[idx];
    if (static_cast<int64_t>(rec.value.size()) > max_bytes_) {
      return internal::DeadLetterRecord(batch, idx, DeadLetterReason::kTooLarge,
                                        "record longer than max_event_bytes");
    }
    State st;
    st.arena = &batch.arena;
    st.end = rec.value.data() + rec.value.size();
    Event& e = internal::StartEvent(batch, idx);
    st.e = &e;
    Walk(rec.value, st);
    if (!st.failed) Finish(rec, st);
    if (st.failed) {
      batch.events.pop_back();
      // The walk visits every byte and fails on a NUL (a control byte in a string, or junk
      // outside one) or on bytes that are not UTF-8; the record-level reasons take precedence,
      // as for the text formats: they say what is wrong with the record as a whole.
      if (internal::HasNul(rec.value)) {
        st.reason = DeadLetterReason::kNulByte;
        st.detail = "NUL byte in record";
      } else if (st.reason != DeadLetterReason::kInvalidUtf8 && !internal::ValidUtf8(rec.value)) {
        st.reason = DeadLetterReason::kInvalidUtf8;
        st.detail = "record is not valid UTF-8";
      }
      internal::DeadLetterRecord(batch, idx, st.reason, st.detail);
    }
  }

  // The record is walked straight over its bytes (json_raw.h): an object at a time, keys
  // matched raw, values read or validated in place. An earlier version iterated objects
  // through simdjson On-Demand; on real EVE alerts its per-field iterator cost about as much
  // as everything else together, and its stage 1 (structural indexing) is not needed when
  // every byte is visited once anyway. UTF-8 is checked up front (Precheck; the SIMD
  // validator runs only for records with non-ASCII bytes).
  void Walk(std::string_view value, State& st) {
    const char* q = internal::SkipSpace(value.data(), st.end);
    if (q >= st.end) {
      st.Fail(DeadLetterReason::kMalformed, "empty record");
      return;
    }
    if (*q != '{') {
      const char* after;
      RawStatus r = internal::ScanValue(q, st.end, 1, max_depth_, &after);
      st.Fail(r == RawStatus::kOk ? DeadLetterReason::kMalformed : ReasonOf(r),
              r == RawStatus::kOk ? "record is not a JSON object" : DetailOf(r));
      return;
    }
    if (!WalkObject(q, 0, 1, st, &q)) return;
    q = internal::SkipSpace(q, st.end);
    if (q < st.end) st.Fail(DeadLetterReason::kMalformed, "content after the JSON object");
  }

  // The object whose '{' is at `p`, at nesting `depth`; `*after` is past its '}'.
  bool WalkObject(const char* p, size_t node_idx, int depth, State& st, const char** after) {
    if (depth > max_depth_) return st.Fail(DeadLetterReason::kTooDeep, "nesting > max_depth");
    const Node& node = schema_.node(node_idx);
    const char* end = st.end;
    const char* q = internal::SkipSpace(p + 1, end);
    if (q >= end) return st.Fail(RawStatus::kTruncated);
    if (*q == '}') {
      *after = q + 1;
      return true;
    }
    while (true) {
      if (*q != '"') return st.Fail(DeadLetterReason::kMalformed, "expected a key");
      const char* k = q + 1;
      size_t len;
      int idx = node.FindRaw(k, end, &len);
      const char* kend;  // the key's closing quote
      if (idx >= 0) {
        kend = k + len;
      } else {
        bool escaped;
        RawStatus r = internal::FindStringEnd(k, end, &kend, &escaped);
        if (r != RawStatus::kOk) return st.Fail(r);
        if (escaped) {
          // Rare: a key with escapes ("\u0074imestamp") is matched after unescaping, so it
          // cannot hide a second copy of a key kizashi reads.
          std::string_view uk;
          const char* a2;
          r = internal::ReadString(q, end, st.arena, &uk, &a2);
          if (r != RawStatus::kOk) return st.Fail(r);
          idx = node.FindText(uk);
        }
      }
      const char* vp = kend + 1;
      if (vp < end && *vp == ':') {
        ++vp;  // compact JSON (every EVE writer): no whitespace before the colon
      } else {
        vp = internal::SkipSpace(vp, end);
        if (vp >= end) return st.Fail(RawStatus::kTruncated);
        if (*vp != ':') return st.Fail(DeadLetterReason::kMalformed, "expected ':' after a key");
        ++vp;
      }
      if (vp < end && internal::JsonSpace(*vp)) vp = internal::SkipSpace(vp, end);
      if (vp >= end) return st.Fail(RawStatus::kTruncated);
      if (idx < 0) {
        // Not read: validated and stepped over in one scan.
        RawStatus r;
        if (*vp == '"') {
          bool escaped;
          r = internal::FindStringEnd(vp + 1, end, &q, &escaped);
          ++q;
        } else {
          r = internal::ScanValue(vp, end, depth + 1, max_depth_, &q);
        }
        if (r != RawStatus::kOk) return st.Fail(r);
      } else {
        const Slot& s = node.slot(idx);
        if (s.bit != kNoBit) {
          uint64_t b = uint64_t{1} << s.bit;
          if (st.seen & b) {
            return st.Fail(DeadLetterReason::kDuplicateKey, "a key kizashi reads appears twice");
          }
          st.seen |= b;
        }
        if (!Apply(s, vp, depth + 1, st, &q)) return false;
      }
      // ',' or '}'
      if (q < end && *q != ',' && *q != '}') q = internal::SkipSpace(q, end);
      if (q >= end) return st.Fail(RawStatus::kTruncated);
      if (*q == '}') {
        *after = q + 1;
        return true;
      }
      if (*q != ',') return st.Fail(DeadLetterReason::kMalformed, "expected ',' or '}'");
      q = internal::SkipSpace(q + 1, end);
      if (q >= end) return st.Fail(RawStatus::kTruncated);
    }
  }

  // Integer from a JSON number or a string of digits, within [min, max]; `present` is false
  // for null and "". With `bits64`, unsigned values up to 2^64-1 keep their bit pattern
  // (Suricata flow ids are unsigned 64-bit).
  bool ReadInt(std::string_view text, ValueKind kind, State& st, int64_t min, int64_t max,
               bool bits64, int64_t* out, bool* present) {
    *present = false;
    if (kind == ValueKind::kNull || (kind == ValueKind::kString && text.empty())) return true;
    if (kind != ValueKind::kNumber && kind != ValueKind::kString) {
      return st.Fail(DeadLetterReason::kMalformed, "expected an integer");
    }
    bool neg = !text.empty() && text[0] == '-';
    std::string_view digits = neg ? text.substr(1) : text;
    uint64_t u;
    if (!internal::ParseU64(digits, &u)) {
      bool all_digits = !digits.empty();
      for (char d : digits) all_digits &= d >= '0' && d <= '9';
      if (all_digits) return st.Fail(DeadLetterReason::kNumberOutOfRange, "integer overflows");
      return st.Fail(DeadLetterReason::kMalformed, "expected an integer");
    }
    int64_t v;
    if (neg) {
      if (u > uint64_t{1} << 63) {
        return st.Fail(DeadLetterReason::kNumberOutOfRange, "integer overflows");
      }
      v = static_cast<int64_t>(0 - u);
    } else if (u > static_cast<uint64_t>(INT64_MAX)) {
      if (!bits64) return st.Fail(DeadLetterReason::kNumberOutOfRange, "integer overflows");
      *out = static_cast<int64_t>(u);
      *present = true;
      return true;
    } else {
      v = static_cast<int64_t>(u);
    }
    if (v < min || v > max) {
      return st.Fail(DeadLetterReason::kNumberOutOfRange, "integer out of range for its field");
    }
    *out = v;
    *present = true;
    return true;
  }

  // Descends into an object, or into the first object of an array.
  bool Descend(const Slot& s, const char* vp, int depth, State& st, const char** after) {
    if (*vp == '{') return WalkObject(vp, s.child, depth, st, after);
    if (*vp != '[' || s.target != Target::kArrayFirst) {
      // Not the container the path expects: not usable; still validated.
      RawStatus r = internal::ScanValue(vp, st.end, depth, max_depth_, after);
      return r == RawStatus::kOk || st.Fail(r);
    }
    if (depth > max_depth_) return st.Fail(DeadLetterReason::kTooDeep, "nesting > max_depth");
    const char* end = st.end;
    const char* q = internal::SkipSpace(vp + 1, end);
    if (q >= end) return st.Fail(RawStatus::kTruncated);
    if (*q == ']') {
      *after = q + 1;
      return true;
    }
    bool first = true;
    while (true) {
      if (first && *q == '{') {
        first = false;
        if (!WalkObject(q, s.child, depth + 1, st, &q)) return false;
      } else {
        RawStatus r = internal::ScanValue(q, end, depth + 1, max_depth_, &q);
        if (r != RawStatus::kOk) return st.Fail(r);
      }
      q = internal::SkipSpace(q, end);
      if (q >= end) return st.Fail(RawStatus::kTruncated);
      if (*q == ']') {
        *after = q + 1;
        return true;
      }
      if (*q != ',') return st.Fail(DeadLetterReason::kMalformed, "expected ',' or ']'");
      q = internal::SkipSpace(q + 1, end);
      if (q >= end) return st.Fail(RawStatus::kTruncated);
    }
  }

  // Fast path for an integer field written as a plain JSON integer (the EVE case): parsed in
  // place, one pass. Returns false when the value needs the general path (`*handled` false).
  bool FastInt(const char* vp, State& st, int64_t min, int64_t max, int64_t* out,
               bool* handled, const char** after) {
    *handled = false;
    const char* q = vp;
    bool neg = *q == '-';
    q += neg;
    uint64_t v = 0;
    const char* first = q;
    // Eight digits at a time (flow ids have 15-16), then one at a time. Reads past the value
    // stay inside the record's padding.
    if (st.end - q >= 8) {
      uint64_t w;
      std::memcpy(&w, q, 8);
      if (AllDigits8(w)) {
        v = Parse8Digits(w);
        q += 8;
        if (st.end - q >= 8) {
          std::memcpy(&w, q, 8);
          if (AllDigits8(w)) {
            v = v * 100000000 + Parse8Digits(w);
            q += 8;
          }
        }
      }
    }
    while (q < st.end && static_cast<unsigned>(*q - '0') <= 9 && q - first < 18) {
      v = v * 10 + static_cast<unsigned>(*q - '0');
      ++q;
    }
    size_t nd = static_cast<size_t>(q - first);
    if (nd == 0 || q - first >= 18 || (nd > 1 && *first == '0') || !internal::ScalarEnds(q, st.end)) {
      return true;  // long, fractional, exponent, junk: the general path decides
    }
    *handled = true;
    *after = q;
    int64_t x = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    if (x < min || x > max) {
      return st.Fail(DeadLetterReason::kNumberOutOfRange, "integer out of range for its field");
    }
    *out = x;
    return true;
  }

  // Reads the value at `vp` into the slot's target; `*after` is past the value.
  bool Apply(const Slot& s, const char* vp, int depth, State& st, const char** after) {
    if (s.target == Target::kObject || s.target == Target::kArrayFirst) {
      return Descend(s, vp, depth, st, after);
    }
    if (!s.is_operator && (*vp == '-' || static_cast<unsigned>(*vp - '0') <= 9)) {
      int64_t n;
      bool handled = false;
      Event& e = *st.e;
      switch (s.target) {
        case Target::kSrcPort:
        case Target::kDstPort:
          if (!FastInt(vp, st, 0, 65535, &n, &handled, after)) return false;
          if (handled) {
            (s.target == Target::kSrcPort ? e.src_port : e.dst_port) = static_cast<uint16_t>(n);
          }
          break;
        case Target::kFlowId:
          if (!FastInt(vp, st, INT64_MIN, INT64_MAX, &n, &handled, after)) return false;
          if (handled) e.flow_id = n;
          break;
        case Target::kSigId:
          if (!FastInt(vp, st, 0, INT64_MAX, &n, &handled, after)) return false;
          if (handled) e.sig_id = n;
          break;
        case Target::kSigRev:
          if (!FastInt(vp, st, 0, INT32_MAX, &n, &handled, after)) return false;
          if (handled) e.sig_rev = static_cast<int32_t>(n);
          break;
        case Target::kSeverity:
          if (!FastInt(vp, st, 0, 255, &n, &handled, after)) return false;
          if (handled) e.ids_severity = static_cast<uint8_t>(n);
          break;
        case Target::kPid:
          if (!FastInt(vp, st, 0, INT32_MAX, &n, &handled, after)) return false;
          if (handled) e.pid = static_cast<int32_t>(n);
          break;
        default:
          break;
      }
      if (handled) return true;
    }
    const char* data = nullptr;
    size_t size = 0;
    ValueKind kind;
    RawStatus r;
    switch (*vp) {
      case '"':
        r = internal::ReadString(vp, st.end, st.arena, &data, &size, after);
        kind = ValueKind::kString;
        break;
      case '{':
      case '[':
        // An object/array where a value was expected: not a value kizashi can use; still
        // validated.
        r = internal::ScanValue(vp, st.end, depth, max_depth_, after);
        return r == RawStatus::kOk || st.Fail(r);
      case 't':
      case 'f':
      case 'n':
        r = internal::ScanValue(vp, st.end, depth, max_depth_, after);
        kind = *vp == 'n' ? ValueKind::kNull : ValueKind::kBool;
        if (kind == ValueKind::kBool && r == RawStatus::kOk) {
          data = vp;
          size = static_cast<size_t>(*after - vp);
        }
        break;
      default:
        r = internal::ReadNumber(vp, st.end, &data, &size, after);
        kind = ValueKind::kNumber;
        break;
    }
    std::string_view text(data, size);
    if (r != RawStatus::kOk) return st.Fail(r);
    if (s.is_operator && kind != ValueKind::kNull) st.claim = text;
    Event& e = *st.e;
    int64_t n;
    bool present;
    switch (s.target) {
      case Target::kNone:
      case Target::kObject:
      case Target::kArrayFirst:
        return true;
      case Target::kTime:
        if (kind == ValueKind::kString || kind == ValueKind::kNumber) {
          st.time = text;
          st.have_time = !text.empty();
        }
        return true;
      case Target::kEventType:
        e.event_type = text;
        return true;
      case Target::kHost:
        e.host = text;
        return true;
      case Target::kSrcIp:
      case Target::kDstIp: {
        if (text.empty()) return true;
        IpAddr& a = s.target == Target::kSrcIp ? e.src : e.dst;
        if (kind != ValueKind::kString || !internal::ParseIp(text, &a)) {
          return st.Fail(DeadLetterReason::kMalformed, "address field is not an IP address");
        }
        return true;
      }
      case Target::kSrcPort:
      case Target::kDstPort:
        if (!ReadInt(text, kind, st, 0, 65535, false, &n, &present)) return false;
        if (present) {
          (s.target == Target::kSrcPort ? e.src_port : e.dst_port) = static_cast<uint16_t>(n);
        }
        return true;
      case Target::kProto:
        e.proto = text;
        return true;
      case Target::kAppProto:
        e.app_proto = text;
        return true;
      case Target::kFlowId:
        if (!ReadInt(text, kind, st, INT64_MIN, INT64_MAX, true, &n, &present)) return false;
        if (present) e.flow_id = n;
        return true;
      case Target::kSigId:
        if (!ReadInt(text, kind, st, 0, INT64_MAX, false, &n, &present)) return false;
        if (present) e.sig_id = n;
        return true;
      case Target::kSigRev:
        if (!ReadInt(text, kind, st, 0, INT32_MAX, false, &n, &present)) return false;
        if (present) e.sig_rev = static_cast<int32_t>(n);
        return true;
      case Target::kSeverity:
        if (!ReadInt(text, kind, st, 0, 255, false, &n, &present)) return false;
        if (present) e.ids_severity = static_cast<uint8_t>(n);
        return true;
      case Target::kPid:
        if (!ReadInt(text, kind, st, 0, INT32_MAX, false, &n, &present)) return false;
        if (present) e.pid = static_cast<int32_t>(n);
        return true;
      case Target::kField:
        e.set_field(s.field, text);
        return true;
    }
    return true;
  }

  void Finish(const RawRecord& rec, State& st) {
    Event& e = *st.e;
    if (eve_) {
      if (e.event_type.empty()) {
        st.Fail(DeadLetterReason::kMissingField, "EVE record without event_type");
        return;
      }
      e.kind = EveKind(e.event_type);
    } else {
      e.kind = EventKind::kJson;
      if (e.event_type.empty()) e.event_type = "json";
    }
    if (!st.have_time) {
      st.Fail(DeadLetterReason::kMissingTimestamp, "record has no timestamp");
      return;
    }
    if (!ParseTime(st.time, &e.event_time_ns, st)) return;
    DeadLetterReason reason;
    const char* detail;
    if (!rule_.Resolve(rec, st.claim, &e.operator_id, &reason, &detail) ||
        !internal::CheckEventTime(e, max_future_skew_ns_, &reason, &detail)) {
      st.Fail(reason, detail);
    }
  }

  bool ParseTime(std::string_view t, int64_t* out, State& st) {
    if (time_format_ == TimeFormat::kIso8601) {
      if (!internal::ParseTimestamp(t, tz_seconds_, out)) {
        return st.Fail(DeadLetterReason::kBadTimestamp, "timestamp is not ISO 8601");
      }
      return true;
    }
    int64_t unit = time_format_ == TimeFormat::kEpochS    ? kNanosPerSecond
                   : time_format_ == TimeFormat::kEpochMs ? 1'000'000
                   : time_format_ == TimeFormat::kEpochUs ? 1'000
                                                          : 1;
    bool overflow;
    if (!ParseEpoch(t, unit, out, &overflow)) {
      return overflow ? st.Fail(DeadLetterReason::kNumberOutOfRange, "epoch time overflows")
                      : st.Fail(DeadLetterReason::kBadTimestamp, "time is not an epoch number");
    }
    return true;
  }

  OperatorRule rule_;
  Schema schema_;
  bool eve_;
  TimeFormat time_format_;
  int32_t tz_seconds_;
  int64_t max_bytes_;
  int max_depth_;
  int64_t max_future_skew_ns_;
};

absl::Status AddOperatorPath(const DecodeOptions& o, const OperatorRule& rule, Schema* schema) {
  if (!rule.wants_claim()) return absl::OkStatus();
  absl::Status s = schema->Add(o.operator_field, Target::kNone, FieldId::kMessage, true);
  if (!s.ok()) return absl::InvalidArgumentError(StrCat("operator_field: ", std::string(s.message())));
  return absl::OkStatus();
}

absl::StatusOr<int32_t> TimeZone(const DecodeOptions& o) {
  int32_t tz;
  if (!internal::ParseUtcOffset(o.timezone, &tz)) {
    return absl::InvalidArgumentError(
        StrCat("timezone '", o.timezone, "' is not a UTC offset like +09:00"));
  }
  return tz;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> NewEveDecoder(const DecodeOptions& o) {
  KZ_ASSIGN_OR_RETURN(OperatorRule rule, OperatorRule::Make(o));
  KZ_ASSIGN_OR_RETURN(int32_t tz, TimeZone(o));
  Schema schema;
  for (const EvePath& p : kEvePaths) {
    absl::Status s = schema.Add(p.path, p.target, p.field, false);
    if (!s.ok()) return s;  // a bug in the table; tests construct the decoder
  }
  KZ_RETURN_IF_ERROR(AddOperatorPath(o, rule, &schema));
  schema.Compile();
  return std::unique_ptr<Decoder>(
      new JsonDecoder(o, std::move(rule), std::move(schema), true, TimeFormat::kIso8601, tz));
}

absl::StatusOr<std::unique_ptr<Decoder>> NewJsonDecoder(const DecodeOptions& o) {
  KZ_ASSIGN_OR_RETURN(OperatorRule rule, OperatorRule::Make(o));
  KZ_ASSIGN_OR_RETURN(int32_t tz, TimeZone(o));
  TimeFormat tf;
  if (o.json_time_format == "iso8601") {
    tf = TimeFormat::kIso8601;
  } else if (o.json_time_format == "epoch_s") {
    tf = TimeFormat::kEpochS;
  } else if (o.json_time_format == "epoch_ms") {
    tf = TimeFormat::kEpochMs;
  } else if (o.json_time_format == "epoch_us") {
    tf = TimeFormat::kEpochUs;
  } else if (o.json_time_format == "epoch_ns") {
    tf = TimeFormat::kEpochNs;
  } else {
    return absl::InvalidArgumentError(
        StrCat("json_time_format '", o.json_time_format,
               "' is not one of iso8601, epoch_s, epoch_ms, epoch_us, epoch_ns"));
  }
  Schema schema;
  bool have_time = false;
  for (const auto& [name, path] : o.json_fields) {
    Target target = Target::kNone;
    FieldId field = FieldId::kMessage;
    for (const NamedTarget& t : kNamedTargets) {
      if (name == t.name) target = t.target;
    }
    if (target == Target::kNone) {
      if (!ParseFieldName(name, &field) || field == FieldId::kRaw) {
        std::string names;
        for (const NamedTarget& t : kNamedTargets) StrAppend(&names, t.name, ", ");
        for (size_t i = 0; i < kFieldCount; ++i) {
          if (static_cast<FieldId>(i) == FieldId::kRaw) continue;
          StrAppend(&names, FieldName(static_cast<FieldId>(i)), i + 1 < kFieldCount ? ", " : "");
        }
        return absl::InvalidArgumentError(StrCat("json_fields: '", name,
                                                 "' is not an event field; use one of: ", names));
      }
      target = Target::kField;
    }
    if (target == Target::kTime) have_time = true;
    absl::Status s = schema.Add(path, target, field, false);
    if (!s.ok()) return absl::InvalidArgumentError(StrCat("json_fields.", name, ": ", std::string(s.message())));
  }
  if (!have_time) {
    return absl::InvalidArgumentError(
        "json_fields needs a `time` entry: the JSON path of each record's event time");
  }
  KZ_RETURN_IF_ERROR(AddOperatorPath(o, rule, &schema));
  schema.Compile();
  return std::unique_ptr<Decoder>(
      new JsonDecoder(o, std::move(rule), std::move(schema), false, tf, tz));
}

}  // namespace kizashi::decode
