// `neurite serve` under load and abuse, on loopback (issue 15, point 4). Trains a small model,
// starts the real server with it and MNIST, then for --seconds (default 60) runs 200 clients at
// once:
//   predicting  well-formed predictions (28x28 images, 140x140 drawings) and model lists, each
//               timed, at a user's pace (0-100 ms between requests); half keep their connection
//   training    start a page training, follow its event stream a moment, stop it
//   malformed   bad JSON, deep nesting, wrong types, an unknown model, a body over 4 MiB, a
//               chunked body of 64 MiB, garbage request lines, a request line or headers of
//               32 MiB, a 20 KB URI, a bad Content-Length, bad chunks, a wrong method
//   slow        a request sent one byte a second
//   idle        10 connections each, opened and left silent
// It samples the server's memory all along, then sends SIGTERM with the slow and idle
// connections and a training's event stream still open. It prints the figures and exits 1 when:
// the median well-formed request took 50 ms or more; any well-formed request failed; a malformed
// one got anything but a 4xx or a closed connection; memory was not bounded (memory_verdict: a
// ceiling, and no growth from the middle third of the run to the last); or SIGTERM did not end
// the server with exit 0 and its "stopped" line within 10 s. Exit 77 without MNIST, 2 when the
// run could not start.
//
//   serve_load [--seconds N] [--data MNIST_DIR] [--max-rss-mib M]
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <httplib.h>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "neurite/data/mnist.h"
#include "server_process.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using neurite::testing::ServerProcess;

// The 200 clients.
constexpr int kPredicting = 120, kTraining = 2, kMalformed = 38, kSlow = 20, kIdle = 20;
constexpr int kIdlePerClient = 10;  // connections each idle client holds open
constexpr double kMedianGoalMs = 50;
constexpr auto kShutdownLimit = 10s;
constexpr int kSocketTimeoutSeconds = 10;  // bounds every client's wait, whatever the server does

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// ---- What the clients saw ----------------------------------------------------------------------

class Tally {
 public:
  // A well-formed request: its latency, and whether it got the answer it should.
  void well_formed(const std::string& kind, double ms, bool ok, const std::string& why) {
    std::lock_guard lock(mutex_);
    latencies_ms_.push_back(ms);
    by_kind_ms_[kind].push_back(ms);
    ++counts_["well-formed " + kind];
    if (!ok) {
      ++counts_["well-formed failures"];
      if (failures_.size() < 10) failures_.push_back(kind + ": " + why);
    }
  }
  void count(const std::string& what, int64_t n = 1) {
    std::lock_guard lock(mutex_);
    counts_[what] += n;
  }
  void longest(const std::string& what, double seconds) {
    std::lock_guard lock(mutex_);
    longest_[what] = std::max(longest_[what], seconds);
  }
  void note(const std::string& problem) {
    std::lock_guard lock(mutex_);
    if (failures_.size() < 20) failures_.push_back(problem);
  }

  // Read after every client has ended.
  std::vector<double> latencies_ms() const { return latencies_ms_; }
  const std::map<std::string, std::vector<double>>& by_kind_ms() const { return by_kind_ms_; }
  double longest_of(const std::string& what) const {
    const auto it = longest_.find(what);
    return it == longest_.end() ? 0 : it->second;
  }
  const std::map<std::string, int64_t>& counts() const { return counts_; }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  std::mutex mutex_;
  std::vector<double> latencies_ms_;
  std::map<std::string, std::vector<double>> by_kind_ms_;
  std::map<std::string, int64_t> counts_;
  std::map<std::string, double> longest_;
  std::vector<std::string> failures_;
};

struct Malformed {
  std::string name, request;
};

struct Load {
  int port = 0;
  Clock::time_point end;              // no new requests after this
  std::atomic<bool> release{false};   // the slow and idle clients let go of their connections
  std::string image_body, drawing_body;
  std::vector<Malformed> malformed;
  Tally tally;

  bool running() const { return Clock::now() < end; }
};

// ---- Plain sockets, for what a well-behaved client would never send ----------------------------

