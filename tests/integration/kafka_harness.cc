#include "tests/integration/kafka_harness.h"

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/traffic/sensors.h"
#include "connectors/kafka/admin.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/file_runner.h"
#include "tests/testing/testing.h"

namespace kizashi::itest {

namespace fs = std::filesystem;

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

pid_t Spawn(const std::vector<std::string>& argv, int out_fd, int err_fd,
            const std::vector<std::string>& env) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: its own process group, so a test's SIGKILL never reaches the test itself.
  ::setpgid(0, 0);
  if (out_fd >= 0) ::dup2(out_fd, 1);
  if (err_fd >= 0) ::dup2(err_fd, 2);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

struct RdKafka {
  rd_kafka_t* rk = nullptr;
  ~RdKafka() {
    if (rk) rd_kafka_destroy(rk);
  }
};

absl::Status MakeConsumer(const std::string& bootstrap, const std::string& group, RdKafka* out) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  // Probes run while brokers are being killed: their connection errors are expected noise.
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  out->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (out->rk == nullptr) return absl::InternalError(err);
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, int>> Partitions(rd_kafka_t* rk,
                                                      const std::vector<std::string>& topics) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, nullptr, &md, 10000);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return absl::UnavailableError(rd_kafka_err2str(e));
  std::map<std::string, int> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    for (const auto& t : topics) {
      if (t == md->topics[i].topic) out[t] = md->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  for (const auto& t : topics) {
    if (!out.count(t)) return absl::NotFoundError(StrCat("topic ", t, " not found"));
  }
  return out;
}

}  // namespace

Cluster ClusterFromEnv(const char* env_var) {
  Cluster c;
  const char* dir = std::getenv(env_var);
  if (dir == nullptr || *dir == '\0') {
    c.skip = StrCat(env_var, " is not set: run this test through ctest (its fixture starts the "
                             "broker with deploy/kafka/kafka.sh)");
    return c;
  }
  c.dir = dir;
  if (fs::exists(c.dir + "/unavailable")) {
    c.skip = Trim(Slurp(c.dir + "/unavailable"));
    return c;
  }
  std::string out;
  if (RunCommand({testing::SourcePath("deploy/kafka/kafka.sh"), "bootstrap", "--dir", c.dir}, &out) == 0) {
    c.bootstrap = Trim(out);
  }
  out.clear();
  if (RunCommand({testing::SourcePath("deploy/kafka/kafka.sh"), "sasl-bootstrap", "--dir", c.dir}, &out) == 0) {
    c.sasl_bootstrap = Trim(out);
  }
  c.nodes = static_cast<int>(Split(c.bootstrap, ',', true).size());
  return c;
}

int KafkaSh(const Cluster& c, const std::vector<std::string>& args) {
  // kafka.sh <command> [node] --dir D [more options] [-- tool args]
  std::vector<std::string> argv = {testing::SourcePath("deploy/kafka/kafka.sh"), args[0]};
  size_t i = 1;
  if (i < args.size() && (args[0] == "kill-node" || args[0] == "stop-node" || args[0] == "start-node")) {
    argv.push_back(args[i++]);
  }
  argv.push_back("--dir");
  argv.push_back(c.dir);
  argv.insert(argv.end(), args.begin() + static_cast<ptrdiff_t>(i), args.end());
  std::string out, err;
  int rc = RunCommand(argv, &out, &err);
  if (rc != 0) std::fprintf(stderr, "kafka.sh %s failed (%d): %s\n", Join(args, " ").c_str(), rc, err.c_str());
  return rc;
}

int RunCommand(const std::vector<std::string>& argv, std::string* out, std::string* err) {
  char out_path[] = "/tmp/kz-cmd-out-XXXXXX";
  char err_path[] = "/tmp/kz-cmd-err-XXXXXX";
  int ofd = ::mkstemp(out_path);
  int efd = ::mkstemp(err_path);
  pid_t pid = Spawn(argv, ofd, efd, {});
  int status = 0;
  int rc = -1;
  if (pid > 0 && ::waitpid(pid, &status, 0) == pid) rc = ExitCode(status);
  ::close(ofd);
  ::close(efd);
  if (out) *out = Slurp(out_path);
  if (err) *err = Slurp(err_path);
  ::unlink(out_path);
  ::unlink(err_path);
  return rc;
}

Process::~Process() {
  if (pid_ > 0 && status_ < 0) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
}

