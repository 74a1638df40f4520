// The flags of `neurite train` that set the run configuration (train/run_config.h): one per key
// of its JSON form, --train-size for "train_size", typed as the key's default is.
#pragma once
#include <CLI/CLI.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace neurite::cli {

// What the flags were given as, by key. Switches (--no-bias) hold "true".
using ConfigFlagValues = std::map<std::string, std::string>;

void add_config_flags(CLI::App* cmd, ConfigFlagValues& values);
// The keys and values of the flags typed, in the configuration's JSON form.
nlohmann::json typed_config_flags(const CLI::App& cmd, const ConfigFlagValues& values);
// "train_size" -> "--train-size"
std::string flag_of(const std::string& key);
// An Error message from reading or checking a configuration, naming where its leading key came
// from: the flag when the key was typed ("--dropout must be ..."), else `source` ("spec.json: ...").
std::string name_the_source(const std::string& message, const nlohmann::json& typed, const std::string& source);

}  // namespace neurite::cli
