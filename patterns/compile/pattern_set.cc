#include "patterns/compile/pattern_set.h"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>

#include "engine/common/strings.h"
#include "patterns/compile/expression.h"

namespace kizashi::patterns {

// Candidate field sets and indicator field masks are 32-bit masks indexed by FieldId.
static_assert(kFieldCount <= 32, "FieldId no longer fits the 32-bit field masks");

namespace {

std::atomic<uint64_t> g_next_serial{1};

unsigned HsFlags(const EntryFlags& f) {
  unsigned flags = HS_FLAG_SINGLEMATCH;
  if (f.caseless) flags |= HS_FLAG_CASELESS;
  if (f.dotall) flags |= HS_FLAG_DOTALL;
  if (f.multiline) flags |= HS_FLAG_MULTILINE;
  if (f.utf8) flags |= HS_FLAG_UTF8;
  if (f.ucp) flags |= HS_FLAG_UCP;
  return flags;
}

// What a rule contributes to its field's database.
struct Prefilter {
  std::string expression;
  unsigned flags = 0;
  FieldId field = FieldId::kPayload;
  bool is_pcre = false;
  size_t literal_bytes = 0;
  int implied_step = -1;  // the content step the prefilter matches in full, if any
};

// Picks the rule's prefilter the way Suricata picks its multi-pattern-matcher pattern: the
// content the issuer marked fast_pattern, else the longest positive content. A rule without
// a positive content is prefiltered by a pcre compiled in Hyperscan prefilter mode (a
// superset: confirmation with PCRE2 decides). Returns false with a reason when the rule has
// nothing that could nominate it.
bool ChoosePrefilter(const RuleSpec& rule, Prefilter* out, std::string* error, int* line) {
  const RuleStep* best = nullptr;
  size_t best_len = 0;
  for (const auto& s : rule.steps) {
    if (s.kind != StepKind::kContent || s.negated) continue;
    size_t len = s.content.size() - (s.dotprefix && !s.content.empty() && s.content[0] == '.');
    if (s.fast_pattern) {
      best = &s;
      break;
    }
    if (len > best_len) {
      best = &s;
      best_len = len;
    }
  }
  if (best != nullptr) {
    std::string lit = best->content;
    if (best->fast_pattern_offset) {
      lit = lit.substr(static_cast<size_t>(*best->fast_pattern_offset),
                       static_cast<size_t>(*best->fast_pattern_length));
    }
    // dotprefix inspects "." + field: the leading dot is not in the field itself.
    bool strip_dot = best->dotprefix && !best->fast_pattern_offset && !lit.empty() &&
                     lit[0] == '.';
    if (strip_dot) lit.erase(0, 1);
    if (lit.empty()) {
      *error = "the fast pattern is empty once the dotprefix dot is removed";
      *line = best->line;
      return false;
    }
    out->expression = EscapeRegexBytes(lit);
    if (best->startswith && !best->dotprefix && !best->fast_pattern_offset) {
      out->expression = "^" + out->expression;
    }
    out->flags = HS_FLAG_SINGLEMATCH | (best->nocase ? HS_FLAG_CASELESS : 0);
    out->field = best->field;
    out->literal_bytes = lit.size();
    if (!strip_dot && !best->fast_pattern_offset) {
      out->implied_step = static_cast<int>(best - rule.steps.data());
    }
    return true;
  }
  // No positive content: a pcre that is position-independent on its field.
  std::map<FieldId, bool> seen_field;
  for (const auto& s : rule.steps) {
    bool first_on_field = !seen_field[s.field];
    seen_field[s.field] = true;
    if (s.kind != StepKind::kPcre || s.negated || s.dotprefix) continue;
    if (s.pcre_flags.relative && !first_on_field) continue;
    const PcreFlags& f = s.pcre_flags;
    std::string expr = s.pcre;
    if (f.extended) expr = "(?x)" + expr;
    if (f.anchored) expr = "^(?:" + expr + ")";
    out->expression = expr;
    out->flags = HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER | (f.caseless ? HS_FLAG_CASELESS : 0) |
                 (f.dotall ? HS_FLAG_DOTALL : 0) | (f.multiline ? HS_FLAG_MULTILINE : 0);
    out->field = s.field;
    out->is_pcre = true;
    return true;
  }
  *error = "rule has no positive content and no position-independent pcre: nothing can "
           "nominate it, it would have to be evaluated on every event";
  return false;
}

// Result of hs_expression_info: empty when fine, else the reason.
std::string CheckExpression(const std::string& expr, unsigned flags, bool* empty_match,
                            unsigned* min_width) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  *empty_match = false;
  if (hs_expression_info(expr.c_str(), flags, &info, &err) != HS_SUCCESS) {
    std::string msg = err != nullptr ? err->message : "unknown error";
    hs_free_compile_error(err);
    return msg;
  }
  *empty_match = info->min_width == 0;
  *min_width = info->min_width;
  free(info);
  return "";
}

}  // namespace

