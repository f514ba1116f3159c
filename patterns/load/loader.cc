#include "patterns/load/loader.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "engine/common/file_util.h"
#include "engine/common/hash.h"
#include "engine/common/log.h"
#include "engine/common/strings.h"

namespace kizashi::patterns {

namespace fs = std::filesystem;

void PatternsConfig::Declare(config::Schema& s, PatternsConfig* c) {
  s.StringList("packs", &c->packs,
               "Pattern pack files, or directories of *.yaml/*.yml packs (not recursive), each "
               "signed by <file>.sig. Loaded in sorted path order. Default: none.",
               config::Reload::kLive);
  s.StringList("trusted_keys", &c->trusted_keys,
               "Trusted issuer Ed25519 public keys: PEM files or directories of *.pem/*.pub. "
               "Default: none (every pack refused unless insecure_allow_unsigned).",
               config::Reload::kLive);
  s.Bool("insecure_allow_unsigned", &c->insecure_allow_unsigned,
         "Accept unsigned or unverifiable packs with a warning logged on every load. Never in "
         "production. Default: false.");
  s.String("cache_dir", &c->cache_dir,
           "Directory for compiled pattern-set cache files (keyed by pack hashes, signers, "
           "Hyperscan version, CPU and limits). Empty disables the cache. Default: empty.");
  s.Int("cache_keep", &c->cache_keep, "Cache files kept. Default: 4.", 1, 1000);
  s.Bool("watch", &c->watch,
         "Watch pack files and trusted keys; recompile in the background and swap on change. "
         "Default: true.");
  s.Duration("watch_interval", &c->watch_interval_ns,
             "Poll interval of the pack watcher. Default: 2s.", 100'000'000,
             int64_t{3600} * 1'000'000'000);
  s.Int("max_entries", &c->max_entries, "Most entries across all packs. Default: 1000000.", 1,
        100'000'000);
  s.Int("max_entries_per_pack", &c->max_entries_per_pack,
        "Most entries in one pack. Default: 500000.", 1, 100'000'000);
  s.Int("max_expression_bytes", &c->max_expression_bytes,
        "Longest regex/literal/hex/content/pcre. Default: 65536.", 16, 16 << 20);
  s.Int("max_bounded_repeat", &c->max_bounded_repeat,
        "Largest {n,m} repeat count in a regex. Default: 10000.", 1, 1'000'000);
  s.Int("max_database_bytes", &c->max_database_bytes,
        "Largest compiled Hyperscan database of one field. Default: 1 GiB.", 1 << 16,
        int64_t{64} << 30);
  s.Int("prefilter_min_literal", &c->prefilter_min_literal,
        "Regex entries containing a literal at least this long are prefiltered by it and "
        "confirmed by PCRE2 (faster compiles of big log packs); 0 compiles every regex into "
        "Hyperscan as is. Default: 8.", 0, 1024);
}

CompileOptions PatternsConfig::compile_options() const {
  CompileOptions o;
  o.max_entries = max_entries;
  o.max_entries_per_pack = max_entries_per_pack;
  o.max_expression_bytes = max_expression_bytes;
  o.max_bounded_repeat = max_bounded_repeat;
  o.max_database_bytes = max_database_bytes;
  o.prefilter_min_literal = prefilter_min_literal;
  return o;
}

namespace {

bool HasExt(const fs::path& p, std::initializer_list<std::string_view> exts) {
  std::string e = p.extension().string();
  return std::find(exts.begin(), exts.end(), e) != exts.end();
}

// Files named by `paths` (files as given, directories expanded), sorted and de-duplicated.
std::vector<std::string> Expand(const std::vector<std::string>& paths,
                                std::initializer_list<std::string_view> exts, Diagnostics* d) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& ent : fs::directory_iterator(p, ec)) {
        if (ent.is_regular_file() && HasExt(ent.path(), exts)) out.push_back(ent.path().string());
      }
      if (ec) d->Error(p, 0, "", StrCat("cannot list directory: ", ec.message()));
    } else if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
    } else {
      d->Error(p, 0, "", "no such file or directory");
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void EvictCache(const std::string& dir, int64_t keep) {
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  for (const auto& ent : fs::directory_iterator(dir, ec)) {
    if (ent.is_regular_file() && ent.path().extension() == ".kzps") {
      files.emplace_back(ent.last_write_time(ec), ent.path());
    }
  }
  if (static_cast<int64_t>(files.size()) <= keep) return;
  std::sort(files.begin(), files.end());
  for (size_t i = 0; i + static_cast<size_t>(keep) < files.size(); ++i) fs::remove(files[i].second, ec);
}

}  // namespace

std::vector<PackSource> ReadPackSources(const std::vector<std::string>& paths, Diagnostics* d) {
  std::vector<PackSource> out;
  for (const auto& file : Expand(paths, {".yaml", ".yml"}, d)) {
    auto bytes = ReadFile(file);
    if (!bytes.ok()) {
      d->Error(file, 0, "", std::string(bytes.status().message()));
      continue;
    }
    PackSource s;
    s.name = file;
    s.bytes = std::move(*bytes);
    auto sig = ReadFile(file + ".sig");
    if (sig.ok()) s.signature = std::move(*sig);
    out.push_back(std::move(s));
  }
  return out;
}

