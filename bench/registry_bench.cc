// Registry resolution speed: (operator, address) -> critical system | asset | unknown.
//
// Hypothesis: flattening each operator's prefixes into a sorted array of elementary
// intervals and finding the interval with a branch-free binary search (engine/registry/
// prefix_table.h) resolves an address in well under 100 ns — the issue asks for >= 10 M
// lookups/s/core on 1,000 operators x 50 systems x 4 prefixes — and beats both a
// std::map-of-ranges (pointer chasing through a red-black tree) and the walking skeleton's
// per-operator linear scan over prefixes sorted by length, measured here in the same run on
// the same registry and the same query stream.
//
// Registry: 1,000 operators; each has 50 critical systems with 4 prefixes (an IPv4 /16, an
// IPv4 /22, an IPv4 /28 nested inside another system's /16, an IPv6 /64) and 3 assets (an
// office LAN 10.0.0.0/8 that contains most systems, an internet firewall /32, an advertising
// web /29) — 203,000 prefixes in all, every operator using the same 10/8 space (separate
// namespaces). Queries: 1 M pre-generated (operator, address) pairs, uniform over
// operators; 75 % IPv4 / 25 % IPv6; ~60 % inside some system, the rest in assets or
// nowhere. Seeded: every run sees the same data.
//
// Run: build/bench/registry_bench --benchmark_min_time=1
// Numbers: items_per_second = lookups/s on one core; per_lookup = its inverse in seconds
// ("19.3n" = 19.3 ns).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/common/strings.h"
#include "engine/registry/registry.h"
#include "engine/registry/validate_util.h"

