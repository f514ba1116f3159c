// Document signatures: sign with the pack key mechanism, verify with the public key; any
// modification, or an untrusted key, fails.
#include "engine/docsign/docsign.h"

#include <gtest/gtest.h>

namespace kizashi::docsign {
namespace {

TEST(DocsignTest, SignAndVerify) {
  auto kp = patterns::GenerateEd25519KeyPair();
  ASSERT_TRUE(kp.ok());
  auto signer = DocumentSigner::FromPem(kp->private_pem, {"advisory"});
  ASSERT_TRUE(signer.ok()) << signer.status();
  std::string doc = R"({"schema":"kizashi.advisory/1","indicators":[{"type":"ip","value":"198.51.100.7"}]})";
  std::string signed_doc = doc;
  ASSERT_TRUE((*signer)->Sign(&signed_doc).ok());
  EXPECT_EQ(signed_doc.substr(0, doc.size() - 1), doc.substr(0, doc.size() - 1));
  EXPECT_NE(signed_doc.find("\"signature\":{\"alg\":\"ed25519\",\"key_id\":\"" + kp->key_id + "\""),
            std::string::npos);
  patterns::TrustStore trust;
  ASSERT_TRUE(trust.AddPublicKeyPem(kp->public_pem, "test").ok());
  auto who = VerifyDocument(signed_doc, trust);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(*who, kp->key_id);

  std::string tampered = signed_doc;
  tampered.replace(tampered.find("198.51.100.7"), 12, "198.51.100.8");
  EXPECT_FALSE(VerifyDocument(tampered, trust).ok());
  EXPECT_FALSE(VerifyDocument(doc, trust).ok());  // unsigned

  auto other = patterns::GenerateEd25519KeyPair();
  patterns::TrustStore wrong;
  ASSERT_TRUE(wrong.AddPublicKeyPem(other->public_pem, "other").ok());
  EXPECT_FALSE(VerifyDocument(signed_doc, wrong).ok());
  EXPECT_TRUE((*signer)->Signs("advisory"));
  EXPECT_FALSE((*signer)->Signs("observation"));
}

}  // namespace
}  // namespace kizashi::docsign
