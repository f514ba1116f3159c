#include "engine/docsign/docsign.h"

#include <algorithm>

#include "engine/common/file_util.h"
#include "engine/common/json_writer.h"
#include "engine/common/strings.h"

namespace kizashi::docsign {

namespace {
constexpr std::string_view kContext = "kizashi-document-signature-v1\n";
constexpr std::string_view kMember = ",\"signature\":{";
}  // namespace

void SigningOptions::Declare(config::Schema& s, SigningOptions* o) {
  s.String("key", &o->key,
           "PEM Ed25519 private key (kizashi patterns keygen) that signs outgoing documents; "
           "empty: documents are not signed.");
  s.StringList("kinds", &o->kinds,
               "Document kinds that are signed (notification, escalation, observation, advisory, "
               "campaign).");
}

absl::StatusOr<std::unique_ptr<DocumentSigner>> DocumentSigner::Create(const SigningOptions& o) {
  if (o.key.empty()) return std::unique_ptr<DocumentSigner>();
  auto pem = ReadFile(o.key);
  if (!pem.ok()) return absl::InvalidArgumentError(StrCat("signing.key: ", pem.status().message()));
  return FromPem(std::move(*pem), o.kinds);
}

absl::StatusOr<std::unique_ptr<DocumentSigner>> DocumentSigner::FromPem(
    std::string private_pem, std::vector<std::string> kinds) {
  auto s = std::make_unique<DocumentSigner>();
  // Sign once to validate the key now rather than at the first document.
  auto probe = patterns::SignMessage("probe", private_pem, &s->key_id_);
  if (!probe.ok()) return absl::InvalidArgumentError(StrCat("signing.key: ", probe.status().message()));
  s->pem_ = std::move(private_pem);
  s->kinds_ = std::move(kinds);
  return s;
}

bool DocumentSigner::Signs(std::string_view kind) const {
  return std::find(kinds_.begin(), kinds_.end(), kind) != kinds_.end();
}

absl::Status DocumentSigner::Sign(std::string* json) const {
  if (json->size() < 2 || json->back() != '}') {
    return absl::InvalidArgumentError("only JSON objects can be signed");
  }
  auto sig = patterns::SignMessage(StrCat(kContext, *json), pem_, nullptr);
  if (!sig.ok()) return sig.status();
  json->pop_back();
  StrAppend(json, kMember, "\"alg\":\"ed25519\",\"key_id\":\"", key_id_, "\",\"value\":\"",
            patterns::Base64Encode(*sig), "\"}}");
  return absl::OkStatus();
}

absl::StatusOr<std::string> VerifyDocument(std::string_view json,
                                           const patterns::TrustStore& trusted) {
  size_t at = json.rfind(kMember);
  if (at == std::string_view::npos) return absl::NotFoundError("the document is not signed");
  std::string body = StrCat(json.substr(0, at), "}");
  std::string_view sig = json.substr(at + kMember.size());
  auto field = [&](std::string_view name) -> std::string {
    std::string k = StrCat("\"", name, "\":\"");
    size_t p = sig.find(k);
    if (p == std::string_view::npos) return "";
    size_t b = p + k.size();
    size_t e = sig.find('"', b);
    return e == std::string_view::npos ? "" : std::string(sig.substr(b, e - b));
  };
  if (field("alg") != "ed25519") return absl::InvalidArgumentError("unsupported signature algorithm");
  std::string key_id = field("key_id");
  std::string raw;
  if (!patterns::Base64Decode(field("value"), &raw) || raw.size() != 64) {
    return absl::InvalidArgumentError("signature value is not 64 bytes of base64");
  }
  absl::Status st = trusted.VerifyMessage(StrCat(kContext, body), key_id, raw);
  if (!st.ok()) return st;
  return key_id;
}

}  // namespace kizashi::docsign
