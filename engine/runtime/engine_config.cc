#include "engine/runtime/engine_config.h"

#include <filesystem>
#include <set>

#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::runtime {

void InputConfig::Declare(config::Schema& s, InputConfig* c) {
  s.String("name", &c->name, "Input name (unique; appears in dead letters and metrics).");
  s.String("type", &c->type, "Input type.", {"file", "kafka"});
  s.String("path", &c->path, "File input: path of the recorded traffic (one record per line).");
  s.String("topic", &c->topic, "Kafka input: topic name.");
  s.Int("partition", &c->partition,
        "File input: the partition the file belongs to (files of one partition are merged).", 0,
        100000);
  decode::DecodeOptions::Declare(s, &c->decode);
}

void DestinationConfig::Declare(config::Schema& s, DestinationConfig* c) {
  s.String("name", &c->name,
           "Destination name, as used by the registry (ministry/observation destinations) and "
           "the outputs section.");
  s.String("type", &c->type, "Where documents go.", {"stdout", "file", "kafka", "discard"});
  s.String("path", &c->path, "File destination: path of the JSON-lines file.");
  s.String("topic", &c->topic, "Kafka destination: topic name.");
  s.Bool("fsync", &c->fsync, "File destination: fdatasync before input positions are committed.");
}

void LifecycleConfig::Declare(config::Schema& s, LifecycleConfig* c) {
  s.Duration("drain_timeout", &c->drain_timeout_ns,
             "Upper bound on a graceful stop (first SIGTERM/SIGINT: finish the batch in flight, "
             "flush, commit, close). Past it the process exits with status 1; the next start "
             "resumes from the last commit.",
             kNanosPerSecond, 3600 * kNanosPerSecond);
  s.Bool("watch", &c->watch,
         "Also reload (as on SIGHUP) when the configuration, registry, pack or rule files "
         "change.");
  s.Duration("watch_interval", &c->watch_interval_ns,
             "How often the file watch compares the files' size, modification time and inode.",
             100 * kNanosPerMilli, 3600 * kNanosPerSecond);
  s.Bool("linger", &c->linger,
         "File mode: once the inputs are replayed, keep running (metrics and health endpoint "
         "up) until SIGTERM, so the final figures can be scraped.");
}

void EngineConfig::Declare(config::Schema& s, EngineConfig* c) {
  s.List("inputs", &c->inputs, "Where records come from.", &InputConfig::Declare);
  s.List("destinations", &c->destinations, "Named output destinations.",
         &DestinationConfig::Declare);
  s.Section("registry", [&](config::Schema& x) { registry::RegistryConfig::Declare(x, &c->registry); });
  s.Section("patterns", [&](config::Schema& x) { patterns::PatternsConfig::Declare(x, &c->patterns); });
  s.StringList("rules", &c->rule_paths, "Correlation rule files or directories.",
               config::Reload::kLive);
  s.Section("outputs", [&](config::Schema& o) {
    o.String("dead_letter", &c->dead_letter_destination, "Destination of dead letters.");
    o.String("late", &c->late_destination, "Destination of late events.");
    o.Int("dead_letter_copy_bytes", &c->dead_letter_copy_bytes,
          "Bytes of a bad record copied into its dead letter.", 0, 1 << 20);
  });
  s.String("output_dir", &c->output_dir,
           "Directory that relative destination file paths resolve against (default: the "
           "directory of the configuration file).");
  s.Section("engine", [&](config::Schema& e) {
    e.Int("batch_max_records", &c->batch_max_records, "Records per batch.", 1, 1 << 20);
  });
  s.Section("log", [&](config::Schema& l) {
    l.String("level", &c->log_level, "Log level.", {"debug", "info", "warn", "error"},
             config::Reload::kLive);
    l.String("format", &c->log_format, "Log line format.", {"logfmt", "json"});
  });
  s.Section("state", [&](config::Schema& x) { state::StateOptions::Declare(x, &c->state); });
  s.Section("correlate",
            [&](config::Schema& x) { correlate::CorrelateOptions::Declare(x, &c->correlate); });
  s.Section("classify",
            [&](config::Schema& x) { classify::ClassifyOptions::Declare(x, &c->classify); });
  s.Section("route", [&](config::Schema& x) { route::RouteOptions::Declare(x, &c->route); });
  s.Section("metrics",
            [&](config::Schema& x) { telemetry::TelemetryConfig::Declare(x, &c->metrics); });
  s.Section("lifecycle",
            [&](config::Schema& x) { LifecycleConfig::Declare(x, &c->lifecycle); });
  s.Section("evidence",
            [&](config::Schema& x) { evidence::EvidenceOptions::Declare(x, &c->evidence); });
  s.Section("kafka", [&](config::Schema& x) {
    connectors::kafka::KafkaOptions::Declare(x, &c->kafka);
  });
  s.Section("ledger", [&](config::Schema& x) { ledger::LedgerOptions::Declare(x, &c->ledger); });
  s.Section("advisory",
            [&](config::Schema& x) { advisory::AdvisoryOptions::Declare(x, &c->advisory); });
  s.Section("campaign",
            [&](config::Schema& x) { campaign::CampaignOptions::Declare(x, &c->campaign); });
  s.Section("signing",
            [&](config::Schema& x) { docsign::SigningOptions::Declare(x, &c->signing); });
}

