// neurite serve: the local page (draw a digit, watch a network learn, look inside it) and its
// JSON API, on 127.0.0.1 unless told otherwise. Ctrl-C (SIGINT) or SIGTERM stops it cleanly:
// the listening socket closes, trainings started from the page stop, their threads are joined.
#include <malloc.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "commands.h"
#include "neurite/error.h"
#include "resources.h"
#include "web/page_server.h"

namespace neurite::cli {

namespace {

// SIGINT and SIGTERM may reach any thread (OpenBLAS starts its own before main), so their handler
// only writes the signal's number into a pipe; a watcher thread reads it and stops the server,
// outside any signal handler. Writing 0 wakes the watcher when the server ends another way.
int g_stop_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int signal) {
  const auto byte = static_cast<char>(signal);
  [[maybe_unused]] const auto written = ::write(g_stop_pipe[1], &byte, 1);
}

void catch_stop_signals() {
  require(::pipe(g_stop_pipe) == 0, "serve: cannot create a pipe for signals");
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

// glibc raises its mmap threshold (to 32 MiB at most) each time it frees a mapped block, after
// which large request bodies come from the per-thread arenas, which keep the memory: under load
// the resident size grew from 420 to 680 MiB in 10 s (tests/serve_load.cpp). A fixed threshold
// returns every block of 1 MiB or more to the system when it is freed. Fixing it also fixes the
// trim threshold, at 128 KiB unless set: each arena then gave back and faulted in again the
// memory of every drawing's JSON, and a drawing's prediction took 9.5 ms instead of 1.8.
constexpr int kMmapThreshold = 1 << 20;
constexpr int kTrimThreshold = 8 << 20;

void run_serve(web::ServeOptions options) {
  ::mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  ::mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
  const std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  web::PageServer server(std::move(options));
  const int port = server.bind();
  catch_stop_signals();
  std::thread watcher([&server] {
    char signal = 0;
    if (::read(g_stop_pipe[0], &signal, 1) != 1 || signal == 0) return;
    std::printf("neurite serve: %s, stopping\n", signal == SIGINT ? "interrupted" : "terminated");
    std::fflush(stdout);
    server.stop();
  });
  std::printf("neurite serve: http://%s:%d/ (Ctrl-C stops)\n", host.c_str(), port);
  std::fflush(stdout);
  server.run();
  on_stop_signal(0);  // wakes the watcher if no signal did
  watcher.join();
  std::printf("neurite serve: stopped\n");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto options = std::make_shared<web::ServeOptions>();
  options->specs_dir = options->mnist_dir = "";  // looked up beside the executable (resources.h)
  CLI::App* cmd = app.add_subcommand("serve", "The local page: draw a digit, watch a network learn, look inside it");
  cmd->add_option("--model", options->models, "A model file to offer on the page (repeatable)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--port", options->port, "Port to listen on (0: any free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--host", options->host, "Address to listen on; anything but 127.0.0.1 opens the page to others")
      ->capture_default_str();
  cmd->add_option("--web", options->web_dir,
                  "The page's folder (default: web/ in share/neurite beside the executable, or in its source tree)");
  cmd->add_option("--specs", options->specs_dir, "Folder of model specs the page can train (default: shipped models/)");
  cmd->add_option("--data", options->mnist_dir, kDataHelp);
  cmd->add_option("--watch-log", options->watch_logs,
                  "Show a CLI training on the page by following its log (neurite train --log FILE; repeatable)");
  cmd->callback([options] {
    web::ServeOptions o = *options;
    if (o.web_dir.empty()) o.web_dir = page_folder();
    if (o.specs_dir.empty()) o.specs_dir = specs_folder();
    o.mnist_dir = mnist_folder_or_expected(o.mnist_dir);  // without MNIST the page still draws; the API says 503
    run_serve(std::move(o));
  });
}

}  // namespace neurite::cli
