#include "commands.h"
namespace neurite::cli {
void add_predict_command(CLI::App&) {}
}  // namespace neurite::cli
