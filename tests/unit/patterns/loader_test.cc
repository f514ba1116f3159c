// Signing, verification, the loader (all-errors reporting, insecure mode) and the
// compiled-set cache.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "patterns/load/loader.h"
#include "patterns/pack/signing.h"
#include "tests/testing/testing.h"
#include "tests/unit/patterns/pattern_test_util.h"

namespace kizashi::patterns {
namespace {

using testutil::HasDiag;
using testutil::MakeEvent;
using testutil::Matches;

const char* kPackA = R"(pack:
  id: gov-a
  version: "1"
  issuer: Ministry test issuer
entries:
  - id: brute
    regex: 'Failed password for \S+ from'
    fields: [message]
)";

const char* kPackB = R"(pack:
  id: gov-b
  version: "7"
  issuer: Ministry test issuer
entries:
  - id: c2
    indicators: ["domain:c2.example"]
)";

class SigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kp = GenerateEd25519KeyPair();
    ASSERT_TRUE(kp.ok()) << kp.status();
    key_ = *kp;
    auto other = GenerateEd25519KeyPair();
    ASSERT_TRUE(other.ok());
    other_ = *other;
    ASSERT_TRUE(trust_.AddPublicKeyPem(key_.public_pem, "issuer.pub").ok());
  }
  PackSource Signed(const std::string& name, const std::string& text, const KeyPair& k) {
    PackSource s{name, text, std::nullopt};
    auto sig = SignPack(text, k.private_pem);
    EXPECT_TRUE(sig.ok()) << sig.status();
    s.signature = *sig;
    return s;
  }
  LoadOptions Options(const std::string& cache = "") {
    LoadOptions o;
    o.trust = &trust_;
    o.cache_dir = cache;
    return o;
  }
  KeyPair key_, other_;
  TrustStore trust_;
};

TEST_F(SigningTest, SignVerifyAndEveryKindOfRejection) {
  auto sig = SignPack(kPackA, key_.private_pem);
  ASSERT_TRUE(sig.ok());
  auto who = trust_.Verify(kPackA, *sig);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(*who, key_.key_id);
  EXPECT_EQ(key_.key_id.size(), 16u);
  EXPECT_EQ(*KeyIdOfPem(key_.public_pem), key_.key_id);
  EXPECT_EQ(*KeyIdOfPem(key_.private_pem), key_.key_id);

  // One byte changed in the pack.
  std::string tampered = kPackA;
  tampered[tampered.find("Failed")] = 'f';
  auto t = trust_.Verify(tampered, *sig);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("modified after signing"), std::string::npos);

  // Signature of the right pack by an untrusted key.
  auto other_sig = SignPack(kPackA, other_.private_pem);
  ASSERT_TRUE(other_sig.ok());
  auto u = trust_.Verify(kPackA, *other_sig);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("not a trusted key"), std::string::npos);

  // A forged signature that claims the trusted key id and the right hash.
  std::string forged = *other_sig;
  size_t at = forged.find("key-id: ") + 8;
  forged.replace(at, 16, key_.key_id);
  auto f = trust_.Verify(kPackA, forged);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("does not verify"), std::string::npos);

  EXPECT_FALSE(trust_.Verify(kPackA, "garbage").ok());
  // A private key must never be accepted as a trusted key.
  TrustStore t2;
  EXPECT_FALSE(t2.AddPublicKeyPem(key_.private_pem, "issuer.key").ok());
}

TEST_F(SigningTest, LoaderRefusesUnsignedAndTamperedAndReportsEverything) {
  PackSource a = Signed("a.yaml", kPackA, key_);
  PackSource b{"b.yaml", kPackB, std::nullopt};  // unsigned
  LoadResult r = LoadPacksFromBytes({a, b}, Options());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(HasDiag(r.diags, "", "unsigned pack")) << r.diags.ToText();

  // Tampered pack + a pack with a bad entry: both problems reported in one load.
  PackSource tampered = a;
  tampered.bytes[tampered.bytes.find("Failed")] = 'X';
  std::string bad_text = std::string(kPackB) + "  - id: bad\n    regex: 'a(b'\n";
  PackSource bad = Signed("bad.yaml", bad_text, key_);
  LoadResult r2 = LoadPacksFromBytes({tampered, bad}, Options());
  EXPECT_FALSE(r2.ok());
  EXPECT_TRUE(HasDiag(r2.diags, "", "modified after signing")) << r2.diags.ToText();
  EXPECT_TRUE(HasDiag(r2.diags, "bad", "Hyperscan rejects")) << r2.diags.ToText();

  // Insecure mode accepts the unsigned pack, with a warning, and says who signed what.
  LoadOptions insecure = Options();
  insecure.insecure_allow_unsigned = true;
  LoadResult r3 = LoadPacksFromBytes({a, b}, insecure);
  ASSERT_TRUE(r3.ok()) << r3.diags.ToText();
  EXPECT_FALSE(r3.diags.has_errors());
  EXPECT_TRUE(HasDiag(r3.diags, "", "ACCEPTED because insecure_allow_unsigned"));
  ASSERT_EQ(r3.set->packs().size(), 2u);
  EXPECT_EQ(r3.set->packs()[0].signer, key_.key_id);
  EXPECT_EQ(r3.set->packs()[1].signer, "UNVERIFIED");

  // Without any trusted key nothing verifies.
  LoadOptions none;
  LoadResult r4 = LoadPacksFromBytes({a}, none);
  EXPECT_FALSE(r4.ok());
  EXPECT_TRUE(HasDiag(r4.diags, "", "no trusted keys"));
}

