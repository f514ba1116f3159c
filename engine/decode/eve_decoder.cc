// Suricata EVE JSON -> Event, with simdjson On-Demand: one pass over the top-level object,
// touching only the keys kizashi models and skipping everything else unparsed. Strings are
// views into the record unless they contain escapes (then unescaped into the batch arena).
#include "engine/decode/eve_decoder.h"

#include <simdjson.h>

#include <cstring>

#include "engine/common/time.h"
#include "engine/decode/json_util.h"
#include "engine/decode/operator_id.h"

namespace kizashi::decode {

namespace {

namespace od = simdjson::ondemand;

// Why the current record failed; kept across helper calls.
struct Failure {
  bool failed = false;
  DeadLetterReason reason = DeadLetterReason::kMalformed;
  const char* detail = "";
  void Set(DeadLetterReason r, const char* d) {
    if (!failed) {
      failed = true;
      reason = r;
      detail = d;
    }
  }
};

DeadLetterReason ReasonOf(simdjson::error_code e) {
  switch (e) {
    case simdjson::UTF8_ERROR: return DeadLetterReason::kInvalidUtf8;
    case simdjson::DEPTH_ERROR: return DeadLetterReason::kTooDeep;
    case simdjson::NUMBER_OUT_OF_RANGE: return DeadLetterReason::kNumberOutOfRange;
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
    case simdjson::UNCLOSED_STRING:
    case simdjson::EMPTY: return DeadLetterReason::kTruncated;
    default: return DeadLetterReason::kMalformed;
  }
}

class EveDecoder final : public Decoder {
 public:
  explicit EveDecoder(const DecodeOptions& o) : opts_(o) {}

  void Decode(Batch& batch, uint32_t begin, uint32_t end) override {
    for (uint32_t i = begin; i < end; ++i) DecodeOne(batch, i);
  }

 private:
  bool Str(od::value v, Arena* arena, std::string_view* out, Failure* f) {
    std::string_view raw;
    raw = v.raw_json_token();
    if (raw.empty() || raw[0] != '"') {
      // Not a string: numbers and booleans are accepted as text (some shippers stringify).
      if (!raw.empty() && raw[0] != '{' && raw[0] != '[' && raw[0] != '"') {
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                                raw.back() == '\t')) {
          raw.remove_suffix(1);
        }
        if (raw == "null") return false;
        *out = raw;
        return true;
      }
      return false;
    }
    if (!JsonStringToken(raw, arena, out)) {
      f->Set(DeadLetterReason::kMalformed, "bad string escape");
      return false;
    }
    return true;
  }

  bool Int(od::value v, int64_t* out, Failure* f) {
    auto r = v.get_int64();
    if (r.error() == simdjson::SUCCESS) {
      *out = r.value_unsafe();
      return true;
    }
    if (r.error() == simdjson::NUMBER_OUT_OF_RANGE) {
      f->Set(DeadLetterReason::kNumberOutOfRange, "integer out of range");
      return false;
    }
    // flow_id etc. are uint64 in Suricata; keep the bit pattern.
    auto u = v.get_uint64();
    if (u.error() == simdjson::SUCCESS) {
      *out = static_cast<int64_t>(u.value_unsafe());
      return true;
    }
    return false;
  }

  void Alert(od::object o, Event& e, Arena* a, Failure* f) {
    for (auto field : o) {
      std::string_view k;
      if (field.unescaped_key().get(k)) return f->Set(DeadLetterReason::kMalformed, "bad key");
      od::value v = field.value();
      std::string_view s;
      int64_t n;
      if (k == "signature_id") {
        if (Int(v, &n, f)) e.sig_id = n;
      } else if (k == "rev") {
        if (Int(v, &n, f)) e.sig_rev = static_cast<int32_t>(n);
      } else if (k == "signature") {
        if (Str(v, a, &s, f)) e.set_field(FieldId::kSignature, s);
      } else if (k == "category") {
        if (Str(v, a, &s, f)) e.set_field(FieldId::kCategory, s);
      } else if (k == "severity") {
        if (Int(v, &n, f) && n >= 0 && n <= 255) e.ids_severity = static_cast<uint8_t>(n);
      }
    }
  }

  void Sub(od::object o, Event& e, Arena* a, Failure* f,
           std::initializer_list<std::pair<std::string_view, FieldId>> map) {
    for (auto field : o) {
      std::string_view k;
      if (field.unescaped_key().get(k)) return f->Set(DeadLetterReason::kMalformed, "bad key");
      for (const auto& [name, id] : map) {
        if (k == name) {
          std::string_view s;
          if (Str(field.value(), a, &s, f)) e.set_field(id, s);
          break;
        }
      }
    }
  }