int open_connection(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const timeval timeout{kSocketTimeoutSeconds, 0};
  if (fd >= 0 && ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) == 0 &&
      ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
    return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

bool send_all(int fd, const std::string& data) {
  for (std::size_t sent = 0; sent < data.size();) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// The reply's headers and as much body as its Content-Length says, or what came before the
// server closed the connection or `timeout` passed.
std::string read_reply(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string reply;
  while (Clock::now() < deadline) {
    const auto header_end = reply.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      const auto at = reply.find("Content-Length: ");
      const std::size_t length = at < header_end ? std::stoul(reply.substr(at + 16)) : 0;
      if (reply.size() >= header_end + 4 + length) break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buffer[8192];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  return reply;
}

int status_of(const std::string& reply) {
  return reply.starts_with("HTTP/1.1 ") && reply.size() >= 12 ? std::atoi(reply.substr(9, 3).c_str()) : 0;
}

// True when the server closed `fd` (or answered on it) within `wait`.
bool closed_within(int fd, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
}

std::string post_request(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// ---- The clients -------------------------------------------------------------------------------

void pause_between_requests(std::mt19937& rng, const Load& load) {
  const auto pause = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 100)(rng));
  std::this_thread::sleep_until(std::min(Clock::now() + pause, load.end));
}

void predicting_client(Load& load, int index) {
  httplib::Client client("127.0.0.1", load.port);
  client.set_keep_alive(index % 2 == 0);
  client.set_read_timeout(kSocketTimeoutSeconds, 0);
  client.set_write_timeout(kSocketTimeoutSeconds, 0);
  client.set_connection_timeout(kSocketTimeoutSeconds, 0);
  std::mt19937 rng(static_cast<uint32_t>(index));
  while (load.running()) {
    const int pick = std::uniform_int_distribution<int>(0, 9)(rng);
    const std::string kind = pick == 0 ? "model list" : pick == 1 ? "predict (drawing)" : "predict (image)";
    const auto start = Clock::now();
    const httplib::Result r = pick == 0   ? client.Get("/api/models")
                              : pick == 1 ? client.Post("/api/predict", load.drawing_body, "application/json")
                                          : client.Post("/api/predict", load.image_body, "application/json");
    const double ms = ms_since(start);
    const bool ok = r && r->status == 200 && r->body.find(pick == 0 ? "\"models\"" : "\"digit\"") != std::string::npos;
    load.tally.well_formed(kind, ms, ok,
                           r ? "HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 200)
                             : "no answer: " + httplib::to_string(r.error()));
    pause_between_requests(rng, load);
  }
}

// Follows run `id`'s event stream for `how_long` or until it ends, counting its events.
void follow_events(int port, int id, std::chrono::milliseconds how_long, std::atomic<int64_t>& events) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);
  client.set_connection_timeout(kSocketTimeoutSeconds, 0);
  const auto until = Clock::now() + how_long;
  client.Get("/api/runs/" + std::to_string(id) + "/events", [&](const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) events += data[i] == '\n' && i > 0 && data[i - 1] == '\n';
    return Clock::now() < until;
  });
}

void training_client(Load& load, int index) {
  httplib::Client client("127.0.0.1", load.port);
  client.set_read_timeout(kSocketTimeoutSeconds, 0);
  client.set_connection_timeout(kSocketTimeoutSeconds, 0);
  std::mt19937 rng(static_cast<uint32_t>(1000 + index));
  const std::string start_body = R"({"spec": "nielsen-ch3", "epochs": 2, "train_size": 20000})";
  while (load.running()) {
    auto start = Clock::now();
    const httplib::Result started = client.Post("/api/runs", start_body, "application/json");
    const bool began = started && started->status == 201;
    // 409: the other training client's run is still going (one page training at a time).
    load.tally.well_formed("training start", ms_since(start), began || (started && started->status == 409),
                           started ? "HTTP " + std::to_string(started->status) + " " + started->body
                                   : "no answer: " + httplib::to_string(started.error()));
    if (!began) {
      load.tally.count("trainings refused (409, one at a time)", started ? 1 : 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 600)(rng)));
      continue;
    }
    load.tally.count("trainings started");
    const int id = nlohmann::json::parse(started->body)["id"];
    std::atomic<int64_t> events{0};
    follow_events(load.port, id, 1500ms, events);
    load.tally.count("training events read", events);
    start = Clock::now();
    const httplib::Result stopped = client.Post("/api/runs/" + std::to_string(id) + "/stop", "", "application/json");
    // 409: it had already finished.
    load.tally.well_formed("training stop", ms_since(start), stopped && (stopped->status == 200 || stopped->status == 409),
                           stopped ? "HTTP " + std::to_string(stopped->status) + " " + stopped->body
                                   : "no answer: " + httplib::to_string(stopped.error()));
  }
}

