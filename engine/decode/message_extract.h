// Field extraction from the free-text MSG of syslog records (internal to engine/decode).
//
// Each extractor reads one device's message style and fills the event's addresses, ports,
// user, action, ...; it never fails a record (a message it does not recognise simply yields
// fewer fields). All strings are views into the message, or copies in the batch arena when an
// escape had to be undone.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/common/arena.h"
#include "engine/event/event.h"

namespace kizashi::decode::internal {

// key=value pairs anywhere in the message (iptables SRC=/DST=/SPT=/DPT=/PROTO=, FortiGate
// srcip=/dstip=/srcport=/dstport=/proto=/action=/user=/remip=/devname=, pam rhost=/user=,
// dovecot rip=). The first value of each target wins. Also returns FortiGate's date=/time=/tz=
// when asked (for records that are bare key=value without a syslog header).
struct KvTime {
  std::string_view date, time, tz;
};
void ExtractKeyValues(std::string_view msg, Arena* arena, Event* e, KvTime* time = nullptr);

// OpenSSH sshd prose: "Failed password for invalid user X from A port P ssh2", "Invalid user X
// from A", "Accepted publickey for X from A port P", "Connection closed by authenticating user
// X A port P", "Disconnected from A port P", "Unable to negotiate with A port P", pam lines...
void ExtractSshd(std::string_view msg, Arena* arena, Event* e);

// sudo: "USER : TTY=pts/0 ; PWD=/home ; USER=root ; COMMAND=/bin/ls" and pam lines.
void ExtractSudo(std::string_view msg, Arena* arena, Event* e);

// pfSense / OPNsense filterlog CSV.
void ExtractFilterlog(std::string_view msg, Event* e);

// Palo Alto Networks CSV (TRAFFIC, THREAT). Returns false if the message is not PAN CSV.
bool ExtractPaloAlto(std::string_view msg, Arena* arena, Event* e);

// Cisco ASA / FTD "%ASA-6-302013: Built inbound TCP connection ..." (tag is "%ASA-6-302013").
void ExtractCiscoAsa(std::string_view tag, std::string_view msg, Event* e);

// Any other program: the host after the last " from " ("from 1.2.3.4", "from host[1.2.3.4]",
// "from host (1.2.3.4)"), then rhost=/rip= style pairs.
void ExtractGeneric(std::string_view msg, Arena* arena, Event* e);

// Parses the token at the start of `s` as an address: "1.2.3.4", "[1.2.3.4]", "host[1.2.3.4]",
// "(1.2.3.4)", "1.2.3.4," ... Returns false when none.
bool AddressToken(std::string_view token, IpAddr* out);

}  // namespace kizashi::decode::internal
