// zring: the command-line tool. See `zring --help` and README.md.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "tools/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"zring: fast reads of chunked N-d arrays (Zarr)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "zring 0.1.0");

  zring::tools::RegisterInfo(app);
  zring::tools::RegisterChecksum(app);
  zring::tools::RegisterCreate(app);
  zring::tools::RegisterConvert(app);
  zring::tools::RegisterSample(app);

  CLI::App* bench = app.add_subcommand("bench", "Throughput benchmarks");
  bench->require_subcommand(1);
  // zring::tools::RegisterBench*(*bench) calls go here.
  zring::tools::RegisterBenchIo(*bench);
  zring::tools::RegisterBenchCrops(*bench);

  CLI11_PARSE(app, argc, argv);
  return 0;
}
