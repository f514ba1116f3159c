// kizashi-traffic: writes a deterministic replay directory (traffic, registry, pack, rules,
// configuration) — see generator.h.
//
//   kizashi-traffic --out DIR [--events N] [--seed S] [--operators K] [--attack-fraction F]
//               [--rate R] [--labels] [--auth-variants N]
#include <cstdio>
#include <string>

#include "bench/traffic/generator.h"
#include "engine/app/args.h"
#include "engine/common/strings.h"

int main(int argc, char** argv) {
  using kizashi::ParseDouble;
  using kizashi::ParseInt;
  kizashi::app::Args a("kizashi-traffic", "Write a deterministic replay directory: EVE and syslog "
                                      "traffic with injected attacks, plus the registry, pack, "
                                      "rules and configuration to replay it.");
  a.Option("out", "DIR", "Output directory (created).")
      .Option("events", "N", "Records to generate.", "1000000")
      .Option("seed", "S", "Random seed.", "1")
      .Option("operators", "K", "Operators (each: two critical systems, two assets).", "8")
      .Option("attack-fraction", "F", "Approximate share of attack records.", "0.05")
      .Option("rate", "R", "Records per second of event time.", "200")
      .Option("auth-variants", "N", "SEC-comparison profile: syslog only, N failure kinds.", "0")
      .Flag("labels", "Also write labels.jsonl (ground truth of every attack record).");
  std::string err;
  if (!a.Parse(argc, argv, 1, &err) || a.help() || a.Get("out").empty()) {
    if (err.empty() && !a.help()) err = "--out is required";
    if (!err.empty()) std::fprintf(stderr, "kizashi-traffic: %s\n\n", err.c_str());
    std::fputs(a.Usage().c_str(), err.empty() ? stdout : stderr);
    return err.empty() ? 0 : 2;
  }
  kizashi::traffic::GenOptions o;
  int64_t events = 0, ops = 0, variants = 0;
  if (!ParseInt(a.Get("events"), &events) || events <= 0 || !ParseInt(a.Get("seed"), &o.seed) ||
      !ParseInt(a.Get("operators"), &ops) || !ParseDouble(a.Get("attack-fraction"), &o.attack_fraction) ||
      !ParseDouble(a.Get("rate"), &o.rate_per_second) ||
      !ParseInt(a.Get("auth-variants"), &variants)) {
    std::fprintf(stderr, "kizashi-traffic: bad numeric option\n");
    return 2;
  }
  o.events = static_cast<uint64_t>(events);
  o.operators = static_cast<int>(ops);
  o.auth_variants = static_cast<int>(variants);
  uint64_t eve = 0, sys = 0;
  absl::Status st = kizashi::traffic::Generator::WriteDirectory(o, a.Get("out"), a.Has("labels"), &eve, &sys);
  if (!st.ok()) {
    std::fprintf(stderr, "kizashi-traffic: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  std::printf("wrote %s: %llu EVE + %llu syslog records\n", a.Get("out").c_str(),
              static_cast<unsigned long long>(eve), static_cast<unsigned long long>(sys));
  return 0;
}
