// Government pattern packs: the "attack patterns" and "viruses that may disrupt critical
// systems" the framework has the government supply (Annex 4 note), as data.
//
// Stage 1 of load: files are parsed into these plain structs; every structural error is
// collected with file:line and entry id; patterns/compile then validates the expressions
// (Hyperscan, PCRE2, resource limits) and turns a valid set of packs into an immutable
// PatternSet. Format: docs/pattern-packs.md, schema: patterns/pack/pack.schema.json.
//
// An entry matches in one of five ways (exactly one per entry):
//   regex / literal / hex  one expression, compiled straight into the per-field Hyperscan
//                          database (hex = ClamAV body-signature syntax);
//   rule                   an imported IDS rule kept whole: several content/pcre/isdataat/size
//                          steps on named fields, compiled Suricata-style (fast pattern into
//                          the prefilter database, the rest confirmed for candidates only);
//   indicators             exact values (IP/CIDR, domain, URL, file hash) matched by lookup.
//
// Thread contract: plain data; parse on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/diag.h"
#include "engine/event/event.h"

namespace kizashi::patterns {

// Pack format version written by importers and accepted by the parser.
inline constexpr int kPackFormatVersion = 1;

enum class EntryKind : uint8_t { kAttackPattern = 0, kVirusSignature, kActorIndicator };
std::string_view EntryKindName(EntryKind k);
bool ParseEntryKind(std::string_view s, EntryKind* out);

// Attack types as the framework's report names them (2(3)(b)), plus the not-reportable
// classes Annex 4 lists (preparatory acts, credential/information theft) and recon.
enum class AttackType : uint8_t {
  kUnauthorizedAccess = 0,
  kDos,
  kLeakTampering,
  kDestruction,
  kRecon,
  kMalware,
  kPreparatory,
  kCredentialTheft,
  kCount
};
std::string_view AttackTypeName(AttackType t);
bool ParseAttackType(std::string_view s, AttackType* out);

// info < low < medium < high < critical
enum class Severity : uint8_t { kInfo = 0, kLow, kMedium, kHigh, kCritical };
std::string_view SeverityName(Severity s);
bool ParseSeverity(std::string_view s, Severity* out);

enum class ExprType : uint8_t {
  kRegex = 0,  // PCRE subset Hyperscan accepts
  kLiteral,    // exact bytes (text)
  kHex,        // ClamAV-style hex body: "4d5a??90*(aa|bb){2-4}"
  kRule,       // multi-step IDS rule (RuleSpec)
  kIndicator,  // exact-value indicators (Indicator list)
};
std::string_view ExprTypeName(ExprType t);

struct EntryFlags {
  bool caseless = false;
  bool dotall = false;
  bool multiline = false;
  bool utf8 = false;
  bool ucp = false;  // Unicode properties for \w, \d, \s (needs utf8)
};

// ---- rules ---------------------------------------------------------------------------------

enum class StepKind : uint8_t { kContent = 0, kPcre, kIsDataAt, kSize };
std::string_view StepKindName(StepKind k);

// bsize / dsize / urilen style comparisons of the field's length.
enum class SizeOp : uint8_t { kEq = 0, kLt, kLe, kGt, kGe, kRange };

// PCRE modifiers an imported rule may carry (Suricata letters in brackets).
struct PcreFlags {
  bool caseless = false;        // i
  bool dotall = false;          // s
  bool multiline = false;       // m
  bool extended = false;        // x
  bool anchored = false;        // A
  bool dollar_endonly = false;  // E
  bool ungreedy = false;        // G
  bool relative = false;        // R: search from the end of the previous match
};

// One condition of a rule, evaluated on `field` (the event field the IDS buffer maps to).
// Steps on the same field are evaluated in order with Suricata's relative-match semantics
// (distance/within/R are relative to the end of the previous matching step on that field).
struct RuleStep {
  StepKind kind = StepKind::kContent;
  FieldId field = FieldId::kPayload;
  bool negated = false;
  bool dotprefix = false;  // Suricata transform: inspect "." + field (domain suffix rules)
  int line = 0;

  // kContent
  std::string content;  // decoded bytes
  bool nocase = false;
  bool startswith = false;
  bool endswith = false;
  bool fast_pattern = false;                  // the issuer's choice of prefilter literal
  std::optional<int32_t> fast_pattern_offset;  // fast_pattern:<offset>,<length> (chop)
  std::optional<int32_t> fast_pattern_length;
  std::optional<int32_t> offset;
  std::optional<int32_t> depth;
  std::optional<int32_t> distance;
  std::optional<int32_t> within;

