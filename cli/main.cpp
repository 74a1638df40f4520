// neurite: the command-line tool. main only builds the subcommands and turns any error into one
// line on stderr and a non-zero exit.
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "neurite/error.h"

int main(int argc, char** argv) {
  CLI::App app{"neurite: neural networks from the classic curriculum, in C++"};
  app.require_subcommand(0, 1);  // an unknown word is then reported by name
  app.set_version_flag("--version", "neurite 0.1.0");
  neurite::cli::add_train_command(app);
  neurite::cli::add_eval_command(app);
  neurite::cli::add_predict_command(app);
  neurite::cli::add_backquery_command(app);
  neurite::cli::add_gradcheck_command(app);
  neurite::cli::add_plot_command(app);
  neurite::cli::add_inspect_command(app);
  neurite::cli::add_ensemble_command(app);
  neurite::cli::add_lm_command(app);
  neurite::cli::add_long_range_command(app);
  neurite::cli::add_serve_command(app);
  neurite::cli::add_seed_commands(app);
  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      std::fprintf(stderr, "neurite: error: a subcommand is required, e.g. neurite train (see --help)\n");
      return 2;
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "neurite: error: %s (see --help)\n", e.what());
    return 2;
  } catch (const neurite::Error& e) {
    std::fprintf(stderr, "neurite: error: %s\n", e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the system refuses (a link loop, a forbidden folder) is bad input, said in one line.
    std::fprintf(stderr, "neurite: error: %s: %s\n", e.path1().c_str(), e.code().message().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "neurite: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