std::string HyperscanRejects(const std::string& regex, const EntryFlags& flags) {
  bool empty = false;
  unsigned min_width = 0;
  std::string why = CheckExpression(regex, HsFlags(flags), &empty, &min_width);
  if (why.empty() && empty) why = "pattern can match the empty string";
  return why;
}

std::string HyperscanCannotPrefilter(const std::string& pcre, const PcreFlags& f) {
  bool empty = false;
  unsigned min_width = 0;
  unsigned flags = HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER | (f.caseless ? HS_FLAG_CASELESS : 0) |
                   (f.dotall ? HS_FLAG_DOTALL : 0) | (f.multiline ? HS_FLAG_MULTILINE : 0);
  std::string why = CheckExpression(pcre, flags, &empty, &min_width);
  if (why.empty() && empty) why = "the pcre can match the empty string";
  return why;
}

// Builds a PatternSet from packs (the cold path) — a friend so it can fill the privates.
class PatternSetBuilder {
 public:
  PatternSetBuilder(Diagnostics* d, const CompileOptions& o) : d_(d), o_(o) {}

  std::shared_ptr<const PatternSet> Build(const std::vector<Pack>& packs,
                                          const std::vector<std::string>& signers);

 private:
  struct Origin {
    const Pack* pack;
    const PackEntry* entry;
  };
  void AddEntry(const Pack& pack, const PackEntry& e);
  bool CompileField(size_t f);
  void Error(const Origin& o, std::string_view reason, int line = 0) {
    d_->Error(o.pack->file, line ? line : o.entry->line, o.entry->id, reason);
  }

  Diagnostics* d_;
  const CompileOptions& o_;
  std::shared_ptr<PatternSet> set_;
  std::vector<Origin> origins_;  // per entry index
};

