// What every fuzz target shares: the input as a file (for readers that take a path), and the
// rule that an input is either read or refused with a neurite::Error. Any other exception means
// a reader let a library's error escape (the CLI would print "internal error"), so it aborts and
// libFuzzer keeps the input.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "neurite/error.h"

namespace neurite::fuzz {

// A file of this process's own, rewritten with each input; `suffix` keeps readers that look at
// the extension (".gz", ".png") on the path under test.
const std::string& write_input(std::span<const uint8_t> bytes, const std::string& suffix = "");

// The folder of this process's own scratch files (created once, emptied by the caller's use).
const std::string& scratch_folder();

[[noreturn]] void escaped(const char* what);

// Runs `read`; a neurite::Error is the clean refusal, anything else aborts.
template <class Read>
void read_or_refuse(Read&& read) {
  try {
    read();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    escaped(e.what());
  } catch (...) {
    escaped("an exception that is not a std::exception");
  }
}

}  // namespace neurite::fuzz
