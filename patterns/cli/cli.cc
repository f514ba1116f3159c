#include "patterns/cli/cli.h"

#include <hs/hs.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "engine/common/file_util.h"
#include "engine/common/json_writer.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "patterns/cli/sample_events.h"
#include "patterns/compile/pattern_set.h"
#include "patterns/import/import.h"
#include "patterns/load/loader.h"
#include "patterns/pack/signing.h"

namespace kizashi::patterns {

namespace {

constexpr int kOk = 0;
constexpr int kProblems = 1;
constexpr int kUsage = 2;
constexpr int kIo = 3;

namespace fs = std::filesystem;

// --name value / --name=value options, bare --flags, and positional arguments.
class Args {
 public:
  Args(int argc, char** argv, std::set<std::string> flags, std::set<std::string> values)
      : flags_(std::move(flags)), values_(std::move(values)) {
    for (int i = 2; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--") {
        for (++i; i < argc; ++i) positional.push_back(argv[i]);
        break;
      }
      if (!StartsWith(a, "--") || a.size() == 2) {
        positional.push_back(a);
        continue;
      }
      std::string name = a.substr(2), value;
      bool inline_value = false;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      if (name == "help") {
        help = true;
      } else if (flags_.count(name)) {
        if (inline_value) error = StrCat("--", name, " takes no value");
        set_flags.insert(name);
      } else if (values_.count(name)) {
        if (!inline_value) {
          if (i + 1 >= argc) {
            error = StrCat("--", name, " needs a value");
            break;
          }
          value = argv[++i];
        }
        opts[name].push_back(value);
      } else {
        error = StrCat("unknown option --", name);
      }
    }
  }
  bool Flag(const std::string& n) const { return set_flags.count(n) > 0; }
  std::string Value(const std::string& n, const std::string& def = "") const {
    auto it = opts.find(n);
    return it == opts.end() || it->second.empty() ? def : it->second.back();
  }
  std::vector<std::string> Values(const std::string& n) const {
    auto it = opts.find(n);
    return it == opts.end() ? std::vector<std::string>() : it->second;
  }
  bool Has(const std::string& n) const { return opts.count(n) > 0; }

  std::vector<std::string> positional;
  std::string error;
  bool help = false;

 private:
  std::set<std::string> flags_, values_;
  std::set<std::string> set_flags;
  std::map<std::string, std::vector<std::string>> opts;
};

int Usage(const char* text, const std::string& error = "") {
  if (!error.empty()) std::cerr << "error: " << error << "\n\n";
  (error.empty() ? std::cout : std::cerr) << text;
  return error.empty() ? kOk : kUsage;
}

constexpr const char* kMainHelp = R"(usage: kizashi patterns <command> [options]

Government pattern packs: attack patterns, virus signatures and actor indicators.

commands:
  check     verify, parse, validate and compile packs; print every diagnostic
  compile   check, then write the compiled set to a cache directory
  import    make a pack from Suricata/Snort rules, ClamAV signatures, fail2ban filters,
            a STIX 2.1 bundle or a MISP CSV export (reports what was refused and why)
  keygen    create an Ed25519 issuer key pair
  sign      sign packs (writes <pack>.sig)
  verify    verify <pack>.sig against trusted public keys
  test      run packs over sample lines or a file and show what matched where
  profile   per-entry matches and scan cost on a sample corpus

`kizashi patterns <command> --help` describes each command.
exit codes: 0 ok, 1 problems found (diagnostics on stderr), 2 usage, 3 I/O error
)";

// ---- shared: loading packs for the offline commands ----------------------------------------

constexpr const char* kPackOptionsHelp = R"(  --trusted-key FILE|DIR     trusted issuer public key(s); repeatable. With keys, every pack
                             must carry a valid <pack>.sig
  --require-signature        fail when no --trusted-key is given
  --insecure-allow-unsigned  accept unsigned/unverifiable packs (warning only)
  --max-entries N, --max-entries-per-pack N, --max-expression-bytes N,
  --max-bounded-repeat N, --max-database-bytes N   resource limits (see docs)
  --json                     diagnostics as JSON
)";

