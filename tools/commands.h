// The `zring` command's subcommands. Each lives in its own file and registers itself on the
// CLI11 app; main.cc calls every Register* below.
#ifndef ZRING_TOOLS_COMMANDS_H_
#define ZRING_TOOLS_COMMANDS_H_

#include "CLI/CLI.hpp"

namespace zring::tools {

// Subcommands of `zring bench`.

}  // namespace zring::tools

#endif  // ZRING_TOOLS_COMMANDS_H_