void PatternSetBuilder::AddEntry(const Pack& pack, const PackEntry& e) {
  Origin origin{&pack, &e};
  PatternSet& s = *set_;
  const uint32_t idx = static_cast<uint32_t>(s.entries_.size());
  size_t errors_before = d_->error_count();

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
  ei.expr_type = e.expr_type;
  ei.fields = e.fields;
  ei.file = pack.file;
  ei.line = e.line;

  PatternSet::Mode mode = PatternSet::Mode::kDirect;
  uint32_t rule_index = kNone;
  FieldId rule_field = FieldId::kPayload;
  std::vector<PatternSet::FieldPattern> patterns;  // (added to fields below)
  std::vector<FieldId> pattern_fields;

  switch (e.expr_type) {
    case ExprType::kRegex:
    case ExprType::kLiteral:
    case ExprType::kHex: {
      std::string regex, error;
      if (static_cast<int64_t>(e.expression.size()) > o_.max_expression_bytes) {
        Error(origin, StrCat("resource limit: expression is ", e.expression.size(),
                             " bytes, the limit is ", o_.max_expression_bytes));
        break;
      }
      if (!ToHyperscanRegex(e, &regex, &error)) {
        Error(origin, StrCat("unsupported ", ExprTypeName(e.expr_type), ": ", error));
        break;
      }
      int64_t repeat = LargestBoundedRepeat(regex);
      if (repeat > o_.max_bounded_repeat) {
        Error(origin, StrCat("resource limit: bounded repeat of ", repeat,
                             " exceeds max_bounded_repeat (", o_.max_bounded_repeat, ")"));
        break;
      }
      unsigned flags = HsFlags(e.flags);
      if (e.expr_type == ExprType::kHex) flags |= HS_FLAG_DOTALL;
      if (e.expr_type == ExprType::kRegex) {
        // Escaped literals and translated hex bodies cannot be malformed; regexes are
        // checked one by one so that every bad entry is named.
        bool empty = false;
        unsigned min_width = 0;
        std::string why = CheckExpression(regex, flags, &empty, &min_width);
        if (!why.empty()) {
          Error(origin, StrCat("Hyperscan rejects the regex: ", why));
          break;
        }
        if (empty) {
          Error(origin, "pattern can match the empty string (it would match every event)");
          break;
        }
        if (min_width == 1) {
          d_->Warning(pack.file, e.line, e.id,
                      "pattern can match a single character: expect it to match most events");
        }
        bool inline_caseless = false;
        // The prefilter is a set of literals one of which every match contains, chosen for
        // the longest shortest member (RequiredLiterals): the longer they are, the fewer
        // lines PCRE2 has to confirm.
        std::vector<std::string> lits =
            o_.prefilter_min_literal > 0 && !e.flags.utf8 && !e.flags.ucp
                ? RequiredLiterals(regex, &inline_caseless)
                : std::vector<std::string>();
        size_t shortest = SIZE_MAX;
        for (const auto& l : lits) shortest = std::min(shortest, l.size());
        if (!lits.empty() && static_cast<int64_t>(shortest) >= o_.prefilter_min_literal) {
          PcreFlags pf;
          pf.caseless = e.flags.caseless;
          pf.dotall = e.flags.dotall;
          pf.multiline = e.flags.multiline;
          std::string perr;
          std::unique_ptr<Pcre2Regex> code = Pcre2Regex::Compile(regex, pf, &perr);
          if (code) {  // else: compile it into Hyperscan as it is
            mode = PatternSet::Mode::kConfirmed;
            rule_index = static_cast<uint32_t>(s.confirm_specs_.size());
            s.confirm_specs_.push_back({regex, pf});
            s.confirm_codes_.push_back(std::move(code));
            unsigned lit_flags = HS_FLAG_SINGLEMATCH;
            if (e.flags.caseless || inline_caseless) lit_flags |= HS_FLAG_CASELESS;
            // All but the last literal here; the last one takes the place of the regex.
            for (size_t k = 0; k + 1 < lits.size(); ++k) {
              patterns.push_back({EscapeRegexBytes(lits[k]), lit_flags, idx});
            }
            regex = EscapeRegexBytes(lits.back());
            flags = lit_flags;
          }
        }
      }
      patterns.push_back({regex, flags, idx});
      pattern_fields = e.fields;
      if (e.fields.empty()) Error(origin, "entry targets no field");
      break;
    }
    case ExprType::kRule: {
      mode = PatternSet::Mode::kRule;
      for (const auto& st : e.rule.steps) {
        size_t n = st.kind == StepKind::kContent ? st.content.size() : st.pcre.size();
        if (static_cast<int64_t>(n) > o_.max_expression_bytes) {
          Error(origin, StrCat("resource limit: ", StepKindName(st.kind), " is ", n,
                               " bytes, the limit is ", o_.max_expression_bytes), st.line);
        }
        if (st.kind == StepKind::kPcre &&
            LargestBoundedRepeat(st.pcre) > o_.max_bounded_repeat) {
          Error(origin, StrCat("resource limit: bounded repeat exceeds max_bounded_repeat (",
                               o_.max_bounded_repeat, ")"), st.line);
        }
      }
      if (d_->error_count() != errors_before) break;
      RuleProgram program;
      std::string error;
      int line = 0;
      Prefilter pf;
      if (!ChoosePrefilter(e.rule, &pf, &error, &line)) {
        Error(origin, error, line);
        break;
      }
      if (!RuleProgram::Build(e.rule, &program, &error, &line, pf.implied_step)) {
        Error(origin, error, line);
        break;
      }
      bool empty = false;
      unsigned min_width = 0;
      std::string why = CheckExpression(pf.expression, pf.flags, &empty, &min_width);
      if (!why.empty()) {
        Error(origin, StrCat(pf.is_pcre ? "the pcre cannot be prefiltered by Hyperscan: "
                                        : "Hyperscan rejects the fast pattern: ",
                             why));
        break;
      }
      if (empty) {
        Error(origin, "the rule's only pcre can match the empty string: it would nominate "
                      "every event");
        break;
      }
      if (!pf.is_pcre && pf.literal_bytes <= 2) {
        d_->Warning(pack.file, e.line, e.id,
                    StrCat("fast pattern is ", pf.literal_bytes, " byte(s): most events on ",
                           FieldName(pf.field), " will be confirmed"));
      }
      if (pf.is_pcre) ++s.stats_.pcre_prefilter_rules;
      rule_index = static_cast<uint32_t>(s.rule_specs_.size());
      rule_field = pf.field;
      s.rule_specs_.push_back(e.rule);
      s.rule_implied_.push_back(pf.implied_step);
      s.rules_.push_back(std::move(program));
      patterns.push_back({pf.expression, pf.flags, idx});
      pattern_fields = {pf.field};
      ei.fields.clear();
      for (const auto& st : e.rule.steps) {
        if (std::find(ei.fields.begin(), ei.fields.end(), st.field) == ei.fields.end()) {
          ei.fields.push_back(st.field);
        }
      }
      break;
    }
    case ExprType::kIndicator: {
      mode = PatternSet::Mode::kIndicator;
      if (e.indicators.empty()) Error(origin, "entry has no indicators");
      for (const auto& ind : e.indicators) {
        uint32_t mask = 0;
        for (FieldId f : IndicatorDefaultFields(ind.type)) {
          if (e.fields.empty() ||
              std::find(e.fields.begin(), e.fields.end(), f) != e.fields.end()) {
            mask |= 1u << static_cast<unsigned>(f);
          }
        }
        if (mask == 0) continue;  // the parser checked the entry as a whole
        s.indicators_.Add({ind, idx, mask});
        ++s.stats_.indicator_values;
      }
      if (ei.fields.empty()) {
        for (const auto& ind : e.indicators) {
          for (FieldId f : IndicatorDefaultFields(ind.type)) {
            if (std::find(ei.fields.begin(), ei.fields.end(), f) == ei.fields.end()) {
              ei.fields.push_back(f);
            }
          }
        }
      }
      break;
    }
  }
  s.entries_.push_back(std::move(ei));
  s.mode_.push_back(static_cast<uint8_t>(mode));
  s.rule_index_.push_back(rule_index);
  s.rule_field_.push_back(rule_field);
  origins_.push_back(origin);
  if (d_->error_count() != errors_before) return;
  switch (mode) {
    case PatternSet::Mode::kDirect: ++s.stats_.direct_entries; break;
    case PatternSet::Mode::kRule: ++s.stats_.rule_entries; break;
    case PatternSet::Mode::kIndicator: ++s.stats_.indicator_entries; break;
    case PatternSet::Mode::kConfirmed: ++s.stats_.confirmed_regex_entries; break;
  }
  for (const auto& p : patterns) {
    for (FieldId f : pattern_fields) s.field_patterns_[static_cast<size_t>(f)].push_back(p);
  }
}

