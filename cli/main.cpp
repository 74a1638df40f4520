// neurite: the command-line tool. main only builds the subcommands and turns any error into one
// line on stderr and a non-zero exit.
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.h"
#include "neurite/error.h"
#include "neurite/ops/kernels.h"
#include "processes.h"

namespace {
// One line on stderr; with several processes (mpirun) it names the process and ends them all.
int fail(int code, const char* kind, const std::string& message) {
  if (neurite::cli::process_count() > 1)
    std::fprintf(stderr, "neurite (process %d of %d): %s: %s\n", neurite::cli::process_rank(),
                 neurite::cli::process_count(), kind, message.c_str());
  else
    std::fprintf(stderr, "neurite: %s: %s\n", kind, message.c_str());
  neurite::cli::end_processes_after_error(code);
  return code;
}
}  // namespace

int main(int argc, char** argv) {
  std::string kernels;
  try {
    // Chosen before anything runs, so a bad NEURITE_KERNELS is reported before data is read.
    kernels = neurite::kernel_family();
    neurite::cli::start_processes(argc, argv);
  } catch (const neurite::Error& e) {
    return fail(1, "error", e.what());
  }
  CLI::App app{"neurite: neural networks from the classic curriculum, in C++"};
  app.require_subcommand(0, 1);  // an unknown word is then reported by name
  app.set_version_flag("--version", "neurite 0.1.0 (kernels: " + kernels + ")");
  neurite::cli::add_train_command(app);
  neurite::cli::add_eval_command(app);
  neurite::cli::add_predict_command(app);
  neurite::cli::add_backquery_command(app);
  neurite::cli::add_backprop_command(app);
  neurite::cli::add_export_command(app);
  neurite::cli::add_import_command(app);
  neurite::cli::add_gradcheck_command(app);
  neurite::cli::add_plot_command(app);
  neurite::cli::add_inspect_command(app);
  neurite::cli::add_ensemble_command(app);
  neurite::cli::add_lm_command(app);
  neurite::cli::add_long_range_command(app);
  neurite::cli::add_serve_command(app);
  neurite::cli::add_seed_commands(app);
  // Only training shares its work between processes; any other command would run N times over.
  if (neurite::cli::process_count() > 1 && (argc < 2 || std::string(argv[1]) != "train"))
    return fail(2, "error", "only `neurite train` runs on several processes: start other commands without mpirun");
  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      return fail(2, "error", "a subcommand is required, e.g. neurite train (see --help)");
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(2, "error", std::string(e.what()) + " (see --help)");
  } catch (const neurite::Error& e) {
    return fail(1, "error", e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the system refuses (a link loop, a forbidden folder) is bad input, said in one line.
    return fail(1, "error", e.path1().string() + ": " + e.code().message());
  } catch (const std::exception& e) {
    return fail(3, "internal error", e.what());
  }
  neurite::cli::stop_processes();
  return 0;
}
