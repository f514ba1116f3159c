// Document signatures (framework 2(4): protect reports sent over the internet).
//
// A signed document is the unsigned document with one more member at the end:
//   {... ,"signature":{"alg":"ed25519","key_id":"<16 hex>","value":"<base64 of 64 bytes>"}}
// The signed message is "kizashi-document-signature-v1\n" followed by the unsigned document
// bytes exactly as rendered (documents are deterministic, so the same revision always gets
// the same signature). Verification strips the last member and checks the rest.
//
// Ownership: DocumentSigner is immutable after Create; any thread may call Sign.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/config/schema.h"
#include "patterns/pack/signing.h"

namespace kizashi::docsign {

struct SigningOptions {
  // PEM Ed25519 private key (PKCS#8, `kizashi patterns keygen`) that signs outgoing
  // documents. Empty: documents are not signed. Default: empty.
  std::string key;
  // Which document kinds are signed. Default: notification, escalation, advisory, campaign.
  std::vector<std::string> kinds = {"notification", "escalation", "advisory", "campaign"};
  static void Declare(config::Schema& s, SigningOptions* o);
};

class DocumentSigner {
 public:
  // Reads the key file. A null signer (no key configured) signs nothing.
  static absl::StatusOr<std::unique_ptr<DocumentSigner>> Create(const SigningOptions& o);
  static absl::StatusOr<std::unique_ptr<DocumentSigner>> FromPem(std::string private_pem,
                                                                std::vector<std::string> kinds);

  bool Signs(std::string_view kind) const;
  // Appends the signature member to `json` (a JSON object).
  absl::Status Sign(std::string* json) const;
  const std::string& key_id() const { return key_id_; }

 private:
  std::string pem_;
  std::string key_id_;
  std::vector<std::string> kinds_;
};

// The signer's key id when `json` carries a valid signature by a trusted key; an error that
// says what is wrong otherwise (unsigned, modified, unknown key).
absl::StatusOr<std::string> VerifyDocument(std::string_view json,
                                           const patterns::TrustStore& trusted);

}  // namespace kizashi::docsign
