#include "patterns/compile/rule_program.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string.h>

#include <algorithm>

#include "engine/common/strings.h"

namespace kizashi::patterns {

void Pcre2CodeDeleter::operator()(pcre2_real_code_8* c) const { pcre2_code_free(c); }

Pcre2Code CompilePcre2(const std::string& pattern, const PcreFlags& f, std::string* error) {
  uint32_t options = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP;
  if (f.caseless) options |= PCRE2_CASELESS;
  if (f.dotall) options |= PCRE2_DOTALL;
  if (f.multiline) options |= PCRE2_MULTILINE;
  if (f.extended) options |= PCRE2_EXTENDED;
  if (f.anchored) options |= PCRE2_ANCHORED;
  if (f.dollar_endonly) options |= PCRE2_DOLLAR_ENDONLY;
  if (f.ungreedy) options |= PCRE2_UNGREEDY;
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &err, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    *error = StrCat("PCRE2 rejects the pcre at offset ", static_cast<uint64_t>(offset), ": ",
                    reinterpret_cast<const char*>(buf));
    return nullptr;
  }
  // JIT is an optimisation: when it is unavailable the interpreter gives the same answers.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return Pcre2Code(code);
}

std::unique_ptr<Pcre2Regex> Pcre2Regex::Compile(const std::string& pattern,
                                                const PcreFlags& flags, std::string* error) {
  std::unique_ptr<Pcre2Regex> r(new Pcre2Regex(pattern, flags));
  bool ok = true;
  std::call_once(r->once_, [&] {
    r->code_ = CompilePcre2(r->pattern_, r->flags_, error);
    ok = r->code_ != nullptr;
  });
  if (!ok) return nullptr;
  return r;
}

std::unique_ptr<Pcre2Regex> Pcre2Regex::Lazy(std::string pattern, const PcreFlags& flags) {
  return std::unique_ptr<Pcre2Regex>(new Pcre2Regex(std::move(pattern), flags));
}

const pcre2_real_code_8* Pcre2Regex::get() const {
  std::call_once(once_, [this] {
    std::string error;
    code_ = CompilePcre2(pattern_, flags_, &error);
  });
  return code_.get();
}

bool ConfirmRegex(const Pcre2Regex& regex, std::string_view text, ConfirmContext& ctx) {
  const pcre2_code* code = regex.get();
  if (code == nullptr) return false;
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                       ctx.match_data(), ctx.match_context());
  if (rc >= 0) return true;
  if (rc != PCRE2_ERROR_NOMATCH) ++ctx.limit_hits;
  return false;
}

ConfirmContext::ConfirmContext() {
  match_data_ = pcre2_match_data_create(1, nullptr);
  match_context_ = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(match_context_, kPcreMatchLimit);
  pcre2_set_depth_limit(match_context_, kPcreDepthLimit);
  jit_stack_ = pcre2_jit_stack_create(32 * 1024, 512 * 1024, nullptr);
  if (jit_stack_ != nullptr) pcre2_jit_stack_assign(match_context_, nullptr, jit_stack_);
}

ConfirmContext::~ConfirmContext() {
  pcre2_match_data_free(match_data_);
  pcre2_match_context_free(match_context_);
  if (jit_stack_ != nullptr) pcre2_jit_stack_free(jit_stack_);
}

namespace {

inline unsigned char Lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
}

// First position p in [lo, hi - pat.size()] where `pat` occurs in buf, or npos.
size_t Find(std::string_view buf, size_t lo, size_t hi, std::string_view pat, bool nocase) {
  if (hi > buf.size()) hi = buf.size();
  if (lo > hi || hi - lo < pat.size()) return std::string_view::npos;
  const char* base = buf.data() + lo;
  const size_t n = hi - lo;
  if (!nocase) {
    const void* p = memmem(base, n, pat.data(), pat.size());
    return p == nullptr ? std::string_view::npos
                        : lo + static_cast<size_t>(static_cast<const char*>(p) - base);
  }
  // `pat` is stored lowercased: jump between occurrences of its first byte in either case.
  const unsigned char first = static_cast<unsigned char>(pat[0]);
  const unsigned char upper = (first >= 'a' && first <= 'z') ? first - 32 : first;
  const size_t last = n - pat.size();
  size_t p = 0;
  while (p <= last) {
    const void* a = memchr(base + p, first, last - p + 1);
    const void* b = upper != first ? memchr(base + p, upper, last - p + 1) : nullptr;
    if (a == nullptr && b == nullptr) return std::string_view::npos;
    const char* hit = static_cast<const char*>(a == nullptr ? b : b == nullptr ? a : std::min(a, b));
    p = static_cast<size_t>(hit - base);
    size_t k = 1;
    while (k < pat.size() &&
           Lower(static_cast<unsigned char>(base[p + k])) == static_cast<unsigned char>(pat[k])) {
      ++k;
    }
    if (k == pat.size()) return lo + p;
    ++p;
  }
  return std::string_view::npos;
}

