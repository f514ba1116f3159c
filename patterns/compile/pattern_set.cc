#include "patterns/compile/pattern_set.h"

#include <hs/hs.h>

#include <atomic>

#include "engine/common/strings.h"

namespace kizashi::patterns {

namespace {

void AppendByte(std::string* out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ClamAV body-signature subset: hex bytes, ?? (any byte), a? / ?a (nibble wildcards),
// * (any run), {n} {n-} {-m} {n-m} (bounded run), (aa|bb|cc) (byte alternatives).
bool HexToRegex(std::string_view hex, std::string* out, std::string* error) {
  out->clear();
  size_t i = 0;
  int bytes = 0;
  while (i < hex.size()) {
    char c = hex[i];
    if (c == '*') {
      out->append(".*");
      ++i;
      continue;
    }
    if (c == '{') {
      size_t close = hex.find('}', i);
      if (close == std::string_view::npos) {
        *error = "unterminated {n-m} in hex signature";
        return false;
      }
      std::string_view range = hex.substr(i + 1, close - i - 1);
      size_t dash = range.find('-');
      std::string lo, hi;
      if (dash == std::string_view::npos) {
        lo = hi = std::string(range);
      } else {
        lo = std::string(range.substr(0, dash));
        hi = std::string(range.substr(dash + 1));
      }
      int64_t a = 0, b = 0;
      if ((!lo.empty() && !ParseInt(std::string_view(lo), &a)) ||
          (!hi.empty() && !ParseInt(std::string_view(hi), &b)) || (lo.empty() && hi.empty())) {
        *error = StrCat("bad range {", range, "} in hex signature");
        return false;
      }
      StrAppend(out, ".{", lo.empty() ? "0" : lo, ",", hi, "}");
      i = close + 1;
      continue;
    }
    if (c == '(') {
      size_t close = hex.find(')', i);
      if (close == std::string_view::npos) {
        *error = "unterminated (aa|bb) in hex signature";
        return false;
      }
      out->append("(?:");
      bool first = true;
      for (std::string_view alt : Split(hex.substr(i + 1, close - i - 1), '|')) {
        if (!first) out->push_back('|');
        first = false;
        std::string sub;
        if (alt.empty() || !HexToRegex(alt, &sub, error)) {
          if (error->empty()) *error = "empty alternative in hex signature";
          return false;
        }
        out->append(sub);
      }
      out->push_back(')');
      i = close + 1;
      ++bytes;
      continue;
    }
    if (i + 1 >= hex.size()) {
      *error = "odd number of hex digits";
      return false;
    }
    char c2 = hex[i + 1];
    int hi = HexNibble(c), lo = HexNibble(c2);
    if (c == '?' && c2 == '?') {
      out->push_back('.');
    } else if (c == '?' && lo >= 0) {
      out->push_back('[');
      for (int h = 0; h < 16; ++h) AppendByte(out, static_cast<unsigned char>(h << 4 | lo));
      out->push_back(']');
    } else if (hi >= 0 && c2 == '?') {
      StrAppend(out, "[");
      AppendByte(out, static_cast<unsigned char>(hi << 4));
      out->push_back('-');
      AppendByte(out, static_cast<unsigned char>(hi << 4 | 15));
      out->push_back(']');
    } else if (hi >= 0 && lo >= 0) {
      AppendByte(out, static_cast<unsigned char>(hi << 4 | lo));
    } else {
      *error = StrCat("unsupported hex signature syntax at '", hex.substr(i, 8), "'");
      return false;
    }
    ++bytes;
    i += 2;
  }
  if (bytes == 0) {
    *error = "hex signature has no fixed bytes";
    return false;
  }
  return true;
}

}  // namespace

bool ToHyperscanRegex(const PackEntry& e, std::string* regex, std::string* error) {
  switch (e.expr_type) {
    case ExprType::kRegex:
      *regex = e.expression;
      return true;
    case ExprType::kLiteral:
      if (e.expression.empty()) {
        *error = "empty literal";
        return false;
      }
      regex->clear();
      for (unsigned char c : e.expression) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
          regex->push_back(static_cast<char>(c));
        } else {
          AppendByte(regex, c);
        }
      }
      return true;
    case ExprType::kHex:
      return HexToRegex(e.expression, regex, error);
  }
  *error = "unknown expression type";
  return false;
}

namespace {
std::atomic<uint64_t> g_next_serial{1};
}  // namespace

PatternSet::PatternSet() : serial_(g_next_serial.fetch_add(1)) {}

PatternSet::~PatternSet() {
  for (auto* db : dbs_) {
    if (db != nullptr) hs_free_database(db);
  }
}

std::shared_ptr<const PatternSet> PatternSet::Empty() {
  return std::shared_ptr<const PatternSet>(new PatternSet());
}