// Built once: the largest are tens of MiB.
std::vector<Malformed> malformed_requests(const std::string& image_body) {
  std::string unknown_model = image_body;
  unknown_model.replace(unknown_model.find("\"tiny\""), 6, "\"nope\"");
  std::string flood = "GET /api/models HTTP/1.1\r\n";
  while (flood.size() < (32u << 20)) flood += "X-Flood: " + std::string(100, 'x') + "\r\n";
  std::string chunked = "POST /api/predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 64; ++i) chunked += "100000\r\n" + std::string(1 << 20, ' ') + "\r\n";  // 64 chunks of 1 MiB
  chunked += "0\r\n\r\n";
  return {
      {"bad JSON", post_request("/api/predict", "{not json")},
      {"nesting 100,000 deep", post_request("/api/predict", std::string(100000, '['))},
      {"wrong types", post_request("/api/predict", R"({"model": 7, "image": "white"})")},
      {"unknown model", post_request("/api/predict", unknown_model)},
      {"body over 4 MiB", post_request("/api/predict", std::string(5 << 20, ' '))},
      {"chunked body of 64 MiB", chunked},
      {"garbage request line", "\x16\x03\x01\x02\x00 garbage \xff\xfe\r\n\r\n"},
      {"request line of 32 MiB", "GET /" + std::string(32 << 20, 'a')},
      {"32 MiB of headers", flood},
      {"20 KB URI", "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"bad Content-Length", "POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}"},
      {"bad chunk", "POST /api/predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"},
      {"wrong method", "DELETE /api/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
  };
}

void malformed_client(Load& load, int index) {
  std::mt19937 rng(static_cast<uint32_t>(2000 + index));
  const std::vector<Malformed>& kinds = load.malformed;
  while (load.running()) {
    const Malformed& kind = kinds[std::uniform_int_distribution<std::size_t>(0, kinds.size() - 1)(rng)];
    const int fd = open_connection(load.port);
    if (fd < 0) {
      load.tally.note("malformed " + kind.name + ": could not connect");
      continue;
    }
    const bool sent = send_all(fd, kind.request);
    const int status = status_of(read_reply(fd, std::chrono::seconds(kSocketTimeoutSeconds)));
    ::close(fd);
    load.tally.count("malformed " + kind.name);
    if (status >= 400 && status < 500) load.tally.count("malformed answered 4xx");
    else if (status == 0) load.tally.count(sent ? "malformed closed without an answer" : "malformed closed while sending");
    else load.tally.note("malformed " + kind.name + " got HTTP " + std::to_string(status));
    pause_between_requests(rng, load);
  }
}

// Sends a prediction one byte a second over a fresh connection each time, until released.
void slow_client(Load& load) {
  const std::string request = post_request("/api/predict", load.image_body);
  while (!load.release) {
    const int fd = open_connection(load.port);
    if (fd < 0) break;  // the server is gone
    load.tally.count("slow connections");
    const auto opened = Clock::now();
    bool cut = false;
    for (std::size_t sent = 0; sent < request.size() && !cut && !load.release; ++sent) {
      cut = !send_all(fd, request.substr(sent, 1));
      for (int tick = 0; tick < 10 && !cut && !load.release; ++tick) cut = closed_within(fd, 100ms);
    }
    if (cut) {
      load.tally.count("slow connections cut by the server");
      load.tally.longest("slow connection held", ms_since(opened) / 1000);
    }
    ::close(fd);
  }
}

// Holds kIdlePerClient silent connections; one the server closes is opened again, until released.
void idle_client(Load& load) {
  std::vector<int> fds(kIdlePerClient, -1);
  std::vector<Clock::time_point> opened(kIdlePerClient);
  while (!load.release) {
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i] >= 0) {
        if (!closed_within(fds[i], 0ms)) continue;
        load.tally.count("idle connections closed by the server");
        load.tally.longest("idle connection held", ms_since(opened[i]) / 1000);
        ::close(fds[i]);
        fds[i] = -1;
      }
      fds[i] = open_connection(load.port);  // fails once the server has stopped
      opened[i] = Clock::now();
      if (fds[i] >= 0) load.tally.count("idle connections opened");
    }
    std::this_thread::sleep_for(100ms);
  }
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
}

// ---- The server's memory -----------------------------------------------------------------------

struct Sample {
  double seconds;  // since the load began
  int64_t rss_kib, hwm_kib, threads, fds;
};