bool PatternSetBuilder::CompileField(size_t f) {
  PatternSet& s = *set_;
  auto& list = s.field_patterns_[f];
  const FieldId field = static_cast<FieldId>(f);
  std::vector<bool> dropped(list.size(), false);
  for (int64_t attempt = 0; attempt <= o_.max_compile_retries; ++attempt) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    std::vector<size_t> index;  // position in `list` of each compiled expression
    for (size_t i = 0; i < list.size(); ++i) {
      if (dropped[i]) continue;
      exprs.push_back(list[i].expression.c_str());
      flags.push_back(list[i].flags);
      ids.push_back(list[i].entry);
      index.push_back(i);
    }
    if (exprs.empty()) return false;
    hs_compile_error_t* err = nullptr;
    hs_database_t* db = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) == HS_SUCCESS) {
      if (d_->has_errors()) {  // only compiled to look for more errors
        hs_free_database(db);
        return false;
      }
      size_t bytes = 0;
      hs_database_size(db, &bytes);
      if (static_cast<int64_t>(bytes) > o_.max_database_bytes) {
        d_->Error("", 0, std::string(FieldName(field)),
                  StrCat("resource limit: the database for field ", FieldName(field), " is ",
                         bytes, " bytes, the limit is ", o_.max_database_bytes));
        hs_free_database(db);
        return false;
      }
      s.stats_.database_bytes += bytes;
      s.dbs_[f] = db;
      return true;
    }
    std::string message = err != nullptr ? err->message : "unknown error";
    int expression = err != nullptr ? err->expression : -1;
    hs_free_compile_error(err);
    if (expression < 0 || static_cast<size_t>(expression) >= index.size()) {
      d_->Error("", 0, std::string(FieldName(field)),
                StrCat("Hyperscan could not compile the database for field ", FieldName(field),
                       " (", list.size(), " patterns): ", message));
      return false;
    }
    size_t at = index[static_cast<size_t>(expression)];
    const Origin& o = origins_[list[at].entry];
    Error(o, StrCat("Hyperscan compile failed (field ", FieldName(field), "): ", message));
    dropped[at] = true;
  }
  d_->Error("", 0, std::string(FieldName(field)),
            StrCat("stopped after ", o_.max_compile_retries,
                   " failing expressions on field ", FieldName(field)));
  return false;
}

