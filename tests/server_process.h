// `neurite serve` as a child process for the tests: started on a free loopback port (--port 0)
// with its output piped back, the port read from its first line, stopped with a signal.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace neurite::testing {

class ServerProcess {
 public:
  // Runs `binary serve --port 0 ARGS...` in `folder` (empty: this one). When the server does not
  // start, port() is 0 and first_line() says why.
  explicit ServerProcess(std::vector<std::string> args, const std::string& folder = "",
                         const std::string& binary = NEURITE_CLI);
  ~ServerProcess();  // kills the server if it still runs
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& first_line() const { return first_line_; }
  // Sends `signal` and waits for the exit; the exit code, or -1 (no exit in time, or a signal).
  int stop(int signal, std::chrono::seconds timeout = std::chrono::seconds(20));
  // What the server printed since, until it is quiet for `timeout`.
  std::string read_rest(std::chrono::milliseconds timeout);
  // GET `path` over a plain socket: the whole HTTP reply, or "" when nothing answered.
  std::string get(const std::string& path) const;

 private:
  std::string read_line(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  bool exited_ = false;
  std::string first_line_;
};

}  // namespace neurite::testing