bool SizeHolds(SizeOp op, int64_t a, int64_t b, int64_t len) {
  switch (op) {
    case SizeOp::kEq: return len == a;
    case SizeOp::kLt: return len < a;
    case SizeOp::kLe: return len <= a;
    case SizeOp::kGt: return len > a;
    case SizeOp::kGe: return len >= a;
    case SizeOp::kRange: return len > a && len < b;
  }
  return false;
}

}  // namespace

bool RuleProgram::Build(const RuleSpec& spec, RuleProgram* out, std::string* error, int* line,
                        int implied_step, bool lazy) {
  *out = RuleProgram();
  *line = 0;
  out->app_proto_ = spec.app_proto;
  if (StartsWith(out->app_proto_, "!")) {
    out->app_proto_negated_ = true;
    out->app_proto_.erase(0, 1);
  }
  // Group by field, keeping each field's steps in rule order; fields in order of first use.
  std::vector<FieldId> order;
  for (const auto& s : spec.steps) {
    if (std::find(order.begin(), order.end(), s.field) == order.end()) order.push_back(s.field);
  }
  for (FieldId f : order) {
    Group g;
    g.field = f;
    g.begin = static_cast<uint32_t>(out->steps_.size());
    for (size_t si = 0; si < spec.steps.size(); ++si) {
      const RuleStep& s = spec.steps[si];
      if (s.field != f) continue;
      g.dotprefix = s.dotprefix;
      Step st;
      st.implied = static_cast<int>(si) == implied_step;
      st.kind = s.kind;
      st.negated = s.negated;
      st.relative = s.is_relative();
      switch (s.kind) {
        case StepKind::kContent:
          st.bytes = s.content;
          st.nocase = s.nocase;
          if (st.nocase) {
            for (char& c : st.bytes) c = static_cast<char>(Lower(static_cast<unsigned char>(c)));
          }
          st.startswith = s.startswith;
          st.endswith = s.endswith;
          st.offset = s.offset.value_or(0);
          st.depth = s.depth.value_or(-1);
          st.distance = s.distance.value_or(0);
          st.within = s.within.value_or(-1);
          if (st.startswith) {
            st.offset = 0;
            st.depth = static_cast<int32_t>(st.bytes.size());
          }
          break;
        case StepKind::kPcre: {
          std::string err;
          st.code = lazy ? Pcre2Regex::Lazy(s.pcre, s.pcre_flags)
                         : Pcre2Regex::Compile(s.pcre, s.pcre_flags, &err);
          if (!st.code) {
            *error = err;
            *line = s.line;
            return false;
          }
          break;
        }
        case StepKind::kIsDataAt:
          st.isdataat = s.isdataat;
          break;
        case StepKind::kSize:
          st.size_op = s.size_op;
          st.size_a = s.size_a;
          st.size_b = s.size_b;
          break;
      }
      out->steps_.push_back(std::move(st));
    }
    g.end = static_cast<uint32_t>(out->steps_.size());
    for (uint32_t i = g.begin; i + 1 < g.end; ++i) {
      out->steps_[i].next_relative = out->steps_[i + 1].relative;
    }
    // The fast pattern was already found by the prefilter: when nothing depends on where it
    // is, it need not be searched again.
    for (uint32_t i = g.begin; i < g.end; ++i) {
      Step& st = out->steps_[i];
      if (st.implied && (st.next_relative || st.relative || st.depth >= 0 || st.offset > 0 ||
                         st.startswith || st.endswith || g.dotprefix)) {
        st.implied = false;
      }
    }
    out->groups_.push_back(g);
  }
  if (out->steps_.empty()) {
    *error = "rule has no steps";
    return false;
  }
  return true;
}

