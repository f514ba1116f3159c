// LocalCounterMap: worker-local counters keyed by label values known only at run time (pack
// ids, sectors, destinations), for the same scrape-time summing as LocalCounter.
//
// The owning thread finds a cell through an index only it touches, so a lookup takes no lock;
// creating a cell (once per new label tuple, rare) takes a mutex that the scrape thread also
// takes to walk the cells. Cells never move (deque), so a pointer returned by Find stays
// valid for the map's lifetime. The number of label tuples is capped: past `max_keys`, new
// tuples share one overflow cell whose labels are all "_other", which keeps a hostile pack or
// registry from exploding the exporter's cardinality.
//
// Ownership: one per worker per probe. Thread contract: Find (and writes to the returned
// cells) from the owning thread only; ForEach from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/telemetry/local_metrics.h"

namespace kizashi::telemetry {

// Label values joined with the unit separator (which no label value of ours contains).
constexpr char kLabelSeparator = '\x1f';
void JoinLabels(std::initializer_list<std::string_view> values, std::string* out);
std::vector<std::string> SplitLabels(std::string_view key);

class LocalCounterMap {
 public:
  explicit LocalCounterMap(size_t labels, size_t max_keys = 4096)
      : labels_(labels), max_keys_(max_keys) {}
  LocalCounterMap(const LocalCounterMap&) = delete;
  LocalCounterMap& operator=(const LocalCounterMap&) = delete;

  // `key` from JoinLabels with this map's number of labels.
  LocalCounter* Find(std::string_view key);
  void ForEach(const std::function<void(std::string_view key, uint64_t value)>& fn) const;

 private:
  struct Cell {
    explicit Cell(std::string k) : key(std::move(k)) {}
    std::string key;
    LocalCounter counter;
  };
  LocalCounter* Create(std::string_view key);

  size_t labels_;
  size_t max_keys_;
  std::map<std::string, LocalCounter*, std::less<>> index_;  // owning thread only
  mutable std::mutex mu_;                                      // guards cells_' structure
  std::deque<Cell> cells_;
  LocalCounter* overflow_ = nullptr;  // owning thread only
};

}  // namespace kizashi::telemetry
