// kizashi-gen: writes a generated scenario (registry + two EVE feeds) for tests, benchmarks
// and trying kizashi at volume. See traffic_gen.h.
//
//   kizashi-gen DIR [--events N] [--operators N] [--seed S]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/gen/traffic_gen.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: kizashi-gen DIR [--events N] [--operators N] [--seed S]\n");
    return 2;
  }
  kizashi::gen::GenOptions o;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--events") == 0) o.events = std::atoll(argv[i + 1]);
    else if (std::strcmp(argv[i], "--operators") == 0) o.operators = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seed") == 0) o.seed = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "kizashi-gen: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  kizashi::gen::GenResult r;
  absl::Status st = kizashi::gen::WriteScenario(argv[1], o, &r);
  if (!st.ok()) {
    std::fprintf(stderr, "kizashi-gen: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  std::printf("%lld + %lld records, %lld attack episodes, %lld bytes\n",
              static_cast<long long>(r.records_a), static_cast<long long>(r.records_b),
              static_cast<long long>(r.episodes), static_cast<long long>(r.bytes));
  return 0;
}
