#include "engine/correlate/cli/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "engine/classify/verdict.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"
#include "engine/config/yaml_util.h"
#include "engine/correlate/correlator.h"
#include "engine/decode/decoder.h"
#include "engine/enrich/enricher.h"
#include "engine/match/matcher.h"
#include "engine/route/router.h"
#include "engine/runtime/engine_config.h"
#include "engine/runtime/snapshot.h"

namespace kizashi::correlate::cli {

namespace {

bool ReadTime(yaml::Reader& r, const YAML::Node& n, const char* key, int64_t* out) {
  std::string s;
  if (!r.Str(key, &s)) return false;
  if (!ParseIso8601(s, out)) {
    r.Error(n[key], StrCat("'", key, "' must be an RFC 3339 time like 2024-03-01T10:00:00+09:00"));
    return false;
  }
  return true;
}

bool ReadInts(yaml::Reader& r, const YAML::Node& n, const char* key, std::vector<int64_t>* out) {
  std::vector<std::string> list;
  if (!r.StrList(key, &list)) return false;
  out->clear();
  for (const auto& s : list) {
    int64_t v;
    if (!ParseInt(s, &v)) {
      r.Error(n[key], StrCat("'", key, "' must be a list of integers, got '", s, "'"));
      return false;
    }
    out->push_back(v);
  }
  return true;
}

void ParseExpected(const YAML::Node& n, std::string_view file, Scenario* sc, Diagnostics* d) {
  yaml::Reader r(n, file, sc->name, d);
  if (!n.IsMap()) {
    r.Error("an expected incident must be a map");
    return;
  }
  r.RejectUnknown({"rule", "operator", "target", "group", "window_start", "revision", "change",
                   "state", "event_count", "evidence", "sources", "patterns", "reportable",
                   "clauses", "category", "reason", "near_miss", "escalate", "routes",
                   "reasons_contain"});
  ExpectedIncident e;
  e.line = yaml::Line(n);
  std::string s;
  std::vector<std::string> list;
  int64_t v;
  bool b;
  if (r.Str("rule", &s)) e.rule = s;
  if (r.Str("operator", &s)) e.operator_id = s;
  if (r.Str("target", &s)) e.target = s;
  if (r.Str("change", &s)) e.change = s;
  if (r.Str("state", &s)) e.state = s;
  if (n["group"].IsDefined()) {
    list.clear();
    if (n["group"].IsSequence() && n["group"].size() == 0) e.group = list;
    else if (r.StrList("group", &list)) e.group = list;
  }
  if (r.StrList("sources", &list)) e.sources = list;
  if (r.StrList("patterns", &list)) e.patterns = list;
  if (r.StrList("clauses", &list)) e.clauses = list;
  if (ReadTime(r, n, "window_start", &v)) e.window_start_ns = v;
  if (r.Int("revision", &v, 1, INT32_MAX)) e.revision = v;
  if (r.Int("event_count", &v, 0, INT64_MAX)) e.event_count = v;
  std::vector<int64_t> ints;
  if (ReadInts(r, n, "evidence", &ints)) e.evidence = ints;
  if (r.Bool("reportable", &b)) e.reportable = b;
  if (r.Str("category", &s)) e.category = s;
  if (r.Str("reason", &s)) e.reason = s;
  if (r.Str("near_miss", &s)) e.near_miss = s;
  if (r.Bool("escalate", &b)) e.escalate = b;
  if (n["routes"].IsDefined()) {
    list.clear();
    if (n["routes"].IsSequence() && n["routes"].size() == 0) e.routes = list;
    else if (r.StrList("routes", &list)) e.routes = list;
  }
  if (r.StrList("reasons_contain", &list)) e.reasons_contain = list;
  sc->incidents.push_back(std::move(e));
}

std::string Quote(const std::vector<std::string>& v) { return StrCat("[", Join(v, ", "), "]"); }

std::string Ints(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) StrAppend(&s, i ? ", " : "", v[i]);
  return s + "]";
}

std::vector<std::string> ClausesOf(const classify::Verdict& v) {
  std::vector<std::string> out;
  for (char c : v.clauses) out.emplace_back(1, c);
  return out;
}

struct Emitted {
  Incident inc;
  classify::Verdict verdict;
  std::vector<std::string> routes;
  std::string route_error;
};

struct RunOutput {
  std::vector<Emitted> revisions;
  std::vector<std::string> documents;
  std::string substitution_error;
  std::vector<int64_t> late;
  int64_t dead_letters = 0;
};

std::string Describe(const Emitted& x) {
  const Incident& i = x.inc;
  std::vector<int64_t> ev;
  for (const auto& e : i.evidence) ev.push_back(e.offset);
  std::vector<std::string> pats;
  for (const auto& p : i.patterns) pats.push_back(StrCat(p.pack_id, "/", p.entry_id));
  return StrCat(i.rule_id, " ", i.operator_id, "/", i.target_id, " ", Quote(i.group_values),
                " r", i.revision, " ", i.change,
                i.state == IncidentState::kClosed ? " (closed)" : "", " n=", i.event_count,
                " start=", FormatRfc3339(i.window_start_ns), " evidence=", Ints(ev),
                " patterns=", Quote(pats), " reportable=", x.verdict.reportable ? "yes" : "no",
                x.verdict.reportable
                    ? StrCat(" ", classify::CategoryName(x.verdict.category), " ",
                             Quote(ClausesOf(x.verdict)),
                             x.verdict.escalate ? " escalate" : " no-escalation")
                    : StrCat(" (", classify::NotReportableName(x.verdict.reason), ")"),
                " routes=", Quote(x.routes),
                x.route_error.empty() ? std::string() : StrCat(" route-error: ", x.route_error));
}

}  // namespace

