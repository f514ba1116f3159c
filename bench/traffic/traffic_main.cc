// kizashi-traffic: the deterministic traffic generator (one tool, three profiles).
//
//   kizashi-traffic --out DIR [--profile annex4|mixed|sensors] [--events N] [--seed S]
//                   [--operators K] [--attack-fraction F] [--rate R] [--labels]
//                   [--data DIR | --no-real-data] [--auth-variants N]
//
//   annex4   (default) EVE + syslog with the Annex 4 catalogue injected: 4 reportable cases and
//            10 not-reportable examples, built from real lines of ../shared/data where the
//            recordings have them; labels say what the framework expects of each instance.
//   mixed    the original six attack kinds (the correlation benchmarks' workload).
//   sensors  two EVE sensor feeds + registry for the Kafka tests and benchmark (sensors.h):
//            DIR/registry/operators.yaml, DIR/traffic/sensors-{a,b}.jsonl.
// annex4/mixed write DIR/eve.jsonl, DIR/syslog-<operator>.log, DIR/labels.jsonl (--labels)
// and the registry, pack, rules and kizashi.yaml to replay them (generator.h).
#include <cstdio>
#include <string>

#include "bench/traffic/generator.h"
#include "bench/traffic/real_lines.h"
#include "bench/traffic/sensors.h"
#include "engine/app/args.h"
#include "engine/common/strings.h"

int main(int argc, char** argv) {
  using kizashi::ParseDouble;
  using kizashi::ParseInt;
  kizashi::app::Args a("kizashi-traffic", "Write deterministic traffic with ground truth, plus the "
                                      "registry, pack, rules and configuration to replay it.");
  a.Option("out", "DIR", "Output directory (created).")
      .Option("profile", "NAME", "annex4 | mixed | sensors.", "annex4")
      .Option("events", "N", "Records to generate (annex4: plus the few that complete the last instances).", "1000000")
      .Option("seed", "S", "Random seed.", "1")
      .Option("operators", "K", "Operators (each: two critical systems, two or three assets).", "8")
      .Option("attack-fraction", "F", "Approximate share of attack records.", "0.05")
      .Option("rate", "R", "Records per second of event time.", "200")
      .Option("data", "DIR", "Third-party recordings to build attacks from (annex4).",
              kizashi::traffic::DefaultSharedDataDir())
      .Option("auth-variants", "N", "SEC-comparison profile: syslog only, N failure kinds.", "0")
      .Flag("no-real-data", "Build every attack from the generator's templates (annex4).")
      .Flag("labels", "Also write labels.jsonl (ground truth of every attack record).");
  std::string err;
  if (!a.Parse(argc, argv, 1, &err) || a.help() || a.Get("out").empty()) {
    if (err.empty() && !a.help()) err = "--out is required";
    if (!err.empty()) std::fprintf(stderr, "kizashi-traffic: %s\n\n", err.c_str());
    std::fputs(a.Usage().c_str(), err.empty() ? stdout : stderr);
    return err.empty() ? 0 : 2;
  }
  const std::string profile = a.Get("profile");
  if (profile != "annex4" && profile != "mixed" && profile != "sensors") {
    std::fprintf(stderr, "kizashi-traffic: unknown --profile '%s' (annex4, mixed, sensors)\n", profile.c_str());
    return 2;
  }
  kizashi::traffic::GenOptions o;
  int64_t events = 0, ops = 0, variants = 0;
  if (!ParseInt(a.Get("events"), &events) || events <= 0 || !ParseInt(a.Get("seed"), &o.seed) ||
      !ParseInt(a.Get("operators"), &ops) || ops <= 0 ||
      !ParseDouble(a.Get("attack-fraction"), &o.attack_fraction) ||
      !ParseDouble(a.Get("rate"), &o.rate_per_second) ||
      !ParseInt(a.Get("auth-variants"), &variants)) {
    std::fprintf(stderr, "kizashi-traffic: bad numeric option\n");
    return 2;
  }
  if (profile == "sensors") {
    kizashi::traffic::sensors::GenOptions so;
    so.seed = o.seed;
    so.events = events;
    so.operators = static_cast<int>(ops);
    kizashi::traffic::sensors::GenResult r;
    absl::Status st = kizashi::traffic::sensors::WriteScenario(a.Get("out"), so, &r);
    if (!st.ok()) {
      std::fprintf(stderr, "kizashi-traffic: %s\n", std::string(st.message()).c_str());
      return 1;
    }
    std::printf("wrote %s: %lld + %lld records, %lld attack episodes, %lld bytes\n", a.Get("out").c_str(),
                static_cast<long long>(r.records_a), static_cast<long long>(r.records_b),
                static_cast<long long>(r.episodes), static_cast<long long>(r.bytes));
    return 0;
  }
  o.events = static_cast<uint64_t>(events);
  o.operators = static_cast<int>(ops);
  o.auth_variants = static_cast<int>(variants);
  o.annex4 = profile == "annex4" && o.auth_variants == 0;
  if (o.annex4 && !a.Has("no-real-data")) {
    o.data_dir = a.Get("data");
    if (o.data_dir.empty()) {
      std::fprintf(stderr, "kizashi-traffic: ../shared/data not found (set --data or "
                           "KIZASHI_SHARED_DATA): attacks are built from templates only\n");
    } else if (kizashi::traffic::RealLines::Load(o.data_dir).empty()) {
      std::fprintf(stderr, "kizashi-traffic: no usable recordings under %s: attacks are built "
                           "from templates only\n", o.data_dir.c_str());
    }
  }
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
