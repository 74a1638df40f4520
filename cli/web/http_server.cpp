#include "http_server.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <thread>
#include <vector>

namespace neurite::web {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kRefusingThreads = 16;

// Runs each job (a connection) at once: on an idle thread when there is one, else on a new one.
// Threads stay for the next connections (a thread made for each cost more than the prediction
// it served). There are at most kMaxConnections, one for each connection served, and
// kRefusingThreads more, so that a connection over the limit is refused at once.
class ConnectionThreads : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> job) override {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    if (idle_ < jobs_.size() && threads_.size() < kMaxConnections + kRefusingThreads)
      threads_.emplace_back([this] { work(); });
    else
      wake_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();  // no more enqueue() once the server stops
  }

 private:
  void work() {
    std::unique_lock lock(mutex_);
    while (true) {
      ++idle_;
      wake_.wait(lock, [&] { return !jobs_.empty() || stopping_; });
      --idle_;
      if (jobs_.empty()) return;  // stopping, and nothing left to do
      const std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;  // threads waiting for a job
  bool stopping_ = false;
};

// poll() for `events` until `until`, through signals (SIGTERM may land on any thread).
bool wait_for(socket_t sock, short events, Clock::time_point until) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{sock, events, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000 * 1000)));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

void address_of(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  auto* a = reinterpret_cast<sockaddr*>(&address);
  if ((peer ? ::getpeername(sock, a, &length) : ::getsockname(sock, a, &length)) != 0) return;
  char host[NI_MAXHOST], service[NI_MAXSERV];
  if (::getnameinfo(a, length, host, sizeof host, service, sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(service);
  }
}

// A connection's socket as httplib reads requests from it: buffered (httplib reads a request's
// header a byte at a time), and each request bounded in time and size. Past its deadline or its
// limits a read fails, and httplib answers 400 or 413, or closes the connection.
class RequestStream : public httplib::Stream {
 public:
  // `max_body`: the most body bytes one request may send. httplib itself refuses a declared
  // Content-Length over its payload limit, but reads such a body to its end before answering 413,
  // and it takes a chunked body, or one without a length, whatever its size.
  RequestStream(socket_t sock, std::size_t max_body, std::chrono::seconds write_timeout)
      : sock_(sock), max_body_(max_body), write_timeout_(write_timeout) {}

  // True when the next request begins within `idle` (or the peer closed: the read says so).
  bool wait_for_request(std::chrono::seconds idle) {
    return begin_ < end_ || wait_for(sock_, POLLIN, Clock::now() + idle);
  }
  void begin_request() {
    deadline_ = Clock::now() + kRequestDeadline;
    header_bytes_ = body_bytes_ = 0;
    header_end_matched_ = 0;
  }

  bool is_readable() const override { return begin_ < end_ || wait_for(sock_, POLLIN, deadline_); }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, Clock::now() + write_timeout_); }

  ssize_t read(char* ptr, std::size_t size) override {
    if (begin_ == end_) {
      cut_ = !wait_for(sock_, POLLIN, deadline_);
      if (cut_) return -1;
      const ssize_t n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    const std::size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    cut_ = !count(ptr, n);
    return cut_ ? -1 : static_cast<ssize_t>(n);
  }
  // The last request ran past its deadline or a limit: httplib may have answered 400, but the
  // connection ends there (else its next bytes would start a request with a fresh deadline).
  bool cut() const { return cut_; }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (!is_writable()) return -1;
    return ::send(sock_, ptr, size, MSG_NOSIGNAL);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(sock_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(sock_, false, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  // Counts the bytes handed to httplib: header bytes until the blank line that ends the header,
  // body bytes after. False past either limit.
  bool count(const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n && header_end_matched_ < 4; ++i) {
      ++header_bytes_;
      header_end_matched_ = data[i] == "\r\n\r\n"[header_end_matched_] ? header_end_matched_ + 1
                            : data[i] == '\r'                         ? 1
                                                                      : 0;
    }
    if (header_end_matched_ < 4) return header_bytes_ <= kMaxHeaderBytes;
    body_bytes_ += n;  // may count the header's last few bytes too
    return body_bytes_ <= max_body_;
  }

  socket_t sock_;
  std::size_t max_body_;
  std::chrono::seconds write_timeout_;
  std::array<char, 4096> buffer_{};
  std::size_t begin_ = 0, end_ = 0;  // what buffer_ holds that was not read yet
  Clock::time_point deadline_{};
  std::size_t header_bytes_ = 0, body_bytes_ = 0;
  int header_end_matched_ = 0;  // how much of "\r\n\r\n" the last bytes read match
  bool cut_ = false;
};

// Written before reading anything of the request (a client that is still sending may miss it):
// the connection is not served either way.
void refuse(socket_t sock) {
  static const std::string body = R"({"error": "neurite serve has its most connections open ()" +
                                  std::to_string(kMaxConnections) + R"(), or is stopping; try again"})";
  static const std::string reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                   "Content-Length: " + std::to_string(body.size()) +
                                   "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body;
  [[maybe_unused]] const ssize_t sent = ::send(sock, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

HttpServer::HttpServer() {
  new_task_queue = [] { return new ConnectionThreads; };
}

void HttpServer::stop_all() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  stop();  // closes the listening socket, once listening has begun
  // Closes it before then too (a signal right after the start), so that run() returns at once.
  if (const socket_t listening = svr_sock_.exchange(INVALID_SOCKET); listening != INVALID_SOCKET) {
    ::shutdown(listening, SHUT_RDWR);
    ::close(listening);
  }
  // Wakes every connection's thread, wherever it waits: reads see the end, writes fail.
  for (socket_t sock : open_) ::shutdown(sock, SHUT_RDWR);
}

bool HttpServer::admit(socket_t sock) {
  std::lock_guard lock(mutex_);
  if (stopping_ || open_.size() >= kMaxConnections) return false;
  open_.insert(sock);
  return true;
}

void HttpServer::release(socket_t sock) {
  std::lock_guard lock(mutex_);
  open_.erase(sock);
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  if (admit(sock)) {
    serve_connection(sock);
    release(sock);  // before close(), so that stop_all() never shuts a reused descriptor
  } else {
    refuse(sock);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return true;
}

void HttpServer::serve_connection(socket_t sock) {
  // Twice the payload limit: a client sending a body a little over it still reads the 413.
  RequestStream stream(sock, 2 * payload_max_length_, std::chrono::seconds(write_timeout_sec_));
  for (std::size_t served = 0; served < keep_alive_max_count_; ++served) {
    if (!stream.wait_for_request(kIdleTimeout)) return;
    stream.begin_request();
    bool closed = false;
    if (!process_request(stream, served + 1 == keep_alive_max_count_, closed, nullptr) || closed || stream.cut()) return;
  }
}

}  // namespace neurite::web