bool Process::Start(const std::vector<std::string>& argv, const std::string& log_path,
                    const std::vector<std::string>& env) {
  log_ = log_path;
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  status_ = -1;
  pid_ = Spawn(argv, fd, fd, env);
  ::close(fd);
  return pid_ > 0;
}

void Process::Signal(int sig) {
  if (pid_ > 0 && status_ < 0) ::kill(pid_, sig);
}

int Process::Wait() {
  if (pid_ <= 0) return -1;
  if (status_ < 0) {
    int st = 0;
    if (::waitpid(pid_, &st, 0) == pid_) status_ = st;
  }
  return ExitCode(status_);
}

int Process::Stop() {
  Signal(SIGTERM);
  return Wait();
}

bool Process::running() {
  if (pid_ <= 0 || status_ >= 0) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

std::string KizashiBin() {
  const char* b = std::getenv("KIZASHI_BIN");
  return b ? b : "kizashi";
}

bool ParseDoc(const std::string& json, const std::string& destination, Doc* d) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(json).get(e) != simdjson::SUCCESS) return false;
  d->destination = destination;
  d->json = json;
  std::string_view s;
  int64_t i;
  bool b;
  if (e["notification_id"].get(s) == simdjson::SUCCESS) d->id = std::string(s);
  if (e["revision"].get(i) == simdjson::SUCCESS) d->revision = i;
  if (e["incident_id"].get(s) == simdjson::SUCCESS) d->incident_id = std::string(s);
  if (e["kind"].get(s) == simdjson::SUCCESS) d->kind = std::string(s);
  if (e["change"].get(s) == simdjson::SUCCESS) d->change = std::string(s);
  if (e["verdict"]["reportable"].get(b) == simdjson::SUCCESS) d->reportable = b;
  if (e["evidence"]["event_count"].get(i) == simdjson::SUCCESS) d->event_count = i;
  if (e["times"]["window_start"].get(s) == simdjson::SUCCESS) d->window_start = std::string(s);
  std::string_view schema;
  if (e["schema"].get(schema) == simdjson::SUCCESS && schema.find("dead_letter") != std::string_view::npos) {
    std::string_view input, reason, record;
    if (e["input"].get(input) != simdjson::SUCCESS) input = "";
    if (e["reason"].get(reason) != simdjson::SUCCESS) reason = "";
    if (e["record"].get(record) != simdjson::SUCCESS) record = "";
    // Files and topics number records differently; the record itself identifies it.
    d->dead_letter_key = StrCat(input, "|", reason, "|", record);
  }
  return true;
}

namespace {

// Reads whole topics with kcat, (topic, destination) each; read_committed over the plain
// listener first waits, once for all of them, until no transaction is open (ReadTopic).
absl::StatusOr<std::vector<Doc>> ReadTopics(
    const std::string& bootstrap, const std::vector<std::pair<std::string, std::string>>& topics,
    bool read_committed, const std::vector<std::string>& kcat_extra = {}) {
  if (read_committed && kcat_extra.empty()) {
    connectors::kafka::KafkaOptions o;
    o.brokers = bootstrap;
    auto admin = connectors::kafka::Admin::Connect(o);
    if (!admin.ok()) return admin.status();
    std::vector<std::string> names;
    for (const auto& [topic, destination] : topics) names.push_back(topic);
    absl::Status st = (*admin)->AwaitStableOffsets(names, 60'000);
    if (!st.ok()) return st;
  }
  std::vector<Doc> docs;
  for (const auto& [topic, destination] : topics) {
    std::vector<std::string> argv = {"kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning",
                                     "-e", "-q", "-f", "%s\n", "-X", "fetch.wait.max.ms=10"};
    if (read_committed) {
      argv.push_back("-X");
      argv.push_back("isolation.level=read_committed");
    }
    argv.insert(argv.end(), kcat_extra.begin(), kcat_extra.end());
    std::string out, err;
    int rc = RunCommand(argv, &out, &err);
    if (rc != 0) return absl::InternalError(StrCat("kcat -C ", topic, " exited ", rc, ": ", err));
    for (std::string_view line : Split(out, '\n', true)) {
      Doc d;
      if (!ParseDoc(std::string(line), destination, &d)) {
        return absl::DataLossError(StrCat("unparseable document in ", topic, ": ", line));
      }
      docs.push_back(std::move(d));
    }
  }
  return docs;
}

}  // namespace

absl::StatusOr<std::vector<Doc>> ReadTopic(const std::string& bootstrap, const std::string& topic,
                                           const std::string& destination, bool read_committed,
                                           const std::vector<std::string>& kcat_extra) {
  return ReadTopics(bootstrap, {{topic, destination}}, read_committed, kcat_extra);
}

absl::StatusOr<std::vector<Doc>> ReadDemoTopics(const std::string& bootstrap,
                                                const std::string& prefix) {
  // deploy/kafka/kizashi-kafka.yaml: destination name -> topic.
  const std::vector<std::pair<std::string, std::string>> dests = {
      {"ministry.fsa", "notifications.fsa"},   {"ministry.mlit", "notifications.mlit"},
      {"ministry.mic", "notifications.mic"},   {"ministry.meti", "notifications.meti"},
      {"cabinet-secretariat", "notifications.cabinet-secretariat"},
      {"observations", "observations"},        {"dead-letter", "dead-letter"},
      {"late", "late"}};
  std::vector<std::pair<std::string, std::string>> topics;  // (topic, destination)
  for (const auto& [name, topic] : dests) topics.emplace_back(prefix + topic, name);
  return ReadTopics(bootstrap, topics, /*read_committed=*/true);
}

std::vector<Doc> ReadDocsFile(const std::string& path, const std::string& destination) {
  std::vector<Doc> docs;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Doc d;
    if (ParseDoc(line, destination, &d)) docs.push_back(std::move(d));
  }
  return docs;
}

