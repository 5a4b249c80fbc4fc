// The `zring` command's subcommands. Each lives in its own file and registers itself on the
// CLI11 app; main.cc calls every Register* below.
#ifndef ZRING_TOOLS_COMMANDS_H_
#define ZRING_TOOLS_COMMANDS_H_

#include "CLI/CLI.hpp"

namespace zring::tools {

// `zring info STORE [--json]` (tools/info.cc).
void RegisterInfo(CLI::App& app);
// `zring checksum STORE [ARRAY]` (tools/checksum.cc).
void RegisterChecksum(CLI::App& app);
// `zring create STORE --shape ... --chunks ... [--shard ...] [--pattern ...]` (tools/create.cc).
void RegisterCreate(CLI::App& app);
// `zring convert SRC DST [--chunks ...] [--shard ...] [--codec ...]` (tools/convert.cc).
void RegisterConvert(CLI::App& app);
// `zring sample STORE --crop 4,128,128 [--arrays a,b,c] [--out DIR]` (tools/sample.cc).
void RegisterSample(CLI::App& app);

// Subcommands of `zring bench`.
// `zring bench io FILE [...] [--vs-fio]` (tools/bench_io.cc).
void RegisterBenchIo(CLI::App& bench);
// `zring bench crops STORE --crop 4,128,128 --n 2000 [...]` (tools/bench_crops.cc).
void RegisterBenchCrops(CLI::App& bench);

}  // namespace zring::tools

#endif  // ZRING_TOOLS_COMMANDS_H_
