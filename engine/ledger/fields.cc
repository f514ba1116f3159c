#include <simdjson.h>

#include <set>

#include "engine/ledger/ledger.h"

namespace kizashi::ledger {

namespace {

void Walk(simdjson::dom::element e, const std::string& path, std::set<std::string>* out) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT:
      for (auto field : simdjson::dom::object(e)) {
        std::string key(field.key);
        Walk(field.value, path.empty() ? key : path + "." + key, out);
      }
      return;
    case simdjson::dom::element_type::ARRAY:
      for (auto x : simdjson::dom::array(e)) Walk(x, path + "[]", out);
      return;
    case simdjson::dom::element_type::NULL_VALUE:
      return;
    case simdjson::dom::element_type::STRING:
      if (std::string_view(e).empty()) return;
      out->insert(path);
      return;
    default:
      out->insert(path);
  }
}

}  // namespace

std::vector<std::string> DisclosedFields(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return {};
  std::set<std::string> out;
  Walk(doc, "", &out);
  return {out.begin(), out.end()};
}

}  // namespace kizashi::ledger
