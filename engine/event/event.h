// The event model shared by every stage.
//
// An Event is compact and holds no owned memory: its strings are views into the owning
// Batch's arena (raw record bytes, or unescaped copies written there by a decoder). Events
// are produced by engine/decode, enriched by engine/enrich, and read by every later stage.
//
// Ownership: events live in Batch::events and die with the batch. Thread contract: a batch and
// its events are touched by one worker thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string_view>

#include "engine/common/ip.h"

namespace kizashi {

inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

// What kind of record the event came from. Suricata EVE event types map 1:1; syslog-family
// formats use kSyslog/kCef/kFastlog; kOther is an EVE type kizashi does not model (passed
// through with its common fields).
enum class EventKind : uint8_t {
  kUnknown = 0,
  kAlert,
  kAnomaly,
  kFileinfo,
  kHttp,
  kDns,
  kTls,
  kSsh,
  kFlow,
  kOther,
  kSyslog,
  kCef,
  kFastlog,
  kJson,
  kOperatorInput,  // threat notice, major failure, damage confirmed, response status
  kAnalystAction,  // acknowledge, forward, withdraw, annotate (control topic)
};
std::string_view EventKindName(EventKind k);

// Named payload fields that pattern-pack entries can target. Adding one: append before kCount
// and give it a name in event.cc; pack files refer to fields by name, never by number.
enum class FieldId : uint8_t {
  kMessage = 0,    // "message": syslog MSG, CEF name+extension, generic message
  kPayload,        // "payload": EVE payload_printable
  kRaw,            // "raw": the whole record as received
  kSignature,      // "alert.signature": IDS signature text (EVE, fast.log, CEF name)
  kCategory,       // "alert.category"
  kHttpUrl,        // "http.url"
  kHttpHostname,   // "http.hostname"
  kHttpUserAgent,  // "http.user_agent"
  kHttpMethod,     // "http.method"
  kDnsRrname,      // "dns.rrname"
  kTlsSni,         // "tls.sni"
  kTlsJa3,         // "tls.ja3"
  kFileName,       // "fileinfo.filename"
  kFileMagic,      // "fileinfo.magic"
  kFileMd5,        // "fileinfo.md5"
  kFileSha256,     // "fileinfo.sha256"
  kSshClient,      // "ssh.client_software"
  kProgram,        // "program": syslog APP-NAME / tag
  kUser,           // "user": account named in the record, when a decoder extracts one
  kDnsRrtype,      // "dns.rrtype": EVE dns rrtype ("A", "AAAA", ...)
  kHttpStatus,     // "http.status": HTTP status code as written ("200")
  kAnomalyEvent,   // "anomaly.event": EVE anomaly event name (or type when no event)
  kSshServer,      // "ssh.server_software"
  kFileSha1,       // "fileinfo.sha1"
  kAction,         // "action": what the device did (EVE alert.action, CEF act, FortiGate action)
  kDeviceVendor,   // "device.vendor": CEF Device Vendor
  kDeviceProduct,  // "device.product": CEF Device Product
  kSyslogMsgId,    // "syslog.msgid": RFC 5424 MSGID
  kStructuredData, // "syslog.sd": RFC 5424 STRUCTURED-DATA as written
  // Indicator targets (patterns/): matched by lookup against Event::src/dst and the file
  // hashes, never scanned as text. kSrcIp/kDstIp name where an IP indicator matched.
  kSrcIp,          // "src_ip"
  kDstIp,          // "dst_ip"
  kCount
};
inline constexpr size_t kFieldCount = static_cast<size_t>(FieldId::kCount);
std::string_view FieldName(FieldId f);
bool ParseFieldName(std::string_view name, FieldId* out);

// Where a record came from: enough to cite it as evidence and to resume after it.
struct SourcePos {
  uint32_t source = 0;    // index into Batch::sources (topic name or file path)
  int32_t partition = 0;  // Kafka partition; files are partition 0 unless configured
  int64_t offset = 0;     // Kafka offset, or 1-based line number in a file
};

// What the registry says about the event's target (filled by engine/enrich).
enum class TargetKind : uint8_t {
  kUnresolved = 0,  // not looked up yet / no address or host
  kCriticalSystem,
  kNonCriticalAsset,
  kUnknownAsset,    // the operator is known but the address/host is not in its registry
};

struct Event {
  SourcePos pos;
  uint32_t record = 0;  // index into Batch::records
  EventKind kind = EventKind::kUnknown;
  uint8_t ids_severity = 0;       // IDS severity, 1 (high) .. 4 (low); 0 = none
  uint8_t syslog_severity = 0xff; // 0..7, 0xff = none
  uint8_t syslog_facility = 0xff;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  int32_t pid = -1;
  int64_t event_time_ns = 0;   // UTC; decides every window
  int64_t ingest_time_ns = 0;  // processing time when read (metadata only, never decides)
  int64_t flow_id = 0;
  int64_t sig_id = 0;
  int32_t sig_rev = 0;
  IpAddr src;
  IpAddr dst;
  std::string_view operator_id;  // the operator this record belongs to (see decode docs)
  std::string_view host;         // sensor or device that emitted it (EVE host, syslog HOSTNAME)
  std::string_view proto;        // "TCP", "UDP", ...
  std::string_view app_proto;
  std::string_view event_type;   // EVE event_type as written, syslog format name otherwise
  std::array<std::string_view, kFieldCount> fields{};

  // Enrichment (engine/enrich).
  uint32_t operator_ref = kNone;  // index of the operator in the registry snapshot
  uint32_t target_ref = kNone;    // critical-system or asset index (see target_kind)
  TargetKind target_kind = TargetKind::kUnresolved;
  bool src_internal = false;      // source address is inside the operator's home networks
  bool dst_is_target = true;      // which side the target was resolved from

  std::string_view field(FieldId f) const { return fields[static_cast<size_t>(f)]; }
  void set_field(FieldId f, std::string_view v) { fields[static_cast<size_t>(f)] = v; }
};

// One pattern-pack hit on one event: the entry's index in the snapshot's compiled pattern set
// and the field it matched in. Everything after the matcher works on these ids.
struct Match {
  uint32_t entry = 0;
  FieldId field = FieldId::kMessage;
};

}  // namespace kizashi
