#include "bench/replay/quality.h"

#include <simdjson.h>

#include <filesystem>
#include <fstream>

#include "engine/common/strings.h"

namespace kizashi::bench {

absl::StatusOr<Labels> Labels::Load(const std::string& path, const runtime::EngineConfig& config) {
  namespace fs = std::filesystem;
  Labels l;
  l.path = path;
  std::map<std::string, uint16_t> by_file;
  for (size_t i = 0; i < config.inputs.size(); ++i) {
    l.input_by_name[config.inputs[i].name] = static_cast<uint16_t>(i);
    if (!config.inputs[i].path.empty()) {
      by_file[fs::path(config.inputs[i].path).filename().string()] = static_cast<uint16_t>(i);
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read labels ", path));
  std::map<std::pair<std::string, uint64_t>, uint32_t> index;  // (scenario, id) -> instance
  simdjson::ondemand::parser parser;
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    simdjson::padded_string p(line);
    simdjson::ondemand::document doc;
    // Strings are views into the parser's buffer, valid until the next document.
    std::string_view file, scenario, op, target, expect;
    uint64_t ln = 0, inst = 0;
    auto bad = [&](const char* what) {
      return absl::InvalidArgumentError(StrCat(path, ":", n, ": ", what));
    };
    if (parser.iterate(p).get(doc)) return bad("not JSON");
    simdjson::ondemand::object o;
    if (doc.get_object().get(o)) return bad("not a JSON object");
    for (auto field : o) {
      std::string_view k;
      if (field.unescaped_key().get(k)) return bad("bad key");
      auto v = field.value();
      bool err = false;
      if (k == "file") err = v.get_string().get(file) != simdjson::SUCCESS;
      else if (k == "line") err = v.get_uint64().get(ln) != simdjson::SUCCESS;
      else if (k == "scenario") err = v.get_string().get(scenario) != simdjson::SUCCESS;
      else if (k == "instance") err = v.get_uint64().get(inst) != simdjson::SUCCESS;
      else if (k == "operator") err = v.get_string().get(op) != simdjson::SUCCESS;
      else if (k == "target") err = v.get_string().get(target) != simdjson::SUCCESS;
      else if (k == "expect") err = v.get_string().get(expect) != simdjson::SUCCESS;
      if (err) return bad(StrCat("bad value of ", k).c_str());
    }
    auto f = by_file.find(std::string(file));
    if (f == by_file.end()) {
      return bad(StrCat("file '", file, "' is not the path of any configured input").c_str());
    }
    if (expect != "reportable" && expect != "not_reportable") {
      return bad("expect must be reportable or not_reportable");
    }
    auto key = std::make_pair(std::string(scenario), inst);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, static_cast<uint32_t>(l.instances.size())).first;
      l.instances.push_back(Instance{std::string(scenario), inst, std::string(op),
                                     std::string(target), expect == "reportable", 0});
    }
    ++l.instances[it->second].records;
    l.by_record[Key(f->second, static_cast<int64_t>(ln))] = it->second;
  }
  return l;
}

void QualityScorer::OnRevision(const correlate::Incident& inc, bool reportable) {
  Seen& s = incidents_[inc.id];
  s.reportable = s.reportable || reportable;
  if (s.rule.empty()) s.rule = inc.rule_id;
  for (const auto& ev : inc.evidence) {
    auto in = labels_.input_by_name.find(ev.source);
    if (in == labels_.input_by_name.end()) continue;
    auto it = labels_.by_record.find(Labels::Key(in->second, ev.offset));
    if (it != labels_.by_record.end()) s.instances.insert(it->second);
  }
}

Quality QualityScorer::Finish() const {
  Quality q;
  std::vector<uint8_t> any(labels_.instances.size(), 0), rep(labels_.instances.size(), 0);
  for (const auto& [id, s] : incidents_) {
    ++q.incidents;
    bool tp = false;
    for (uint32_t i : s.instances) {
      any[i] = 1;
      if (s.reportable) rep[i] = 1;
      tp = tp || labels_.instances[i].expect_reportable;
    }
    if (!s.reportable) continue;
    ++q.reportable_incidents;
    if (tp) {
      ++q.true_positive_incidents;
    } else {
      if (s.instances.empty()) ++q.unlabelled_reportable_incidents;
      if (q.false_alarms.size() < 10) q.false_alarms.push_back(StrCat(s.rule, " ", id));
    }
  }
  for (size_t i = 0; i < labels_.instances.size(); ++i) {
    const auto& in = labels_.instances[i];
    Quality::Scenario& sc = q.scenarios[in.scenario];
    sc.expect_reportable = in.expect_reportable;
    ++sc.instances;
    sc.with_incident += any[i];
    sc.with_reportable += rep[i];
    std::string name = StrCat(in.scenario, "#", in.id, " (", in.operator_id, " ", in.target, ")");
    if (in.expect_reportable) {
      ++q.expected_reportable;
      q.detected += rep[i];
      if (!rep[i] && q.missed.size() < 10) q.missed.push_back(name);
    } else {
      ++q.expected_not_reportable;
      q.violations += rep[i];
      if (rep[i] && q.violated.size() < 10) q.violated.push_back(name);
    }
  }
  q.recall = q.expected_reportable == 0 ? 1.0
                                        : static_cast<double>(q.detected) / static_cast<double>(q.expected_reportable);
  q.precision = q.reportable_incidents == 0
                    ? 1.0
                    : static_cast<double>(q.true_positive_incidents) / static_cast<double>(q.reportable_incidents);
  return q;
}

}  // namespace kizashi::bench