Sample sample_of(pid_t pid, Clock::time_point began) {
  Sample s{std::chrono::duration<double>(Clock::now() - began).count(), 0, 0, 0, 0};
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    const auto value = [&] { return std::atoll(line.c_str() + line.find(':') + 1); };
    if (line.starts_with("VmRSS:")) s.rss_kib = value();
    if (line.starts_with("VmHWM:")) s.hwm_kib = value();
    if (line.starts_with("Threads:")) s.threads = value();
  }
  std::error_code error;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error); !error && it != fs::directory_iterator();
       it.increment(error))
    ++s.fds;
  return s;
}

double mib(int64_t kib) { return static_cast<double>(kib) / 1024; }

double peak_rss_mib(const std::vector<Sample>& samples, double from, double to) {
  int64_t peak = 0;
  for (const Sample& s : samples)
    if (s.seconds >= from && s.seconds < to) peak = std::max(peak, s.rss_kib);
  return mib(peak);
}

// Bounded: the peak (VmHWM) stays under `ceiling_mib`, and the resident size does not keep
// growing: its highest over the last third of the run is at most 15% (plus 32 MiB for the
// allocator's slack) above its highest over the middle third. The first third warms up (the
// first training loads MNIST); after it, page trainings come and go, each holding MNIST (some
// 250 MiB) while it runs, and memory kept per request would show as a higher last third. Runs of
// 20 s or more give each third a training.
std::string memory_verdict(const std::vector<Sample>& samples, double seconds, double ceiling_mib) {
  if (samples.empty()) return "no memory samples";
  const double peak = mib(samples.back().hwm_kib);
  if (peak >= ceiling_mib) return "peak RSS " + std::to_string(peak) + " MiB is over the ceiling";
  const double middle = peak_rss_mib(samples, seconds / 3, seconds * 2 / 3);
  const double last = peak_rss_mib(samples, seconds * 2 / 3, seconds);
  if (last > middle * 1.15 + 32)
    return "RSS kept growing: highest " + std::to_string(middle) + " MiB in the middle third of the run, " +
           std::to_string(last) + " MiB in the last";
  return "";
}

// The server's processor time so far (user and system), in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (name) "
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field && i <= 15; ++i)
    if (i >= 14) ticks += std::atof(field.c_str());  // utime, stime
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// ---- The run -----------------------------------------------------------------------------------

struct Options {
  double seconds = 60;
  std::string data;
  double max_rss_mib = 1024;
};

Options parse_options(int argc, char** argv) {
  Options o;
  o.data = neurite::testing::mnist_dir();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") o.seconds = std::atof(argv[i + 1]);
    else if (flag == "--data") o.data = argv[i + 1];
    else if (flag == "--max-rss-mib") o.max_rss_mib = std::atof(argv[i + 1]);
    else throw std::runtime_error("unknown option " + flag + " (--seconds N, --data DIR, --max-rss-mib M)");
  }
  return o;
}

// A 28x28 MNIST test digit, as a prediction request's image and as a 140x140 drawing.
void make_bodies(Load& load, const std::string& data) {
  const neurite::Dataset test = neurite::load_mnist_test(data, neurite::MnistOptions{});
  neurite::Tensor row;
  test.read_inputs(0, 1, row);
  std::vector<int> image(784), canvas(140 * 140);
  for (std::size_t p = 0; p < image.size(); ++p) image[p] = static_cast<int>(std::lround(row[static_cast<int64_t>(p)] * 255));
  for (std::size_t y = 0; y < 140; ++y)
    for (std::size_t x = 0; x < 140; ++x) canvas[y * 140 + x] = image[(y / 5) * 28 + x / 5];
  load.image_body = nlohmann::json{{"model", "tiny"}, {"image", image}}.dump();
  load.drawing_body =
      nlohmann::json{{"model", "tiny"}, {"drawing", {{"width", 140}, {"height", 140}, {"pixels", canvas}}}}.dump();
  load.malformed = malformed_requests(load.image_body);
}

std::string train_tiny_model(const std::string& data, const fs::path& folder) {
  const std::string model = (folder / "tiny.safetensors").string();
  const auto trained = neurite::testing::run_cli("train --layers 784,30,10 --epochs 1 --train-size 2000 --data " + data +
                                                 " --out " + model);
  if (trained.exit_code != 0) throw std::runtime_error("training the model failed:\n" + trained.output);
  return model;
}