absl::Status KcatProduce(const std::string& bootstrap, const std::string& topic,
                         const std::string& path, const std::string& key,
                         const std::string& work_dir) {
  // kcat takes the key before a delimiter on each line.
  std::string keyed = StrCat(work_dir, "/", fs::path(path).filename().string(), ".keyed");
  {
    std::ifstream in(path);
    std::ofstream out(keyed);
    simdjson::dom::parser parser;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      std::string k = key;
      if (k.empty()) {
        simdjson::dom::element e;
        std::string_view op;
        if (parser.parse(line).get(e) == simdjson::SUCCESS && e["operator"].get(op) == simdjson::SUCCESS) {
          k = std::string(op);
        }
      }
      out << k << '\t' << line << '\n';
    }
  }
  std::string err;
  int rc = RunCommand({"kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-X",
                       "partitioner=murmur2_random", "-X", "enable.idempotence=true", "-l", keyed},
                      nullptr, &err);
  if (rc != 0) return absl::InternalError(StrCat("kcat -P ", topic, " exited ", rc, ": ", err));
  return absl::OkStatus();
}

absl::StatusOr<bool> CaughtUp(const std::string& bootstrap, const std::string& group,
                              const std::vector<std::string>& topics) {
  RdKafka c;
  absl::Status st = MakeConsumer(bootstrap, group, &c);
  if (!st.ok()) return st;
  auto parts = Partitions(c.rk, topics);
  if (!parts.ok()) return parts.status();
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(16);
  for (const auto& [t, n] : *parts) {
    for (int p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(l, t.c_str(), p);
  }
  rd_kafka_resp_err_t e = rd_kafka_committed(c.rk, l, 10000);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_topic_partition_list_destroy(l);
    return absl::UnavailableError(rd_kafka_err2str(e));
  }
  bool done = true;
  for (int i = 0; i < l->cnt && done; ++i) {
    int64_t lo = 0, hi = 0;
    e = rd_kafka_query_watermark_offsets(c.rk, l->elems[i].topic, l->elems[i].partition, &lo, &hi,
                                         10000);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      done = false;
      break;
    }
    int64_t committed = l->elems[i].offset;
    if (hi > lo && committed < hi) done = false;
  }
  rd_kafka_topic_partition_list_destroy(l);
  return done;
}