TEST_F(SigningTest, CacheServesTheSameSetAndSurvivesCorruption) {
  std::string dir = testing::MakeTempDir("pcache");
  std::vector<PackSource> src = {Signed("a.yaml", kPackA, key_), Signed("b.yaml", kPackB, key_)};
  LoadResult cold = LoadPacksFromBytes(src, Options(dir));
  ASSERT_TRUE(cold.ok()) << cold.diags.ToText();
  EXPECT_FALSE(cold.from_cache);
  ASSERT_FALSE(cold.cache_key.empty());
  const std::string file = dir + "/" + cold.cache_key + ".kzps";
  ASSERT_TRUE(FileExists(file));

  LoadResult warm = LoadPacksFromBytes(src, Options(dir));
  ASSERT_TRUE(warm.ok());
  EXPECT_TRUE(warm.from_cache);
  EXPECT_EQ(warm.set->version(), "gov-a@1,gov-b@7");
  EXPECT_EQ(warm.set->packs()[1].signer, key_.key_id);
  Event e = MakeEvent({{FieldId::kMessage, "Failed password for root from 10.0.0.1"},
                       {FieldId::kDnsRrname, "x.c2.example"}});
  EXPECT_EQ(Matches(*warm.set, e), Matches(*cold.set, e));
  EXPECT_EQ(Matches(*warm.set, e).size(), 2u);

  // A corrupted cache file is detected; the loader compiles instead and rewrites it.
  std::string bytes = *ReadFile(file);
  bytes[bytes.size() / 3] ^= 0x5a;
  ASSERT_TRUE(WriteFileAtomic(file, bytes).ok());
  LoadResult again = LoadPacksFromBytes(src, Options(dir));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again.from_cache);
  EXPECT_TRUE(LoadPacksFromBytes(src, Options(dir)).from_cache);

  // Another signer or other limits are other keys.
  LoadOptions o = Options(dir);
  o.compile.max_bounded_repeat = 77;
  EXPECT_FALSE(LoadPacksFromBytes(src, o).from_cache);
  testing::RemoveTree(dir);
}

TEST_F(SigningTest, LoadPacksReadsDirectoriesWithSignaturesAndKeys) {
  std::string dir = testing::MakeTempDir("pdir");
  std::filesystem::create_directories(dir + "/packs");
  std::filesystem::create_directories(dir + "/keys");
  ASSERT_TRUE(WriteFileAtomic(dir + "/packs/b.yaml", kPackB).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/packs/a.yaml", kPackA).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/packs/a.yaml.sig", *SignPack(kPackA, key_.private_pem)).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/packs/b.yaml.sig", *SignPack(kPackB, key_.private_pem)).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/keys/issuer.pub", key_.public_pem).ok());
  PatternsConfig c;
  c.packs = {dir + "/packs"};
  c.trusted_keys = {dir + "/keys"};
  LoadResult r = LoadPacks(c);
  ASSERT_TRUE(r.ok()) << r.diags.ToText();
  EXPECT_EQ(r.set->version(), "gov-a@1,gov-b@7");  // sorted path order
  c.packs.push_back(dir + "/missing.yaml");
  LoadResult r2 = LoadPacks(c);
  EXPECT_FALSE(r2.ok());
  EXPECT_TRUE(HasDiag(r2.diags, "", "no such file"));
  testing::RemoveTree(dir);
}

TEST(PatternsConfig, DeclaresEveryKeyOnce) {
  config::Schema s;
  PatternsConfig c;
  s.Section("patterns", [&](config::Schema& p) { PatternsConfig::Declare(p, &c); });
  Diagnostics d;
  s.ApplyText("patterns:\n  packs: [/etc/kizashi/packs]\n  cache_dir: /var/cache/kizashi\n"
              "  max_bounded_repeat: 500\n  watch_interval: 5s\n",
              "kizashi.yaml", &d);
  ASSERT_FALSE(d.has_errors()) << d.ToText();
  EXPECT_EQ(c.packs, std::vector<std::string>({"/etc/kizashi/packs"}));
  EXPECT_EQ(c.compile_options().max_bounded_repeat, 500);
  EXPECT_EQ(c.watch_interval_ns, 5'000'000'000);
  EXPECT_FALSE(c.insecure_allow_unsigned);
  Diagnostics d2;
  s.ApplyText("patterns:\n  max_bounded_repeat: 0\n", "k.yaml", &d2);
  EXPECT_TRUE(d2.has_errors());
}

}  // namespace
}  // namespace kizashi::patterns
