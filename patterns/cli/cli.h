// `kizashi patterns <subcommand>`: the issuer's and operator's tool for pattern packs.
//
//   check    verify, parse, validate and compile packs; print every diagnostic
//   compile  the same, and write the compiled set to the cache directory
//   import   turn Suricata/Snort rules, ClamAV signatures, fail2ban filters, STIX bundles or
//            MISP CSV into a pack, with a report of what was refused and why
//   keygen   make an Ed25519 issuer key pair
//   sign     write <pack>.sig with an issuer's private key
//   verify   check <pack>.sig against trusted public keys
//   test     run packs over sample lines / a file and show what matched where
//   profile  per-entry matches and scan cost on a sample corpus
//
// Exit codes: 0 success, 1 the packs/inputs have problems (diagnostics on stderr), 2 usage
// error, 3 I/O error. The `kizashi` binary dispatches `kizashi patterns ...` here with
// argv[0] = "patterns".
//
// Thread contract: runs on the calling thread; no global state besides logging.
#pragma once

namespace kizashi::patterns {

int PatternsMain(int argc, char** argv);

}  // namespace kizashi::patterns
