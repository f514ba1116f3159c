// The information-handling subcommands of the kizashi binary (docs/information-handling.md):
//   kizashi ledger query --config FILE [--operator ID] [--json]   who received what
//   kizashi ledger verify --config FILE                            check the hash chain
//   kizashi documents verify --key PUB... FILE                     check document signatures
//   kizashi exercise run SCENARIO --config FILE [--json]           run an exercise (訓練)
#pragma once

namespace kizashi::app {

int CmdLedger(int argc, char** argv);
int CmdDocuments(int argc, char** argv);
int CmdExercise(int argc, char** argv);

}  // namespace kizashi::app
