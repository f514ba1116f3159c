// `kizashi patterns ...`: the issuer workflow end to end (import, check, sign, verify, test,
// profile) and the exit codes.
#include <gtest/gtest.h>

#include <sstream>

#include "engine/common/file_util.h"
#include "patterns/cli/cli.h"
#include "tests/testing/testing.h"

namespace kizashi::patterns {
namespace {

struct CliRun {
  int code;
  std::string out, err;
};

CliRun Cli(std::vector<std::string> args) {
  args.insert(args.begin(), "patterns");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  int code = PatternsMain(static_cast<int>(argv.size()), argv.data());
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return CliRun{code, out.str(), err.str()};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("cli"); }
  void TearDown() override { testing::RemoveTree(dir_); }
  std::string P(const std::string& name) { return dir_ + "/" + name; }
  std::string dir_;
};

TEST_F(CliTest, IssuerWorkflow) {
  ASSERT_TRUE(WriteFileAtomic(P("t.rules"),
      "alert http any any -> any any (msg:\"Admin probe\"; http.uri; content:\"/admin.php\"; "
      "nocase; classtype:attempted-recon; sid:9000001; rev:1;)\n"
      "alert tcp any any -> any any (msg:\"bytes\"; content:\"x\"; byte_jump:4,0; sid:9000002; "
      "rev:1;)\n").ok());
  CliRun imp = Cli({"import", "suricata", "--out", P("p.yaml"), "--id", "gov", "--version", "1",
                 "--issuer", "Test Ministry", "--report", P("refused.txt"), P("t.rules")});
  ASSERT_EQ(imp.code, 0) << imp.err;
  EXPECT_NE(imp.out.find("2 considered, 1 imported, 1 refused"), std::string::npos) << imp.out;
  EXPECT_NE(ReadFile(P("refused.txt"))->find("[sid:9000002] keyword byte_jump"), std::string::npos);

  ASSERT_EQ(Cli({"keygen", "--out", P("issuer")}).code, 0);
  EXPECT_EQ(Cli({"keygen", "--out", P("issuer")}).code, 3);  // never overwrite a private key
  ASSERT_EQ(Cli({"sign", "--key", P("issuer.key"), P("p.yaml")}).code, 0);
  CliRun ver = Cli({"verify", "--trusted-key", P("issuer.pub"), P("p.yaml")});
  EXPECT_EQ(ver.code, 0) << ver.err;
  CliRun chk = Cli({"check", "--trusted-key", P("issuer.pub"), P("p.yaml")});
  EXPECT_EQ(chk.code, 0) << chk.err;
  EXPECT_NE(chk.out.find("pack gov@1 (1 entries, signer "), std::string::npos) << chk.out;

  CliRun test = Cli({"test", "--trusted-key", P("issuer.pub"), P("p.yaml"), "--field", "http.url",
                  "--line", "/x/ADMIN.php?a=1", "--line", "/index.html"});
  EXPECT_EQ(test.code, 0) << test.err;
  EXPECT_NE(test.out.find("http.url  gov@1/sid-9000001"), std::string::npos) << test.out;
  EXPECT_NE(test.out.find("2 events, 1 matched, 1 matches"), std::string::npos) << test.out;

  ASSERT_TRUE(WriteFileAtomic(P("corpus.txt"), "/admin.php\n/a\n/b\n").ok());
  EXPECT_EQ(Cli({"profile", P("p.yaml"), "--corpus", P("corpus.txt"), "--field", "http.url",
                 "--isolated"}).code, 0);

  ASSERT_EQ(Cli({"compile", "--cache-dir", P("cache"), "--trusted-key", P("issuer.pub"),
                 P("p.yaml")}).code, 0);
  CliRun again = Cli({"compile", "--cache-dir", P("cache"), "--trusted-key", P("issuer.pub"),
                   P("p.yaml")});
  EXPECT_NE(again.out.find("already cached"), std::string::npos) << again.out;

  // Tampering is caught by verify and check.
  std::string text = *ReadFile(P("p.yaml"));
  text.replace(text.find("severity: "), 10, "severity:  ");
  ASSERT_TRUE(WriteFileAtomic(P("p.yaml"), text).ok());
  CliRun bad = Cli({"verify", "--trusted-key", P("issuer.pub"), P("p.yaml")});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("REJECTED"), std::string::npos);
  CliRun badchk = Cli({"check", "--trusted-key", P("issuer.pub"), P("p.yaml")});
  EXPECT_EQ(badchk.code, 1);
  EXPECT_NE(badchk.err.find("modified after signing"), std::string::npos) << badchk.err;
}

TEST_F(CliTest, CheckReportsEveryErrorAsJsonAndUsageErrors) {
  ASSERT_TRUE(WriteFileAtomic(P("bad.yaml"),
      "pack:\n  id: b\n  version: \"1\"\n  issuer: t\nentries:\n"
      "  - id: one\n    regex: 'a(b'\n  - id: two\n    regex: 'x*'\n").ok());
  CliRun r = Cli({"check", "--json", P("bad.yaml")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("\"id\":\"one\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"id\":\"two\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"line\":6"), std::string::npos) << r.err;  // entry "one"
  EXPECT_NE(r.err.find("\"line\":8"), std::string::npos) << r.err;  // entry "two"
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_EQ(Cli({}).code, 2);
  EXPECT_EQ(Cli({"frobnicate"}).code, 2);
  EXPECT_EQ(Cli({"check"}).code, 2);
  EXPECT_EQ(Cli({"check", "--no-such-option", P("bad.yaml")}).code, 2);
  EXPECT_EQ(Cli({"import", "nope", "--out", "x", "--id", "a", "--version", "1", "--issuer", "i",
                 P("bad.yaml")}).code, 2);
  for (const char* cmd : {"check", "compile", "import", "keygen", "sign", "verify", "test",
                          "profile"}) {
    CliRun h = Cli({cmd, "--help"});
    EXPECT_EQ(h.code, 0) << cmd;
    EXPECT_NE(h.out.find("usage: kizashi patterns"), std::string::npos) << cmd;
  }
}

}  // namespace
}  // namespace kizashi::patterns