TrustStore ReadTrustStore(const std::vector<std::string>& paths, Diagnostics* d) {
  TrustStore store;
  for (const auto& file : Expand(paths, {".pem", ".pub"}, d)) {
    auto pem = ReadFile(file);
    if (!pem.ok()) {
      d->Error(file, 0, "", std::string(pem.status().message()));
      continue;
    }
    absl::Status st = store.AddPublicKeyPem(*pem, file);
    if (!st.ok()) d->Error(file, 0, "", std::string(st.message()));
  }
  return store;
}

LoadResult LoadPacksFromBytes(const std::vector<PackSource>& sources, const LoadOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadResult r;
  auto finish = [&]() {
    r.duration_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now() - t0)
                        .count();
    return std::move(r);
  };
  // 1. Authenticity, for every pack before anything reads its content.
  std::vector<std::string> signers, hashes;
  for (const auto& s : sources) {
    std::string signer;
    std::string problem;
    const std::string hash = Sha256Hex(s.bytes);
    if (o.skip_signature_check) {
      signer = "";
    } else if (!s.signature) {
      problem = StrCat("unsigned pack (no ", s.name, ".sig): sign it with `kizashi patterns "
                       "sign`, or set patterns.insecure_allow_unsigned for a lab");
    } else if (o.trust == nullptr || o.trust->size() == 0) {
      problem = "no trusted keys configured (patterns.trusted_keys): cannot verify the pack";
    } else {
      auto who = o.trust->VerifyDigest(hash, *s.signature);
      if (who.ok()) {
        signer = *who;
      } else {
        problem = StrCat("signature rejected: ", std::string(who.status().message()));
      }
    }
    if (!problem.empty()) {
      if (o.insecure_allow_unsigned) {
        r.diags.Warning(s.name, 0, "", StrCat(problem, " — ACCEPTED because "
                                               "insecure_allow_unsigned is set"));
        KZ_LOG(kWarn, "patterns.insecure_pack")
            .Kv("pack", s.name)
            .Kv("problem", problem)
            .Kv("note", "UNVERIFIED PACK IN SERVICE: insecure_allow_unsigned is set");
        signer = "UNVERIFIED";
      } else {
        r.diags.Error(s.name, 0, "", problem);
      }
    }
    signers.push_back(signer);
    hashes.push_back(hash);
  }
  // 2. The cache, when every pack is acceptable.
  if (!r.diags.has_errors() && !o.cache_dir.empty() && !sources.empty()) {
    std::vector<std::string> key_parts;
    for (size_t i = 0; i < sources.size(); ++i) {
      key_parts.push_back(StrCat(hashes[i], "/", signers[i]));
    }
    r.cache_key = PatternSet::CacheKey(key_parts, o.compile);
    const std::string path = StrCat(o.cache_dir, "/", r.cache_key, ".kzps");
    if (FileExists(path)) {
      auto bytes = ReadFile(path);
      if (bytes.ok()) {
        auto set = PatternSet::Deserialize(*bytes);
        if (set.ok()) {
          r.set = std::move(*set);
          r.from_cache = true;
          return finish();
        }
        KZ_LOG(kWarn, "patterns.cache_unusable").Kv("file", path).Kv("error", set.status().ToString());
      }
    }
  }
  // 3. Parse and validate every pack (even after an error, to report everything at once).
  std::vector<Pack> packs;
  for (const auto& s : sources) packs.push_back(ParsePackText(s.bytes, s.name, &r.diags));
  // 4. Compile. With errors already present this still validates every entry (so the report
  // is complete) but builds nothing.
  r.set = PatternSet::Compile(packs, &r.diags, o.compile, signers);
  if (r.diags.has_errors()) r.set = nullptr;
  if (r.set != nullptr && !r.cache_key.empty()) {
    std::error_code ec;
    fs::create_directories(o.cache_dir, ec);
    std::string bytes = r.set->Serialize();
    absl::Status st = bytes.empty() ? absl::InternalError("serialisation failed")
                                    : WriteFileAtomic(StrCat(o.cache_dir, "/", r.cache_key, ".kzps"),
                                                      bytes);
    if (!st.ok()) {
      KZ_LOG(kWarn, "patterns.cache_write_failed").Kv("dir", o.cache_dir).Kv("error", st.ToString());
    } else {
      EvictCache(o.cache_dir, o.cache_keep);
    }
  }
  return finish();
}

absl::StatusOr<std::shared_ptr<const PatternSet>> LoadPacksOrStatus(
    const std::vector<PackSource>& sources, const LoadOptions& options) {
  LoadResult r = LoadPacksFromBytes(sources, options);
  if (!r.ok()) {
    absl::Status st = r.diags.ToStatus("pattern packs");
    return st.ok() ? absl::InternalError("pattern packs did not load") : st;
  }
  return r.set;
}

LoadResult LoadPacks(const PatternsConfig& config, bool skip_signature_check) {
  Diagnostics pre;
  std::vector<PackSource> sources = ReadPackSources(config.packs, &pre);
  TrustStore trust = ReadTrustStore(config.trusted_keys, &pre);
  LoadOptions o;
  o.trust = &trust;
  o.insecure_allow_unsigned = config.insecure_allow_unsigned;
  o.cache_dir = config.cache_dir;
  o.cache_keep = config.cache_keep;
  o.compile = config.compile_options();
  o.skip_signature_check = skip_signature_check;
  LoadResult r = LoadPacksFromBytes(sources, o);
  if (pre.size() > 0) {
    Diagnostics all = pre;
    all.Append(r.diags);
    r.diags = std::move(all);
    if (pre.has_errors()) r.set = nullptr;
  }
  return r;
}

}  // namespace kizashi::patterns
