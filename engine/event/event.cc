#include "engine/event/event.h"

namespace kizashi {

namespace {
constexpr std::string_view kFieldNames[] = {
    "message",       "payload",           "raw",           "alert.signature",
    "alert.category", "http.url",         "http.hostname", "http.user_agent",
    "http.method",   "dns.rrname",        "tls.sni",       "tls.ja3",
    "fileinfo.filename", "fileinfo.magic", "fileinfo.md5", "fileinfo.sha256",
    "ssh.client_software", "program",     "user",          "dns.rrtype",
    "http.status",   "anomaly.event",     "ssh.server_software", "fileinfo.sha1",
    "action",        "device.vendor",     "device.product", "syslog.msgid",
    "syslog.sd",     "src_ip",            "dst_ip",
};
static_assert(sizeof(kFieldNames) / sizeof(kFieldNames[0]) == kFieldCount,
              "every FieldId needs a name");
}  // namespace

std::string_view FieldName(FieldId f) {
  size_t i = static_cast<size_t>(f);
  return i < kFieldCount ? kFieldNames[i] : std::string_view("?");
}

bool ParseFieldName(std::string_view name, FieldId* out) {
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (kFieldNames[i] == name) {
      *out = static_cast<FieldId>(i);
      return true;
    }
  }
  return false;
}

std::string_view EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kUnknown: return "unknown";
    case EventKind::kAlert: return "alert";
    case EventKind::kAnomaly: return "anomaly";
    case EventKind::kFileinfo: return "fileinfo";
    case EventKind::kHttp: return "http";
    case EventKind::kDns: return "dns";
    case EventKind::kTls: return "tls";
    case EventKind::kSsh: return "ssh";
    case EventKind::kFlow: return "flow";
    case EventKind::kOther: return "other";
    case EventKind::kSyslog: return "syslog";
    case EventKind::kCef: return "cef";
    case EventKind::kFastlog: return "fastlog";
    case EventKind::kJson: return "json";
    case EventKind::kOperatorInput: return "operator_input";
    case EventKind::kAnalystAction: return "analyst_action";
  }
  return "unknown";
}

}  // namespace kizashi

#include "engine/event/batch.h"

namespace kizashi {

std::string_view DeadLetterReasonName(DeadLetterReason r) {
  switch (r) {
    case DeadLetterReason::kMalformed: return "malformed";
    case DeadLetterReason::kTruncated: return "truncated";
    case DeadLetterReason::kInvalidUtf8: return "invalid_utf8";
    case DeadLetterReason::kNulByte: return "nul_byte";
    case DeadLetterReason::kTooLarge: return "too_large";
    case DeadLetterReason::kTooDeep: return "too_deep";
    case DeadLetterReason::kNumberOutOfRange: return "number_out_of_range";
    case DeadLetterReason::kDuplicateKey: return "duplicate_key";
    case DeadLetterReason::kMissingTimestamp: return "missing_timestamp";
    case DeadLetterReason::kBadTimestamp: return "bad_timestamp";
    case DeadLetterReason::kFutureTimestamp: return "future_timestamp";
    case DeadLetterReason::kUnknownOperator: return "unknown_operator";
    case DeadLetterReason::kOperatorMismatch: return "operator_mismatch";
    case DeadLetterReason::kMissingField: return "missing_field";
    case DeadLetterReason::kCount: break;
  }
  return "unknown";
}

}  // namespace kizashi