std::shared_ptr<const PatternSet> PatternSetBuilder::Build(
    const std::vector<Pack>& packs, const std::vector<std::string>& signers) {
  auto t0 = std::chrono::steady_clock::now();
  set_ = std::shared_ptr<PatternSet>(new PatternSet());
  PatternSet& s = *set_;
  const size_t errors_before = d_->error_count();
  int64_t total = 0;
  std::map<std::string, const Pack*> by_id;
  for (size_t i = 0; i < packs.size(); ++i) {
    const Pack& pack = packs[i];
    auto [it, fresh] = by_id.emplace(pack.id, &pack);
    if (!fresh) {
      d_->Error(pack.file, 0, pack.id,
                StrCat("pack '", pack.id, "' is loaded twice (also from ", it->second->file,
                       "): remove one copy"));
    }
    if (static_cast<int64_t>(pack.entries.size()) > o_.max_entries_per_pack) {
      d_->Error(pack.file, 0, pack.id,
                StrCat("resource limit: pack has ", pack.entries.size(),
                       " entries, max_entries_per_pack is ", o_.max_entries_per_pack));
      continue;
    }
    total += static_cast<int64_t>(pack.entries.size());
    StrAppend(&s.version_, s.version_.empty() ? "" : ",", pack.id, "@", pack.version);
    PackInfo pi;
    pi.id = pack.id;
    pi.version = pack.version;
    pi.issuer = pack.issuer;
    pi.issued_at = pack.issued_at;
    pi.file = pack.file;
    pi.content_hash = pack.content_hash;
    pi.signer = i < signers.size() ? signers[i] : "";
    pi.entries = static_cast<uint32_t>(pack.entries.size());
    s.packs_.push_back(std::move(pi));
  }
  if (total > o_.max_entries) {
    d_->Error("", 0, "", StrCat("resource limit: ", total, " entries in all packs, max_entries "
                                "is ", o_.max_entries));
  }
  if (d_->error_count() != errors_before) return nullptr;
  for (const auto& pack : packs) {
    for (const auto& e : pack.entries) AddEntry(pack, e);
  }
  // Compile every field even after an error, so that each field's errors are reported.
  for (size_t f = 0; f < kFieldCount; ++f) {
    if (!s.field_patterns_[f].empty()) CompileField(f);
  }
  // Earlier stages (parsing, signatures) may have reported errors into the same list: the
  // entries were still validated above so that one run reports everything, but nothing is
  // built.
  if (d_->error_count() != errors_before || d_->has_errors()) return nullptr;
  for (size_t f = 0; f < kFieldCount; ++f) {
    s.stats_.patterns_per_field[f] = static_cast<uint32_t>(s.field_patterns_[f].size());
  }
  s.indicators_.Finish();
  absl::Status st = s.BuildRuntime();
  if (!st.ok()) {
    d_->Error("", 0, "", std::string(st.message()));
    return nullptr;
  }
  s.stats_.compile_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - t0)
                            .count();
  return set_;
}

PatternSet::PatternSet() : serial_(g_next_serial.fetch_add(1)) {}

PatternSet::~PatternSet() {
  for (auto* db : dbs_) {
    if (db != nullptr) hs_free_database(db);
  }
}

absl::Status PatternSet::BuildRuntime() {
  scanned_fields_.clear();
  for (size_t f = 0; f < kFieldCount; ++f) {
    if (dbs_[f] != nullptr) scanned_fields_.push_back(static_cast<FieldId>(f));
  }
  return absl::OkStatus();
}

std::shared_ptr<const PatternSet> PatternSet::Empty() {
  return std::shared_ptr<const PatternSet>(new PatternSet());
}

std::shared_ptr<const PatternSet> PatternSet::Compile(const std::vector<Pack>& packs,
                                                      Diagnostics* d,
                                                      const CompileOptions& options,
                                                      const std::vector<std::string>& signers) {
  PatternSetBuilder b(d, options);
  return b.Build(packs, signers);
}

// ---- scanning ------------------------------------------------------------------------------

Scanner::~Scanner() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
}