struct Percentiles {
  std::size_t count = 0;
  double median = 0, p90 = 0, p99 = 0, max = 0;
};

Percentiles percentiles(std::vector<double> values) {
  Percentiles p;
  p.count = values.size();
  if (values.empty()) return p;
  std::sort(values.begin(), values.end());
  const auto at = [&](double q) { return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))]; };
  p.median = at(0.5), p.p90 = at(0.9), p.p99 = at(0.99), p.max = values.back();
  return p;
}

void print_latencies(const char* what, const Percentiles& p) {
  std::printf("  %-22s %7zu requests   median %6.2f ms   p90 %6.2f ms   p99 %7.2f ms   max %7.2f ms\n", what, p.count,
              p.median, p.p90, p.p99, p.max);
}

struct Shutdown {
  double cpu_seconds = 0;  // the server's, over the whole run
  int64_t open_fds = 0;    // the server's descriptors when SIGTERM was sent
  bool training = false, streamed = false;  // a training ran, its event stream was open
  int exit_code = -1;
  double seconds = 0;
  bool said_stopped = false;
};

void print_report(const Load& load, const Options& o, const std::vector<Sample>& samples, const Shutdown& down) {
  const Tally& t = load.tally;
  std::printf("\nneurite serve under load and abuse: %.0f s, %d clients on loopback\n", o.seconds,
              kPredicting + kTraining + kMalformed + kSlow + kIdle);
  std::printf("  clients: %d predicting, %d training, %d malformed, %d slow (1 byte/s), %d idle (x%d connections)\n",
              kPredicting, kTraining, kMalformed, kSlow, kIdle, kIdlePerClient);
  std::printf("\nrequests by kind\n");
  for (const auto& [what, n] : t.counts()) std::printf("  %-48s %8lld\n", what.c_str(), static_cast<long long>(n));
  std::printf("\nwell-formed latency\n");
  print_latencies("all well-formed", percentiles(t.latencies_ms()));
  for (const auto& [kind, ms] : t.by_kind_ms()) print_latencies(kind.c_str(), percentiles(ms));
  std::printf("  %-22s %7.0f per second\n", "answered", static_cast<double>(t.latencies_ms().size()) / o.seconds);
  std::printf("\nslow and idle connections\n");
  std::printf("  slow connection held longest before the server cut it: %.1f s\n", t.longest_of("slow connection held"));
  std::printf("  idle connection held longest before the server closed it: %.1f s\n", t.longest_of("idle connection held"));
  int64_t peak_threads = 0, peak_fds = 0;
  for (const Sample& s : samples) peak_threads = std::max(peak_threads, s.threads), peak_fds = std::max(peak_fds, s.fds);
  std::printf("\nserver (%zu samples, every 250 ms)\n", samples.size());
  if (!samples.empty())
    std::printf("  RSS at start %.1f MiB, peak (VmHWM) %.1f MiB, at the end %.1f MiB\n"
                "  highest RSS in the middle third of the run %.1f MiB, in the last third %.1f MiB\n"
                "  threads peak %lld, open descriptors peak %lld, processor time %.1f s\n",
                mib(samples.front().rss_kib), mib(samples.back().hwm_kib), mib(samples.back().rss_kib),
                peak_rss_mib(samples, o.seconds / 3, o.seconds * 2 / 3), peak_rss_mib(samples, o.seconds * 2 / 3, o.seconds),
                static_cast<long long>(peak_threads), static_cast<long long>(peak_fds), down.cpu_seconds);
  std::printf("\nshutdown\n  SIGTERM with %lld descriptors open (idle and slow connections%s): exit %d after %.2f s, "
              "\"stopped\" %s\n",
              static_cast<long long>(down.open_fds), down.streamed ? ", a training's event stream" : "", down.exit_code,
              down.seconds, down.said_stopped ? "printed" : "NOT printed");
}

// Every reason to fail, empty when the server met all the criteria.
std::vector<std::string> verdict(const Load& load, const Options& o, const std::vector<Sample>& samples,
                                 const Shutdown& down) {
  std::vector<std::string> problems = load.tally.failures();
  const Percentiles all = percentiles(load.tally.latencies_ms());
  if (all.count == 0) problems.push_back("no well-formed request was answered");
  if (all.median >= kMedianGoalMs) problems.push_back("median well-formed latency " + std::to_string(all.median) + " ms");
  if (const std::string memory = memory_verdict(samples, o.seconds, o.max_rss_mib); !memory.empty())
    problems.push_back(memory);
  if (down.exit_code != 0) problems.push_back("SIGTERM: exit code " + std::to_string(down.exit_code));
  if (down.seconds > std::chrono::duration<double>(kShutdownLimit).count())
    problems.push_back("SIGTERM took " + std::to_string(down.seconds) + " s");
  if (!down.said_stopped) problems.push_back("SIGTERM: no \"stopped\" line");
  if (down.training && !down.streamed) problems.push_back("the last training's event stream did not open");
  return problems;
}

