// Government pattern packs: the "attack patterns" and "viruses that may disrupt critical
// systems" the framework has the government supply (Annex 4 note), as data.
//
// Stage 1 of load: files are parsed into these plain structs; validation collects every
// error; patterns/compile turns a valid set of packs into an immutable PatternSet.
// Format: docs/pattern-packs.md, schema: patterns/pack/pack.schema.json.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/diag.h"
#include "engine/event/event.h"

namespace kizashi::patterns {

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
  kLiteral,    // exact bytes
  kHex,        // ClamAV-style hex body: "4d5a??90*(aa|bb){2-4}"
};

struct EntryFlags {
  bool caseless = false;
  bool dotall = false;
  bool multiline = false;
  bool utf8 = false;
};

struct PackEntry {
  std::string id;
  EntryKind kind = EntryKind::kAttackPattern;
  ExprType expr_type = ExprType::kRegex;
  std::string expression;
  EntryFlags flags;
  std::vector<FieldId> fields;  // event fields it applies to (default: message, payload)
  AttackType attack_type = AttackType::kUnauthorizedAccess;
  Severity severity = Severity::kMedium;
  bool may_disrupt_critical_systems = false;  // Annex 4 (b)
  std::string actor;                          // Annex 4 (d): named group
  std::vector<std::string> references;        // past cases, CVE ids, sid:...
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
  std::vector<PackEntry> entries;
  std::string file;
  std::string content_hash;  // SHA-256 of the file bytes (cache key part)
};

// Parses a pack file (YAML). Every problem goes to `diags` with file:line and entry id; the
// returned pack holds only the entries that parsed.
Pack ParsePackText(std::string_view text, std::string_view file, Diagnostics* diags);
Pack ParsePackFile(const std::string& path, Diagnostics* diags);

}  // namespace kizashi::patterns
