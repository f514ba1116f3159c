// Pack authenticity: Ed25519 signatures (OpenSSL 3) over pack files, verified against the
// issuer keys an operator trusts.
//
// A signature is a detached text file next to the pack (`<pack>.sig`):
//
//   kizashi-pack-signature: 1
//   algorithm: ed25519
//   key-id: 9f2c4e1a0b7d3e55          (first 16 hex of SHA-256 of the raw public key)
//   pack-sha256: <64 hex>             (SHA-256 of the pack file bytes)
//   signature: <base64, 64 bytes>
//
// The signed message is the statement "kizashi-pack-signature-v1\nkey-id: K\npack-sha256: H\n",
// so a signature binds the exact pack bytes to one key and cannot be replayed for another
// file or key. Keys are PEM: PKCS#8 private keys and SubjectPublicKeyInfo public keys, as
// written by `kizashi patterns keygen` or `openssl genpkey -algorithm ed25519`.
//
// Thread contract: TrustStore is built once, then Verify is const and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kizashi::patterns {

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
  std::string key_id;
};
absl::StatusOr<KeyPair> GenerateEd25519KeyPair();

// Key id of a PEM public (or private) key.
absl::StatusOr<std::string> KeyIdOfPem(std::string_view pem);

// Signs `pack_bytes` with a PEM Ed25519 private key; returns the .sig file text.
absl::StatusOr<std::string> SignPack(std::string_view pack_bytes, std::string_view private_pem);

// Detached Ed25519 signature of arbitrary bytes (outgoing documents, engine/docsign): the raw
// 64-byte signature; `key_id` receives the signer's key id.
absl::StatusOr<std::string> SignMessage(std::string_view message, std::string_view private_pem,
                                        std::string* key_id);
std::string Base64Encode(std::string_view raw);
bool Base64Decode(std::string_view b64, std::string* raw);

struct PackSignature {
  std::string key_id;
  std::string pack_sha256;
  std::string signature;  // raw 64 bytes
};
absl::StatusOr<PackSignature> ParsePackSignature(std::string_view sig_text);

class TrustStore {
 public:
  TrustStore();
  ~TrustStore();
  TrustStore(TrustStore&&) noexcept;
  TrustStore& operator=(TrustStore&&) noexcept;

  // Adds an Ed25519 public key (PEM). `origin` names it in errors (the file path).
  absl::Status AddPublicKeyPem(std::string_view pem, std::string_view origin);
  size_t size() const;
  std::vector<std::string> key_ids() const;

  // OK with the signer's key id when `sig_text` is a valid signature of `pack_bytes` by a
  // trusted key; otherwise an error that says what is wrong (tampered pack, unknown key,
  // malformed signature).
  absl::StatusOr<std::string> Verify(std::string_view pack_bytes, std::string_view sig_text) const;
  // The same, for a caller that already has the pack's SHA-256 (hex).
  absl::StatusOr<std::string> VerifyDigest(std::string_view pack_sha256_hex,
                                           std::string_view sig_text) const;
  // OK when `signature` (raw 64 bytes) is a valid Ed25519 signature of `message` by the
  // trusted key `key_id` (SignMessage's counterpart).
  absl::Status VerifyMessage(std::string_view message, std::string_view key_id,
                             std::string_view signature) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kizashi::patterns
