#include "commands.h"
namespace neurite::cli {
void add_backquery_command(CLI::App&) {}
}  // namespace neurite::cli
