// `kizashi rules ...`: tools for rule authors (docs/rules.md).
//
//   kizashi rules check RULES... [--config FILE] [--set K=V]
//       parse and compile rules against the configuration's packs; print every diagnostic.
//   kizashi rules test RULES SCENARIO [--config FILE] [--set K=V] [--verbose]
//       replay each scenario (file or directory of *.yaml) through the real stages with the
//       rules in RULES (file or directory) and compare with its expected incidents.
//
// Exit codes: 0 all passed / valid; 1 a scenario failed; 2 usage; 3 invalid rules,
// configuration or scenario.
//
// Thread contract: call from the main thread (writes to stdout/stderr).
#pragma once

namespace kizashi::correlate::cli {

// argv[1] is "rules".
int RulesMain(int argc, char** argv);

}  // namespace kizashi::correlate::cli
