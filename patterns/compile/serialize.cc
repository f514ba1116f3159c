// PatternSet <-> bytes for the compiled-set cache. The format is private to this build: the
// cache key (CacheKey) covers the format version, the Hyperscan version, the CPU platform,
// the event field table and the compile options, so a cache file is only ever read by a
// process that would have compiled the same bytes. A SHA-256 trailer rejects torn or
// corrupted files; any failure makes the loader recompile.
#include <hs/hs.h>

#include <cstring>

#include "engine/common/hash.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "patterns/compile/pattern_set.h"

namespace kizashi::patterns {

namespace {

constexpr char kMagic[8] = {'K', 'Z', 'P', 'S', 'E', 'T', 0, 2};

// Corruption check of a cache file (torn write, bit rot): fast, not cryptographic. The cache
// directory is trusted like the binary (see docs/pattern-packs.md).
uint64_t Checksum(std::string_view s) {
  uint64_t h = 0x6b697a6173686921ULL ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
  for (; i < s.size(); ++i) h = (h ^ static_cast<uint8_t>(s[i])) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

std::string ChecksumBytes(std::string_view s) {
  uint64_t h = Checksum(s);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>(h >> (8 * i));
  return out;
}
constexpr std::string_view kKeyDomain = "kizashi-patternset-cache/1";

std::string FieldTable() {
  std::string out;
  for (size_t f = 0; f < kFieldCount; ++f) StrAppend(&out, FieldName(static_cast<FieldId>(f)), ",");
  return out;
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_->push_back(static_cast<char>(v >> (8 * i)));
  }
  void I64(int64_t v) {
    uint64_t u = static_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i) out_->push_back(static_cast<char>(u >> (8 * i)));
  }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_->append(s);
  }
  void Strs(const std::vector<std::string>& v) {
    U32(static_cast<uint32_t>(v.size()));
    for (const auto& s : v) Str(s);
  }
  void OptI32(const std::optional<int32_t>& v) {
    U8(v.has_value());
    U32(static_cast<uint32_t>(v.value_or(0)));
  }

