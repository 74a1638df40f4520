#include "neurite/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "neurite/error.h"

namespace neurite {

namespace {
// The error of a failed write, which also says what became of the file: a full disk must not
// leave the user wondering whether the model saved last time is still there.
Error write_error(const std::string& path, const std::string& what, int error) {
  struct stat info {};
  const bool previous = ::stat(path.c_str(), &info) == 0;
  return Error(path + ": " + what + " (" + std::strerror(error) + "); " +
               (previous ? "the previous file is unchanged" : "nothing was written"));
}
}  // namespace

void write_file_atomically(const std::string& path, std::span<const uint8_t> bytes,
                           const std::function<void(int)>& before_rename) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw write_error(path, "cannot write", errno);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;  // a write of nothing sets no errno
      ::close(fd);
      ::unlink(temp.c_str());
      throw write_error(path, "write failed", error);
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  if (synced && before_rename) before_rename(fd);
  const bool closed = ::close(fd) == 0;
  if (!synced || !closed || std::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw write_error(path, "could not finish writing", error);
  }
}

}  // namespace neurite
