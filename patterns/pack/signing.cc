#include "patterns/pack/signing.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <map>

#include "engine/common/hash.h"
#include "engine/common/strings.h"

namespace kizashi::patterns {

namespace {

constexpr std::string_view kHeader = "kizashi-pack-signature: 1";

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

Pkey ReadPem(std::string_view pem, bool want_private) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  EVP_PKEY* k = want_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                             : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  return Pkey(k);
}

std::string RawPublic(EVP_PKEY* k) {
  size_t len = 32;
  std::string raw(32, '\0');
  if (EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1) {
    return "";
  }
  raw.resize(len);
  return raw;
}

std::string KeyId(EVP_PKEY* k) { return Sha256Hex(RawPublic(k)).substr(0, 16); }

std::string Statement(std::string_view key_id, std::string_view pack_sha256) {
  return StrCat("kizashi-pack-signature-v1\nkey-id: ", key_id, "\npack-sha256: ", pack_sha256,
                "\n");
}

std::string Base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool Unbase64(std::string_view b64, std::string* raw) {
  if (b64.empty() || b64.size() % 4 != 0) return false;
  raw->assign(3 * b64.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw->data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return false;
  size_t pad = b64.back() == '=' ? (b64[b64.size() - 2] == '=' ? 2 : 1) : 0;
  raw->resize(static_cast<size_t>(n) - pad);
  return true;
}

std::string PemOf(EVP_PKEY* k, bool priv) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  int ok = priv ? PEM_write_bio_PrivateKey(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr)
                : PEM_write_bio_PUBKEY(bio.get(), k);
  if (ok != 1) return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

absl::StatusOr<KeyPair> GenerateEd25519KeyPair() {
  Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!k) return absl::InternalError("Ed25519 key generation failed");
  KeyPair kp;
  kp.private_pem = PemOf(k.get(), true);
  kp.public_pem = PemOf(k.get(), false);
  kp.key_id = KeyId(k.get());
  if (kp.private_pem.empty() || kp.public_pem.empty()) {
    return absl::InternalError("could not write the key pair as PEM");
  }
  return kp;
}

absl::StatusOr<std::string> KeyIdOfPem(std::string_view pem) {
  Pkey k = ReadPem(pem, pem.find("PRIVATE KEY") != std::string_view::npos);
  if (!k || EVP_PKEY_get_id(k.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("not an Ed25519 PEM key");
  }
  return KeyId(k.get());
}

absl::StatusOr<std::string> SignPack(std::string_view pack_bytes, std::string_view private_pem) {
  Pkey k = ReadPem(private_pem, true);
  if (!k) return absl::InvalidArgumentError("cannot read the private key (PEM PKCS#8 expected)");
  if (EVP_PKEY_get_id(k.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("the private key is not an Ed25519 key");
  }
  const std::string key_id = KeyId(k.get());
  const std::string hash = Sha256Hex(pack_bytes);
  const std::string msg = Statement(key_id, hash);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1) {
    return absl::InternalError("Ed25519 signing failed");
  }
  sig.resize(len);
  return StrCat(kHeader, "\nalgorithm: ed25519\nkey-id: ", key_id, "\npack-sha256: ", hash,
                "\nsignature: ", Base64(sig), "\n");
}

absl::StatusOr<std::string> SignMessage(std::string_view message, std::string_view private_pem,
                                        std::string* key_id) {
  Pkey k = ReadPem(private_pem, true);
  if (!k) return absl::InvalidArgumentError("cannot read the private key (PEM PKCS#8 expected)");
  if (EVP_PKEY_get_id(k.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("the private key is not an Ed25519 key");
  }
  if (key_id != nullptr) *key_id = KeyId(k.get());
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return absl::InternalError("Ed25519 signing failed");
  }
  sig.resize(len);
  return sig;
}

std::string Base64Encode(std::string_view raw) { return Base64(raw); }
bool Base64Decode(std::string_view b64, std::string* raw) { return Unbase64(b64, raw); }

absl::StatusOr<PackSignature> ParsePackSignature(std::string_view text) {
  std::map<std::string, std::string> kv;
  bool header = false;
  for (std::string_view line : Split(text, '\n')) {
    line = StripWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (line == kHeader) {
      header = true;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(StrCat("signature file: bad line '", line, "'"));
    }
    kv[std::string(StripWhitespace(line.substr(0, colon)))] =
        std::string(StripWhitespace(line.substr(colon + 1)));
  }
  if (!header) {
    return absl::InvalidArgumentError("not a kizashi pack signature (missing header line)");
  }
  if (kv["algorithm"] != "ed25519") {
    return absl::InvalidArgumentError(
        StrCat("unsupported signature algorithm '", kv["algorithm"], "' (ed25519)"));
  }
  PackSignature s;
  s.key_id = kv["key-id"];
  s.pack_sha256 = kv["pack-sha256"];
  if (s.key_id.size() != 16 || s.pack_sha256.size() != 64) {
    return absl::InvalidArgumentError("signature file: key-id or pack-sha256 missing or malformed");
  }
  if (!Unbase64(kv["signature"], &s.signature) || s.signature.size() != 64) {
    return absl::InvalidArgumentError("signature file: signature is not 64 bytes of base64");
  }
  return s;
}

struct TrustStore::Impl {
  std::map<std::string, Pkey> keys;  // key id -> public key
};

TrustStore::TrustStore() : impl_(std::make_unique<Impl>()) {}
TrustStore::~TrustStore() = default;
TrustStore::TrustStore(TrustStore&&) noexcept = default;
TrustStore& TrustStore::operator=(TrustStore&&) noexcept = default;

absl::Status TrustStore::AddPublicKeyPem(std::string_view pem, std::string_view origin) {
  if (pem.find("PRIVATE KEY") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat(origin, ": is a PRIVATE key; trust the public key (kizashi patterns keygen "
                       "writes both), never deploy the issuer's private key"));
  }
  Pkey k = ReadPem(pem, false);
  if (!k) return absl::InvalidArgumentError(StrCat(origin, ": not a PEM public key"));
  if (EVP_PKEY_get_id(k.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(StrCat(origin, ": not an Ed25519 key"));
  }
  impl_->keys[KeyId(k.get())] = std::move(k);
  return absl::OkStatus();
}

size_t TrustStore::size() const { return impl_->keys.size(); }

std::vector<std::string> TrustStore::key_ids() const {
  std::vector<std::string> out;
  for (const auto& [id, k] : impl_->keys) out.push_back(id);
  return out;
}

absl::StatusOr<std::string> TrustStore::Verify(std::string_view pack_bytes,
                                               std::string_view sig_text) const {
  return VerifyDigest(Sha256Hex(pack_bytes), sig_text);
}

absl::StatusOr<std::string> TrustStore::VerifyDigest(std::string_view hash,
                                                     std::string_view sig_text) const {
  auto sig = ParsePackSignature(sig_text);
  if (!sig.ok()) return sig.status();
  auto it = impl_->keys.find(sig->key_id);
  if (it == impl_->keys.end()) {
    return absl::PermissionDeniedError(
        StrCat("signed by key ", sig->key_id, ", which is not a trusted key"));
  }
  if (hash != sig->pack_sha256) {
    return absl::PermissionDeniedError(
        "the pack's content does not match its signature (modified after signing)");
  }
  const std::string msg = Statement(sig->key_id, sig->pack_sha256);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, it->second.get()) != 1) {
    return absl::InternalError("Ed25519 verification could not start");
  }
  int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->signature.data()),
                            sig->signature.size(),
                            reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  if (ok != 1) {
    return absl::PermissionDeniedError(
        StrCat("signature by key ", sig->key_id, " does not verify (forged or corrupted)"));
  }
  return sig->key_id;
}

absl::Status TrustStore::VerifyMessage(std::string_view message, std::string_view key_id,
                                       std::string_view signature) const {
  auto it = impl_->keys.find(std::string(key_id));
  if (it == impl_->keys.end()) {
    return absl::PermissionDeniedError(StrCat("signed by key ", key_id, ", which is not trusted"));
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, it->second.get()) != 1) {
    return absl::InternalError("Ed25519 verification could not start");
  }
  int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (ok != 1) {
    return absl::PermissionDeniedError(
        StrCat("signature by key ", key_id, " does not verify (modified or forged)"));
  }
  return absl::OkStatus();
}

}  // namespace kizashi::patterns