const std::set<std::string> kPackFlags = {"require-signature", "insecure-allow-unsigned", "json"};
const std::set<std::string> kPackValues = {"trusted-key",          "max-entries",
                                           "max-entries-per-pack", "max-expression-bytes",
                                           "max-bounded-repeat",   "max-database-bytes",
                                           "cache-dir"};

std::set<std::string> Merge(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

bool ReadLimit(const Args& a, const char* name, int64_t* out, std::string* error) {
  if (!a.Has(name)) return true;
  if (!ParseInt(a.Value(name), out) || *out <= 0) {
    *error = StrCat("--", name, " must be a positive integer");
    return false;
  }
  return true;
}

// Loads packs named on the command line through the production loader.
struct Loaded {
  LoadResult result;
  bool usage_error = false;
  std::string error;
};

Loaded LoadFromArgs(const Args& a, const std::vector<std::string>& packs, bool use_cache) {
  Loaded out;
  PatternsConfig c;
  c.packs = packs;
  c.trusted_keys = a.Values("trusted-key");
  c.insecure_allow_unsigned = a.Flag("insecure-allow-unsigned");
  if (use_cache) c.cache_dir = a.Value("cache-dir");
  std::string err;
  if (!ReadLimit(a, "max-entries", &c.max_entries, &err) ||
      !ReadLimit(a, "max-entries-per-pack", &c.max_entries_per_pack, &err) ||
      !ReadLimit(a, "max-expression-bytes", &c.max_expression_bytes, &err) ||
      !ReadLimit(a, "max-bounded-repeat", &c.max_bounded_repeat, &err) ||
      !ReadLimit(a, "max-database-bytes", &c.max_database_bytes, &err)) {
    out.usage_error = true;
    out.error = err;
    return out;
  }
  bool skip = false;
  if (c.trusted_keys.empty() && !c.insecure_allow_unsigned) {
    if (a.Flag("require-signature")) {
      out.usage_error = true;
      out.error = "--require-signature needs at least one --trusted-key";
      return out;
    }
    // Offline checking of an issuer's own, not yet signed, pack: say that signatures were not
    // checked instead of failing.
    skip = true;
    std::cerr << "note: no --trusted-key given: signatures are not checked\n";
  }
  out.result = LoadPacks(c, skip);
  return out;
}

void PrintDiagnostics(const Diagnostics& d, bool json) {
  if (json) {
    std::cerr << d.ToJson() << "\n";
  } else {
    std::cerr << d.ToText();
  }
}

void PrintSetSummary(const PatternSet& s, std::ostream& os) {
  const auto& st = s.stats();
  for (const auto& p : s.packs()) {
    os << "pack " << p.id << "@" << p.version << " (" << p.entries << " entries, "
       << (p.signer.empty() ? "signature not checked" : StrCat("signer ", p.signer)) << ") "
       << p.file << "\n";
  }
  os << "entries: " << s.entries().size() << " (" << st.direct_entries << " direct, "
     << st.rule_entries << " rules of which " << st.pcre_prefilter_rules
     << " prefiltered by pcre, " << st.indicator_entries << " indicator entries with "
     << st.indicator_values << " values)\n";
  os << "databases:";
  for (FieldId f : s.scanned_fields()) {
    os << " " << FieldName(f) << "=" << st.patterns_per_field[static_cast<size_t>(f)];
  }
  os << " (" << st.database_bytes << " bytes, compiled in "
     << static_cast<double>(st.compile_ns) / 1e6 << " ms)\n";
}

// ---- check / compile -----------------------------------------------------------------------

constexpr const char* kCheckHelp = R"(usage: kizashi patterns check [options] PACK|DIR...

Verifies signatures, parses, validates and compiles the packs exactly as the service would,
and prints every problem (file:line, entry id, reason). Nothing is written.

)";

