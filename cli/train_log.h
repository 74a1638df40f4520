// The machine-readable training log (`neurite train --log FILE`): one JSON object per line, so
// `neurite plot` and the web page can read a run that is still going. The format is described in
// docs/training-log.md.
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace neurite::cli {

class TrainingLogWriter {
 public:
  TrainingLogWriter() = default;
  ~TrainingLogWriter();
  TrainingLogWriter(const TrainingLogWriter&) = delete;
  TrainingLogWriter& operator=(const TrainingLogWriter&) = delete;

  // Starts the log afresh with the "start" record and, for a resumed run, the epochs the
  // checkpoint already holds (written atomically, so records a killed run wrote after its last
  // checkpoint disappear), then keeps it open for appending, locked (flock) until the process ends.
  void open(const std::string& path, const nlohmann::json& start, const std::vector<nlohmann::json>& earlier);
  // Appends one record (its "type" is set here) and flushes it: a reader sees whole lines.
  void write(const std::string& type, nlohmann::json record);
  bool is_open() const { return file_ != nullptr; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace neurite::cli