  // kPcre
  std::string pcre;  // the pattern between the delimiters
  PcreFlags pcre_flags;

  // kIsDataAt
  int32_t isdataat = 0;
  bool relative = false;

  // kSize
  SizeOp size_op = SizeOp::kEq;
  int64_t size_a = 0;
  int64_t size_b = 0;

  // True when the step's position depends on the previous step on its field.
  bool is_relative() const {
    switch (kind) {
      case StepKind::kContent: return distance.has_value() || within.has_value();
      case StepKind::kPcre: return pcre_flags.relative;
      case StepKind::kIsDataAt: return relative;
      case StepKind::kSize: return false;
    }
    return false;
  }
};

struct RuleSpec {
  std::string app_proto;  // optional: the event's app_proto must equal it ("!x" negates)
  std::vector<RuleStep> steps;
};

// ---- indicators ----------------------------------------------------------------------------

enum class IndicatorType : uint8_t { kIp = 0, kDomain, kUrl, kMd5, kSha1, kSha256 };
std::string_view IndicatorTypeName(IndicatorType t);
bool ParseIndicatorType(std::string_view s, IndicatorType* out);
// The event fields an indicator type is looked up in (the default when `fields` is absent).
const std::vector<FieldId>& IndicatorDefaultFields(IndicatorType t);

struct Indicator {
  IndicatorType type = IndicatorType::kIp;
  std::string value;  // normalised: CIDR text, lowercase domain, host+path URL, lowercase hex
};
// Parses "ip:203.0.113.5", "ip:198.51.100.0/24", "domain:evil.example", "url:http://x/y",
// "md5:...", "sha1:...", "sha256:..." and normalises the value. False with `error`.
bool ParseIndicator(std::string_view text, Indicator* out, std::string* error);
// "type:value" (the form ParseIndicator reads).
std::string IndicatorText(const Indicator& i);

// ---- entries and packs ---------------------------------------------------------------------

struct PackEntry {
  std::string id;
  EntryKind kind = EntryKind::kAttackPattern;
  ExprType expr_type = ExprType::kRegex;
  std::string expression;  // regex / literal / hex
  EntryFlags flags;
  RuleSpec rule;                       // kRule
  std::vector<Indicator> indicators;   // kIndicator
  // Event fields it applies to. Default: message+payload (regex/literal), payload (hex),
  // per indicator type (indicators); rules name their fields per step.
  std::vector<FieldId> fields;
  AttackType attack_type = AttackType::kUnauthorizedAccess;
  Severity severity = Severity::kMedium;
  bool may_disrupt_critical_systems = false;  // Annex 4 (b)
  std::string actor;                          // Annex 4 (d): named group
  std::vector<std::string> references;        // "case:..." past cases, "cve:...", "sid:..."
  std::vector<std::string> tags;
  std::string title;
  std::string recommended_action;             // copied into advisories
  int line = 0;
};

struct Pack {
  std::string id;
  std::string version;
  std::string issued_at;
  std::string issuer;
  std::string description;
  std::vector<PackEntry> entries;
  std::string file;
  std::string content_hash;  // SHA-256 of the file bytes (cache key part)
};

// Parses a pack file (YAML). Every problem goes to `diags` with file:line and entry id; the
// returned pack holds only the entries that parsed.
Pack ParsePackText(std::string_view text, std::string_view file, Diagnostics* diags);
Pack ParsePackFile(const std::string& path, Diagnostics* diags);

// Serialises a pack as YAML that ParsePackText reads back to the same structs (importers and
// `kizashi patterns import` write packs with it). Output is deterministic.
std::string WritePackYaml(const Pack& pack);

// Content notation used in packs (Snort's): printable text with `|hex bytes|` blocks, e.g.
// "GET /|0d 0a|". `\|`, `\\`, `\"` and `\;` are accepted as escapes when decoding.
bool DecodeContent(std::string_view text, std::string* bytes, std::string* error);
std::string EncodeContent(std::string_view bytes);

// Suricata pcre option text "/body/flags" -> body + flags. Buffer-selecting letters (U, H…)
// are not accepted here: a pack names the field explicitly.
bool ParsePcreOption(std::string_view text, std::string* body, PcreFlags* flags,
                     std::string* error);
std::string PcreOptionText(std::string_view body, const PcreFlags& flags);

// "<100", "=5", ">=3", "10<>20" -> op + bounds.
bool ParseSizeSpec(std::string_view text, SizeOp* op, int64_t* a, int64_t* b);
std::string SizeSpecText(SizeOp op, int64_t a, int64_t b);

}  // namespace kizashi::patterns