int Check(int argc, char** argv, bool write_cache) {
  Args a(argc, argv, kPackFlags, kPackValues);
  std::string help = StrCat(write_cache ? R"(usage: kizashi patterns compile --cache-dir DIR [options] PACK|DIR...

Like check, then writes the compiled set to DIR (the service reads it at start-up instead of
compiling: set patterns.cache_dir to the same directory).

)"
                                        : kCheckHelp,
                            kPackOptionsHelp);
  if (a.help) return Usage(help.c_str());
  if (!a.error.empty()) return Usage(help.c_str(), a.error);
  if (a.positional.empty()) return Usage(help.c_str(), "no packs given");
  if (write_cache && a.Value("cache-dir").empty()) return Usage(help.c_str(), "--cache-dir is required");
  Loaded l = LoadFromArgs(a, a.positional, write_cache);
  if (l.usage_error) return Usage(help.c_str(), l.error);
  PrintDiagnostics(l.result.diags, a.Flag("json"));
  if (!l.result.ok()) {
    std::cerr << l.result.diags.error_count() << " error(s); nothing "
              << (write_cache ? "written" : "would be loaded") << "\n";
    return kProblems;
  }
  PrintSetSummary(*l.result.set, std::cout);
  if (write_cache) {
    std::cout << (l.result.from_cache ? "already cached: " : "cached: ") << a.Value("cache-dir")
              << "/" << l.result.cache_key << ".kzps\n";
  }
  return kOk;
}

// ---- import --------------------------------------------------------------------------------

constexpr const char* kImportHelp = R"(usage: kizashi patterns import FORMAT --out PACK.yaml --id ID --version V --issuer NAME
                              [options] INPUT...