namespace kizashi::registry {
namespace {

using U128 = PrefixTable::U128;

bool Smoke() { return std::getenv("KIZASHI_BENCH_SMOKE") != nullptr; }
int Operators() { return Smoke() ? 50 : 1000; }
constexpr int kSystems = 50;
constexpr int kQueries = 1 << 20;

// The registry as YAML text (also used to measure a full load).
std::string RegistryYaml(int operators) {
  std::mt19937 rng(42);
  std::string y =
      "ministries:\n  - {id: cas, name_en: CAS, destination: cas, cabinet_secretariat: true}\n"
      "  - {id: m, name_en: M, destination: m}\n"
      "sectors:\n  - {id: s, name_en: S, ministry: m}\noperators:\n";
  for (int op = 0; op < operators; ++op) {
    StrAppend(&y, "  - id: op", op, "\n    name: Operator ", op,
              "\n    sector: s\n    home_networks: [10.0.0.0/8, 172.16.0.0/12, "
              "\"2001:db8:", op, "::/48\"]\n",
              "    contact: {person: p, means: [{type: phone, value: \"0300000001\"}, "
              "{type: email, value: a@b.example}]}\n    critical_systems:\n");
    // Per-operator permutation so that operators' tables differ.
    std::vector<int> slot(kSystems);
    for (int s = 0; s < kSystems; ++s) slot[s] = s;
    std::shuffle(slot.begin(), slot.end(), rng);
    for (int s = 0; s < kSystems; ++s) {
      int a = slot[s] + 1;                 // 10.a.0.0/16
      int b = slot[(s + 1) % kSystems] + 1;  // a /28 inside the next system's /16
      StrAppend(&y, "      - id: sys", s, "\n        networks: [10.", a, ".0.0/16, 172.16.",
                (slot[s] * 4), ".0/22, 10.", b, ".", 200 + s % 50, ".", (s % 16) * 16,
                "/28, \"2001:db8:", op, ":", s, "::/64\"]\n        hostnames: [sys", s, ".op", op,
                ".example]\n");
    }
    StrAppend(&y, "    assets:\n      - {id: lan, role: other, networks: [10.0.0.0/8]}\n",
              "      - {id: fw, role: internet_firewall, networks: [192.0.2.", op % 250, "/32]}\n",
              "      - {id: www, role: advertising_web, networks: [198.51.100.", (op % 32) * 8,
              "/29]}\n");
  }
  return y;
}

struct Query {
  uint32_t op;
  IpAddr addr;
};

struct Fixture {
  std::shared_ptr<const Registry> reg;
  std::vector<Query> queries;
  std::vector<std::string> op_ids;
  std::vector<std::pair<uint32_t, std::string>> host_queries;
  // Baselines over the same prefixes.
  std::vector<std::map<U128, std::pair<U128, Resolution>>> maps;  // start -> (end, target)
  struct Linear {
    Cidr cidr;
    Resolution target;
  };
  std::vector<std::vector<Linear>> linear;  // per operator, longest prefix first
};

U128 Key(const IpAddr& a) {
  U128 k = 0;
  for (int i = 0; i < 16; ++i) k = (k << 8) | a.bytes[i];
  return k;
}

Fixture& Get() {
  static Fixture* f = [] {
    auto* f = new Fixture;
    Diagnostics d;
    RegistryData data;
    ParseRegistryText(RegistryYaml(Operators()), "bench.yaml", &data, &d);
    f->reg = Registry::Build(std::move(data), &d);
    if (f->reg == nullptr) {
      std::fprintf(stderr, "%s", d.ToText().c_str());
      std::abort();
    }
    const Registry& r = *f->reg;
    std::mt19937_64 rng(7);
    for (int i = 0; i < kQueries; ++i) {
      Query q;
      q.op = static_cast<uint32_t>(rng() % r.operators().size());
      uint64_t x = rng();
      switch (x % 8) {
        case 0: case 1: case 2: case 3:  // inside a system's /16 (or a nested /28)
          q.addr = IpAddr::V4((10u << 24) | ((1 + (x >> 8) % kSystems) << 16) |
                              static_cast<uint32_t>((x >> 20) & 0xFFFF));
          break;
        case 4:  // 172.16/12: a system's /22 or a gap
          q.addr = IpAddr::V4((172u << 24) | (16u << 16) | static_cast<uint32_t>((x >> 8) & 0xFFFF));
          break;
        case 5:  // the internet: firewall, web, or unknown
          q.addr = IpAddr::V4((x >> 8) % 2 ? ((192u << 24) | (2u << 8) | ((x >> 16) & 0xFF))
                                           : static_cast<uint32_t>(x >> 32));
          break;
        default: {  // IPv6 inside the operator's /48, some in a system's /64
          IpAddr::Parse(StrCat("2001:db8:", q.op, ":", (x >> 8) % 80, "::", (x >> 20) % 10000),
                        &q.addr);
          break;
        }
      }
      f->queries.push_back(q);
    }
    for (const auto& o : r.operators()) f->op_ids.push_back(o.id);
    for (int i = 0; i < kQueries / 16; ++i) {
      uint32_t op = static_cast<uint32_t>(rng() % r.operators().size());
      int s = static_cast<int>(rng() % (kSystems + 10));  // ~1/6 misses
      std::string h = StrCat("sys", s, ".op", op, ".example");
      if (rng() % 2) h[0] = 'S';  // case-insensitive path
      f->host_queries.emplace_back(op, std::move(h));
    }
    // Baselines, built from the registry's own data.
    f->maps.resize(r.operators().size());
    f->linear.resize(r.operators().size());
    std::vector<PrefixTable::Entry> entries;
    auto add = [&](uint32_t op, const std::vector<Cidr>& nets, TargetKind kind, uint32_t idx) {
      for (const auto& c : nets) {
        entries.push_back({op, c, (idx + 1) | (kind == TargetKind::kNonCriticalAsset ? 0x80000000u : 0)});
        f->linear[op].push_back({c, Resolution{kind, idx}});
      }
    };
    for (uint32_t i = 0; i < r.systems().size(); ++i) {
      add(r.FindOperator(r.systems()[i].operator_id), r.systems()[i].networks,
          TargetKind::kCriticalSystem, i);
    }
    for (uint32_t i = 0; i < r.assets().size(); ++i) {
      add(r.FindOperator(r.assets()[i].operator_id), r.assets()[i].networks,
          TargetKind::kNonCriticalAsset, i);
    }
    for (auto& l : f->linear) {
      std::stable_sort(l.begin(), l.end(),
                       [](const Fixture::Linear& a, const Fixture::Linear& b) { return a.cidr.prefix > b.cidr.prefix; });
    }
    // The map holds the same elementary intervals as the interval array (nested prefixes
    // flattened), so both answer identically and only the data structure differs.
    PrefixTable t = PrefixTable::Build(static_cast<uint32_t>(r.operators().size()), entries);
    auto decode = [](uint32_t v) {
      return Resolution{(v & 0x80000000u) ? TargetKind::kNonCriticalAsset : TargetKind::kCriticalSystem,
                        (v & 0x7FFFFFFFu) - 1};
    };
    for (uint32_t op = 0; op < r.operators().size(); ++op) {
      auto v4 = t.IntervalsV4(op);
      for (size_t i = 0; i < v4.size(); ++i) {
        if (v4[i].second == PrefixTable::kNoValue) continue;
        U128 base = (U128{0xFFFF} << 32);
        U128 end = i + 1 < v4.size() ? base + v4[i + 1].first - 1 : base + 0xFFFFFFFFu;
        f->maps[op].emplace(base + v4[i].first, std::make_pair(end, decode(v4[i].second)));
      }
      auto v6 = t.IntervalsV6(op);
      for (size_t i = 0; i < v6.size(); ++i) {
        if (v6[i].second == PrefixTable::kNoValue) continue;
        U128 end = i + 1 < v6.size() ? v6[i + 1].first - 1 : ~U128{0};
        f->maps[op].emplace(v6[i].first, std::make_pair(end, decode(v6[i].second)));
      }
    }
    return f;
  }();
  return *f;
}

void Report(benchmark::State& state, size_t per_iteration) {
  const double n = static_cast<double>(state.iterations()) * static_cast<double>(per_iteration);
  state.SetItemsProcessed(static_cast<int64_t>(n));
  // Seconds per lookup, printed with an SI prefix: "19.3n" is 19.3 ns.
  state.counters["per_lookup"] =
      benchmark::Counter(n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Production path: Registry::ResolveAddress (interval array, branch-free search).
void BM_ResolveAddress_IntervalArray(benchmark::State& state) {
  Fixture& f = Get();
  const Registry& r = *f.reg;
  uint64_t sum = 0;
  for (auto _ : state) {
    for (const Query& q : f.queries) {
      Resolution res = r.ResolveAddress(q.op, q.addr);
      sum += res.index + static_cast<uint32_t>(res.kind);
    }
  }
  benchmark::DoNotOptimize(sum);
  Report(state, f.queries.size());
  state.counters["lookup_MiB"] = static_cast<double>(r.lookup_memory_bytes()) / (1 << 20);
  state.counters["prefixes"] = static_cast<double>(Operators()) * (kSystems * 4 + 3);
}
BENCHMARK(BM_ResolveAddress_IntervalArray);

// Baseline: per-operator std::map of ranges, upper_bound then step back.
void BM_ResolveAddress_StdMapOfRanges(benchmark::State& state) {
  Fixture& f = Get();
  uint64_t sum = 0;
  for (auto _ : state) {
    for (const Query& q : f.queries) {
      const auto& m = f.maps[q.op];
      U128 k = Key(q.addr);
      Resolution res{TargetKind::kUnknownAsset, kNone};
      auto it = m.upper_bound(k);
      if (it != m.begin()) {
        --it;
        if (k <= it->second.first) res = it->second.second;
      }
      sum += res.index + static_cast<uint32_t>(res.kind);
    }
  }
  benchmark::DoNotOptimize(sum);
  Report(state, f.queries.size());
}
BENCHMARK(BM_ResolveAddress_StdMapOfRanges);

// Baseline: the walking skeleton — prefixes sorted longest first, first that contains wins.
void BM_ResolveAddress_LinearScan(benchmark::State& state) {
  Fixture& f = Get();
  uint64_t sum = 0;
  for (auto _ : state) {
    for (const Query& q : f.queries) {
      Resolution res{TargetKind::kUnknownAsset, kNone};
      for (const auto& e : f.linear[q.op]) {
        if (e.cidr.Contains(q.addr)) {
          res = e.target;
          break;
        }
      }
      sum += res.index + static_cast<uint32_t>(res.kind);
    }
  }
  benchmark::DoNotOptimize(sum);
  Report(state, f.queries.size());
}
BENCHMARK(BM_ResolveAddress_LinearScan);

// Checks, once, that the baselines answer like production (so the comparison is fair).
void BM_CrossCheck(benchmark::State& state) {
  Fixture& f = Get();
  for (auto _ : state) {
    size_t mismatches = 0;
    for (size_t i = 0; i < f.queries.size(); i += 7) {
      const Query& q = f.queries[i];
      Resolution a = f.reg->ResolveAddress(q.op, q.addr);
      Resolution b{TargetKind::kUnknownAsset, kNone};
      for (const auto& e : f.linear[q.op]) {
        if (e.cidr.Contains(q.addr) && (e.cidr.prefix >= 96) == q.addr.is_v4()) {
          b = e.target;
          break;
        }
      }
      mismatches += (a.kind != b.kind || a.index != b.index);
    }
    if (mismatches != 0) state.SkipWithError("interval array and linear scan disagree");
  }
}
BENCHMARK(BM_CrossCheck)->Iterations(1);

void BM_IsInternal(benchmark::State& state) {
  Fixture& f = Get();
  const Registry& r = *f.reg;
  uint64_t sum = 0;
  for (auto _ : state) {
    for (const Query& q : f.queries) sum += r.IsInternal(q.op, q.addr);
  }
  benchmark::DoNotOptimize(sum);
  Report(state, f.queries.size());
}
BENCHMARK(BM_IsInternal);

void BM_ResolveHost(benchmark::State& state) {
  Fixture& f = Get();
  const Registry& r = *f.reg;
  uint64_t sum = 0;
  for (auto _ : state) {
    for (const auto& [op, h] : f.host_queries) sum += r.ResolveHost(op, h).index;
  }
  benchmark::DoNotOptimize(sum);
  Report(state, f.host_queries.size());
}
BENCHMARK(BM_ResolveHost);

void BM_FindOperator(benchmark::State& state) {
  Fixture& f = Get();
  const Registry& r = *f.reg;
  uint64_t sum = 0;
  for (auto _ : state) {
    for (const Query& q : f.queries) sum += r.FindOperator(f.op_ids[q.op]);
  }
  benchmark::DoNotOptimize(sum);
  Report(state, f.queries.size());
}
BENCHMARK(BM_FindOperator);

// A full reload's cost: parse the YAML, validate, build (what RegistryLoader does).
void BM_LoadYaml(benchmark::State& state) {
  const std::string yaml = RegistryYaml(Operators());
  for (auto _ : state) {
    Diagnostics d;
    RegistryData data;
    ParseRegistryText(yaml, "bench.yaml", &data, &d);
    auto reg = Registry::Build(std::move(data), &d);
    if (reg == nullptr) state.SkipWithError("registry invalid");
    benchmark::DoNotOptimize(reg);
  }
  state.counters["yaml_MiB"] = static_cast<double>(yaml.size()) / (1 << 20);
}
BENCHMARK(BM_LoadYaml)->Unit(benchmark::kMillisecond)->Iterations(Smoke() ? 1 : 3);

}  // namespace
}  // namespace kizashi::registry

BENCHMARK_MAIN();
