// RealLines: alert and log lines read from the third-party recordings in ../shared/data at
// generation time, for the generator's injected attacks (issue 9: attacks are built from real
// alerts and log lines, not from text written to match the rules). Nothing read here is ever
// written into the repository; the generator substitutes addresses, times and hosts and
// keeps the rest of each line verbatim.
//
// Sources (see ../shared/data/SOURCES.md for repositories and licences):
//   ssh_failures     sshd "Failed password ..." / "Invalid user ..." messages:
//                    fail2ban/logs/sshd, crowdsec-hub/tests/{ssh-bf,ssh-slow-bf,sshd-invalid-bf}
//   exploit_alerts   Suricata EVE `"alert":{...}` objects whose signature starts "ET EXPLOIT"
//   scan_alerts      the same, "ET SCAN"     (crowdsec-hub/tests/suricata-eve-detect)
//   sensitive_urls   request paths probing for configuration/secret files
//                    (crowdsec-hub/tests/nginx-http-sensitive-files)
//   credential_urls  path-traversal requests for /etc/passwd or /etc/shadow
//                    (crowdsec-hub/tests/nginx-http-path-traversal)
// A list stays empty when its files are absent; the generator then falls back to its own
// templates and records origin "template" in the labels.
//
// Ownership: plain value, immutable after Load. Thread contract: any thread.
#pragma once

#include <string>
#include <vector>

namespace kizashi::traffic {

struct RealLines {
  std::vector<std::string> ssh_failures;     // message text; "{SRC}" stands for the address
  std::vector<std::string> exploit_alerts;   // `"alert":{...}` object text
  std::vector<std::string> scan_alerts;
  std::vector<std::string> sensitive_urls;
  std::vector<std::string> credential_urls;

  // Reads the lists from `data_dir` (empty: every list empty). Deterministic: files are read
  // in a fixed order, lines in file order, duplicates removed keeping the first.
  static RealLines Load(const std::string& data_dir);
  bool empty() const {
    return ssh_failures.empty() && exploit_alerts.empty() && scan_alerts.empty() &&
           sensitive_urls.empty() && credential_urls.empty();
  }
};

// The default data directory: $KIZASHI_SHARED_DATA, else ../shared/data beside the source
// tree (compiled in), else "" when neither exists.
std::string DefaultSharedDataDir();

}  // namespace kizashi::traffic
