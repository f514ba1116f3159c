// kizashi-bench: benchmarks of the whole pipeline on recorded traffic.
//
//   kizashi-bench replay  [--config FILE | --traffic DIR] [--labels FILE] [--rate R]
//                         [--sweep 10,25,50,75,90] [--seconds S] [--limit N] [--out DIR]
//                         [--brokers HOST:PORT [--kafka-rate R]] [--no-plot] [--no-progress]
//                         [--smoke]
//   kizashi-bench quality [--traffic DIR | --config FILE --labels FILE]
//
// Hypothesis (issue 9): the in-process pipeline replays generated EVE + syslog traffic at
// >= 250 k records/s per core with correlation on, and at 50 % of that maximum the p99
// end-to-end latency (intended arrival -> batch committed, open loop) stays within a few
// batch times (<= 10 ms), with 100 % recall and precision on the labelled attacks.
//
// replay: one unpaced run gives the maximum throughput; then one open-loop run per --rate /
// --sweep point (a sweep point is a percentage of that maximum) gives the latency at that
// offered load, corrected for coordinated omission (replay.h). Prints events/s, MB/s, the
// time per stage, latency percentiles, peak RSS, notifications and candidates/matches per
// event; writes OUT/result.json (corpus, packs, rules, machine and every run), OUT/sweep.dat
// and OUT/sweep.png (gnuplot) of throughput and latency versus offered load.
// With --brokers, the same files also go through Kafka: bench/kafka/kafka_bench --config
// produces them into co-partitioned input topics keyed by operator (as `kizashi produce`),
// measures kcat's raw consume rate of those topics, runs the production KafkaRunner over them
// (at_least_once and exactly_once: events/s, MB/s), reads every output topic back
// (read_committed) and measures the latency event produced -> notification readable at an
// open-loop rate (--kafka-rate, default half its maximum). The notifications it raised —
// (destination, notification id, revision) — must be exactly those of the in-process unpaced
// run: otherwise the exit status is 4. With --limit, the replayed prefix of each file is
// written to OUT/kafka-corpus and those files are produced.
// quality: one unpaced run, then incident precision/recall against the labels (quality.h).
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <simdjson.h>

#include "bench/replay/replay.h"
#include "engine/app/args.h"
#include "engine/common/json_writer.h"
#include "engine/common/log.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/runtime/snapshot.h"

