// Where the command finds what it ships with (the page's files, the model specs), the MNIST
// folder and the language model's text: beside the running executable, never in the working
// directory, so `neurite` works from any folder. Two roots are tried in order:
// <exe dir>/../share/neurite (the install layout), then the source tree a build-tree binary was
// compiled from.
#pragma once
#include <string>
#include <vector>

namespace neurite::cli {

// The roots, install layout first; those that do not exist are listed too (errors name them).
std::vector<std::string> resource_roots();

// The page's folder (web/, holding index.html); an Error naming every place looked at if none.
std::string page_folder();
// The shipped model specs' folder (models/); an Error naming every place looked at if none.
std::string specs_folder();

// A spec given to --model: the path itself when that file exists, else the shipped spec it
// names ("seed001-cnn", "seed001-cnn.json" or "models/seed001-cnn.json"). An Error naming every
// place looked at when there is none.
std::string find_model_spec(const std::string& given);

// The MNIST folder: `given` (--data) as it is when not empty; else $NEURITE_MNIST when set;
// else the first root's data/mnist that holds MNIST files. An Error naming each folder looked
// at, and how to get the files, when none holds them.
std::string mnist_folder(const std::string& given);
// The same without the Error, for `neurite serve` (it starts without MNIST and answers 503):
// when no folder holds the files, where they are expected.
std::string mnist_folder_or_expected(const std::string& given);

// The language model's text (lm train --text): `given` when not empty; else $NEURITE_CORPUS when
// set; else the first root's data/kjv.txt that exists. An Error naming them, and how to get it.
std::string corpus_file(const std::string& given);

// --data's help text, which says where the folder is looked for.
extern const char* const kDataHelp;

}  // namespace neurite::cli
