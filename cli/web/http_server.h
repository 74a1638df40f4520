// cpp-httplib's server with the connection handling `neurite serve` needs under load and abuse
// (tests/serve_load.cpp, 200 clients on loopback). httplib (0.11) alone failed it three ways:
//  - its pool has a fixed number of workers and a worker stays with its connection while the
//    connection idles or trickles in, so 20 clients sending a byte a second held all 16 workers
//    and every other request waited; here each connection has a thread of its own;
//  - its read timeout is per read, so a byte a second was never cut, and a request line or
//    headers without an end grew in memory without bound; here each request must arrive whole
//    within kRequestDeadline, with at most kMaxHeaderBytes of header;
//  - stop() waited for every worker, so a slow client kept SIGTERM from ending the server; here
//    stop() closes every open connection.
// At most kMaxConnections are open at once; more are answered 503 and closed.
#pragma once
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <set>

namespace neurite::web {

constexpr std::size_t kMaxConnections = 512;  // under the usual 1024 open files, with room to spare
constexpr std::chrono::seconds kRequestDeadline{10};  // from a request's first byte to its body's last
constexpr std::chrono::seconds kIdleTimeout{5};       // a connection waiting for its next request
constexpr std::size_t kMaxHeaderBytes = 64 << 10;     // request line and headers together

class HttpServer : public httplib::Server {
 public:
  HttpServer();
  // Stops listening and closes every open connection; run() returns once their threads end.
  void stop_all();

 private:
  bool process_and_close_socket(socket_t sock) override;  // one connection, on a thread of its own
  void serve_connection(socket_t sock);
  bool admit(socket_t sock);  // false when stopping or at kMaxConnections
  void release(socket_t sock);

  std::mutex mutex_;
  std::set<socket_t> open_;  // the connections being served
  bool stopping_ = false;
};

}  // namespace neurite::web
