// Helpers shared by the subcommands: parsing list-valued flags, reading the data settings a
// model was trained with, and reading a digit someone drew (progress.h: the progress bar).
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "neurite/data/image.h"
#include "neurite/data/mnist.h"
#include "neurite/io/model_file.h"
#include "neurite/layers/layer.h"
#include "progress.h"

namespace neurite::cli {

// A CLI11 check: the option's value is a finite number > 0 ("must be a positive number, got 0").
CLI::Validator positive_number();
Initializer::Kind parse_init(const std::string& text);          // "nielsen" | "rashid" | "uniform"

// The off / on outputs to backquery a model with: those it was trained towards, unless they
// are 0 or 1, whose logits are infinite; then Rashid's 0.01 / 0.99.
TargetValues backquery_targets(const ModelInfo& info);

// A 28x28 PNG or PGM digit, white ink on black as in MNIST. MNIST digits are white on black; a
// picture that is mostly light is almost surely dark ink on paper, so with Invert::Auto one whose
// mean pixel is above the middle is inverted (and stdout says so). Other sizes are an Error.
enum class Invert { Auto, Always, Never };
GrayImage read_digit_picture(const std::string& path, Invert invert);

}  // namespace neurite::cli