absl::Status Scanner::Prepare(const PatternSet& set) {
  if (prepared_serial_ == set.serial()) return absl::OkStatus();
  for (FieldId f : set.scanned_fields()) {
    if (hs_alloc_scratch(set.database(f), &scratch_) != HS_SUCCESS) {
      return absl::ResourceExhaustedError("hs_alloc_scratch failed");
    }
  }
  stamp_.assign(set.entries().size(), 0);
  cand_fields_.assign(set.entries().size(), 0);
  generation_ = 0;
  candidates_.clear();
  prepared_serial_ = set.serial();
  return absl::OkStatus();
}

struct ScanCallback {
  const uint8_t* mode;
  uint32_t* stamp;
  uint32_t* cand_fields;
  uint32_t generation;
  std::vector<uint32_t>* candidates;
  std::vector<Match>* out;
  FieldId field;

  static int OnMatch(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
    auto* c = static_cast<ScanCallback*>(ctx);
    if (c->mode[id] == static_cast<uint8_t>(PatternSet::Mode::kDirect)) {
      c->out->push_back(Match{id, c->field});
      return 0;
    }
    const uint32_t bit = 1u << static_cast<unsigned>(c->field);
    if (c->stamp[id] != c->generation) {
      c->stamp[id] = c->generation;
      c->cand_fields[id] = bit;
      c->candidates->push_back(id);
    } else {
      c->cand_fields[id] |= bit;
    }
    return 0;
  }
};

absl::Status Scanner::ScanEvent(const PatternSet& set, const Event& event,
                                std::vector<Match>* out) {
  ++stats_.events;
  const size_t first = out->size();
  if (++generation_ == 0) {  // wrapped: old stamps could collide
    std::fill(stamp_.begin(), stamp_.end(), 0);
    generation_ = 1;
  }
  candidates_.clear();
  ScanCallback cb{set.mode_.data(), stamp_.data(), cand_fields_.data(), generation_,
                  &candidates_, out, FieldId::kMessage};
  for (FieldId f : set.scanned_fields_) {
    std::string_view v = event.fields[static_cast<size_t>(f)];
    if (v.empty()) continue;
    cb.field = f;
    stats_.bytes += v.size();
    hs_error_t rc = hs_scan(set.dbs_[static_cast<size_t>(f)], v.data(),
                            static_cast<unsigned>(v.size()), 0, scratch_, ScanCallback::OnMatch,
                            &cb);
    if (rc != HS_SUCCESS) return absl::InternalError(StrCat("hs_scan failed: ", rc));
  }
  if (!candidates_.empty()) {
    stats_.candidates += candidates_.size();
    // Confirm in entry order so the output does not depend on Hyperscan's report order.
    std::sort(candidates_.begin(), candidates_.end());
    for (uint32_t entry : candidates_) {
      uint64_t before = confirm_.limit_hits;
      std::chrono::steady_clock::time_point t0;
      if (profile_ != nullptr) t0 = std::chrono::steady_clock::now();
      if (set.mode_[entry] == static_cast<uint8_t>(PatternSet::Mode::kRule)) {
        if (set.rules_[set.rule_index_[entry]].Evaluate(event, confirm_)) {
          ++stats_.confirmed;
          out->push_back(Match{entry, set.rule_field_[entry]});
        }
      } else {
        // A regex prefiltered by its literal: run it on each field that nominated it.
        const Pcre2Regex& code = *set.confirm_codes_[set.rule_index_[entry]];
        for (uint32_t bits = cand_fields_[entry]; bits != 0; bits &= bits - 1) {
          FieldId f = static_cast<FieldId>(__builtin_ctz(bits));
          if (ConfirmRegex(code, event.field(f), confirm_)) {
            ++stats_.confirmed;
            out->push_back(Match{entry, f});
          }
        }
      }
      stats_.limit_hits += confirm_.limit_hits - before;
      if (profile_ != nullptr) {
        profile_->confirm_ns[entry] += static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - t0)
                .count());
        ++profile_->candidates[entry];
      }
    }
  }
  if (!set.indicators_.empty()) set.indicators_.Lookup(event, out, &scratch_text_);
  stats_.matches += out->size() - first;
  if (profile_ != nullptr) {
    for (size_t i = first; i < out->size(); ++i) ++profile_->matches[(*out)[i].entry];
  }
  return absl::OkStatus();
}

}  // namespace kizashi::patterns