EngineConfig EngineConfig::Load(const std::string& path, const std::vector<std::string>& overrides,
                                Diagnostics* diags) {
  EngineConfig c;
  config::Schema s;
  Declare(s, &c);
  if (!path.empty()) {
    s.ApplyFile(path, diags);
    c.base_dir = std::filesystem::absolute(path).parent_path().string();
  } else {
    c.base_dir = std::filesystem::current_path().string();
  }
  s.ApplyEnvironment(diags);
  for (const auto& o : overrides) s.ApplyOverride(o, diags);
  auto abs = [&](std::string& p) {
    if (!p.empty() && p[0] != '/') p = (std::filesystem::path(c.base_dir) / p).lexically_normal().string();
  };
  for (auto& p : c.registry.paths) abs(p);
  for (auto& p : c.patterns.packs) abs(p);
  for (auto& p : c.patterns.trusted_keys) abs(p);
  abs(c.patterns.cache_dir);
  for (auto& p : c.rule_paths) abs(p);
  for (auto& i : c.inputs) abs(i.path);
  std::string out_base = c.output_dir.empty() ? c.base_dir : c.output_dir;
  if (out_base[0] != '/') out_base = (std::filesystem::path(c.base_dir) / out_base).string();
  for (auto& d : c.destinations) {
    if (!d.path.empty() && d.path[0] != '/') {
      d.path = (std::filesystem::path(out_base) / d.path).lexically_normal().string();
    }
  }
  abs(c.state.dir);
  if (!c.ledger.dir.empty()) abs(c.ledger.dir);
  abs(c.campaign.pseudonym_key);
  abs(c.signing.key);
  return c;
}

void EngineConfig::Validate(Diagnostics* d) const {
  std::set<std::string> names;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& in = inputs[i];
    std::string id = StrCat("inputs[", i, "]");
    if (in.name.empty()) d->Error("config", 0, id, "input needs a name");
    else if (!names.insert(in.name).second) d->Error("config", 0, id, StrCat("duplicate input name '", in.name, "'"));
    if (in.type == "file" && in.path.empty()) d->Error("config", 0, id, "file input needs a path");
    if (in.type == "kafka" && in.topic.empty()) d->Error("config", 0, id, "kafka input needs a topic");
  }
  if (inputs.size() > 65535) d->Error("config", 0, "inputs", "too many inputs");
  std::set<std::string> dests;
  for (size_t i = 0; i < destinations.size(); ++i) {
    const auto& ds = destinations[i];
    std::string id = StrCat("destinations[", i, "]");
    if (ds.name.empty()) d->Error("config", 0, id, "destination needs a name");
    else if (!dests.insert(ds.name).second) d->Error("config", 0, id, StrCat("duplicate destination '", ds.name, "'"));
    if (ds.type == "file" && ds.path.empty()) d->Error("config", 0, id, "file destination needs a path");
    if (ds.type == "kafka" && ds.topic.empty()) d->Error("config", 0, id, "kafka destination needs a topic");
  }
  for (const auto& [what, name] : {std::pair{"outputs.dead_letter", dead_letter_destination},
                                   std::pair{"outputs.late", late_destination}}) {
    if (!dests.count(name)) {
      d->Error("config", 0, what, StrCat("destination '", name, "' is not defined in destinations"));
    }
  }
  if (registry.paths.empty()) d->Error("config", 0, "registry.paths", "no registry files configured");
  metrics.Validate(d);
  bool kafka = false;
  for (const auto& in : inputs) kafka |= in.type == "kafka";
  for (const auto& ds : destinations) kafka |= ds.type == "kafka";
  if (kafka) this->kafka.Validate(d);
  if (absl::Status st = classify.Validate(); !st.ok()) {
    d->Error("config", 0, "classify", std::string(st.message()));
  }
  if (campaign.enabled && campaign.pseudonym_key.empty()) {
    d->Error("config", 0, "campaign.pseudonym_key",
             "the campaign stage needs a pseudonym key file (secret, at least 16 bytes)");
  }
  if (route.exercise) {
    for (const auto& [what, name] : {std::pair{"outputs.dead_letter", dead_letter_destination},
                                     std::pair{"outputs.late", late_destination}}) {
      if (!EndsWith(name, ".exercise")) {
        d->Error("config", 0, what,
                 StrCat("route.exercise: '", name, "' is not an exercise destination (name "
                        "must end in '.exercise')"));
      }
    }
  }
}

}  // namespace kizashi::runtime