// SIGTERM while the slow and idle clients hold their connections and a training streams its
// events; then the holding clients are released.
Shutdown terminate(ServerProcess& server, Load& load) {
  Shutdown down;
  httplib::Client client("127.0.0.1", load.port);
  client.set_read_timeout(kSocketTimeoutSeconds, 0);
  int run = 0;
  for (int attempt = 0; attempt < 20 && run == 0; ++attempt) {  // 409 until the last stop takes
    const httplib::Result r = client.Post("/api/runs", R"({"spec": "nielsen-ch3", "epochs": 50})", "application/json");
    if (r && r->status == 201) run = nlohmann::json::parse(r->body)["id"];
    else std::this_thread::sleep_for(100ms);
  }
  down.training = run > 0;
  std::atomic<int64_t> events{0};
  std::thread stream([&] {
    if (run > 0) follow_events(load.port, run, std::chrono::duration_cast<std::chrono::milliseconds>(kShutdownLimit), events);
  });
  std::this_thread::sleep_for(1500ms);  // the stream opens, the idle clients open theirs again
  down.streamed = events > 0;
  down.cpu_seconds = cpu_seconds(server.pid());
  down.open_fds = sample_of(server.pid(), Clock::now()).fds;
  const auto term = Clock::now();
  down.exit_code = server.stop(SIGTERM, kShutdownLimit + 5s);
  down.seconds = ms_since(term) / 1000;
  down.said_stopped = server.read_rest(500ms).find("neurite serve: stopped") != std::string::npos;
  load.release = true;
  stream.join();
  return down;
}

// A folder for the model, removed however the run ends.
struct TempFolder {
  fs::path path = fs::temp_directory_path() / ("neurite-serve-load-" + std::to_string(::getpid()));
  TempFolder() { fs::create_directories(path); }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

int run(const Options& o) {
  const TempFolder folder;
  Load load;
  make_bodies(load, o.data);
  const std::string model = train_tiny_model(o.data, folder.path);
  const std::string source = neurite::testing::source_dir();
  ServerProcess server({"--web", source + "/web", "--specs", source + "/models", "--data", o.data, "--model", model});
  if (server.port() == 0) throw std::runtime_error("neurite serve did not start: " + server.first_line());
  load.port = server.port();
  std::printf("%s", server.first_line().c_str());
  std::fflush(stdout);

  const auto began = Clock::now();
  load.end = began + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  std::vector<Sample> samples;
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling) {
      samples.push_back(sample_of(server.pid(), began));
      std::this_thread::sleep_for(250ms);
    }
  });
  std::vector<std::thread> load_clients, holding_clients;
  for (int i = 0; i < kPredicting; ++i) load_clients.emplace_back(predicting_client, std::ref(load), i);
  for (int i = 0; i < kTraining; ++i) load_clients.emplace_back(training_client, std::ref(load), i);
  for (int i = 0; i < kMalformed; ++i) load_clients.emplace_back(malformed_client, std::ref(load), i);
  for (int i = 0; i < kSlow; ++i) holding_clients.emplace_back(slow_client, std::ref(load));
  for (int i = 0; i < kIdle; ++i) holding_clients.emplace_back(idle_client, std::ref(load));
  for (auto& t : load_clients) t.join();
  sampling = false;
  sampler.join();

  const Shutdown down = terminate(server, load);
  for (auto& t : holding_clients) t.join();

  print_report(load, o, samples, down);
  const std::vector<std::string> problems = verdict(load, o, samples, down);
  std::printf("\n%s\n", problems.empty() ? "PASS: every criterion met" : "FAIL:");
  for (const std::string& p : problems) std::printf("  %s\n", p.c_str());
  return problems.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse_options(argc, argv);
    if (o.data.empty()) {
      std::printf("MNIST not found (set NEURITE_MNIST or give --data): skipped\n");
      return 77;
    }
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_load: %s\n", e.what());
    return 2;
  }
}