  void DecodeOne(Batch& batch, uint32_t idx) {
    const RawRecord& rec = batch.records[idx];
    Failure f;
    auto dead = [&](DeadLetterReason r, const char* detail) {
      batch.dead_letters.push_back(DeadLetter{idx, r, detail});
    };
    if (static_cast<int64_t>(rec.value.size()) > opts_.max_event_bytes) {
      return dead(DeadLetterReason::kTooLarge, "record exceeds max_event_bytes");
    }
    if (std::memchr(rec.value.data(), '\0', rec.value.size()) != nullptr) {
      return dead(DeadLetterReason::kNulByte, "NUL byte in record");
    }
    od::document doc;
    auto err = parser_.iterate(rec.value.data(), rec.value.size(),
                               rec.value.size() + kRecordPadding).get(doc);
    if (err) return dead(ReasonOf(err), simdjson::error_message(err));
    od::object obj;
    if ((err = doc.get_object().get(obj))) return dead(ReasonOf(err), "not a JSON object");

    Event e;
    e.pos = rec.pos;
    e.record = idx;
    e.ingest_time_ns = rec.timestamp_ns;
    e.set_field(FieldId::kRaw, rec.value);
    std::string_view ts, claimed;
    bool have_ts = false;
    uint32_t seen = 0;  // bit per deciding key: duplicates of these are rejected
    auto once = [&](int bit) {
      if (seen & (1u << bit)) {
        f.Set(DeadLetterReason::kDuplicateKey, "duplicate key");
        return false;
      }
      seen |= 1u << bit;
      return true;
    };
    Arena* a = &batch.arena;
    for (auto field : obj) {
      std::string_view k;
      if ((err = field.unescaped_key().get(k))) {
        f.Set(ReasonOf(err), "bad key");
        break;
      }
      od::value v = field.value();
      std::string_view s;
      int64_t n;
      if (k == "timestamp") {
        if (once(0)) have_ts = Str(v, a, &ts, &f);
      } else if (k == "event_type") {
        if (once(1) && Str(v, a, &s, &f)) e.event_type = s;
      } else if (k == "src_ip") {
        if (once(2) && Str(v, a, &s, &f)) IpAddr::Parse(s, &e.src);
      } else if (k == "dest_ip") {
        if (once(3) && Str(v, a, &s, &f)) IpAddr::Parse(s, &e.dst);
      } else if (k == "src_port") {
        if (Int(v, &n, &f) && n >= 0 && n <= 65535) e.src_port = static_cast<uint16_t>(n);
      } else if (k == "dest_port") {
        if (Int(v, &n, &f) && n >= 0 && n <= 65535) e.dst_port = static_cast<uint16_t>(n);
      } else if (k == "proto") {
        if (Str(v, a, &s, &f)) e.proto = s;
      } else if (k == "app_proto") {
        if (Str(v, a, &s, &f)) e.app_proto = s;
      } else if (k == "flow_id") {
        if (Int(v, &n, &f)) e.flow_id = n;
      } else if (k == "host") {
        if (Str(v, a, &s, &f)) e.host = s;
      } else if (k == opts_.operator_field) {
        if (once(4)) Str(v, a, &claimed, &f);
      } else if (k == "payload_printable") {
        if (Str(v, a, &s, &f)) e.set_field(FieldId::kPayload, s);
      } else if (k == "alert") {
        od::object o;
        if (once(5) && !v.get_object().get(o)) Alert(o, e, a, &f);
      } else if (k == "http") {
        od::object o;
        if (!v.get_object().get(o)) {
          Sub(o, e, a, &f,
              {{"url", FieldId::kHttpUrl},
               {"hostname", FieldId::kHttpHostname},
               {"http_user_agent", FieldId::kHttpUserAgent},
               {"http_method", FieldId::kHttpMethod}});
        }
      } else if (k == "dns") {
        od::object o;
        if (!v.get_object().get(o)) Sub(o, e, a, &f, {{"rrname", FieldId::kDnsRrname}});
      } else if (k == "tls") {
        od::object o;
        if (!v.get_object().get(o)) Sub(o, e, a, &f, {{"sni", FieldId::kTlsSni}});
      } else if (k == "fileinfo") {
        od::object o;
        if (!v.get_object().get(o)) {
          Sub(o, e, a, &f,
              {{"filename", FieldId::kFileName},
               {"magic", FieldId::kFileMagic},
               {"md5", FieldId::kFileMd5},
               {"sha256", FieldId::kFileSha256}});
        }
      }
      if (f.failed) break;
    }
    if (f.failed) return dead(f.reason, f.detail);
    if (!have_ts) return dead(DeadLetterReason::kMissingTimestamp, "no timestamp");
    if (!ParseIso8601(ts, &e.event_time_ns)) {
      return dead(DeadLetterReason::kBadTimestamp, "unparseable timestamp");
    }
    e.kind = KindOf(e.event_type);
    DeadLetterReason reason;
    if (!ResolveOperator(opts_, rec, claimed, &e.operator_id, &reason)) {
      return dead(reason, reason == DeadLetterReason::kOperatorMismatch
                              ? "record claims another operator"
                              : "no operator for record");
    }
    batch.events.push_back(e);
  }

  static EventKind KindOf(std::string_view t) {
    if (t == "alert") return EventKind::kAlert;
    if (t == "anomaly") return EventKind::kAnomaly;
    if (t == "fileinfo") return EventKind::kFileinfo;
    if (t == "http") return EventKind::kHttp;
    if (t == "dns") return EventKind::kDns;
    if (t == "tls") return EventKind::kTls;
    if (t == "ssh") return EventKind::kSsh;
    if (t == "flow") return EventKind::kFlow;
    return EventKind::kOther;
  }

  DecodeOptions opts_;
  od::parser parser_;
};

}  // namespace

std::unique_ptr<Decoder> NewEveDecoder(const DecodeOptions& options) {
  return std::make_unique<EveDecoder>(options);
}

}  // namespace kizashi::decode
