// RuleProgram: the confirmation half of an imported IDS rule (Suricata's compile model).
//
// A rule entry is compiled in two parts: its fast pattern (the content the issuer marked, or
// the longest positive content; a pcre in Hyperscan prefilter mode when the rule has no
// content) goes into the per-field Hyperscan database and only *nominates* the rule; this
// program then checks every step of the rule on the event, only for those candidates, with
// Suricata's content-inspection semantics:
//   - steps are grouped by field; a rule matches when every group matches;
//   - within a group, steps run in order; content offset/depth are absolute, distance/within
//     and pcre R are relative to the end of the previous match on that field;
//   - when a later relative step fails, the previous match is retried at its next occurrence
//     (bounded by a per-evaluation step budget, so hostile rules cannot run away);
//   - negated contents / pcre succeed when absent and never move the cursor.
// pcre steps run on PCRE2 (JIT when available) with match and depth limits.
//
// Ownership: built at compile time, owned by the PatternSet, immutable and shared by every
// worker. ConfirmContext holds the per-thread PCRE2 state: one per Scanner, never shared.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/event/event.h"
#include "patterns/pack/pack.h"

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;
struct pcre2_real_jit_stack_8;

namespace kizashi::patterns {

// Limits that bound the work one candidate can cost.
inline constexpr uint32_t kPcreMatchLimit = 100000;
inline constexpr uint32_t kPcreDepthLimit = 10000;
inline constexpr uint32_t kInspectionBudget = 4096;  // recursive step evaluations per rule

struct Pcre2CodeDeleter {
  void operator()(pcre2_real_code_8* c) const;
};
using Pcre2Code = std::unique_ptr<pcre2_real_code_8, Pcre2CodeDeleter>;

// Compiles a pcre step's pattern with PCRE2 (+JIT). Returns null with `error` when PCRE2
// rejects it (the message names the offset).
Pcre2Code CompilePcre2(const std::string& pattern, const PcreFlags& flags, std::string* error);

// A PCRE2 regex compiled now (cold compile: it is validated there) or on first use (a set
// read from the cache, where every regex was validated when the cache was written): a
// restart does not pay for compiling and JIT-compiling thousands of confirmation regexes.
// Thread-safe: the first get() compiles under std::call_once; later calls are one atomic
// load. If a lazily compiled regex no longer compiles (another PCRE2 build) it never matches.
class Pcre2Regex {
 public:
  static std::unique_ptr<Pcre2Regex> Compile(const std::string& pattern, const PcreFlags& flags,
                                             std::string* error);
  static std::unique_ptr<Pcre2Regex> Lazy(std::string pattern, const PcreFlags& flags);
  const pcre2_real_code_8* get() const;

 private:
  Pcre2Regex(std::string pattern, const PcreFlags& flags)
      : pattern_(std::move(pattern)), flags_(flags) {}
  std::string pattern_;
  PcreFlags flags_;
  mutable std::once_flag once_;
  mutable Pcre2Code code_;
};

class ConfirmContext;
// True when the compiled regex matches somewhere in `text` (false on no match and on PCRE2
// limits, which are counted in ctx.limit_hits).
bool ConfirmRegex(const Pcre2Regex& regex, std::string_view text, ConfirmContext& ctx);

// Per-thread PCRE2 match state and confirmation statistics.
class ConfirmContext {
 public:
  ConfirmContext();
  ~ConfirmContext();
  ConfirmContext(const ConfirmContext&) = delete;
  ConfirmContext& operator=(const ConfirmContext&) = delete;

  pcre2_real_match_data_8* match_data() { return match_data_; }
  pcre2_real_match_context_8* match_context() { return match_context_; }
  std::string& dot_buffer() { return dot_buffer_; }

  uint32_t budget = 0;        // remaining step evaluations for the current rule
  uint64_t limit_hits = 0;    // evaluations cut short by the budget or PCRE2 limits

 private:
  pcre2_real_match_data_8* match_data_ = nullptr;
  pcre2_real_match_context_8* match_context_ = nullptr;
  pcre2_real_jit_stack_8* jit_stack_ = nullptr;
  std::string dot_buffer_;
};

class RuleProgram {
 public:
  struct Step {
    StepKind kind = StepKind::kContent;
    bool negated = false;
    bool relative = false;
    bool next_relative = false;  // the following step on the same field depends on this one
    bool implied = false;        // the fast pattern, already found by the prefilter
    // content
    std::string bytes;  // lowercased when nocase
    bool nocase = false;
    bool startswith = false;
    bool endswith = false;
    int32_t offset = 0;
    int32_t depth = -1;  // -1 = none
    int32_t distance = 0;
    int32_t within = -1;  // -1 = none
    // pcre
    std::unique_ptr<Pcre2Regex> code;
    // isdataat
    int32_t isdataat = 0;
    // size
    SizeOp size_op = SizeOp::kEq;
    int64_t size_a = 0, size_b = 0;
  };
  struct Group {
    FieldId field = FieldId::kPayload;
    bool dotprefix = false;
    uint32_t begin = 0, end = 0;  // steps_[begin, end)
  };

  // Builds the program for `spec`. On failure returns false with the reason and the line of
  // the offending step (0 when the rule as a whole is at fault). `implied_step` (index in
  // spec.steps, or -1) is the content the prefilter database matches in full: a candidate
  // already contains it, so it is not searched again unless its position matters.
  // `lazy` defers PCRE2 compilation to first use (sets read from the cache).
  static bool Build(const RuleSpec& spec, RuleProgram* out, std::string* error, int* line,
                    int implied_step = -1, bool lazy = false);

  // True when every step of the rule holds on `event`. Thread-safe for concurrent callers
  // with distinct contexts.
  bool Evaluate(const Event& event, ConfirmContext& ctx) const;

  const std::vector<Group>& groups() const { return groups_; }

 private:
  enum class Result { kNoMatch, kMatch, kAbort };
  Result Inspect(const Step* steps, size_t i, size_t n, std::string_view buf, size_t cursor,
                 ConfirmContext& ctx) const;

  std::string app_proto_;
  bool app_proto_negated_ = false;
  std::vector<Group> groups_;
  std::vector<Step> steps_;
};

}  // namespace kizashi::patterns
