// The `kizashi run` process: its start-up steps, its threads and its stop.
//
// Steps, in order (a failure names its step):
//   1. signals   SIGINT, SIGTERM and SIGHUP are blocked in every thread and taken by one
//                thread with sigwait — nothing runs in signal context;
//   2. endpoint  /metrics, /healthz, /readyz (before anything slow, so /readyz says "not
//                ready" during a long pack compile instead of refusing connections);
//   3. snapshot  registry, packs and rules loaded, validated, compiled: generation 1;
//   4. run       the runner opens the state, restores every partition (now ready) and
//                processes batches, each pinning the snapshot in service;
//   5. stop      the first SIGTERM/SIGINT marks the process not ready, lets the batch in
//                flight finish, flush and commit, and returns; a watchdog exits with status 1
//                if that takes longer than lifecycle.drain_timeout; a second signal exits at
//                once (status 128+signal).
// SIGHUP (and a change of the watched files: every snapshot input with lifecycle.watch, else
// the registry's files every registry.watch_interval) asks the reload thread for a reload
// (runtime::Reloader); requests arriving during one reload are coalesced into the next.
//
// Under systemd (Type=notify) the process reports READY=1 once ready, RELOADING=1/READY=1
// around reloads and STOPPING=1 when draining.
#pragma once

#include <string>
#include <vector>

#include "engine/runtime/engine_config.h"

namespace kizashi::app {

// Returns the process exit status.
int RunService(const runtime::EngineConfig& config, const std::string& config_path,
               const std::vector<std::string>& overrides, bool reset_state);

}  // namespace kizashi::app
