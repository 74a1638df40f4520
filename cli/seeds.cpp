#include "commands.h"
namespace neurite::cli {
void add_seed_commands(CLI::App&) {}
}  // namespace neurite::cli
