// neurite import: weights trained in PyTorch (a state_dict saved as safetensors) into a neurite
// model file, for a spec of the same architecture. The library does the matching
// (neurite/io/torch_import.h); this reads the flags and reports what went where.
#include <cstdio>

#include "commands.h"
#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "neurite/io/torch_import.h"
#include "neurite/train/run_config.h"

namespace neurite::cli {

namespace {
struct ImportArgs {
  std::string state_dict;
  std::string spec;
  std::string out;
  std::vector<std::string> modules;
  bool quiet = false;
};

void run_import(const ImportArgs& a) {
  const ModelSpec spec = read_model_spec(a.spec);
  RunConfig config;
  try {
    config = run_config_of(spec);
    validate(config);
  } catch (const Error& e) {
    throw Error(a.spec + ": " + e.what());
  }
  Network network = build_network(config);
  const std::vector<ImportedTensor> imported = import_torch_state_dict(a.state_dict, network, a.modules);
  save_model(a.out, network, model_info(config));
  if (!a.quiet)
    for (const ImportedTensor& t : imported)
      std::printf("  %-28s %-16s -> %s\n", t.torch_name.c_str(), to_string(t.shape).c_str(), t.neurite_name.c_str());
  std::printf("saved %s: %zu tensors from %s into the layers of %s\n", a.out.c_str(), imported.size(),
              a.state_dict.c_str(), a.spec.c_str());
}
}  // namespace

void add_import_command(CLI::App& app) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "import", "Weights trained in PyTorch (a state_dict saved with safetensors) into a model file, for a spec of the "
                "same architecture");
  cmd->add_option("state_dict", args->state_dict, "The state_dict (.safetensors), with PyTorch's names")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--model", args->spec, "The model spec (JSON) with the same layers, and the input scaling and cost")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "The model file to write (.safetensors)")->required();
  cmd->add_option("--modules", args->modules,
                  "The state_dict's modules in the spec's layer order, when sorting their names does not give it "
                  "(\"conv,bn,fc\")")
      ->delimiter(',');
  cmd->add_flag("--quiet", args->quiet, "Print only the last line, not each tensor's place");
  cmd->callback([args] { run_import(*args); });
}

}  // namespace neurite::cli