absl::StatusOr<int64_t> CommittedRecords(const std::string& bootstrap, const std::string& group,
                                         const std::vector<std::string>& topics) {
  RdKafka c;
  absl::Status st = MakeConsumer(bootstrap, group, &c);
  if (!st.ok()) return st;
  auto parts = Partitions(c.rk, topics);
  if (!parts.ok()) return parts.status();
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(16);
  for (const auto& [t, n] : *parts) {
    for (int p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(l, t.c_str(), p);
  }
  rd_kafka_resp_err_t e = rd_kafka_committed(c.rk, l, 10000);
  int64_t n = 0;
  for (int i = 0; i < l->cnt && e == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    if (l->elems[i].offset > 0) n += l->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(l);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return absl::UnavailableError(rd_kafka_err2str(e));
  return n;
}

absl::StatusOr<int64_t> TopicRecords(const std::string& bootstrap,
                                     const std::vector<std::string>& topics) {
  RdKafka c;
  absl::Status st = MakeConsumer(bootstrap, "kizashi-test-probe", &c);
  if (!st.ok()) return st;
  auto parts = Partitions(c.rk, topics);
  if (!parts.ok()) return parts.status();
  int64_t n = 0;
  for (const auto& [t, cnt] : *parts) {
    for (int p = 0; p < cnt; ++p) {
      int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(c.rk, t.c_str(), p, &lo, &hi, 10000);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return absl::UnavailableError(rd_kafka_err2str(e));
      n += hi - lo;
    }
  }
  return n;
}

std::vector<std::string> Outcome::Duplicates() const {
  std::vector<std::string> out;
  for (auto it = notifications.begin(); it != notifications.end();) {
    auto next = notifications.upper_bound(*it);
    if (std::distance(it, next) > 1) {
      out.push_back(StrCat(std::get<0>(*it), " ", std::get<1>(*it), " rev ", std::get<2>(*it), " x",
                           std::distance(it, next)));
    }
    it = next;
  }
  for (auto it = dead_letters.begin(); it != dead_letters.end();) {
    auto next = dead_letters.upper_bound(*it);
    if (std::distance(it, next) > 1) out.push_back(StrCat("dead letter ", *it));
    it = next;
  }
  return out;
}

Outcome Summarize(const std::vector<Doc>& docs) {
  Outcome o;
  for (const auto& d : docs) {
    if (!d.id.empty()) {
      o.notifications.insert({d.destination, d.id, d.revision});
    } else if (!d.dead_letter_key.empty()) {
      o.dead_letters.insert(d.dead_letter_key);
    } else if (d.destination == "late") {
      ++o.late;
    }
  }
  return o;
}

std::string SetDifference(const Outcome& want, const Outcome& got, size_t max_lines) {
  std::set<std::tuple<std::string, std::string, int64_t>> w(want.notifications.begin(),
                                                            want.notifications.end());
  std::set<std::tuple<std::string, std::string, int64_t>> g(got.notifications.begin(),
                                                            got.notifications.end());
  std::string out;
  size_t lines = 0, missing = 0, extra = 0;
  for (const auto& k : w) {
    if (g.count(k)) continue;
    ++missing;
    if (lines++ < max_lines) StrAppend(&out, "missing ", std::get<0>(k), " ", std::get<1>(k), " rev ", std::get<2>(k), "\n");
  }
  for (const auto& k : g) {
    if (w.count(k)) continue;
    ++extra;
    if (lines++ < max_lines) StrAppend(&out, "unexpected ", std::get<0>(k), " ", std::get<1>(k), " rev ", std::get<2>(k), "\n");
  }
  std::set<std::string> wd(want.dead_letters.begin(), want.dead_letters.end());
  std::set<std::string> gd(got.dead_letters.begin(), got.dead_letters.end());
  if (wd != gd) StrAppend(&out, "dead letters differ: ", wd.size(), " expected, ", gd.size(), " got\n");
  if (missing + extra > 0) StrAppend(&out, missing, " missing, ", extra, " unexpected\n");
  return out;
}

namespace {
std::string CommonYaml(const std::string& scenario_dir) {
  return StrCat("registry: {paths: [", testing::SourcePath("deploy/registry/framework-2005.yaml"), ", ",
                scenario_dir, "/registry], watch_interval: 0s}\n",
                "patterns: {packs: [", testing::SourcePath("patterns/packs/demo.yaml"),
                "], trusted_keys: [", testing::SourcePath("deploy/demo/keys/demo-issuer.pub"),
                "], watch: false}\n",
                "rules: [", testing::SourcePath("deploy/demo/rules.yaml"), "]\n",
                // Generated feeds interleave by file position: allow their skew. The idle
                // advance (processing time) is kept out of comparisons.
                "correlate: {allowed_lateness: 10m, idle_timeout: 1d}\n",
                // Several instances share this host: each gets a free port.
                "metrics: {address: \"127.0.0.1:0\"}\n",
                "log: {level: info}\n");
}
}  // namespace

std::string WriteGeneratedKafkaConfig(const std::string& path, const KafkaConfig& c) {
  std::string y = StrCat("inputs:\n");
  for (const char* in : {"sensors-a", "sensors-b"}) {
    StrAppend(&y, "  - {name: ", in, ", type: kafka, topic: ", in, ", path: ", c.scenario_dir,
              "/traffic/", in, ".jsonl, format: eve, operator_from: field, operator_field: operator}\n");
  }
  StrAppend(&y, CommonYaml(c.scenario_dir));
  StrAppend(&y, "state: {dir: ", c.state_dir, "}\n");
  // Several instances run on this host (scale-out tests): no fixed metrics port.
  StrAppend(&y, "metrics: {address: \"127.0.0.1:0\"}\n");
  StrAppend(&y, "kafka:\n  brokers: ", c.bootstrap, "\n  group_id: kizashi\n  topic_prefix: ",
            c.prefix, "\n  processing_guarantee: ", c.guarantee, "\n  commit_interval: ",
            c.commit_interval, "\n");
  if (!c.instance_id.empty()) StrAppend(&y, "  instance_id: ", c.instance_id, "\n");
  StrAppend(&y, "  consumer_properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}\n");
  StrAppend(&y, "  topics: {input_partitions: ", c.partitions, ", output_partitions: 3, replication_factor: ",
            c.replication, "}\n");
  StrAppend(&y, c.extra_kafka);
  StrAppend(&y, "destinations:\n");
  for (const auto& [name, topic] : traffic::sensors::Destinations()) {
    StrAppend(&y, "  - {name: ", name, ", type: kafka, topic: ", topic, "}\n");
  }
  std::ofstream(path) << y;
  return path;
}

std::string WriteGeneratedFileConfig(const std::string& path, const std::string& scenario_dir,
                                     const std::string& out_dir, const std::string& state_dir) {
  std::string y = "inputs:\n";
  for (const char* in : {"sensors-a", "sensors-b"}) {
    StrAppend(&y, "  - {name: ", in, ", type: file, path: ", scenario_dir, "/traffic/", in,
              ".jsonl, format: eve, operator_from: field, operator_field: operator}\n");
  }
  StrAppend(&y, CommonYaml(scenario_dir));
  StrAppend(&y, "state: {dir: ", state_dir, "}\n");
  StrAppend(&y, "destinations:\n");
  for (const auto& [name, topic] : traffic::sensors::Destinations()) {
    StrAppend(&y, "  - {name: ", name, ", type: file, path: ", out_dir, "/", topic, ".jsonl}\n");
  }
  std::ofstream(path) << y;
  return path;
}

absl::StatusOr<std::vector<Doc>> ReadOutputs(const std::string& bootstrap, const std::string& prefix,
                                             bool read_committed) {
  std::vector<std::pair<std::string, std::string>> topics;  // (topic, destination)
  for (const auto& [name, topic] : traffic::sensors::Destinations()) {
    topics.emplace_back(prefix + topic, topic);
  }
  return ReadTopics(bootstrap, topics, read_committed);
}

std::vector<Doc> ReadFileOutputs(const std::string& out_dir) {
  std::vector<Doc> all;
  for (const auto& [name, topic] : traffic::sensors::Destinations()) {
    auto docs = ReadDocsFile(out_dir + "/" + topic + ".jsonl", topic);
    all.insert(all.end(), docs.begin(), docs.end());
  }
  return all;
}

absl::Status FileReplay(const std::string& scenario_dir, const std::string& work_dir,
                        std::vector<Doc>* docs) {
  fs::create_directories(work_dir + "/out");
  std::string cfg_path = WriteGeneratedFileConfig(work_dir + "/file.yaml", scenario_dir,
                                                  work_dir + "/out", work_dir + "/state");
  Diagnostics d;
  runtime::EngineConfig cfg = runtime::EngineConfig::Load(cfg_path, {}, &d);
  cfg.Validate(&d);
  if (d.has_errors()) return absl::InvalidArgumentError(d.ToText());
  runtime::FileRunner runner(cfg, SystemClock::Get());
  runtime::RunSummary s;
  absl::Status st = runner.Run(true, &s);
  if (!st.ok()) return st;
  *docs = ReadFileOutputs(work_dir + "/out");
  return absl::OkStatus();
}

bool Long() {
  const char* l = std::getenv("KIZASHI_LONG");
  return l != nullptr && std::string(l) == "1";
}

std::string Now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S", std::localtime(&t));
  return StrCat(buf, ".", ms < 10 ? "00" : ms < 100 ? "0" : "", ms);
}

}  // namespace kizashi::itest