 private:
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  uint8_t U8() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(in_[pos_++])} << (8 * i);
    return v;
  }
  int64_t I64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(in_[pos_++])} << (8 * i);
    return static_cast<int64_t>(v);
  }
  std::string Str() {
    uint32_t n = U32();
    if (!Need(n)) return "";
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string_view View(size_t n) {
    if (!Need(n)) return {};
    std::string_view v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::vector<std::string> Strs() {
    uint32_t n = Count();
    std::vector<std::string> v;
    for (uint32_t i = 0; i < n && ok_; ++i) v.push_back(Str());
    return v;
  }
  std::optional<int32_t> OptI32() {
    bool has = U8() != 0;
    int32_t v = static_cast<int32_t>(U32());
    return has ? std::optional<int32_t>(v) : std::nullopt;
  }
  // A count that cannot exceed the remaining bytes (each element takes at least one byte).
  uint32_t Count() {
    uint32_t n = U32();
    if (n > in_.size() - pos_) ok_ = false;
    return ok_ ? n : 0;
  }
  template <typename E>
  E Enum(size_t limit) {
    uint8_t v = U8();
    if (v >= limit) ok_ = false;
    return static_cast<E>(ok_ ? v : 0);
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  bool Need(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

uint8_t PcreBits(const PcreFlags& f) {
  return static_cast<uint8_t>(f.caseless | f.dotall << 1 | f.multiline << 2 | f.extended << 3 |
                              f.anchored << 4 | f.dollar_endonly << 5 | f.ungreedy << 6 |
                              f.relative << 7);
}
PcreFlags PcreFromBits(uint8_t b) {
  PcreFlags f;
  f.caseless = b & 1;
  f.dotall = b & 2;
  f.multiline = b & 4;
  f.extended = b & 8;
  f.anchored = b & 16;
  f.dollar_endonly = b & 32;
  f.ungreedy = b & 64;
  f.relative = b & 128;
  return f;
}

}  // namespace

std::string PatternSet::CacheKey(const std::vector<std::string>& pack_hashes,
                                 const CompileOptions& o) {
  hs_platform_info_t platform{};
  hs_populate_platform(&platform);
  IdBuilder b;
  b.Add(kKeyDomain).Add(hs_version()).Add(static_cast<int64_t>(platform.tune));
  b.Add(static_cast<int64_t>(platform.cpu_features)).Add(FieldTable());
  b.Add(o.max_entries).Add(o.max_entries_per_pack).Add(o.max_expression_bytes);
  b.Add(o.max_bounded_repeat).Add(o.max_database_bytes).Add(o.max_compile_retries);
  b.Add(o.prefilter_min_literal);
  for (const auto& h : pack_hashes) b.Add(h);
  return b.Finish(64);
}

std::string PatternSet::Serialize() const {
  std::string out(kMagic, sizeof kMagic);
  Writer w(&out);
  w.Str(FieldTable());
  w.Str(version_);
  w.U32(static_cast<uint32_t>(packs_.size()));
  for (const auto& p : packs_) {
    w.Str(p.id);
    w.Str(p.version);
    w.Str(p.issuer);
    w.Str(p.issued_at);
    w.Str(p.file);
    w.Str(p.content_hash);
    w.Str(p.signer);
    w.U32(p.entries);
  }
  w.U32(static_cast<uint32_t>(entries_.size()));
  for (size_t i = 0; i < entries_.size(); ++i) {
    const EntryInfo& e = entries_[i];
    w.Str(e.pack_id);
    w.Str(e.pack_version);
    w.Str(e.entry_id);
    w.U8(static_cast<uint8_t>(e.kind));
    w.U8(static_cast<uint8_t>(e.attack_type));
    w.U8(static_cast<uint8_t>(e.severity));
    w.U8(e.may_disrupt_critical_systems);
    w.Str(e.actor);
    w.Strs(e.references);
    w.Strs(e.tags);
    w.Str(e.title);
    w.Str(e.recommended_action);
    w.U8(static_cast<uint8_t>(e.expr_type));
    w.U32(static_cast<uint32_t>(e.fields.size()));
    for (FieldId f : e.fields) w.U8(static_cast<uint8_t>(f));
    w.Str(e.file);
    w.I64(e.line);
    w.U8(mode_[i]);
    w.U32(rule_index_[i]);
    w.U8(static_cast<uint8_t>(rule_field_[i]));
  }
  w.U32(static_cast<uint32_t>(rule_specs_.size()));
  for (size_t ri = 0; ri < rule_specs_.size(); ++ri) {
    const RuleSpec& r = rule_specs_[ri];
    w.I64(rule_implied_[ri]);
    w.Str(r.app_proto);
    w.U32(static_cast<uint32_t>(r.steps.size()));
    for (const auto& s : r.steps) {
      w.U8(static_cast<uint8_t>(s.kind));
      w.U8(static_cast<uint8_t>(s.field));
      w.U8(s.negated);
      w.U8(s.dotprefix);
      w.I64(s.line);
      w.Str(s.content);
      w.U8(static_cast<uint8_t>(s.nocase | s.startswith << 1 | s.endswith << 2 |
                                s.fast_pattern << 3 | s.relative << 4));
      w.OptI32(s.fast_pattern_offset);
      w.OptI32(s.fast_pattern_length);
      w.OptI32(s.offset);
      w.OptI32(s.depth);
      w.OptI32(s.distance);
      w.OptI32(s.within);
      w.Str(s.pcre);
      w.U8(PcreBits(s.pcre_flags));
      w.U32(static_cast<uint32_t>(s.isdataat));
      w.U8(static_cast<uint8_t>(s.size_op));
      w.I64(s.size_a);
      w.I64(s.size_b);
    }
  }
  w.U32(static_cast<uint32_t>(confirm_specs_.size()));
  for (const auto& c : confirm_specs_) {
    w.Str(c.pattern);
    w.U8(PcreBits(c.flags));
  }
  const auto& items = indicators_.items();
  w.U32(static_cast<uint32_t>(items.size()));
  for (const auto& it : items) {
    w.U8(static_cast<uint8_t>(it.indicator.type));
    w.Str(it.indicator.value);
    w.U32(it.entry);
    w.U32(it.field_mask);
  }
  for (size_t f = 0; f < kFieldCount; ++f) {
    const auto& list = field_patterns_[f];
    w.U32(static_cast<uint32_t>(list.size()));
    for (const auto& p : list) {
      w.Str(p.expression);
      w.U32(p.flags);
      w.U32(p.entry);
    }
    if (dbs_[f] == nullptr) {
      w.U32(0);
      continue;
    }
    char* bytes = nullptr;
    size_t len = 0;
    if (hs_serialize_database(dbs_[f], &bytes, &len) != HS_SUCCESS) return "";
    w.Str(std::string_view(bytes, len));
    free(bytes);
  }
  w.U32(stats_.direct_entries);
  w.U32(stats_.confirmed_regex_entries);
  w.U32(stats_.rule_entries);
  w.U32(stats_.pcre_prefilter_rules);
  w.U32(stats_.indicator_entries);
  w.U32(stats_.indicator_values);
  w.I64(static_cast<int64_t>(stats_.database_bytes));
  w.I64(stats_.compile_ns);
  out += ChecksumBytes(out);
  return out;
}

absl::StatusOr<std::shared_ptr<const PatternSet>> PatternSet::Deserialize(std::string_view in) {
  if (in.size() < sizeof kMagic + 8 || std::memcmp(in.data(), kMagic, sizeof kMagic) != 0) {
    return absl::DataLossError("not a kizashi pattern-set cache file (bad magic or version)");
  }
  std::string_view body = in.substr(0, in.size() - 8);
  if (ChecksumBytes(body) != in.substr(in.size() - 8)) {
    return absl::DataLossError("pattern-set cache file is corrupted (checksum mismatch)");
  }
  Reader r(body.substr(sizeof kMagic));
  auto set = std::shared_ptr<PatternSet>(new PatternSet());
  PatternSet& s = *set;
  if (r.Str() != FieldTable()) {
    return absl::FailedPreconditionError("cache was built with another event field table");
  }
  s.version_ = r.Str();
  uint32_t npacks = r.Count();
  for (uint32_t i = 0; i < npacks && r.ok(); ++i) {
    PackInfo p;
    p.id = r.Str();
    p.version = r.Str();
    p.issuer = r.Str();
    p.issued_at = r.Str();
    p.file = r.Str();
    p.content_hash = r.Str();
    p.signer = r.Str();
    p.entries = r.U32();
    s.packs_.push_back(std::move(p));
  }
  uint32_t nentries = r.Count();
  for (uint32_t i = 0; i < nentries && r.ok(); ++i) {
    EntryInfo e;
    e.pack_id = r.Str();
    e.pack_version = r.Str();
    e.entry_id = r.Str();
    e.kind = r.Enum<EntryKind>(3);
    e.attack_type = r.Enum<AttackType>(static_cast<size_t>(AttackType::kCount));
    e.severity = r.Enum<Severity>(5);
    e.may_disrupt_critical_systems = r.U8() != 0;
    e.actor = r.Str();
    e.references = r.Strs();
    e.tags = r.Strs();
    e.title = r.Str();
    e.recommended_action = r.Str();
    e.expr_type = r.Enum<ExprType>(5);
    uint32_t nf = r.Count();
    for (uint32_t k = 0; k < nf && r.ok(); ++k) e.fields.push_back(r.Enum<FieldId>(kFieldCount));
    e.file = r.Str();
    e.line = static_cast<int>(r.I64());
    s.mode_.push_back(r.Enum<uint8_t>(4));
    s.rule_index_.push_back(r.U32());
    s.rule_field_.push_back(r.Enum<FieldId>(kFieldCount));
    s.entries_.push_back(std::move(e));
  }
  uint32_t nrules = r.Count();
  for (uint32_t i = 0; i < nrules && r.ok(); ++i) {
    RuleSpec spec;
    int64_t implied = r.I64();
    spec.app_proto = r.Str();
    uint32_t nsteps = r.Count();
    for (uint32_t k = 0; k < nsteps && r.ok(); ++k) {
      RuleStep st;
      st.kind = r.Enum<StepKind>(4);
      st.field = r.Enum<FieldId>(kFieldCount);
      st.negated = r.U8() != 0;
      st.dotprefix = r.U8() != 0;
      st.line = static_cast<int>(r.I64());
      st.content = r.Str();
      uint8_t b = r.U8();
      st.nocase = b & 1;
      st.startswith = b & 2;
      st.endswith = b & 4;
      st.fast_pattern = b & 8;
      st.relative = b & 16;
      st.fast_pattern_offset = r.OptI32();
      st.fast_pattern_length = r.OptI32();
      st.offset = r.OptI32();
      st.depth = r.OptI32();
      st.distance = r.OptI32();
      st.within = r.OptI32();
      st.pcre = r.Str();
      st.pcre_flags = PcreFromBits(r.U8());
      st.isdataat = static_cast<int32_t>(r.U32());
      st.size_op = r.Enum<SizeOp>(6);
      st.size_a = r.I64();
      st.size_b = r.I64();
      spec.steps.push_back(std::move(st));
    }
    if (implied < -1 || implied >= static_cast<int64_t>(spec.steps.size())) r.U32();  // poison
    s.rule_implied_.push_back(static_cast<int32_t>(implied));
    s.rule_specs_.push_back(std::move(spec));
  }
  uint32_t nconfirm = r.Count();
  for (uint32_t i = 0; i < nconfirm && r.ok(); ++i) {
    ConfirmSpec c;
    c.pattern = r.Str();
    c.flags = PcreFromBits(r.U8());
    s.confirm_specs_.push_back(std::move(c));
  }
  uint32_t nitems = r.Count();
  for (uint32_t i = 0; i < nitems && r.ok(); ++i) {
    IndicatorIndex::Item it;
    it.indicator.type = r.Enum<IndicatorType>(6);
    it.indicator.value = r.Str();
    it.entry = r.U32();
    it.field_mask = r.U32();
    if (it.entry >= s.entries_.size()) return absl::DataLossError("bad indicator entry index");
    s.indicators_.Add(it);
  }
  s.indicators_.Finish();
  for (size_t f = 0; f < kFieldCount && r.ok(); ++f) {
    uint32_t n = r.Count();
    for (uint32_t k = 0; k < n && r.ok(); ++k) {
      FieldPattern p;
      p.expression = r.Str();
      p.flags = r.U32();
      p.entry = r.U32();
      s.field_patterns_[f].push_back(std::move(p));
    }
    uint32_t len = r.U32();
    if (len == 0 || !r.ok()) continue;
    std::string_view bytes = r.View(len);
    if (!r.ok()) break;
    hs_database_t* db = nullptr;
    hs_error_t rc = hs_deserialize_database(bytes.data(), bytes.size(), &db);
    if (rc != HS_SUCCESS) {
      return absl::FailedPreconditionError(
          StrCat("cached Hyperscan database for field ", FieldName(static_cast<FieldId>(f)),
                 " cannot be loaded (error ", rc, "; other Hyperscan version or CPU?)"));
    }
    s.dbs_[f] = db;
  }
  s.stats_.direct_entries = r.U32();
  s.stats_.confirmed_regex_entries = r.U32();
  s.stats_.rule_entries = r.U32();
  s.stats_.pcre_prefilter_rules = r.U32();
  s.stats_.indicator_entries = r.U32();
  s.stats_.indicator_values = r.U32();
  s.stats_.database_bytes = static_cast<uint64_t>(r.I64());
  s.stats_.compile_ns = r.I64();
  if (!r.ok() || !r.done()) return absl::DataLossError("pattern-set cache file is truncated");
  for (size_t f = 0; f < kFieldCount; ++f) {
    s.stats_.patterns_per_field[f] = static_cast<uint32_t>(s.field_patterns_[f].size());
    for (const auto& p : s.field_patterns_[f]) {
      if (p.entry >= s.entries_.size()) return absl::DataLossError("bad pattern entry index");
    }
  }
  for (size_t i = 0; i < s.entries_.size(); ++i) {
    if (s.mode_[i] == static_cast<uint8_t>(Mode::kRule) && s.rule_index_[i] >= nrules) {
      return absl::DataLossError("bad rule index");
    }
    if (s.mode_[i] == static_cast<uint8_t>(Mode::kConfirmed) && s.rule_index_[i] >= nconfirm) {
      return absl::DataLossError("bad confirm index");
    }
  }
  // PCRE2 compiles on first use: every regex was validated when the cache was written.
  for (const auto& c : s.confirm_specs_) {
    s.confirm_codes_.push_back(Pcre2Regex::Lazy(c.pattern, c.flags));
  }
  // PCRE2 programs are rebuilt (compiled code is not portable across builds).
  for (size_t ri = 0; ri < s.rule_specs_.size(); ++ri) {
    const RuleSpec& spec = s.rule_specs_[ri];
    if (s.rule_implied_[ri] < -1 ||
        s.rule_implied_[ri] >= static_cast<int32_t>(spec.steps.size())) {
      return absl::DataLossError("bad implied step");
    }
    RuleProgram program;
    std::string error;
    int line = 0;
    if (!RuleProgram::Build(spec, &program, &error, &line, s.rule_implied_[ri], /*lazy=*/true)) {
      return absl::DataLossError(StrCat("cached rule no longer compiles: ", error));
    }
    s.rules_.push_back(std::move(program));
  }
  KZ_IGNORE_STATUS(s.BuildRuntime());
  return std::shared_ptr<const PatternSet>(std::move(set));
}

}  // namespace kizashi::patterns