std::shared_ptr<const PatternSet> PatternSet::Compile(const std::vector<Pack>& packs,
                                                      Diagnostics* d) {
  auto set = std::shared_ptr<PatternSet>(new PatternSet());
  size_t errors_before = d->error_count();
  struct Pending {
    std::string regex;
    unsigned flags;
    uint32_t entry;
  };
  std::array<std::vector<Pending>, kFieldCount> per_field;
  struct Origin {
    const Pack* pack;
    const PackEntry* entry;
  };
  std::vector<Origin> origins;
  for (const auto& pack : packs) {
    StrAppend(&set->version_, set->version_.empty() ? "" : ",", pack.id, "@", pack.version);
    for (const auto& e : pack.entries) {
      std::string regex, error;
      if (!ToHyperscanRegex(e, &regex, &error)) {
        d->Error(pack.file, e.line, e.id, error);
        continue;
      }
      unsigned flags = HS_FLAG_SINGLEMATCH;
      if (e.flags.caseless) flags |= HS_FLAG_CASELESS;
      if (e.flags.dotall || e.expr_type == ExprType::kHex) flags |= HS_FLAG_DOTALL;
      if (e.flags.multiline) flags |= HS_FLAG_MULTILINE;
      if (e.flags.utf8) flags |= HS_FLAG_UTF8 | HS_FLAG_UCP;
      // Validate alone first so that every bad entry is reported, not just the first.
      hs_expr_info_t* info = nullptr;
      hs_compile_error_t* err = nullptr;
      if (hs_expression_info(regex.c_str(), flags, &info, &err) != HS_SUCCESS) {
        d->Error(pack.file, e.line, e.id, StrCat("Hyperscan rejects the pattern: ", err->message));
        hs_free_compile_error(err);
        continue;
      }
      bool empty_match = info->min_width == 0;
      free(info);
      if (empty_match) {
        d->Error(pack.file, e.line, e.id,
                 "pattern can match the empty string (it would match every event)");
        continue;
      }
      uint32_t idx = static_cast<uint32_t>(set->entries_.size());
      EntryInfo ei;
      ei.pack_id = pack.id;
      ei.pack_version = pack.version;
      ei.entry_id = e.id;
      ei.kind = e.kind;
      ei.attack_type = e.attack_type;
      ei.severity = e.severity;
      ei.may_disrupt_critical_systems = e.may_disrupt_critical_systems;
      ei.actor = e.actor;
      ei.references = e.references;
      ei.tags = e.tags;
      ei.title = e.title;
      ei.recommended_action = e.recommended_action;
      set->entries_.push_back(std::move(ei));
      origins.push_back({&pack, &e});
      for (FieldId f : e.fields) {
        per_field[static_cast<size_t>(f)].push_back({regex, flags, idx});
      }
    }
  }
  if (d->error_count() > errors_before) return nullptr;

  for (size_t f = 0; f < kFieldCount; ++f) {
    auto& list = per_field[f];
    if (list.empty()) continue;
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (const auto& p : list) {
      exprs.push_back(p.regex.c_str());
      flags.push_back(p.flags);
      ids.push_back(p.entry);
    }
    hs_compile_error_t* err = nullptr;
    hs_database_t* db = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) != HS_SUCCESS) {
      if (err->expression >= 0) {
        const Origin& o = origins[list[static_cast<size_t>(err->expression)].entry];
        d->Error(o.pack->file, o.entry->line, o.entry->id,
                 StrCat("Hyperscan compile failed for field ", FieldName(static_cast<FieldId>(f)),
                        ": ", err->message));
      } else {
        d->Error("", 0, std::string(FieldName(static_cast<FieldId>(f))),
                 StrCat("Hyperscan compile failed: ", err->message));
      }
      hs_free_compile_error(err);
      return nullptr;
    }
    set->dbs_[f] = db;
  }
  return set;
}

Scanner::~Scanner() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
}

absl::Status Scanner::Prepare(const PatternSet& set) {
  for (size_t f = 0; f < kFieldCount; ++f) {
    const hs_database_t* db = set.database(static_cast<FieldId>(f));
    if (db == nullptr) continue;
    if (hs_alloc_scratch(db, &scratch_) != HS_SUCCESS) {
      return absl::ResourceExhaustedError("hs_alloc_scratch failed");
    }
  }
  return absl::OkStatus();
}

namespace {
struct ScanCtx {
  std::vector<Match>* out;
  FieldId field;
};
int OnMatch(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  auto* c = static_cast<ScanCtx*>(ctx);
  c->out->push_back(Match{id, c->field});
  return 0;
}
}  // namespace

absl::Status Scanner::ScanEvent(const PatternSet& set, const Event& event,
                                std::vector<Match>* out) {
  for (size_t f = 0; f < kFieldCount; ++f) {
    const hs_database_t* db = set.database(static_cast<FieldId>(f));
    if (db == nullptr) continue;
    std::string_view v = event.fields[f];
    if (v.empty()) continue;
    ScanCtx ctx{out, static_cast<FieldId>(f)};
    hs_error_t rc = hs_scan(db, v.data(), static_cast<unsigned>(v.size()), 0, scratch_, OnMatch,
                            &ctx);
    if (rc != HS_SUCCESS) return absl::InternalError(StrCat("hs_scan failed: ", rc));
  }
  return absl::OkStatus();
}

}  // namespace kizashi::patterns
