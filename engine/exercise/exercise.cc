#include "engine/exercise/exercise.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "engine/common/json_writer.h"
#include "engine/common/strings.h"
#include "engine/runtime/disclosure.h"
#include "engine/runtime/file_runner.h"

namespace kizashi::exercise {

namespace fs = std::filesystem;

void ScenarioInput::Declare(config::Schema& s, ScenarioInput* i) {
  s.String("name", &i->name, "Input of the configuration the events are fed to.");
  s.String("path", &i->path, "File of events for it (relative to the scenario file).");
}

void Expectation::Declare(config::Schema& s, Expectation* e) {
  s.String("kind", &e->kind, "Document kind.",
           {"notification", "escalation", "observation", "advisory", "campaign", "dead_letter",
            "late_event"});
  s.String("operator", &e->operator_id, "Subject operator (empty: any).");
  s.String("destination", &e->destination,
           "Real destination name, without '.exercise' (empty: any).");
  s.String("category", &e->category,
           "Verdict category (attack_detected, ...) or not_reportable (empty: any).");
  s.StringList("clauses", &e->clauses, "Annex 4 clauses that must all be present.");
  s.Int("min_count", &e->min_count, "At least this many matching documents.", 0, 1 << 30);
  s.Int("max_count", &e->max_count, "At most this many (-1: no bound; 0: must not happen).", -1,
        1 << 30);
}

void Scenario::Declare(config::Schema& s, Scenario* sc) {
  s.Section("exercise", [&](config::Schema& x) {
    x.String("id", &sc->id, "Scenario id.");
    x.String("title", &sc->title, "What the scenario exercises.");
    x.String("annex4_case", &sc->annex4_case,
             "The Annex 4 case it covers (a, b, c, d, or a not-reportable class).");
    x.String("description", &sc->description, "Longer description.");
  });
  s.List("inputs", &sc->inputs, "Events per configured input.", &ScenarioInput::Declare);
  s.List("expect", &sc->expect, "Expected documents.", &Expectation::Declare);
}

Scenario LoadScenario(const std::string& path, Diagnostics* diags) {
  Scenario sc;
  config::Schema s;
  Scenario::Declare(s, &sc);
  s.ApplyFile(path, diags);
  sc.file = fs::absolute(path).string();
  fs::path dir = fs::path(sc.file).parent_path();
  for (auto& in : sc.inputs) {
    if (!in.path.empty() && in.path[0] != '/') in.path = (dir / in.path).lexically_normal().string();
  }
  if (sc.id.empty()) diags->Error(path, 0, "exercise.id", "a scenario needs an id");
  if (sc.inputs.empty()) diags->Error(path, 0, "inputs", "a scenario needs at least one input");
  return sc;
}

absl::StatusOr<runtime::EngineConfig> ExerciseConfig(const runtime::EngineConfig& base,
                                                     const Scenario& sc,
                                                     const std::string& work_dir) {
  runtime::EngineConfig c = base;
  c.route.exercise = true;
  // Inputs: exactly the scenario's, each bound to a configured input's decoding.
  c.inputs.clear();
  for (const auto& si : sc.inputs) {
    auto it = std::find_if(base.inputs.begin(), base.inputs.end(),
                           [&](const runtime::InputConfig& i) { return i.name == si.name; });
    if (it == base.inputs.end()) {
      return absl::InvalidArgumentError(StrCat(sc.file, ": input '", si.name,
                                               "' is not an input of the configuration"));
    }
    runtime::InputConfig in = *it;
    in.type = "file";
    in.path = si.path;
    c.inputs.push_back(std::move(in));
  }
  // Destinations: only exercise ones. Real destinations are not configured at all.
  std::set<std::string> names;
  for (const auto& d : base.destinations) names.insert(d.name);
  c.destinations.clear();
  for (const auto& d : base.destinations) {
    if (EndsWith(d.name, runtime::kExerciseSuffix)) {
      c.destinations.push_back(d);
      continue;
    }
    std::string name = StrCat(d.name, runtime::kExerciseSuffix);
    if (names.count(name)) continue;  // configured explicitly: kept above
    runtime::DestinationConfig x = d;
    x.name = name;
    if (x.type == "file") {
      fs::path p(x.path);
      x.path = (p.parent_path() / StrCat(p.stem().string(), runtime::kExerciseSuffix,
                                         p.extension().string())).string();
    }
    if (x.type == "kafka") x.topic = StrCat(x.topic, runtime::kExerciseSuffix);
    c.destinations.push_back(std::move(x));
  }
  auto ex = [](std::string* d) {
    if (!EndsWith(*d, runtime::kExerciseSuffix)) *d = StrCat(*d, runtime::kExerciseSuffix);
  };
  ex(&c.dead_letter_destination);
  ex(&c.late_destination);
  c.state.dir = (fs::path(work_dir) / "state").string();
  c.ledger.dir = StrCat(base.LedgerOpts().dir, runtime::kExerciseSuffix);
  c.lifecycle.linger = false;
  c.metrics.enabled = false;
  Diagnostics d;
  c.Validate(&d);
  if (d.has_errors()) return absl::InvalidArgumentError(d.ToText());
  return c;
}

namespace {

void Parse(const route::Output& o, const runtime::EngineConfig& c, int64_t now, Observed* ob) {
  ob->kind = runtime::LedgerKind(c, o);
  ob->destination = o.destination;
  ob->operator_id = o.subject_operator.empty() ? o.operator_id : o.subject_operator;
  if (o.kind == route::DocKind::kAdvisory || o.kind == route::DocKind::kCampaign) {
    ob->operator_id = o.subject_operator;
  }
  ob->revision = o.revision;
  ob->written_ns = now;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(o.json);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return;
  bool tagged = false;
  if (doc["exercise"].get(tagged) == simdjson::SUCCESS) ob->tagged = tagged;
  simdjson::dom::element verdict;
  if (doc["verdict"].get(verdict) == simdjson::SUCCESS) {
    bool reportable = false;
    std::string_view cat;
    if (verdict["reportable"].get(reportable) == simdjson::SUCCESS && !reportable) {
      ob->category = "not_reportable";
    } else if (verdict["category"].get(cat) == simdjson::SUCCESS) {
      ob->category = std::string(cat);
    }
    simdjson::dom::array clauses;
    if (verdict["annex4_clauses"].get(clauses) == simdjson::SUCCESS) {
      for (auto x : clauses) {
        std::string_view v;
        if (x.get(v) == simdjson::SUCCESS) ob->clauses.emplace_back(v);
      }
    }
  }
  std::string_view first;
  if (doc["times"]["first_seen"].get(first) == simdjson::SUCCESS) ob->first_seen = std::string(first);
  if (doc["time_window"]["first_seen"].get(first) == simdjson::SUCCESS) ob->first_seen = std::string(first);
}

bool Matches(const Expectation& e, const Observed& o) {
  if (e.kind != o.kind) return false;
  if (!e.operator_id.empty()) {
    bool hit = false;
    for (auto s : Split(o.operator_id, ',', true)) hit = hit || s == e.operator_id;
    if (!hit) return false;
  }
  if (!e.destination.empty() && o.destination != StrCat(e.destination, runtime::kExerciseSuffix)) {
    return false;
  }
  if (!e.category.empty() && e.category != o.category) return false;
  for (const auto& c : e.clauses) {
    if (std::find(o.clauses.begin(), o.clauses.end(), c) == o.clauses.end()) return false;
  }
  return true;
}

std::string Describe(const Expectation& e) {
  std::string s = e.kind;
  if (!e.destination.empty()) StrAppend(&s, " to ", e.destination);
  if (!e.operator_id.empty()) StrAppend(&s, " about ", e.operator_id);
  if (!e.category.empty()) StrAppend(&s, ", ", e.category);
  if (!e.clauses.empty()) StrAppend(&s, ", clauses ", Join(e.clauses, ","));
  return s;
}

std::string Want(const Expectation& e) {
  if (e.max_count == 0) return "none";
  if (e.max_count < 0) return StrCat(">= ", e.min_count);
  return StrCat(e.min_count, "..", e.max_count);
}

}  // namespace

absl::StatusOr<Report> RunExercise(const runtime::EngineConfig& base, const Scenario& sc,
                                   const std::string& work_dir, const Clock* clock) {
  auto cfg = ExerciseConfig(base, sc, work_dir);
  if (!cfg.ok()) return cfg.status();
  Report r;
  r.scenario_id = sc.id;
  r.title = sc.title;
  r.annex4_case = sc.annex4_case;
  runtime::RunnerContext ctx;
  ctx.after_write = [&](const std::vector<route::Output>& outputs) {
    int64_t now = clock != nullptr ? clock->NowNs() : 0;
    for (const auto& o : outputs) {
      Observed ob;
      Parse(o, *cfg, now, &ob);
      r.observed.push_back(std::move(ob));
    }
  };
  runtime::FileRunner runner(*cfg, clock, std::move(ctx));
  runtime::RunSummary summary;
  absl::Status st = runner.Run(/*reset_state=*/true, &summary);
  if (!st.ok()) return st;
  r.ok = true;
  for (const auto& o : r.observed) {
    if (!o.tagged) ++r.untagged;
    if (!EndsWith(o.destination, runtime::kExerciseSuffix)) ++r.outside_exercise;
  }
  r.ok = r.untagged == 0 && r.outside_exercise == 0;
  for (const auto& e : sc.expect) {
    ExpectationResult er;
    er.expectation = e;
    for (const auto& o : r.observed) er.actual += Matches(e, o);
    er.met = er.actual >= e.min_count && (e.max_count < 0 || er.actual <= e.max_count);
    if (e.max_count == 0) er.met = er.actual == 0;
    r.ok = r.ok && er.met;
    r.results.push_back(std::move(er));
  }
  return r;
}

std::string Report::ToText() const {
  std::string s = StrCat("exercise ", scenario_id, annex4_case.empty() ? "" : StrCat(" (Annex 4: ", annex4_case, ")"),
                         title.empty() ? "" : StrCat(" — ", title), "\n\nraised (", observed.size(),
                         " document(s)):\n");
  for (const auto& o : observed) {
    StrAppend(&s, "  ", o.first_seen.empty() ? std::string(24, ' ') : o.first_seen, "  ", o.kind,
              " r", o.revision, "  ", o.operator_id.empty() ? "-" : o.operator_id);
    if (!o.category.empty()) {
      StrAppend(&s, "  ", o.category);
      if (!o.clauses.empty()) StrAppend(&s, " (", Join(o.clauses, ","), ")");
    }
    StrAppend(&s, "  -> ", o.destination, o.tagged ? "" : "  [NOT TAGGED]", "\n");
  }
  StrAppend(&s, "\nexpected vs actual:\n");
  for (const auto& e : results) {
    StrAppend(&s, "  ", e.met ? "PASS" : "FAIL", "  ", Describe(e.expectation), ": ", e.actual,
              " (want ", Want(e.expectation), ")\n");
  }
  StrAppend(&s, "\nall documents tagged exercise: ", untagged == 0 ? "yes" : StrCat("NO (", untagged, " untagged)"),
            "\ndocuments outside exercise destinations: ", outside_exercise,
            "\nresult: ", ok ? "PASS" : "FAIL", "\n");
  return s;
}

std::string Report::ToJson() const {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.KV("schema", "kizashi.exercise_report/1");
  w.KV("scenario", scenario_id).KV("title", title).KV("annex4_case", annex4_case);
  w.Key("raised").BeginArray();
  for (const auto& o : observed) {
    w.BeginObject().KV("kind", o.kind).KV("revision", o.revision).KV("operator", o.operator_id)
        .KV("category", o.category).KV("destination", o.destination).KV("first_seen", o.first_seen)
        .KV("written_at", FormatRfc3339(o.written_ns, 3)).KV("tagged", o.tagged);
    w.Key("clauses").BeginArray();
    for (const auto& c : o.clauses) w.String(c);
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("expectations").BeginArray();
  for (const auto& e : results) {
    w.BeginObject().KV("expect", Describe(e.expectation)).KV("want", Want(e.expectation))
        .KV("actual", e.actual).KV("met", e.met).EndObject();
  }
  w.EndArray();
  w.KV("untagged", untagged).KV("outside_exercise", outside_exercise).KV("ok", ok);
  w.EndObject();
  return out;
}

}  // namespace kizashi::exercise