FORMAT:
  suricata | snort  .rules files. One rule = one entry (contents, pcre, isdataat, sizes on the
                    event fields their buffers map to; sid, msg, classtype kept as references).
                    Rules using what kizashi cannot evaluate on events are refused with the
                    reason; nothing is silently dropped or loosened.
  clamav            .ndb body signatures, .hdb/.hsb hash signatures (other ClamAV formats are
                    refused with the reason)
  fail2ban          filter.d/*.conf (includes read from the same directory)
  stix              STIX 2.1 bundle (indicator objects with STIX patterns)
  misp-csv          MISP CSV export (attributes)

options:
  --out FILE            pack to write (required)
  --id ID --version V --issuer NAME   pack header (required); --issued-at RFC3339,
                        --description TEXT optional
  --all-rules           suricata/snort: also import disabled ("# alert ...") rules
  --classification FILE suricata/snort: classification.config for classtype priorities
  --actor NAME          attribute every entry to a named actor (Annex 4 (d))
  --attack-type T       default attack type for feeds without one
  --severity S          default severity for feeds without one
  --var NAME=VALUE      fail2ban: override a filter variable (e.g. mode=aggressive)
  --keep-prefix         fail2ban: keep __prefix_line (for undecoded lines; slower)
  --include-non-ids     misp-csv: also import attributes with to_ids=0
  --id-prefix P         prefix of entry ids
  --report FILE         write every refusal (file:line, id, reason) to FILE
  --json                print the summary as JSON

The written pack compiles: entries that Hyperscan or PCRE2 reject are moved to the refused
list with the compiler's reason.
)";

int Import(int argc, char** argv) {
  Args a(argc, argv, {"all-rules", "keep-prefix", "include-non-ids", "json"},
         {"out", "id", "version", "issuer", "issued-at", "description", "classification",
          "actor", "attack-type", "severity", "var", "id-prefix", "report"});
  if (a.help) return Usage(kImportHelp);
  if (!a.error.empty()) return Usage(kImportHelp, a.error);
  if (a.positional.size() < 2) return Usage(kImportHelp, "FORMAT and at least one INPUT are required");
  for (const char* req : {"out", "id", "version", "issuer"}) {
    if (a.Value(req).empty()) return Usage(kImportHelp, StrCat("--", req, " is required"));
  }
  const std::string format = a.positional[0];
  static const std::set<std::string> kFormats = {"suricata", "snort", "clamav", "fail2ban",
                                                 "stix", "misp-csv"};
  if (!kFormats.count(format)) return Usage(kImportHelp, StrCat("unknown FORMAT '", format, "'"));
  ImportOptions o;
  o.enabled_only = !a.Flag("all-rules");
  o.actor = a.Value("actor");
  o.id_prefix = a.Value("id-prefix");
  o.include_non_ids = a.Flag("include-non-ids");
  o.fail2ban_keep_prefix = a.Flag("keep-prefix");
  if (a.Has("attack-type") && !ParseAttackType(a.Value("attack-type"), &o.attack_type)) {
    return Usage(kImportHelp, StrCat("unknown --attack-type '", a.Value("attack-type"), "'"));
  }
  if (a.Has("severity") && !ParseSeverity(a.Value("severity"), &o.severity)) {
    return Usage(kImportHelp, StrCat("unknown --severity '", a.Value("severity"), "'"));
  }
  for (const auto& v : a.Values("var")) {
    size_t eq = v.find('=');
    if (eq == std::string::npos) return Usage(kImportHelp, "--var takes NAME=VALUE");
    o.vars.emplace_back(v.substr(0, eq), v.substr(eq + 1));
  }
  if (a.Has("classification")) {
    auto text = ReadFile(a.Value("classification"));
    if (!text.ok()) {
      std::cerr << "error: " << text.status().message() << "\n";
      return kIo;
    }
    o.classification = ParseClassificationConfig(*text);
  }
  Pack pack;
  pack.id = a.Value("id");
  pack.version = a.Value("version");
  pack.issuer = a.Value("issuer");
  pack.issued_at = a.Value("issued-at");
  pack.description = a.Value("description");
  pack.file = a.Value("out");
  ImportReport report;
  report.format = format;
  for (size_t i = 1; i < a.positional.size(); ++i) {
    const std::string& in = a.positional[i];
    auto text = ReadFile(in);
    if (!text.ok()) {
      std::cerr << "error: " << text.status().message() << "\n";
      return kIo;
    }
    if (format == "suricata" || format == "snort") ImportSuricataRules(*text, in, o, &pack, &report);
    else if (format == "clamav") ImportClamAv(*text, in, o, &pack, &report);
    else if (format == "fail2ban") ImportFail2ban(*text, in, o, &pack, &report);
    else if (format == "stix") ImportStix(*text, in, o, &pack, &report);
    else ImportMispCsv(*text, in, o, &pack, &report);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto set = FinalizeImport(&pack, &report);
  double compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (pack.entries.empty()) {
    std::cerr << report.Summary() << "error: nothing could be imported\n";
    if (a.Has("report")) KZ_IGNORE_STATUS(WriteFileAtomic(a.Value("report"), report.RefusalList()));
    return kProblems;
  }
  absl::Status st = WriteFileAtomic(a.Value("out"), WritePackYaml(pack));
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return kIo;
  }
  if (a.Has("report")) {
    st = WriteFileAtomic(a.Value("report"), report.RefusalList());
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      return kIo;
    }
  }
  if (a.Flag("json")) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().KV("format", format).KV("considered", report.seen).KV("imported", report.imported)
        .KV("refused", static_cast<uint64_t>(report.refused.size())).KV("skipped", report.skipped);
    w.Key("refused_by_reason").BeginObject();
    for (const auto& [k, n] : report.RefusedByCategory()) w.KV(k, n);
    w.EndObject().Key("accepted_not_evaluated").BeginObject();
    for (const auto& [k, n] : report.ignored) w.KV(k, n);
    w.EndObject().Key("imported_as").BeginObject();
    for (const auto& [k, n] : report.shapes) w.KV(k, n);
    w.EndObject().KV("compile_ms", compile_ms);
    if (set) w.KV("database_bytes", set->stats().database_bytes);
    w.EndObject();
    std::cout << out << "\n";
  } else {
    std::cout << report.Summary();
    std::cout << "wrote " << a.Value("out") << " (" << pack.entries.size() << " entries; compiles in "
              << static_cast<int64_t>(compile_ms) << " ms";
    if (set) std::cout << ", " << set->stats().database_bytes << " database bytes";
    std::cout << ")\n";
    if (!report.refused.empty() && !a.Has("report")) {
      std::cout << "use --report FILE for the reason of each refusal\n";
    }
  }
  return kOk;
}

// ---- keygen / sign / verify ----------------------------------------------------------------

constexpr const char* kKeygenHelp = R"(usage: kizashi patterns keygen --out PREFIX

Creates an Ed25519 issuer key pair: PREFIX.key (PKCS#8 private key, mode 0600: keep it with
the issuer) and PREFIX.pub (public key: distribute it to operators as a trusted key).
Equivalent: openssl genpkey -algorithm ed25519 -out k.key; openssl pkey -in k.key -pubout
)";

int Keygen(int argc, char** argv) {
  Args a(argc, argv, {}, {"out"});
  if (a.help) return Usage(kKeygenHelp);
  if (!a.error.empty()) return Usage(kKeygenHelp, a.error);
  if (a.Value("out").empty()) return Usage(kKeygenHelp, "--out is required");
  auto kp = GenerateEd25519KeyPair();
  if (!kp.ok()) {
    std::cerr << "error: " << kp.status().message() << "\n";
    return kIo;
  }
  const std::string priv = a.Value("out") + ".key", pub = a.Value("out") + ".pub";
  if (FileExists(priv)) {
    std::cerr << "error: " << priv << " exists; refusing to overwrite a private key\n";
    return kIo;
  }
  absl::Status st = WriteFileAtomic(priv, kp->private_pem);
  if (st.ok()) ::chmod(priv.c_str(), 0600);
  if (st.ok()) st = WriteFileAtomic(pub, kp->public_pem);
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return kIo;
  }
  std::cout << "key id " << kp->key_id << "\nprivate key: " << priv << "\npublic key:  " << pub << "\n";
  return kOk;
}

constexpr const char* kSignHelp = R"(usage: kizashi patterns sign --key PRIVATE.key PACK...

Signs each pack with the issuer's Ed25519 private key and writes PACK.sig next to it. Run
`kizashi patterns check` first: signing does not validate the pack.
)";

int Sign(int argc, char** argv) {
  Args a(argc, argv, {}, {"key"});
  if (a.help) return Usage(kSignHelp);
  if (!a.error.empty()) return Usage(kSignHelp, a.error);
  if (a.Value("key").empty() || a.positional.empty()) {
    return Usage(kSignHelp, "--key and at least one PACK are required");
  }
  auto key = ReadFile(a.Value("key"));
  if (!key.ok()) {
    std::cerr << "error: " << key.status().message() << "\n";
    return kIo;
  }
  for (const auto& p : a.positional) {
    auto bytes = ReadFile(p);
    if (!bytes.ok()) {
      std::cerr << "error: " << bytes.status().message() << "\n";
      return kIo;
    }
    auto sig = SignPack(*bytes, *key);
    if (!sig.ok()) {
      std::cerr << "error: " << p << ": " << sig.status().message() << "\n";
      return kProblems;
    }
    absl::Status st = WriteFileAtomic(p + ".sig", *sig);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      return kIo;
    }
    std::cout << "signed " << p << " -> " << p << ".sig\n";
  }
  return kOk;
}

constexpr const char* kVerifyHelp = R"(usage: kizashi patterns verify --trusted-key FILE|DIR... PACK...

Checks PACK.sig of each pack against the trusted public keys. Exit 1 if any pack is
unsigned, signed by an unknown key, or modified after signing.
)";

int Verify(int argc, char** argv) {
  Args a(argc, argv, {}, {"trusted-key"});
  if (a.help) return Usage(kVerifyHelp);
  if (!a.error.empty()) return Usage(kVerifyHelp, a.error);
  if (a.Values("trusted-key").empty() || a.positional.empty()) {
    return Usage(kVerifyHelp, "--trusted-key and at least one PACK are required");
  }
  Diagnostics d;
  TrustStore trust = ReadTrustStore(a.Values("trusted-key"), &d);
  std::vector<PackSource> sources = ReadPackSources(a.positional, &d);
  int bad = 0;
  for (const auto& s : sources) {
    if (!s.signature) {
      std::cerr << s.name << ": UNSIGNED (no " << s.name << ".sig)\n";
      ++bad;
      continue;
    }
    auto who = trust.Verify(s.bytes, *s.signature);
    if (who.ok()) {
      std::cout << s.name << ": OK (signed by key " << *who << ")\n";
    } else {
      std::cerr << s.name << ": REJECTED: " << who.status().message() << "\n";
      ++bad;
    }
  }
  std::cerr << d.ToText();
  return bad > 0 || d.has_errors() ? kProblems : kOk;
}

// ---- test / profile ------------------------------------------------------------------------

constexpr const char* kTestHelp = R"(usage: kizashi patterns test [options] PACK|DIR... (--line TEXT... | --file FILE)

Runs the packs (through the production loader and matcher) over sample input and prints
each match: input line, field, pack@version/entry, title.

  --line TEXT          a sample value (repeatable)
  --file FILE          sample file
  --format F           lines (default) | syslog (header split off: MSG -> message) | eve
  --field NAME         field a `lines` input fills (default message)
  --all                also print lines that matched nothing
)";

bool ReadSamples(const Args& a, SampleEvents* ev, std::string* error) {
  SampleFormat fmt = SampleFormat::kLines;
  if (a.Has("format") && !ParseSampleFormat(a.Value("format"), &fmt)) {
    *error = StrCat("unknown --format '", a.Value("format"), "' (lines, syslog, eve)");
    return false;
  }
  FieldId field = FieldId::kMessage;
  if (a.Has("field") && !ParseFieldName(a.Value("field"), &field)) {
    *error = StrCat("unknown --field '", a.Value("field"), "'");
    return false;
  }
  for (const auto& l : a.Values("line")) {
    KZ_IGNORE_STATUS(ReadSampleEvents(l, fmt, field, ev));
  }
  for (const auto& f : a.Values(a.Has("corpus") ? "corpus" : "file")) {
    auto text = ReadFile(f);
    if (!text.ok()) {
      *error = std::string(text.status().message());
      return false;
    }
    KZ_IGNORE_STATUS(ReadSampleEvents(*text, fmt, field, ev));
  }
  return true;
}

int Test(int argc, char** argv) {
  Args a(argc, argv, Merge(kPackFlags, {"all"}),
         Merge(kPackValues, {"line", "file", "format", "field"}));
  std::string help = StrCat(kTestHelp, kPackOptionsHelp);
  if (a.help) return Usage(help.c_str());
  if (!a.error.empty()) return Usage(help.c_str(), a.error);
  if (a.positional.empty()) return Usage(help.c_str(), "no packs given");
  if (!a.Has("line") && !a.Has("file")) return Usage(help.c_str(), "--line or --file is required");
  SampleEvents ev;
  std::string err;
  if (!ReadSamples(a, &ev, &err)) return Usage(help.c_str(), err);
  Loaded l = LoadFromArgs(a, a.positional, false);
  if (l.usage_error) return Usage(help.c_str(), l.error);
  PrintDiagnostics(l.result.diags, a.Flag("json"));
  if (!l.result.ok()) return kProblems;
  const PatternSet& set = *l.result.set;
  Scanner scanner;
  if (!scanner.Prepare(set).ok()) return kIo;
  uint64_t matched_events = 0, matches = 0;
  for (size_t i = 0; i < ev.events.size(); ++i) {
    std::vector<Match> out;
    if (!scanner.ScanEvent(set, ev.events[i], &out).ok()) return kIo;
    if (!out.empty()) ++matched_events;
    matches += out.size();
    if (out.empty() && !a.Flag("all")) continue;
    std::cout << "line " << ev.lines[i] << ":" << (out.empty() ? " no match" : "") << "\n";
    for (const auto& m : out) {
      const EntryInfo& e = set.entries()[m.entry];
      std::cout << "  " << FieldName(m.field) << "  " << e.pack_id << "@" << e.pack_version << "/"
                << e.entry_id << "  [" << EntryKindName(e.kind) << ", "
                << AttackTypeName(e.attack_type) << ", " << SeverityName(e.severity)
                << (e.may_disrupt_critical_systems ? ", may disrupt critical systems" : "")
                << (e.actor.empty() ? "" : StrCat(", actor ", e.actor)) << "]  " << e.title << "\n";
    }
  }
  std::cout << ev.events.size() << " events, " << matched_events << " matched, " << matches
            << " matches\n";
  return kOk;
}

constexpr const char* kProfileHelp = R"(usage: kizashi patterns profile [options] PACK|DIR... --corpus FILE

Scans a sample corpus and reports, per entry, how often it matched and what it cost, so an
issuer sees which entries are expensive or match everything (as Suricata's rule profiling
does).

  --corpus FILE        sample input (repeatable)
  --format F           lines (default) | syslog | eve
  --field NAME         field a `lines` input fills (default message)
  --top N              entries listed (default 20)
  --repeat N           scan the corpus N times for steadier timings (default 1)
  --isolated           also time each regex/literal/hex entry alone over its fields
                       (one Hyperscan database per entry: slow for big packs)
  --broad PERCENT      flag entries matching more than this share of events (default 20)
)";

int Profile(int argc, char** argv) {
  Args a(argc, argv, Merge(kPackFlags, {"isolated"}),
         Merge(kPackValues, {"corpus", "format", "field", "top", "repeat", "broad"}));
  std::string help = StrCat(kProfileHelp, kPackOptionsHelp);
  if (a.help) return Usage(help.c_str());
  if (!a.error.empty()) return Usage(help.c_str(), a.error);
  if (a.positional.empty() || !a.Has("corpus")) return Usage(help.c_str(), "packs and --corpus are required");
  int64_t top = 20, repeat = 1, broad = 20;
  if ((a.Has("top") && !ParseInt(a.Value("top"), &top)) ||
      (a.Has("repeat") && (!ParseInt(a.Value("repeat"), &repeat) || repeat < 1)) ||
      (a.Has("broad") && !ParseInt(a.Value("broad"), &broad))) {
    return Usage(help.c_str(), "--top, --repeat and --broad take integers");
  }
  SampleEvents ev;
  std::string err;
  if (!ReadSamples(a, &ev, &err)) return Usage(help.c_str(), err);
  Loaded l = LoadFromArgs(a, a.positional, false);
  if (l.usage_error) return Usage(help.c_str(), l.error);
  PrintDiagnostics(l.result.diags, a.Flag("json"));
  if (!l.result.ok()) return kProblems;
  const PatternSet& set = *l.result.set;
  const size_t n = set.entries().size();
  if (ev.events.empty()) {
    std::cerr << "error: the corpus has no events\n";
    return kProblems;
  }
  // Whole-set throughput, without profiling overhead.
  Scanner scanner;
  if (!scanner.Prepare(set).ok()) return kIo;
  std::vector<Match> out;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t r = 0; r < repeat; ++r) {
    for (const Event& e : ev.events) {
      out.clear();
      KZ_IGNORE_STATUS(scanner.ScanEvent(set, e, &out));
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double events = static_cast<double>(ev.events.size() * static_cast<size_t>(repeat));
  // Per-entry counters (one pass, profiling on).
  ScanProfile prof;
  prof.Reset(n);
  Scanner profiled;
  KZ_IGNORE_STATUS(profiled.Prepare(set));
  profiled.set_profile(&prof);
  for (const Event& e : ev.events) {
    out.clear();
    KZ_IGNORE_STATUS(profiled.ScanEvent(set, e, &out));
  }
  // Isolated cost of direct entries: each compiled alone, scanned over its fields.
  std::vector<double> isolated_ns(n, 0);
  if (a.Flag("isolated")) {
    hs_scratch_t* scratch = nullptr;
    for (FieldId f : set.scanned_fields()) {
      for (const auto& p : set.field_patterns(f)) {
        hs_database_t* db = nullptr;
        hs_compile_error_t* cerr = nullptr;
        if (hs_compile(p.expression.c_str(), p.flags, HS_MODE_BLOCK, nullptr, &db, &cerr) !=
            HS_SUCCESS) {
          hs_free_compile_error(cerr);
          continue;
        }
        hs_alloc_scratch(db, &scratch);
        auto s0 = std::chrono::steady_clock::now();
        for (const Event& e : ev.events) {
          std::string_view v = e.field(f);
          if (v.empty()) continue;
          hs_scan(db, v.data(), static_cast<unsigned>(v.size()), 0, scratch,
                  [](unsigned, unsigned long long, unsigned long long, unsigned, void*) { return 0; },
                  nullptr);
        }
        isolated_ns[p.entry] += std::chrono::duration<double, std::nano>(
                                    std::chrono::steady_clock::now() - s0)
                                    .count() /
                                static_cast<double>(ev.events.size());
        hs_free_database(db);
      }
    }
    if (scratch != nullptr) hs_free_scratch(scratch);
  }
  const auto& st = scanner.stats();
  std::cout << StrCat(ev.events.size(), " events, ", ev.bytes, " bytes; ", n, " entries\n");
  std::printf("throughput: %.0f events/s, %.1f MB/s (one core, %lld pass(es))\n", events / secs,
              static_cast<double>(ev.bytes) * static_cast<double>(repeat) / secs / 1e6,
              static_cast<long long>(repeat));
  std::printf("per event: %.3f matches, %.3f rule candidates, %.3f confirmed\n",
              static_cast<double>(st.matches) / events, static_cast<double>(st.candidates) / events,
              static_cast<double>(st.confirmed) / events);
  if (st.limit_hits > 0) {
    std::printf("confirmation limits hit: %llu (rules cut short by the step budget or PCRE2 "
                "limits)\n", static_cast<unsigned long long>(st.limit_hits));
  }
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  auto cost = [&](uint32_t i) { return static_cast<double>(prof.confirm_ns[i]) + isolated_ns[i] * static_cast<double>(ev.events.size()); };
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    double cx = cost(x), cy = cost(y);
    if (cx != cy) return cx > cy;
    if (prof.matches[x] != prof.matches[y]) return prof.matches[x] > prof.matches[y];
    return x < y;
  });
  std::printf("\n%-40s %10s %8s %10s %12s %12s\n", "entry", "matches", "%events", "candidates",
              "confirm_us", a.Flag("isolated") ? "alone_ns/ev" : "");
  for (int64_t k = 0; k < top && k < static_cast<int64_t>(n); ++k) {
    uint32_t i = order[static_cast<size_t>(k)];
    const EntryInfo& e = set.entries()[i];
    double pct = 100.0 * static_cast<double>(prof.matches[i]) / static_cast<double>(ev.events.size());
    std::printf("%-40s %10llu %7.2f%% %10llu %12.1f %12s\n", e.entry_id.substr(0, 40).c_str(),
                static_cast<unsigned long long>(prof.matches[i]), pct,
                static_cast<unsigned long long>(prof.candidates[i]),
                static_cast<double>(prof.confirm_ns[i]) / 1e3,
                a.Flag("isolated") ? StrCat(static_cast<int64_t>(isolated_ns[i])).c_str() : "");
  }
  uint64_t broad_count = 0;
  for (uint32_t i = 0; i < n; ++i) {
    double pct = 100.0 * static_cast<double>(prof.matches[i]) / static_cast<double>(ev.events.size());
    if (pct > static_cast<double>(broad)) {
      if (broad_count++ == 0) std::cout << "\nentries matching more than " << broad << "% of events:\n";
      std::printf("  %s (%.1f%%) %s:%d\n", set.entries()[i].entry_id.c_str(), pct,
                  set.entries()[i].file.c_str(), set.entries()[i].line);
    }
  }
  uint64_t never = 0;
  for (uint32_t i = 0; i < n; ++i) never += prof.matches[i] == 0;
  std::cout << "\n" << never << " of " << n << " entries matched nothing in this corpus\n";
  return kOk;
}

}  // namespace

int PatternsMain(int argc, char** argv) {
  if (argc < 2) return Usage(kMainHelp, "no command given");
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") return Usage(kMainHelp);
  if (cmd == "check") return Check(argc, argv, false);
  if (cmd == "compile") return Check(argc, argv, true);
  if (cmd == "import") return Import(argc, argv);
  if (cmd == "keygen") return Keygen(argc, argv);
  if (cmd == "sign") return Sign(argc, argv);
  if (cmd == "verify") return Verify(argc, argv);
  if (cmd == "test") return Test(argc, argv);
  if (cmd == "profile") return Profile(argc, argv);
  return Usage(kMainHelp, StrCat("unknown command '", cmd, "'"));
}

}  // namespace kizashi::patterns
