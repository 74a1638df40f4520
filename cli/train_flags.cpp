#include "train_flags.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "common.h"
#include "neurite/error.h"
#include "neurite/optim/optimizer.h"
#include "neurite/train/run_config.h"

namespace neurite::cli {

namespace {

struct FlagHelp {
  const char* key;
  const char* help;
  bool positive_when_given = false;  // off by default; typing it asks for a positive value
};

const std::vector<FlagHelp> kFlags = {
    {"layers", "Layer sizes, input first; 'in' and 'out' take the data's (in,64,out)"},
    {"activation", "Hidden (and by default output) activation: step, identity, sigmoid, tanh, relu"},
    {"output", "Output activation; default: the cost's (softmax, sigmoid, none for regression), or --activation"},
    {"init", "nielsen N(0,1), nielsen-scaled N(0,1/n_in), xavier, he, rashid, uniform or pytorch U(+-1/sqrt(n_in))"},
    {"uniform_limit", "With --init uniform: weights from [-limit, limit]"},
    {"no_bias", "Dense layers without biases (Rashid's network)"},
    {"dropout", "Dropout probability after each hidden layer"},
    {"input_dropout", "Dropout probability on the input pixels"},
    {"targets", "One-hot off,on values: 0,1  0.1,0.9  0.01,0.99"},
    {"scale", "Pixel scaling: unit [0,1], rashid [0.01,1] or standard (mean 0, deviation 1)"},
    {"train_size", "Training images (the rest of 60,000 is validation)"},
    {"eval_on", "The watched set: test or validation"},
    {"augment", "On-the-fly augmentation, e.g. rotate=10,shift=1,scale=0.1,shear=0.1,p=0.5"},
    {"cost", "quadratic, cross-entropy (sigmoid outputs), log-likelihood (softmax), or for regression mse, mae, "
             "huber; default: the task's (quadratic on MNIST's folder)"},
    {"optimizer", "The optimiser: "},  // its kinds are appended
    {"rate", "Learning rate eta"},
    {"momentum", "sgd: momentum"},
    {"nesterov", "sgd: Nesterov momentum"},
    {"beta1", "adam, adamw: first-moment decay"},
    {"beta2", "adam, adamw: second-moment decay"},
    {"eps", "adam, adamw, rmsprop, adagrad: epsilon (adagrad's default: 1e-10)"},
    {"weight_decay", "adamw: decoupled weight decay"},
    {"alpha", "rmsprop: smoothing of the squared gradient"},
    {"l2", "L2 regularisation lambda (Nielsen's, divided by the training-set size)"},
    {"l1", "L1 regularisation lambda"},
    {"max_norm", "Clip each unit's incoming weight vector to this norm"},
    {"clip_norm", "Rescale the gradients when their global L2 norm exceeds this", true},
    {"clip_value", "Clamp every gradient entry to [-v, v]", true},
    {"epochs", "Passes over the training set"},
    {"batch", "Mini-batch size"},
    {"seed", "Seed for the weights, shuffles, dropout and augmentation"},
    {"eval_every", "Evaluate every k epochs"},
    {"schedule", "Learning-rate schedule: constant, step, plateau, cosine (per epoch), cosine-steps or one-cycle (per mini-batch)"},
    {"step_every", "step: epochs between rate cuts"},
    {"step_factor", "step: the rate's factor at each cut"},
    {"plateau_patience", "plateau: evaluations without improvement before a cut"},
    {"plateau_factor", "plateau: the rate's factor at each cut"},
    {"plateau_min_fraction", "plateau: stop when the rate falls below this fraction of eta"},
    {"cosine_epochs", "cosine: epochs the curve spans (0: the run's)"},
    {"cosine_min_rate", "cosine: the final rate"},
    {"one_cycle_warmup", "one-cycle: the fraction of the run over which the rate rises to eta"},
    {"one_cycle_start", "one-cycle: the first rate, as a fraction of eta"},
    {"one_cycle_end", "one-cycle: the last rate, as a fraction of eta"},
    {"patience", "Early stopping: evaluations without a new best before stopping", true},
    {"stop_when_worse", "Stop when an evaluation is worse than the previous one (seed 002)"},
    {"ema", "Weight averaging: evaluate and save an exponential moving average of the weights with this decay "
            "per step (e.g. 0.999); 0: off"},
    {"monitor", "Also measure cost and accuracy on the training and the other held-out set"},
    {"grad_norms", "Record each layer's mean gradient norm per epoch"},
    {"shards", "Cut each batch into this many shards summed in a fixed order: the same model on any number of "
               "processes (mpirun); 0: whole batches, or one shard per process under mpirun", true},
    {"format", "The data's format: auto, csv, tsv, json, npy, npz, idx, images or mnist"},
    {"target", "Tables: the target column(s), by name or 0-based index; default the last"},
    {"ignore", "Tables: columns that are not inputs (date,id)"},
    {"categorical", "Tables: columns read as categories even when they hold numbers"},
    {"header", "Tables: auto (a first line without numbers), yes or no"},
    {"task", "auto, classification, binary (one sigmoid output) or regression"},
    {"missing", "Tables' missing values (empty, NA, ?): refuse, drop (the rows), mean, median or zero"},
    {"normalize", "Tables and arrays: standard (mean 0, deviation 1), minmax ([0, 1]) or none"},
    {"image_size", "Image folders: every picture resized to WxH (default: the first's)"},
    {"color", "Image folders: auto, grey or rgb"},
    {"validation_split", "Of the training data, held out to validate (seeded, stratified by class)"},
    {"test_split", "Of the data, held out to test when it has no test set of its own"},
};

// The flag's text as the JSON value its key holds; the Error names the flag.
nlohmann::json value_of(const std::string& key, const std::string& text, const nlohmann::json& model) {
  if (model.is_boolean()) return true;
  if (model.is_string()) return text;
  const std::string bad = flag_of(key) + " " + text + ": expected " + (model.is_number_float() ? "a number" : "a whole number");
  const char* end = text.data() + text.size();
  if (model.is_number_float()) {
    double v = 0;
    const auto r = std::from_chars(text.data(), end, v);
    require(r.ec == std::errc() && r.ptr == end && std::isfinite(v), bad);
    return v;
  }
  if (model.is_number_unsigned()) {
    uint64_t v = 0;
    const auto r = std::from_chars(text.data(), end, v);
    require(r.ec == std::errc() && r.ptr == end, bad + " >= 0");
    return v;
  }
  int64_t v = 0;
  const auto r = std::from_chars(text.data(), end, v);
  require(r.ec == std::errc() && r.ptr == end, bad);
  return v;
}

// The help of `key`: the table's, or for a key the table does not know (a new optimiser's or
// schedule's) a line naming where it is described.
FlagHelp help_of(const std::string& key) {
  for (const FlagHelp& flag : kFlags)
    if (key == flag.key) return flag;
  return {nullptr, "a setting of the chosen optimizer or schedule (docs/library.md)"};
}

// Every key of the configuration: the table's in its order, then any other.
std::vector<std::string> flag_keys(const nlohmann::json& defaults) {
  std::vector<std::string> keys;
  for (const FlagHelp& flag : kFlags) keys.emplace_back(flag.key);
  for (const auto& [key, value] : defaults.items())
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  return keys;
}

}  // namespace

std::string flag_of(const std::string& key) {
  std::string flag = "--" + key;
  for (char& c : flag)
    if (c == '_') c = '-';
  return flag;
}

void add_config_flags(CLI::App* cmd, ConfigFlagValues& values) {
  const nlohmann::json defaults = run_config_defaults();
  for (const std::string& key : flag_keys(defaults)) {
    const nlohmann::json& model = defaults.at(key);
    const FlagHelp help = help_of(key);
    const std::string text = help.help + (key == "optimizer" ? optimizer_kinds() : "");
    std::string& value = values[key];
    if (model.is_boolean()) {
      cmd->add_flag_callback(flag_of(key), [&value] { value = "true"; }, text);
      continue;
    }
    CLI::Option* option = cmd->add_option(flag_of(key), value, text);
    option->type_name(model.is_string() ? "TEXT" : model.is_number_float() ? "FLOAT" : "INT");
    const std::string shown = model.is_string() ? model.get<std::string>() : model.dump();
    if (!shown.empty() && !help.positive_when_given) option->default_str(shown);
    if (help.positive_when_given) option->check(positive_number());
  }
}

nlohmann::json typed_config_flags(const CLI::App& cmd, const ConfigFlagValues& values) {
  const nlohmann::json defaults = run_config_defaults();
  nlohmann::json typed = nlohmann::json::object();
  for (const std::string& key : flag_keys(defaults))
    if (cmd.get_option(flag_of(key))->count() > 0) typed[key] = value_of(key, values.at(key), defaults.at(key));
  return typed;
}

std::string name_the_source(const std::string& message, const nlohmann::json& typed, const std::string& source) {
  const std::size_t end = message.find_first_of(" :");
  const std::string key = message.substr(0, end);
  if (typed.contains(key)) return flag_of(key) + message.substr(key.size());
  return source + ": " + message;
}

}  // namespace neurite::cli