std::optional<Scenario> ParseScenarioFile(const std::string& path, Diagnostics* d) {
  size_t before = d->error_count();
  auto root = yaml::LoadFile(path, d);
  if (!root) return std::nullopt;
  Scenario sc;
  sc.file = path;
  sc.name = std::filesystem::path(path).stem().string();
  try {
    yaml::Reader r(*root, path, "", d);
    if (!root->IsMap()) {
      r.Error("a scenario must be a map (name, config, records, expect)");
      return std::nullopt;
    }
    r.RejectUnknown({"name", "description", "config", "set", "input", "ingest_time", "records",
                     "expect"});
    r.Str("name", &sc.name);
    r.set_id(sc.name);
    if (r.Str("config", &sc.config, true) && !sc.config.empty() && sc.config[0] != '/') {
      sc.config = (std::filesystem::path(path).parent_path() / sc.config).lexically_normal();
    }
    r.StrList("set", &sc.sets);
    std::string default_input;
    r.Str("input", &default_input);
    ReadTime(r, *root, "ingest_time", &sc.ingest_time_ns);
    YAML::Node recs = (*root)["records"];
    if (!recs.IsSequence()) {
      r.Error("'records' must be a list of records (strings, {input, record} or "
              "{advance_watermark: time})");
    } else {
      for (const auto& n : recs) {
        ScenarioRecord rec;
        rec.line = yaml::Line(n);
        yaml::Reader rr(n, path, sc.name, d);
        if (n.IsScalar()) {
          rec.input = default_input;
          rec.text = n.Scalar();
          if (rec.input.empty()) rr.Error("a bare record needs a default 'input' at top level");
        } else if (n.IsMap()) {
          rr.RejectUnknown({"input", "record", "advance_watermark", "shared", "line"});
          int64_t t;
          if (ReadTime(rr, n, "advance_watermark", &t)) {
            rec.advance_ns = t;
          } else {
            rec.input = default_input;
            rr.Str("input", &rec.input);
            if (rr.Str("shared", &rec.shared)) {
              if (!rr.Int("line", &rec.shared_line, 1, INT32_MAX)) {
                rr.Error("a shared record needs 'line' (1-based line of the shared file)");
              }
            } else {
              rr.Str("record", &rec.text, true);
            }
            if (rec.input.empty()) rr.Error("which input is this record from? (input: name)");
          }
        } else {
          rr.Error("a record must be a string or a map");
        }
        sc.records.push_back(std::move(rec));
      }
    }
    YAML::Node ex = (*root)["expect"];
    if (!ex.IsMap()) {
      r.Error("'expect' must be a map (incidents, late, dead_letters)");
    } else {
      yaml::Reader er(ex, path, sc.name, d);
      er.RejectUnknown({"incidents", "late", "dead_letters"});
      YAML::Node inc = ex["incidents"];
      if (inc.IsDefined() && !inc.IsNull()) {
        if (!inc.IsSequence()) er.Error(inc, "'incidents' must be a list");
        else for (const auto& n : inc) ParseExpected(n, path, &sc, d);
      }
      std::vector<int64_t> late;
      if (ReadInts(er, ex, "late", &late)) sc.late = late;
      int64_t dl;
      if (er.Int("dead_letters", &dl, 0, INT64_MAX)) sc.dead_letters = dl;
    }
  } catch (const YAML::Exception& e) {
    d->Error(path, e.mark.line + 1, sc.name, StrCat("YAML: ", e.msg));
  }
  if (d->error_count() > before) return std::nullopt;
  return sc;
}