RuleProgram::Result RuleProgram::Inspect(const Step* steps, size_t i, size_t n,
                                         std::string_view buf, size_t cursor,
                                         ConfirmContext& ctx) const {
  if (i == n) return Result::kMatch;
  if (ctx.budget == 0) {
    ++ctx.limit_hits;
    return Result::kAbort;
  }
  --ctx.budget;
  const Step& s = steps[i];
  const size_t len = buf.size();
  if (s.implied) return Inspect(steps, i + 1, n, buf, cursor, ctx);
  switch (s.kind) {
    case StepKind::kContent: {
      int64_t lo, hi;
      if (s.relative) {
        lo = static_cast<int64_t>(cursor) + s.distance;
        if (lo < 0) lo = 0;
        hi = s.within >= 0 ? static_cast<int64_t>(cursor) + s.distance + s.within
                           : static_cast<int64_t>(len);
      } else {
        lo = s.offset;
        hi = s.depth >= 0 ? static_cast<int64_t>(s.offset) + s.depth : static_cast<int64_t>(len);
      }
      if (hi > static_cast<int64_t>(len)) hi = static_cast<int64_t>(len);
      const size_t plen = s.bytes.size();
      size_t from = static_cast<size_t>(lo);
      while (true) {
        size_t p = std::string_view::npos;
        if (hi >= lo) {
          if (s.endswith) {
            // Only an occurrence that ends the buffer counts.
            if (len >= plen && len - plen >= from && static_cast<int64_t>(len) <= hi &&
                Find(buf, len - plen, len, s.bytes, s.nocase) != std::string_view::npos) {
              p = len - plen;
            }
          } else {
            p = Find(buf, from, static_cast<size_t>(hi), s.bytes, s.nocase);
          }
        }
        if (p == std::string_view::npos) {
          if (s.negated) return Inspect(steps, i + 1, n, buf, cursor, ctx);
          return s.relative ? Result::kNoMatch : Result::kAbort;
        }
        if (s.negated) return Result::kNoMatch;
        Result r = Inspect(steps, i + 1, n, buf, p + plen, ctx);
        if (r != Result::kNoMatch) return r;
        if (!s.next_relative || s.endswith) return Result::kAbort;
        from = p + 1;
      }
    }
    case StepKind::kPcre: {
      const size_t base = s.relative ? cursor : 0;
      if (base > len) return s.negated ? Inspect(steps, i + 1, n, buf, cursor, ctx)
                                       : Result::kNoMatch;
      size_t start = 0;  // relative to base
      while (true) {
        const pcre2_code* code = s.code->get();
        if (code == nullptr) return Result::kAbort;
        int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(buf.data() + base),
                             len - base, start, 0, ctx.match_data(), ctx.match_context());
        if (rc == PCRE2_ERROR_NOMATCH) {
          if (s.negated) return Inspect(steps, i + 1, n, buf, cursor, ctx);
          return Result::kNoMatch;
        }
        if (rc < 0) {  // match/depth limit or other runtime error: give up on this rule
          ++ctx.limit_hits;
          return Result::kAbort;
        }
        if (s.negated) return Result::kNoMatch;
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(ctx.match_data());
        size_t mstart = ov[0], mend = ov[1];
        Result r = Inspect(steps, i + 1, n, buf, base + mend, ctx);
        if (r != Result::kNoMatch) return r;
        if (!s.next_relative) return Result::kAbort;
        start = mstart + 1;
        if (start > len - base) return Result::kNoMatch;
      }
    }
    case StepKind::kIsDataAt: {
      bool has = s.relative ? cursor + static_cast<size_t>(s.isdataat) <= len
                            : static_cast<size_t>(s.isdataat) < len;
      if (has == s.negated) return s.relative ? Result::kNoMatch : Result::kAbort;
      return Inspect(steps, i + 1, n, buf, cursor, ctx);
    }
    case StepKind::kSize:
      if (!SizeHolds(s.size_op, s.size_a, s.size_b, static_cast<int64_t>(len))) {
        return Result::kAbort;
      }
      return Inspect(steps, i + 1, n, buf, cursor, ctx);
  }
  return Result::kAbort;
}

bool RuleProgram::Evaluate(const Event& event, ConfirmContext& ctx) const {
  if (!app_proto_.empty()) {
    bool same = EqualsIgnoreCase(event.app_proto, app_proto_);
    if (same == app_proto_negated_) return false;
  }
  for (const Group& g : groups_) {
    std::string_view buf = event.field(g.field);
    // An absent buffer is not inspected (Suricata): the rule cannot match.
    if (buf.empty()) return false;
    if (g.dotprefix) {
      std::string& dot = ctx.dot_buffer();
      dot.assign(1, '.');
      dot.append(buf);
      buf = dot;
    }
    ctx.budget = kInspectionBudget;
    if (Inspect(steps_.data() + g.begin, 0, g.end - g.begin, buf, 0, ctx) != Result::kMatch) {
      return false;
    }
  }
  return true;
}

}  // namespace kizashi::patterns
