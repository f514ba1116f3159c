// StateProbe: RocksDB figures of the state store, read at scrape time.
//
//   kizashi_state_live_data_bytes             estimated live data (rocksdb.estimate-live-data-size)
//   kizashi_state_sst_files_bytes             SST files on disk (rocksdb.total-sst-files-size)
//   kizashi_state_memtable_bytes              memtables (rocksdb.cur-size-all-mem-tables)
//   kizashi_state_pending_compaction_bytes    bytes compaction still has to rewrite
//   kizashi_state_running_compactions         compactions running now
//   kizashi_state_keys                        estimated keys (rocksdb.estimate-num-keys)
//   kizashi_state_write_stall{kind}           1 while writes are stopped (kind=stop) or slowed
//                                             down (kind=delay)
//   kizashi_state_write_stalls_total{kind}    write stalls so far (rocksdb.cfstats io_stalls)
// All summed over column families.
//
// Ownership: owned by the runner that owns the store; destroy it before the store (its scrape
// hook reads the store). Thread contract: constructed and destroyed on the runner thread; the
// hook runs on the scrape thread (RocksDB property reads are thread-safe).
#pragma once

#include <memory>

#include "engine/state/state_store.h"
#include "engine/telemetry/metrics.h"

namespace kizashi::runtime {

class StateProbe {
 public:
  StateProbe(telemetry::Metrics& metrics, const state::StateStore* store);
  ~StateProbe();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kizashi::runtime