ScenarioResult RunScenario(const Scenario& scenario, const std::vector<std::string>& rule_files,
                           const std::string& config_override,
                           const std::vector<std::string>& extra_sets,
                           const std::string& shared_data_dir) {
  ScenarioResult res;
  // Records from the third-party data directory are read now (never stored in the scenario).
  Scenario sc = scenario;
  for (auto& rec : sc.records) {
    if (rec.shared.empty()) continue;
    std::string path = shared_data_dir.empty()
                           ? std::string()
                           : (std::filesystem::path(shared_data_dir) / rec.shared).string();
    std::ifstream f(path);
    if (path.empty() || !f) {
      res.skipped = true;
      res.report = StrCat("scenario ", sc.name, ": SKIP: third-party data '", rec.shared,
                          "' not found", shared_data_dir.empty() ? " (no --shared-data directory)"
                                                                 : StrCat(" in ", shared_data_dir),
                          "\n");
      return res;
    }
    std::string line;
    for (int64_t k = 0; k < rec.shared_line && std::getline(f, line); ++k) {
    }
    if (!f) {
      res.invalid = true;
      res.report = StrCat(sc.file, ":", rec.line, ": '", rec.shared, "' has no line ",
                          rec.shared_line, "\n");
      return res;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    rec.text = std::move(line);
  }
  Diagnostics d;
  std::vector<std::string> sets = sc.sets;
  sets.insert(sets.end(), extra_sets.begin(), extra_sets.end());
  runtime::EngineConfig cfg = runtime::EngineConfig::Load(
      config_override.empty() ? sc.config : config_override, sets, &d);
  cfg.rule_paths = runtime::ExpandYamlPaths(rule_files, &d);
  auto snap = d.has_errors() ? absl::InvalidArgumentError("configuration")
                             : runtime::BuildSnapshot(cfg, 1, &d);
  if (!snap.ok()) {
    res.invalid = true;
    res.report = d.ToText();
    return res;
  }
  std::vector<std::unique_ptr<decode::Decoder>> decoders;
  std::vector<std::string> input_names;
  for (const auto& in : cfg.inputs) {
    auto dec = decode::MakeDecoder(in.decode);
    if (!dec.ok()) {
      res.invalid = true;
      res.report = StrCat("input '", in.name, "': ", dec.status().message(), "\n");
      return res;
    }
    decoders.push_back(std::move(*dec));
    input_names.push_back(in.name);
  }
  for (const auto& rec : sc.records) {
    if (!rec.advance_ns && std::find(input_names.begin(), input_names.end(), rec.input) ==
                               input_names.end()) {
      res.invalid = true;
      res.report = StrCat(sc.file, ":", rec.line, ": input '", rec.input,
                          "' is not configured in ", cfg.base_dir, "\n");
      return res;
    }
  }
  const runtime::Snapshot& s = **snap;
  classify::Classifier classifier(cfg.classify);
  route::Router router(cfg.route);
  std::set<std::string> destinations;
  for (const auto& ds : cfg.destinations) destinations.insert(ds.name);

  auto run = [&](size_t batch_size) {
    RunOutput out;
    PartitionCorrelator pc(0, cfg.correlate);
    enrich::Enricher enricher;
    match::Matcher matcher;
    Batch batch;
    CorrelateOutput co;
    state::StateDelta delta;
    std::map<std::string, uint8_t> routed;  // routing history per incident, as the worker keeps it
    auto collect = [&]() {
      for (const auto& inc : co.revisions) {
        Emitted x{inc, classifier.Classify(inc, *s.registry), {}, {}};
        auto [it, fresh] = routed.emplace(inc.id, inc.routed);
        std::vector<route::Output> outs;
        absl::Status st = router.Route(inc, x.verdict, *s.registry, destinations, &it->second, &outs);
        if (!st.ok()) x.route_error = std::string(st.message());
        for (auto& o : outs) {
          x.routes.push_back(o.destination);
          out.documents.push_back(std::move(o.json));
        }
        pc.SetRouted(inc.id, it->second);
        out.revisions.push_back(std::move(x));
      }
    };
    size_t i = 0;
    while (i < sc.records.size()) {
      co.Clear();
      if (sc.records[i].advance_ns) {
        pc.AdvanceWatermark(*sc.records[i].advance_ns, &co);
        collect();
        ++i;
        continue;
      }
      batch.Clear();
      batch.partition = 0;
      batch.sources = input_names;
      while (i < sc.records.size() && !sc.records[i].advance_ns &&
             batch.records.size() < batch_size) {
        const ScenarioRecord& r = sc.records[i];
        // A record naming an incident of an earlier revision (${incident:K}: the incident of
        // the K-th revision emitted) starts a new batch, so that revision exists.
        std::string text = r.text;
        if (text.find("${incident:") != std::string::npos) {
          if (!batch.records.empty()) break;
          size_t at;
          while ((at = text.find("${incident:")) != std::string::npos) {
            size_t end = text.find('}', at);
            int64_t k = 0;
            if (end == std::string::npos || !ParseInt(text.substr(at + 11, end - at - 11), &k) ||
                k < 1 || static_cast<size_t>(k) > out.revisions.size()) {
              out.substitution_error = StrCat("record ", i + 1, ": ${incident:K} names no revision "
                                              "emitted before it");
              break;
            }
            text.replace(at, end - at + 1, out.revisions[k - 1].inc.id);
          }
        }
        RawRecord raw;
        char* mem = batch.arena.Allocate(text.size() + decode::kRecordPadding);
        std::memcpy(mem, text.data(), text.size());
        std::memset(mem + text.size(), 0, decode::kRecordPadding);
        raw.value = std::string_view(mem, text.size());
        raw.input = static_cast<uint16_t>(
            std::find(input_names.begin(), input_names.end(), r.input) - input_names.begin());
        raw.pos = SourcePos{raw.input, 0, static_cast<int64_t>(i) + 1};
        raw.timestamp_ns = sc.ingest_time_ns;
        batch.records.push_back(raw);
        ++i;
      }
      uint32_t n = static_cast<uint32_t>(batch.records.size());
      for (uint32_t b = 0; b < n;) {
        uint16_t input = batch.records[b].input;
        uint32_t e = b + 1;
        while (e < n && batch.records[e].input == input) ++e;
        decoders[input]->Decode(batch, b, e);
        b = e;
      }
      enricher.Enrich(batch, *s.registry);
      if (!matcher.Match(batch, *s.patterns).ok()) break;
      out.dead_letters += static_cast<int64_t>(batch.dead_letters.size());
      pc.Process(batch, *s.rules, *s.patterns, *s.registry, &co);
      for (uint32_t k : co.late) out.late.push_back(batch.events[k].pos.offset);
      out.dead_letters += static_cast<int64_t>(co.future.size() + co.rejected.size());
      collect();
      delta.Clear();
      pc.Flush(&delta);
    }
    return out;
  };

  RunOutput whole = run(SIZE_MAX);
  RunOutput single = run(1);
  std::string& rep = res.report;
  StrAppend(&rep, "scenario ", sc.name, " (", sc.file, "): ", whole.revisions.size(),
            " revision(s)\n");
  for (size_t k = 0; k < whole.revisions.size(); ++k) {
    StrAppend(&rep, "  #", k + 1, " ", Describe(whole.revisions[k]), "\n");
  }
  std::vector<std::string> problems;
  bool same = whole.revisions.size() == single.revisions.size() && whole.late == single.late;
  for (size_t k = 0; same && k < whole.revisions.size(); ++k) {
    // `routed` is routing history, recorded after each batch (as the worker does): batch
    // boundaries move when it is set, not what the revisions say or where they go.
    Incident a = whole.revisions[k].inc, b = single.revisions[k].inc;
    a.routed = b.routed = 0;
    same = a.Encode() == b.Encode() && whole.revisions[k].routes == single.revisions[k].routes;
  }
  if (!same) problems.push_back("one record per batch gave different revisions (engine bug)");
  if (whole.revisions.size() != sc.incidents.size()) {
    problems.push_back(StrCat("expected ", sc.incidents.size(), " revision(s), got ",
                              whole.revisions.size()));
  }
  for (size_t k = 0; k < std::min(sc.incidents.size(), whole.revisions.size()); ++k) {
    const ExpectedIncident& e = sc.incidents[k];
    const Incident& i = whole.revisions[k].inc;
    const classify::Verdict& v = whole.revisions[k].verdict;
    std::string at = StrCat(sc.file, ":", e.line, ": #", k + 1, " ");
    auto check = [&](const char* what, const std::string& got, const std::string& want) {
      if (got != want) problems.push_back(StrCat(at, what, ": got ", got, ", want ", want));
    };
    if (e.rule) check("rule", i.rule_id, *e.rule);
    if (e.operator_id) check("operator", i.operator_id, *e.operator_id);
    if (e.target) check("target", i.target_id, *e.target);
    if (e.change) check("change", i.change, *e.change);
    if (e.state) check("state", i.state == IncidentState::kOpen ? "open" : "closed", *e.state);
    if (e.group) check("group", Quote(i.group_values), Quote(*e.group));
    if (e.window_start_ns) {
      check("window_start", FormatRfc3339(i.window_start_ns, 6),
            FormatRfc3339(*e.window_start_ns, 6));
    }
    if (e.revision) check("revision", StrCat(i.revision), StrCat(*e.revision));
    if (e.event_count) check("event_count", StrCat(i.event_count), StrCat(*e.event_count));
    if (e.evidence) {
      std::vector<int64_t> ev;
      for (const auto& x : i.evidence) ev.push_back(x.offset);
      check("evidence", Ints(ev), Ints(*e.evidence));
    }
    if (e.sources) check("sources", Quote(i.sources), Quote(*e.sources));
    if (e.patterns) {
      std::vector<std::string> got;
      for (const auto& p : i.patterns) {
        bool qualified = std::any_of(e.patterns->begin(), e.patterns->end(),
                                     [](const std::string& x) { return x.find('/') != std::string::npos; });
        got.push_back(qualified ? StrCat(p.pack_id, "/", p.entry_id) : p.entry_id);
      }
      check("patterns", Quote(got), Quote(*e.patterns));
    }
    if (e.reportable) check("reportable", v.reportable ? "true" : "false", *e.reportable ? "true" : "false");
    if (e.clauses) check("clauses", Quote(ClausesOf(v)), Quote(*e.clauses));
    if (e.category) check("category", std::string(classify::CategoryName(v.category)), *e.category);
    if (e.reason) {
      check("reason", v.reportable ? "(reportable)" : std::string(classify::NotReportableName(v.reason)),
            *e.reason);
    }
    if (e.escalate) check("escalate", v.escalate ? "true" : "false", *e.escalate ? "true" : "false");
    if (e.near_miss && v.near_miss.find(*e.near_miss) == std::string::npos) {
      problems.push_back(StrCat(at, "near_miss: '", v.near_miss, "' does not contain '",
                                *e.near_miss, "'"));
    }
    if (e.reasons_contain) {
      for (const auto& want : *e.reasons_contain) {
        bool found = std::any_of(v.reasons.begin(), v.reasons.end(), [&](const std::string& r) {
          return r.find(want) != std::string::npos;
        });
        if (!found) {
          problems.push_back(StrCat(at, "no reason contains '", want, "' (reasons: ",
                                    Join(v.reasons, " | "), ")"));
        }
      }
    }
    if (e.routes) check("routes", Quote(whole.revisions[k].routes), Quote(*e.routes));
  }
  if (sc.late) {
    if (whole.late != *sc.late) {
      problems.push_back(StrCat("late records: got ", Ints(whole.late), ", want ", Ints(*sc.late)));
    }
  } else if (!whole.late.empty()) {
    problems.push_back(StrCat("late records ", Ints(whole.late), " not expected (expect.late)"));
  }
  if (sc.dead_letters && whole.dead_letters != *sc.dead_letters) {
    problems.push_back(
        StrCat("dead letters: got ", whole.dead_letters, ", want ", *sc.dead_letters));
  }
  if (!whole.substitution_error.empty()) problems.push_back(whole.substitution_error);
  for (const auto& x : whole.revisions) {
    if (!x.route_error.empty()) problems.push_back(StrCat("routing failed (held): ", x.route_error));
  }
  res.documents = std::move(whole.documents);
  for (const auto& p : problems) StrAppend(&rep, "  FAIL ", p, "\n");
  res.pass = problems.empty();
  StrAppend(&rep, res.pass ? "  PASS\n" : "");
  return res;
}

}  // namespace kizashi::correlate::cli
