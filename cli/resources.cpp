#include "resources.h"

#include <cstdlib>
#include <filesystem>

#include "neurite/error.h"

namespace neurite::cli {

namespace {

namespace fs = std::filesystem;

const char* const kMnistFiles[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                   "t10k-labels-idx1-ubyte"};

// "a", "a or b", "a, b or c" (or "and"): the places looked at, for an error.
std::string listed(const std::vector<std::string>& places, const std::string& last = " or ") {
  std::string text;
  for (std::size_t i = 0; i < places.size(); ++i)
    text += (i == 0 ? "" : i + 1 == places.size() ? last : ", ") + places[i];
  return text;
}

std::vector<std::string> under_roots(const std::string& relative) {
  std::vector<std::string> places;
  for (const std::string& root : resource_roots()) places.push_back((fs::path(root) / relative).string());
  return places;
}

// The first of `places` holding `file`, else an Error: "no <file> in <places> (<hint>)".
std::string first_holding(const std::vector<std::string>& places, const std::string& file, const std::string& what,
                          const std::string& hint) {
  for (const std::string& place : places)
    if (fs::exists(fs::path(place) / file)) return place;
  throw Error(what + " not found: no " + file + " in " + listed(places) + " (" + hint + ")");
}

bool holds_mnist(const fs::path& folder) {
  for (const char* name : kMnistFiles)
    if (fs::exists(folder / name) || fs::exists(folder / (std::string(name) + ".gz"))) return true;
  return false;
}

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

const char* const kDataHelp =
    "Folder with the MNIST IDX files (default: $NEURITE_MNIST, else data/mnist in share/neurite beside the "
    "executable or in its source tree)";

std::vector<std::string> resource_roots() {
  std::vector<std::string> roots;
  std::error_code error;
  const fs::path exe = fs::canonical("/proc/self/exe", error);
  if (!error) roots.push_back((exe.parent_path().parent_path() / "share" / "neurite").string());
#ifdef NEURITE_SOURCE_DIR
  // Only a fallback, for a binary run from its build tree before it is installed.
  roots.push_back(fs::path(NEURITE_SOURCE_DIR).lexically_normal().string());
#endif
  return roots;
}

std::string page_folder() {
  return first_holding(under_roots("web"), "index.html", "the page's files", "give --web DIR");
}

std::string specs_folder() {
  const std::vector<std::string> places = under_roots("models");
  for (const std::string& place : places)
    if (fs::is_directory(place)) return place;
  throw Error("the model specs' folder not found: looked at " + listed(places, " and ") + " (give --specs DIR)");
}

std::string find_model_spec(const std::string& given) {
  const fs::path path(given);
  if (fs::is_regular_file(path) || path.is_absolute()) return given;  // an absolute path is meant as typed
  fs::path shipped = path.has_parent_path() ? path : fs::path("models") / path;
  if (!shipped.has_extension()) shipped += ".json";
  std::vector<std::string> places{given};
  for (const std::string& place : under_roots(shipped.string())) {
    if (fs::is_regular_file(place)) return place;
    places.push_back(place);
  }
  throw Error("model spec " + given + " not found: looked at " + listed(places, " and "));
}

std::string mnist_folder(const std::string& given) {
  if (!given.empty()) return given;
  const std::string env = environment("NEURITE_MNIST");
  const std::string get = "scripts/fetch-mnist.sh (or scripts/main.sh) fetches them into the source tree's data/mnist";
  if (!env.empty()) {
    if (holds_mnist(env)) return env;
    throw Error("no MNIST files in " + env + " (named by NEURITE_MNIST): " + get + ", or pass --data FOLDER");
  }
  const std::vector<std::string> places = under_roots("data/mnist");
  for (const std::string& place : places)
    if (holds_mnist(place)) return place;
  throw Error("no MNIST files in " + listed(places) + ": " + get + "; or pass --data FOLDER or set NEURITE_MNIST");
}

std::string corpus_file(const std::string& given) {
  if (!given.empty()) return given;
  const std::string env = environment("NEURITE_CORPUS");
  if (!env.empty()) return env;  // read as given: a missing file is named by the reader
  const std::vector<std::string> places = under_roots("data/kjv.txt");
  for (const std::string& place : places)
    if (fs::is_regular_file(place)) return place;
  throw Error("no text in " + listed(places) + ": scripts/fetch_corpus.sh extracts the King James Bible into the "
              "source tree's data/kjv.txt; or pass --text FILE or set NEURITE_CORPUS");
}

std::string mnist_folder_or_expected(const std::string& given) {
  try {
    return mnist_folder(given);
  } catch (const Error&) {
    if (!environment("NEURITE_MNIST").empty()) return environment("NEURITE_MNIST");
    // The first root that exists: the install's folder, or the source tree's for a build-tree binary.
    const std::vector<std::string> places = under_roots("data/mnist");
    for (const std::string& place : places)
      if (fs::is_directory(fs::path(place).parent_path().parent_path())) return place;
    return places.front();
  }
}

}  // namespace neurite::cli
