// kizashi-patterns: `kizashi patterns ...` as a stand-alone binary (argv[0] becomes "patterns").
#include "patterns/cli/cli.h"

int main(int argc, char** argv) {
  char name[] = "patterns";
  argv[0] = name;
  return kizashi::patterns::PatternsMain(argc, argv);
}