namespace kizashi::bench {
namespace {

namespace fs = std::filesystem;

std::string ReadFirst(const std::string& path, const std::string& prefix) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(prefix, 0) == 0) {
      auto c = line.find(':');
      std::string v = c == std::string::npos ? line : line.substr(c + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "";
}

struct Machine {
  std::string cpu, memory, load;
  unsigned cores = 0;
  std::string Describe() const {
    return StrCat(cpu, ", ", cores, " logical CPUs, ", memory, " RAM, load average ", load);
  }
};

Machine DescribeMachine() {
  Machine m;
  m.cpu = ReadFirst("/proc/cpuinfo", "model name");
  m.cores = std::thread::hardware_concurrency();
  std::string mem = ReadFirst("/proc/meminfo", "MemTotal");
  int64_t kb = 0;
  if (ParseInt(mem.substr(0, mem.find(' ')), &kb)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(kb) / (1024.0 * 1024.0));
    m.memory = buf;
  }
  std::ifstream la("/proc/loadavg");
  std::string a, b, c;
  la >> a >> b >> c;
  m.load = StrCat(a, " ", b, " ", c);
  return m;
}

std::string Si(double v) {
  char buf[32];
  if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
  else if (v >= 1e3) std::snprintf(buf, sizeof buf, "%.1f k", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

class Progress {
 public:
  explicit Progress(bool enabled) : on_(enabled && isatty(STDERR_FILENO) != 0) {}
  std::function<void(uint64_t, uint64_t)> Fn(std::string label) {
    if (!on_) return {};
    start_ = MonotonicNowNs();
    return [this, label](uint64_t done, uint64_t total) {
      int width = 30;
      winsize w{};
      if (ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 80) width = 40;
      double f = total == 0 ? 1 : static_cast<double>(done) / static_cast<double>(total);
      int fill = static_cast<int>(f * width);
      double s = static_cast<double>(MonotonicNowNs() - start_) / 1e9;
      std::fprintf(stderr, "\r%-18s [%s%s] %3.0f%% %s rec/s ", label.c_str(),
                   std::string(static_cast<size_t>(fill), '#').c_str(),
                   std::string(static_cast<size_t>(width - fill), ' ').c_str(), f * 100,
                   Si(s > 0 ? static_cast<double>(done) / s : 0).c_str());
      if (done >= total) std::fprintf(stderr, "\r%*s\r", width + 50, "");
      std::fflush(stderr);
    };
  }

 private:
  bool on_;
  int64_t start_ = 0;
};

void PrintRun(const RunResult& r, bool header) {
  if (header) {
    std::printf("%-12s %10s %10s %8s %9s %9s %9s %9s %9s %7s %6s\n", "offered", "records",
                "rec/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "peak RSS", "notif", "cand/ev");
  }
  std::string offered = r.offered_rate > 0 ? Si(r.offered_rate) + "/s" : "max";
  double ev = r.events > 0 ? static_cast<double>(r.events) : 1;
  bool lat = r.latency.count() > 0;
  auto l = [&](int64_t v) {
    if (!lat) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", Ms(v));
    return std::string(buf);
  };
  char rss[32];
  std::snprintf(rss, sizeof rss, "%.0f MiB", static_cast<double>(r.peak_rss_bytes) / 1048576.0);
  std::printf("%-12s %10llu %10s %8.1f %9s %9s %9s %9s %9s %7llu %6.3f\n", offered.c_str(),
              static_cast<unsigned long long>(r.records), Si(r.records_per_s).c_str(), r.mb_per_s,
              l(r.latency.Quantile(0.5)).c_str(), l(r.latency.Quantile(0.99)).c_str(),
              l(r.latency.Quantile(0.999)).c_str(), l(r.latency.max()).c_str(), rss,
              static_cast<unsigned long long>(r.notifications),
              static_cast<double>(r.candidates) / ev);
}

void PrintStages(const RunResult& r) {
  double n = r.records > 0 ? static_cast<double>(r.records) : 1;
  double total = static_cast<double>(r.stages.decode + r.stages.enrich + r.stages.match +
                                     r.stages.correlate + r.stages.classify_route +
                                     r.stages.sink + r.stages.commit);
  auto row = [&](const char* name, int64_t ns) {
    std::printf("  %-38s %8.1f ns/record  %5.1f %%\n", name, static_cast<double>(ns) / n,
                total > 0 ? 100.0 * static_cast<double>(ns) / total : 0);
  };
  std::printf("Per stage (unpaced run, CPU of the one worker thread):\n");
  row("decode", r.stages.decode);
  row("enrich", r.stages.enrich);
  row("match", r.stages.match);
  row("correlate (incl. state delta encoding)", r.stages.correlate);
  row("classify + route (+ documents)", r.stages.classify_route);
  row("sink (write + flush outputs)", r.stages.sink);
  row("commit (state delta to RocksDB)", r.stages.commit);
  double ev = r.events > 0 ? static_cast<double>(r.events) : 1;
  std::printf("  events %llu (dead letters %llu); per event: %.4f candidates, %.4f confirmed, "
              "%.4f matches; %.2f %% of events matched\n",
              static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.dead_letters),
              static_cast<double>(r.candidates) / ev, static_cast<double>(r.confirmed) / ev,
              static_cast<double>(r.matches) / ev, 100.0 * static_cast<double>(r.events_matched) / ev);
  std::printf("  incident revisions %llu (%llu reportable), notifications %llu, observations %llu\n",
              static_cast<unsigned long long>(r.revisions),
              static_cast<unsigned long long>(r.reportable_revisions),
              static_cast<unsigned long long>(r.notifications),
              static_cast<unsigned long long>(r.observations));
}

void PrintQuality(const Quality& q) {
  std::printf("Detection quality against %s:\n", "the labels");
  std::printf("  %-28s %-15s %9s %13s %15s\n", "scenario", "expected", "instances",
              "any incident", "reportable");
  for (const auto& [name, s] : q.scenarios) {
    std::printf("  %-28s %-15s %9llu %13llu %15llu\n", name.c_str(),
                s.expect_reportable ? "reportable" : "not_reportable",
                static_cast<unsigned long long>(s.instances),
                static_cast<unsigned long long>(s.with_incident),
                static_cast<unsigned long long>(s.with_reportable));
  }
  std::printf("  recall %.2f %% (%llu / %llu reportable instances), precision %.2f %% (%llu / %llu "
              "reportable incidents; %llu unlabelled), not-reportable instances reported: %llu / %llu\n",
              100 * q.recall, static_cast<unsigned long long>(q.detected),
              static_cast<unsigned long long>(q.expected_reportable), 100 * q.precision,
              static_cast<unsigned long long>(q.true_positive_incidents),
              static_cast<unsigned long long>(q.reportable_incidents),
              static_cast<unsigned long long>(q.unlabelled_reportable_incidents),
              static_cast<unsigned long long>(q.violations),
              static_cast<unsigned long long>(q.expected_not_reportable));
  for (const auto& m : q.missed) std::printf("  missed: %s\n", m.c_str());
  for (const auto& m : q.violated) std::printf("  reported although not reportable: %s\n", m.c_str());
  for (const auto& m : q.false_alarms) std::printf("  reportable incident without a reportable label: %s\n", m.c_str());
}

void WriteRun(JsonWriter& w, const RunResult& r) {
  double ev = r.events > 0 ? static_cast<double>(r.events) : 1;
  double n = r.records > 0 ? static_cast<double>(r.records) : 1;
  w.BeginObject()
      .KV("offered_records_per_s", r.offered_rate)
      .KV("records", r.records)
      .KV("bytes", r.bytes)
      .KV("events", r.events)
      .KV("dead_letters", r.dead_letters)
      .KV("batches", r.batches)
      .KV("seconds", r.seconds)
      .KV("records_per_s", r.records_per_s)
      .KV("mb_per_s", r.mb_per_s);
  w.Key("stage_ns_per_record").BeginObject()
      .KV("decode", static_cast<double>(r.stages.decode) / n)
      .KV("enrich", static_cast<double>(r.stages.enrich) / n)
      .KV("match", static_cast<double>(r.stages.match) / n)
      .KV("correlate", static_cast<double>(r.stages.correlate) / n)
      .KV("classify_route", static_cast<double>(r.stages.classify_route) / n)
      .KV("sink", static_cast<double>(r.stages.sink) / n)
      .KV("commit", static_cast<double>(r.stages.commit) / n)
      .EndObject();
  if (r.latency.count() > 0) {
    w.Key("latency_ms").BeginObject()
        .KV("samples", r.latency.count())
        .KV("p50", Ms(r.latency.Quantile(0.5)))
        .KV("p90", Ms(r.latency.Quantile(0.9)))
        .KV("p99", Ms(r.latency.Quantile(0.99)))
        .KV("p99_9", Ms(r.latency.Quantile(0.999)))
        .KV("max", Ms(r.latency.max()))
        .KV("mean", r.latency.mean() / 1e6)
        .EndObject();
  }
  w.KV("peak_rss_bytes", r.peak_rss_bytes)
      .KV("notifications", r.notifications)
      .KV("observations", r.observations)
      .KV("incident_revisions", r.revisions)
      .KV("reportable_revisions", r.reportable_revisions)
      .KV("candidates_per_event", static_cast<double>(r.candidates) / ev)
      .KV("confirmed_per_event", static_cast<double>(r.confirmed) / ev)
      .KV("matches_per_event", static_cast<double>(r.matches) / ev)
      .KV("matched_event_share", static_cast<double>(r.events_matched) / ev);
  if (r.has_quality) {
    const Quality& q = r.quality;
    w.Key("quality").BeginObject()
        .KV("recall", q.recall)
        .KV("precision", q.precision)
        .KV("reportable_instances", q.expected_reportable)
        .KV("detected", q.detected)
        .KV("not_reportable_instances", q.expected_not_reportable)
        .KV("not_reportable_reported", q.violations)
        .KV("incidents", q.incidents)
        .KV("reportable_incidents", q.reportable_incidents)
        .KV("unlabelled_reportable_incidents", q.unlabelled_reportable_incidents);
    w.Key("scenarios").BeginObject();
    for (const auto& [name, s] : q.scenarios) {
      w.Key(name).BeginObject()
          .KV("expect", s.expect_reportable ? "reportable" : "not_reportable")
          .KV("instances", s.instances)
          .KV("with_incident", s.with_incident)
          .KV("with_reportable_incident", s.with_reportable)
          .EndObject();
    }
    w.EndObject().EndObject();
  }
  w.EndObject();
}

bool WritePlot(const std::string& out, const std::vector<RunResult>& paced, double max_rate) {
  std::string dat = out + "/sweep.dat";
  {
    std::ofstream f(dat);
    f << "# offered_rec_per_s achieved_rec_per_s p50_ms p99_ms p99_9_ms max_rate\n";
    for (const auto& r : paced) {
      f << r.offered_rate << ' ' << r.records_per_s << ' ' << Ms(r.latency.Quantile(0.5)) << ' '
        << Ms(r.latency.Quantile(0.99)) << ' ' << Ms(r.latency.Quantile(0.999)) << ' ' << max_rate
        << '\n';
    }
  }
  std::string gp = out + "/sweep.gp";
  {
    std::ofstream f(gp);
    f << "set terminal png size 1200,500\n"
      << "set output '" << out << "/sweep.png'\n"
      << "set multiplot layout 1,2 title 'kizashi replay: throughput and latency vs offered load'\n"
      << "set xlabel 'offered load (k records/s)'\n"
      << "set ylabel 'achieved (k records/s)'\n"
      << "set grid\nset key bottom right\n"
      << "plot '" << dat << "' using ($1/1000):($2/1000) with linespoints title 'achieved', "
      << "'' using ($1/1000):($1/1000) with lines dashtype 2 title 'offered', "
      << "'' using ($1/1000):($6/1000) with lines title 'unpaced maximum'\n"
      << "set ylabel 'latency (ms), intended arrival -> committed'\n"
      << "set logscale y\n"
      << "plot '" << dat << "' using ($1/1000):3 with linespoints title 'p50', "
      << "'' using ($1/1000):4 with linespoints title 'p99', "
      << "'' using ($1/1000):5 with linespoints title 'p99.9'\n"
      << "unset multiplot\n";
  }
  std::string cmd = StrCat("gnuplot '", gp, "' 2>&1");
  int rc = std::system(cmd.c_str());
  return rc == 0;
}

// Runs `cmd`, echoing its output (stdout and stderr) as it comes; returns its exit status and
// the output in `out`.
int RunEchoed(const std::string& cmd, std::string* out) {
  FILE* p = popen(StrCat(cmd, " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    out->append(buf);
    std::fputs(buf, stdout);
    std::fflush(stdout);
  }
  return pclose(p);
}

// One guarantee's Kafka run of the same files (kafka_bench --json), compared with the
// in-process run.
struct KafkaRun {
  std::string guarantee;
  double kcat_rate = 0, rate = 0, mb = 0, offered = 0, p50 = 0, p99 = 0, p999 = 0, pmax = 0;
  double live_rate = 0;                 // with a producer writing beside it
  double floor_p50 = 0, floor_p99 = 0;  // Kafka alone at the offered rate
  uint64_t records = 0, kcat_records = 0, samples = 0, notifications = 0, observations = 0;
  uint64_t late = 0, dead_letters = 0;
  bool read_to_end = false;
  std::vector<std::string> documents;  // "destination|notification id|revision", sorted
  std::vector<std::string> only_in_process, only_kafka;
  bool same() const { return read_to_end && only_in_process.empty() && only_kafka.empty(); }
};

bool LoadKafkaResult(const std::string& path, std::vector<KafkaRun>* runs) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(path).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::array arr;
  if (root["runs"].get(arr) != simdjson::SUCCESS) return false;
  auto num = [](simdjson::dom::element e, const char* k) {
    double d = 0;
    if (e[k].get(d) == simdjson::SUCCESS) return d;
    int64_t i = 0;
    if (e[k].get(i) == simdjson::SUCCESS) return static_cast<double>(i);
    uint64_t u = 0;
    if (e[k].get(u) == simdjson::SUCCESS) return static_cast<double>(u);
    return 0.0;
  };
  for (simdjson::dom::element r : arr) {
    KafkaRun k;
    std::string_view g;
    if (r["guarantee"].get(g) == simdjson::SUCCESS) k.guarantee = std::string(g);
    k.records = static_cast<uint64_t>(num(r, "records"));
    k.kcat_records = static_cast<uint64_t>(num(r, "kcat_records"));
    k.kcat_rate = num(r, "kcat_records_per_s");
    k.rate = num(r, "records_per_s");
    k.mb = num(r, "mb_per_s");
    simdjson::dom::element l;
    if (r["latency"].get(l) == simdjson::SUCCESS) {
      k.offered = num(l, "offered_records_per_s");
      k.samples = static_cast<uint64_t>(num(l, "samples"));
      k.p50 = num(l, "p50_ms");
      k.p99 = num(l, "p99_ms");
      k.p999 = num(l, "p99_9_ms");
      k.pmax = num(l, "max_ms");
    }
    k.live_rate = num(r, "live_records_per_s");
    if (r["kafka_floor"].get(l) == simdjson::SUCCESS) {
      k.floor_p50 = num(l, "p50_ms");
      k.floor_p99 = num(l, "p99_ms");
    }
    k.notifications = static_cast<uint64_t>(num(r, "notifications"));
    k.observations = static_cast<uint64_t>(num(r, "observations"));
    k.late = static_cast<uint64_t>(num(r, "late"));
    k.dead_letters = static_cast<uint64_t>(num(r, "dead_letters"));
    bool b = false;
    k.read_to_end = r["outputs_read_to_end"].get(b) == simdjson::SUCCESS && b;
    simdjson::dom::array docs;
    if (r["documents"].get(docs) == simdjson::SUCCESS) {
      for (simdjson::dom::element d : docs) {
        std::string_view v;
        if (d.get(v) == simdjson::SUCCESS) k.documents.emplace_back(v);
      }
    }
    std::sort(k.documents.begin(), k.documents.end());
    runs->push_back(std::move(k));
  }
  return true;
}

// Writes the records of `c` back out, one file per input (DIR/<input>.<ext>), each holding the
// prefix of its file the in-process runs replayed. Returns kafka_bench's --input arguments.
std::string WritePrefixFiles(const Corpus& c, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::vector<std::unique_ptr<std::ofstream>> files;
  std::string args;
  for (const auto& f : c.files) {
    std::string p = (fs::path(dir) / (f.input + fs::path(f.path).extension().string())).string();
    files.push_back(std::make_unique<std::ofstream>(p, std::ios::binary | std::ios::trunc));
    StrAppend(&args, " --input '", f.input, "=", p, "'");
  }
  for (const auto& r : c.records) {
    files[r.input]->write(c.bytes.data() + r.offset, r.size);
    files[r.input]->put('\n');
  }
  return args;
}

std::string Lines(const std::vector<std::string>& v, size_t max) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max; ++i) StrAppend(&s, "\n      ", v[i]);
  if (v.size() > max) StrAppend(&s, "\n      ... (", v.size() - max, " more)");
  return s;
}

int Main(int argc, char** argv) {
  std::string sub = argc >= 2 ? argv[1] : "";
  if (sub != "replay" && sub != "quality") {
    std::fprintf(sub == "--help" || sub == "help" ? stdout : stderr,
                 "usage: kizashi-bench replay|quality [options]  (kizashi-bench replay --help)\n");
    return sub == "--help" || sub == "help" ? 0 : 2;
  }
  app::Args a(StrCat("kizashi-bench ", sub),
              sub == "replay"
                  ? "Replay recorded traffic through the in-process pipeline: throughput, per-stage "
                    "time, open-loop latency (corrected for coordinated omission), peak RSS."
                  : "Replay generated traffic once and score incidents against its labels.");
  a.Option("config", "FILE", "kizashi configuration naming the inputs, packs, rules, registry.",
           StrCat(KIZASHI_SOURCE_DIR, "/deploy/demo/kizashi.yaml"))
      .Option("traffic", "DIR", "A kizashi-traffic directory: its kizashi.yaml and labels.jsonl.")
      .Option("labels", "FILE", "Ground-truth labels (JSON lines) for detection quality.")
      .Option("rate", "R", "Also run open-loop at R records/s (repeatable).")
      .Option("sweep", "P,P,...", "Open-loop runs at these percentages of the measured maximum.",
              sub == "replay" ? "10,25,50,75,90" : "")
      .Option("seconds", "S", "Length of each paced run (records = rate x S, at most the corpus).", "5")
      .Option("limit", "N", "Replay only the first N records of the corpus (0 = all).", "0")
      .Option("out", "DIR", "Result directory (result.json, sweep.dat, sweep.png).",
              StrCat(KIZASHI_SOURCE_DIR, "/var/bench/replay"))
      .Option("brokers", "HOST:PORT",
              "Also replay the same files through Kafka (bench/kafka/kafka_bench --config) on "
              "this broker: kcat rate, both guarantees, latency, notifications compared.")
      .Option("kafka-rate", "R", "Open-loop rate of the Kafka latency run (default: half the "
              "Kafka maximum).")
      .Flag("no-plot", "Do not run gnuplot.")
      .Flag("no-progress", "No progress bar.")
      .Flag("smoke", "Tiny run for the test suite (limit 3000 records, 0.2 s per paced run).");
  std::string err;
  if (!a.Parse(argc, argv, 2, &err) || a.help()) {
    if (!err.empty()) std::fprintf(stderr, "kizashi-bench: %s\n\n", err.c_str());
    std::fputs(a.Usage().c_str(), err.empty() ? stdout : stderr);
    return err.empty() ? 0 : 2;
  }
  bool smoke = a.Has("smoke");
  std::string config_path = a.Get("config"), labels_path = a.Get("labels");
  if (a.Has("traffic")) {
    config_path = (fs::path(a.Get("traffic")) / "kizashi.yaml").string();
    fs::path l = fs::path(a.Get("traffic")) / "labels.jsonl";
    if (labels_path.empty() && fs::exists(l)) labels_path = l.string();
  }
  if (sub == "quality" && labels_path.empty()) {
    std::fprintf(stderr, "kizashi-bench quality: no labels (--labels FILE, or --traffic DIR with labels.jsonl)\n");
    return 2;
  }
  double seconds = 5;
  int64_t limit = 0;
  if (!ParseDouble(a.Get("seconds"), &seconds) || seconds <= 0 || !ParseInt(a.Get("limit"), &limit) || limit < 0) {
    std::fprintf(stderr, "kizashi-bench: bad --seconds or --limit\n");
    return 2;
  }
  if (smoke) {
    seconds = 0.2;
    if (limit == 0) limit = 3000;
  }
  std::vector<double> sweep, rates;
  for (const auto& p : Split(a.Get("sweep"), ',')) {
    double v = 0;
    if (p.empty()) continue;
    if (!ParseDouble(p, &v) || v <= 0 || v > 1000) {
      std::fprintf(stderr, "kizashi-bench: bad --sweep value '%s'\n", std::string(p).c_str());
      return 2;
    }
    sweep.push_back(v);
  }
  for (const auto& s : a.GetAll("rate")) {
    double v = 0;
    if (!ParseDouble(s, &v) || v <= 0) {
      std::fprintf(stderr, "kizashi-bench: bad --rate '%s'\n", s.c_str());
      return 2;
    }
    rates.push_back(v);
  }

  Diagnostics d;
  runtime::EngineConfig config = runtime::EngineConfig::Load(config_path, {}, &d);
  config.Validate(&d);
  if (d.has_errors()) {
    std::fprintf(stderr, "%s", d.ToText().c_str());
    return 1;
  }
  log::SetLevel(log::Level::kWarn);
  auto corpus = Corpus::Load(config, static_cast<uint64_t>(limit));
  if (!corpus.ok()) {
    std::fprintf(stderr, "kizashi-bench: %s\n", std::string(corpus.status().message()).c_str());
    return 1;
  }
  std::optional<Labels> labels;
  if (!labels_path.empty()) {
    auto l = Labels::Load(labels_path, config);
    if (!l.ok()) {
      std::fprintf(stderr, "kizashi-bench: %s\n", std::string(l.status().message()).c_str());
      return 1;
    }
    labels = std::move(*l);
  }
  std::string out = a.Get("out");
  std::error_code ec;
  fs::create_directories(out, ec);
  Machine machine = DescribeMachine();
  Diagnostics sd;
  auto snap = runtime::BuildSnapshot(config, 1, &sd);
  if (!snap.ok()) {
    std::fprintf(stderr, "%s\n%s", std::string(snap.status().message()).c_str(), sd.ToText().c_str());
    return 1;
  }
  // Building the snapshot above logged its warnings (e.g. an unsigned pack) once; each run
  // builds it again, so keep the runs quiet.
  log::SetLevel(log::Level::kError);
  const Corpus& c = **corpus;
  std::printf("kizashi-bench %s: %s\n", sub.c_str(), config_path.c_str());
  std::printf("machine: %s\n", machine.Describe().c_str());
  for (const auto& f : c.files) {
    std::printf("input %-16s %-8s %9llu records  %s\n", f.input.c_str(), f.format.c_str(),
                static_cast<unsigned long long>(f.records), f.path.c_str());
  }
  for (const auto& p : (*snap)->patterns->packs()) {
    std::printf("pack  %s %s (%u entries, %s)\n", p.id.c_str(), p.version.c_str(), p.entries, p.file.c_str());
  }
  std::printf("rules %zu from %s; corpus %zu records, %.1f MB; batch_max_records %lld\n\n",
              (*snap)->rules->size(), Join(config.rule_paths, ", ").c_str(), c.records.size(),
              static_cast<double>(c.bytes.size()) / 1e6, static_cast<long long>(config.batch_max_records));

  Progress progress(!a.Has("no-progress"));
  ReplayOptions ro;
  ro.work_dir = out + "/work";
  ro.labels = labels ? &*labels : nullptr;
  ro.progress = progress.Fn("unpaced (max)");
  ro.collect_documents = a.Has("brokers");
  auto max = Replay(config, c, ro);
  if (!max.ok()) {
    std::fprintf(stderr, "kizashi-bench: %s\n", std::string(max.status().message()).c_str());
    return 1;
  }
  std::vector<RunResult> paced;
  if (sub == "replay") {
    for (double pct : sweep) rates.push_back(max->records_per_s * pct / 100.0);
    std::sort(rates.begin(), rates.end());
    for (double r : rates) {
      ReplayOptions po = ro;
      po.labels = nullptr;
      po.rate = r;
      po.max_records = std::max<uint64_t>(1, static_cast<uint64_t>(r * seconds));
      po.progress = progress.Fn(StrCat("paced ", Si(r), "/s"));
      auto run = Replay(config, c, po);
      if (!run.ok()) {
        std::fprintf(stderr, "kizashi-bench: %s\n", std::string(run.status().message()).c_str());
        return 1;
      }
      paced.push_back(std::move(*run));
    }
  }
  PrintRun(*max, true);
  for (const auto& r : paced) PrintRun(r, false);
  std::printf("\n");
  PrintStages(*max);
  bool quality_ok = true;
  if (max->has_quality) {
    std::printf("\n");
    PrintQuality(max->quality);
    quality_ok = max->quality.recall == 1.0 && max->quality.precision == 1.0 && max->quality.violations == 0;
  }
  // Through Kafka: the same files, the production KafkaRunner, both guarantees.
  std::string kafka_table, kafka_command;
  std::vector<KafkaRun> kafka_runs;
  bool kafka_same = true;
  if (a.Has("brokers")) {
    std::printf("\nThrough Kafka, the same files (bench/kafka/kafka_bench --config):\n");
    std::fflush(stdout);
    fs::path bin = fs::path(argv[0]).parent_path().parent_path() / "kafka" / "kafka_bench";
    std::string json_path = out + "/kafka.json";
    fs::remove(json_path, ec);
    int secs = std::max(1, static_cast<int>(seconds + 0.999));
    kafka_command = StrCat("'", bin.string(), "' --bootstrap '", a.Get("brokers"), "' --config '",
                           config_path, "'", limit > 0 ? WritePrefixFiles(c, out + "/kafka-corpus") : "",
                           " --seconds ", secs, " --json '", json_path, "' --work '", out,
                           "/kafka-work'", smoke ? " --smoke" : "");
    if (a.Has("kafka-rate")) StrAppend(&kafka_command, " --rate ", a.Get("kafka-rate"));
    int rc = RunEchoed(kafka_command, &kafka_table);
    if (rc != 0 || !LoadKafkaResult(json_path, &kafka_runs) || kafka_runs.empty()) {
      std::fprintf(stderr, "kizashi-bench: kafka_bench failed (status %d): %s\n", rc, kafka_command.c_str());
      return 1;
    }
    std::printf("\n%-14s %11s %11s %6s %7s %11s %8s %8s %9s %8s %7s %6s %s\n", "guarantee",
                "kcat rec/s", "kizashi r/s", "x kcat", "MB/s", "offered r/s", "p50 ms", "p99 ms",
                "p99.9 ms", "max ms", "samples", "notif", "documents vs in-process");
    for (auto& k : kafka_runs) {
      std::set_difference(max->documents.begin(), max->documents.end(), k.documents.begin(),
                          k.documents.end(), std::back_inserter(k.only_in_process));
      std::set_difference(k.documents.begin(), k.documents.end(), max->documents.begin(),
                          max->documents.end(), std::back_inserter(k.only_kafka));
      kafka_same = kafka_same && k.same();
      std::string verdict =
          k.same() ? StrCat("same ", k.documents.size())
                   : StrCat("DIFFER: ", k.only_in_process.size(), " only in process, ",
                            k.only_kafka.size(), " only via Kafka",
                            k.read_to_end ? "" : ", outputs not read to the end");
      std::printf("%-14s %11s %11s %6.2f %7.1f %11s %8.3g %8.3g %9.3g %8.3g %7llu %6llu %s\n",
                  k.guarantee.c_str(), Si(k.kcat_rate).c_str(), Si(k.rate).c_str(),
                  k.kcat_rate > 0 ? k.rate / k.kcat_rate : 0.0, k.mb, Si(k.offered).c_str(), k.p50,
                  k.p99, k.p999, k.pmax, static_cast<unsigned long long>(k.samples),
                  static_cast<unsigned long long>(k.notifications), verdict.c_str());
      std::printf("    live maximum (a producer writing beside it) %s rec/s; Kafka alone at the "
                  "offered rate: p50 %.3g ms, p99 %.3g ms\n",
                  Si(k.live_rate).c_str(), k.floor_p50, k.floor_p99);
      if (!k.same()) {
        // Late events are the usual cause: a partition group in Kafka merges several inputs
        // (keyed by operator) that the file replay keeps in partitions of their own.
        std::printf("    late events: %llu in process, %llu via Kafka; dead letters: %llu in process, "
                    "%llu via Kafka\n", static_cast<unsigned long long>(max->late),
                    static_cast<unsigned long long>(k.late),
                    static_cast<unsigned long long>(max->dead_letter_documents),
                    static_cast<unsigned long long>(k.dead_letters));
      }
      if (!k.only_in_process.empty()) {
        std::printf("    only in process:%s\n", Lines(k.only_in_process, 10).c_str());
      }
      if (!k.only_kafka.empty()) std::printf("    only via Kafka:%s\n", Lines(k.only_kafka, 10).c_str());
    }
    std::printf("  corpus: the %zu records replayed in process above (%s); in-process documents: %zu\n",
                c.records.size(),
                limit > 0 ? StrCat("prefix files in ", out, "/kafka-corpus").c_str()
                          : "the configuration's files",
                max->documents.size());
  }

  std::string json;
  JsonWriter w(&json);
  std::string command;
  for (int i = 0; i < argc; ++i) StrAppend(&command, i > 0 ? " " : "", argv[i]);
  w.BeginObject().KV("tool", StrCat("kizashi-bench ", sub)).KV("command", command).KV("config", config_path);
  w.Key("machine").BeginObject()
      .KV("cpu", machine.cpu)
      .KV("logical_cpus", static_cast<uint64_t>(machine.cores))
      .KV("memory", machine.memory)
      .KV("load_average_at_start", machine.load)
      .EndObject();
  w.Key("corpus").BeginObject().KV("records", static_cast<uint64_t>(c.records.size()))
      .KV("bytes", static_cast<uint64_t>(c.bytes.size()));
  w.Key("inputs").BeginArray();
  for (const auto& f : c.files) {
    w.BeginObject().KV("name", f.input).KV("format", f.format).KV("path", f.path)
        .KV("records", f.records).KV("file_bytes", f.bytes).EndObject();
  }
  w.EndArray().EndObject();
  w.Key("packs").BeginArray();
  for (const auto& p : (*snap)->patterns->packs()) {
    w.BeginObject().KV("id", p.id).KV("version", p.version).KV("entries", p.entries)
        .KV("file", p.file).KV("content_hash", p.content_hash).EndObject();
  }
  w.EndArray();
  w.Key("rules").BeginObject().KV("count", static_cast<uint64_t>((*snap)->rules->size()))
      .KV("version", (*snap)->rules_version);
  w.Key("files").BeginArray();
  for (const auto& r : config.rule_paths) w.String(r);
  w.EndArray().EndObject();
  w.KV("registry_version", (*snap)->registry_version);
  if (!labels_path.empty()) w.KV("labels", labels_path);
  w.KV("batch_max_records", config.batch_max_records);
  w.Key("max");
  WriteRun(w, *max);
  w.Key("paced").BeginArray();
  for (const auto& r : paced) WriteRun(w, r);
  w.EndArray();
  if (!kafka_runs.empty()) {
    w.Key("kafka").BeginObject()
        .KV("command", kafka_command)
        .KV("broker", a.Get("brokers"))
        .KV("corpus", limit > 0 ? StrCat("the in-process corpus: prefix files in ", out, "/kafka-corpus")
                                : std::string("the in-process corpus: the configuration's files"))
        .KV("records", static_cast<uint64_t>(c.records.size()))
        .KV("in_process_documents", static_cast<uint64_t>(max->documents.size()))
        .KV("in_process_late", max->late)
        .KV("in_process_dead_letters", max->dead_letter_documents)
        .KV("same_documents_as_in_process", kafka_same);
    w.Key("runs").BeginArray();
    for (const auto& k : kafka_runs) {
      w.BeginObject()
          .KV("guarantee", k.guarantee)
          .KV("records", k.records)
          .KV("kcat_records", k.kcat_records)
          .KV("kcat_records_per_s", k.kcat_rate)
          .KV("records_per_s", k.rate)
          .KV("mb_per_s", k.mb)
          .KV("ratio_to_kcat", k.kcat_rate > 0 ? k.rate / k.kcat_rate : 0.0);
      w.Key("latency_ms").BeginObject()
          .KV("offered_records_per_s", k.offered)
          .KV("samples", k.samples)
          .KV("p50", k.p50)
          .KV("p99", k.p99)
          .KV("p99_9", k.p999)
          .KV("max", k.pmax)
          .EndObject();
      w.KV("live_records_per_s", k.live_rate);
      w.Key("kafka_floor_ms").BeginObject().KV("p50", k.floor_p50).KV("p99", k.floor_p99).EndObject();
      w.KV("notifications", k.notifications)
          .KV("observations", k.observations)
          .KV("late", k.late)
          .KV("dead_letters", k.dead_letters)
          .KV("documents", static_cast<uint64_t>(k.documents.size()))
          .KV("outputs_read_to_end", k.read_to_end)
          .KV("same_documents_as_in_process", k.same());
      w.Key("only_in_process").BeginArray();
      for (const auto& d : k.only_in_process) w.String(d);
      w.EndArray();
      w.Key("only_via_kafka").BeginArray();
      for (const auto& d : k.only_kafka) w.String(d);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.KV("kafka_bench_output", kafka_table);
    w.EndObject();
  }
  w.EndObject();

  std::ofstream(out + "/result.json") << json << "\n";
  std::printf("\nresult: %s/result.json\n", out.c_str());
  if (!paced.empty() && !a.Has("no-plot")) {
    if (WritePlot(out, paced, max->records_per_s)) {
      std::printf("plot:   %s/sweep.png\n", out.c_str());
    } else {
      std::printf("plot:   not drawn (gnuplot failed or missing: deploy/install-deps.sh installs it); "
                  "data in %s/sweep.dat\n", out.c_str());
    }
  }
  if (sub == "quality" && !quality_ok) return 3;
  if (!kafka_same) {
    std::fprintf(stderr, "kizashi-bench: the notifications through Kafka differ from the in-process "
                         "run's (see above and %s/result.json)\n", out.c_str());
    return 4;
  }
  return 0;
}

}  // namespace
}  // namespace kizashi::bench

int main(int argc, char** argv) { return kizashi::bench::Main(argc, argv); }
