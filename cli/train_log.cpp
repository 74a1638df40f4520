#include "train_log.h"

#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "neurite/error.h"
#include "neurite/io/atomic_file.h"

namespace neurite::cli {

namespace {
std::string line_of(const std::string& type, nlohmann::json record) {
  nlohmann::json line = {{"type", type}};
  line.update(record);
  return line.dump() + "\n";
}
}  // namespace

TrainingLogWriter::~TrainingLogWriter() {
  if (file_) std::fclose(file_);
}

void TrainingLogWriter::open(const std::string& path, const nlohmann::json& start, const std::vector<nlohmann::json>& earlier) {
  std::string text = line_of("start", start);
  for (const nlohmann::json& epoch : earlier) text += line_of("epoch", epoch);
  // Locked while this training runs: the kernel drops the lock when the process ends, even by
  // SIGKILL, so a reader can tell a cut log from a quiet one. It is taken on the temporary before
  // the rename, so the log is never seen unlocked while its training still runs.
  const auto keep_open_locked = [this](int fd) {
    file_ = ::fdopen(::dup(fd), "a");
    if (file_) ::flock(::fileno(file_), LOCK_EX | LOCK_NB);
  };
  try {
    write_file_atomically(path, std::vector<uint8_t>(text.begin(), text.end()), keep_open_locked);
  } catch (const Error&) {
    if (file_) std::fclose(file_);  // the rename failed: this is the removed temporary
    file_ = nullptr;
    throw;
  }
  if (!file_) throw Error(path + ": cannot open the log for appending: " + std::strerror(errno));
  path_ = path;
}

void TrainingLogWriter::write(const std::string& type, nlohmann::json record) {
  if (!file_) return;
  const std::string line = line_of(type, std::move(record));
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw Error(path_ + ": cannot write the log: " + std::strerror(errno));
}

}  // namespace neurite::cli
