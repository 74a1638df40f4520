// Crash safety (issue 15): whatever stops a command, nothing saved before is lost or torn.
//  - `lm train` killed with SIGKILL at staggered moments, once for certain in the middle of
//    writing --out and once just after: the model there is the earlier one or the complete new
//    one, and `lm sample` reads it;
//  - `neurite serve` killed while page trainings run, and a CLI training killed while a server
//    follows its log: the stream ends, the server shows the run as failed instead of running
//    forever, `plot` draws the cut log, and a restarted server works;
//  - a full disk (a 256 KiB tmpfs) under `train --out`, `--checkpoint-dir` and `--log`, `lm train
//    --out` and `plot`: one line naming the file and the reason and saying the previous file is
//    unchanged, which it is to the byte, and no temporary file left behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>
#include <vector>

#include "neurite/io/checkpoint.h"
#include "serve_support.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using testing::start_cli;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::run_cli;

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

int count_of(const std::string& text, const std::string& part) {
  int n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

bool wait_until(const std::function<bool()>& done, Clock::duration limit) {
  for (const auto end = Clock::now() + limit; Clock::now() < end; std::this_thread::sleep_for(10ms))
    if (done()) return true;
  return done();
}

// `neurite <args>` with what it wrote to stderr only: the error line without the progress lines.
testing::CommandResult run_cli_errors(const std::string& args) {
  return testing::run_shell(std::string(NEURITE_CLI) + " " + args + " 2>&1 >/dev/null");
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  EXPECT_TRUE(wait_until([&] { return ::kill(pid, 0) != 0; }, 20s)) << "process " << pid << " outlived SIGKILL";
}

// Reads from a non-blocking pipe until `want` bytes came or `limit` passed; how many came.
std::size_t read_from_pipe(int fd, std::size_t want, Clock::duration limit) {
  std::size_t got = 0;
  char buffer[65536];
  for (const auto end = Clock::now() + limit; got < want && Clock::now() < end;) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 100);
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) got += static_cast<std::size_t>(n);
    else std::this_thread::sleep_for(10ms);  // no writer yet, or nothing written yet
  }
  return got;
}

const std::string kNoSpace = "(No space left on device)";

// The one line of a save that met a full disk, and what it says became of the file.
std::string disk_full(const std::string& file, const std::string& outcome) {
  return "neurite: error: " + file + ": write failed " + kNoSpace + "; " + outcome + "\n";
}
const std::string kKept = "the previous file is unchanged", kNothing = "nothing was written";


class CrashSafety : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::temp_dir();
    mnist_ = testing::mnist_dir();
    corpus_ = testing::corpus_path();
  }
  void TearDown() override {
    if (!disk_.empty()) {
      EXPECT_EQ(::umount2(disk_.c_str(), MNT_DETACH), 0) << disk_ << ": " << std::strerror(errno);
    }
  }

  // Mounts a 256 KiB tmpfs at <dir>/disk; false (and why in mount_error_) where that is not allowed.
  bool mount_small_disk() {
    const std::string where = dir_ + "/disk";
    fs::create_directory(where);
    if (::mount("tmpfs", where.c_str(), "tmpfs", 0, "size=256k") != 0) {
      mount_error_ = std::strerror(errno);
      return false;
    }
    disk_ = where;
    return true;
  }
  // Fills the disk with a file "filler", leaving `room` bytes (a whole number of pages) free.
  void fill_disk(std::size_t room = 0) {
    const std::string reserve = disk_ + "/reserve", filler = disk_ + "/filler";
    fs::remove(filler);
    if (room > 0) write_text(reserve, std::string(room, 'r'));
    const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT, 0644);
    const std::string page(4096, 'f');
    while (::write(fd, page.data(), page.size()) > 0) {
    }
    ::close(fd);
    fs::remove(reserve);
  }
  // Runs `command` (which writes `file` and any `other_files`), fills the disk, runs it again with
  // another seed: the second run must fail with the full-disk line for `file` and leave every
  // file with the first run's bytes.
  void expect_rerun_on_full_disk_keeps(const std::string& command, const std::string& file,
                                       const std::vector<std::string>& other_files = {}) {
    ASSERT_EQ(run_cli(command).exit_code, 0);
    std::vector<std::string> files = other_files, previous;
    files.push_back(file);
    for (const std::string& f : files) previous.push_back(bytes_of(f));
    fill_disk();
    const auto r = run_cli_errors(command + " --seed 2");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.output, disk_full(file, kKept));
    for (std::size_t i = 0; i < files.size(); ++i) EXPECT_EQ(bytes_of(files[i]), previous[i]) << files[i] << " changed";
  }
  // A training of a few seconds that writes a model of 97 KB.
  std::string small_training() const {
    return "train --layers 784,30,10 --train-size 1000 --epochs 1 --threads 1 --data " + mnist_;
  }

  std::string dir_, mnist_, corpus_, disk_, mount_error_;
};

#define NEEDS_MNIST() \
  if (mnist_.empty()) GTEST_SKIP() << "MNIST not found (run scripts/fetch-mnist.sh)"
#define NEEDS_SMALL_DISK() \
  if (!mount_small_disk()) GTEST_SKIP() << "cannot mount a tmpfs to fill (" << mount_error_ << "; needs root)"

// ---- SIGKILL ------------------------------------------------------------------------------

// The model at `path` is the earlier one or the complete new one, and `lm sample` reads it.
void expect_old_or_new(const std::string& path, const std::string& old_model, const std::string& new_model) {
  const std::string now = bytes_of(path);
  EXPECT_TRUE(now == old_model || now == new_model) << path << " is torn: " << now.size() << " bytes";
  const auto sampled = run_cli("lm sample --model " + path + " --length 20");
  EXPECT_EQ(sampled.exit_code, 0) << sampled.output;
}

TEST_F(CrashSafety, LmTrainKilledAnywhereKeepsTheOldOrTheNewModel) {
  if (corpus_.empty()) GTEST_SKIP() << "the corpus is not found (scripts/fetch_corpus.sh)";
  const std::string run = dir_ + "/run", text = run + "/text.txt", model = run + "/lm.model", log = dir_ + "/out.txt";
  fs::create_directory(run);
  write_text(text, bytes_of(corpus_).substr(0, 200000));
  const std::string corpus_text = bytes_of(text);
  const std::string train = "lm train --text " + text +
                            " --layers 1 --hidden 96 --sequence 32 --batch 8 --steps 20 --sample 1000 --threads 1";
  ASSERT_EQ(run_cli(train + " --seed 2 --out " + dir_ + "/old.model").exit_code, 0);
  const auto begun = Clock::now();
  const auto straight = run_cli(train + " --out " + dir_ + "/new.model");
  const auto took = Clock::now() - begun;
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  const std::string old_model = bytes_of(dir_ + "/old.model"), new_model = bytes_of(dir_ + "/new.model");
  ASSERT_NE(old_model, new_model);

  std::set<std::string> allowed = {"text.txt", "lm.model"};  // and the temporaries of saves killed midway
  const auto start = [&] {
    fs::copy_file(dir_ + "/old.model", model, fs::copy_options::overwrite_existing);
    const pid_t pid = start_cli(train + " --out " + model, log);
    allowed.insert("lm.model.tmp." + std::to_string(pid));
    return pid;
  };
  for (double at : {0.15, 0.4, 0.6, 0.8, 0.9, 0.97}) {
    SCOPED_TRACE("killed at " + std::to_string(at) + " of an uninterrupted run");
    const pid_t pid = start();
    std::this_thread::sleep_for(took * at);
    kill_and_reap(pid);
    expect_old_or_new(model, old_model, new_model);
  }
  {
    SCOPED_TRACE("killed while writing the model");
    // The temporary it writes the model to is a pipe this test drains slowly: the save is under
    // way, with half the bytes written, when the kill comes.
    const pid_t pid = start();
    const std::string temp = model + ".tmp." + std::to_string(pid);
    ASSERT_EQ(::mkfifo(temp.c_str(), 0644), 0) << std::strerror(errno);
    const int pipe = ::open(temp.c_str(), O_RDONLY | O_NONBLOCK);
    EXPECT_GE(read_from_pipe(pipe, new_model.size() / 2, 120s), new_model.size() / 2) << "the save never began";
    kill_and_reap(pid);
    ::close(pipe);
    fs::remove(temp);
    EXPECT_EQ(bytes_of(model), old_model);
    expect_old_or_new(model, old_model, new_model);
  }
  {
    SCOPED_TRACE("killed while sampling, just after saving");
    const pid_t pid = start();
    EXPECT_TRUE(wait_until([&] { return bytes_of(log).find("saved ") != std::string::npos; }, 120s));
    kill_and_reap(pid);
    EXPECT_EQ(bytes_of(model), new_model);
  }
  EXPECT_EQ(bytes_of(text), corpus_text);
  for (const std::string& name : files_in(run)) EXPECT_EQ(allowed.count(name), 1u) << "unexpected file " << name;
}

TEST_F(CrashSafety, ServeKilledWhilePageTrainingsRunThenRestarted) {
  NEEDS_MNIST();
  const std::string folder = dir_ + "/serve";
  fs::create_directory(folder);
  const auto args = testing::page_server_args({"--data", mnist_, "--specs", testing::source_dir() + "/models"});
  {
    testing::ServerProcess server(args, folder);
    ASSERT_NE(server.port(), 0) << server.first_line();
    auto c = testing::client_of(server);
    const auto status = [&](int id) { return testing::body_of(c.Get("/api/runs/" + std::to_string(id))); };
    const auto post = [&](const std::string& path, const std::string& body) {
      const auto r = c.Post(path, body, "application/json");
      return r ? r->status : 0;
    };
    const std::string long_run = R"({"spec": "nielsen-ch3", "epochs": 50, "train_size": 50000})";
    ASSERT_EQ(post("/api/runs", long_run), 201);
    ASSERT_EQ(post("/api/runs/1/stop", ""), 200);
    ASSERT_TRUE(wait_until([&] { return status(1)["state"] == "stopped"; }, 60s));
    ASSERT_EQ(post("/api/runs", long_run), 201);
    ASSERT_TRUE(wait_until([&] { return status(2)["done"].get<int64_t>() > 0; }, 60s)) << status(2).dump();
    std::thread stream([&] { testing::read_events(server.port(), 2); });  // open while the server dies
    std::this_thread::sleep_for(200ms);

    const auto killed = Clock::now();
    server.stop(SIGKILL);
    stream.join();  // the event stream ends with the server instead of hanging
    EXPECT_LT(Clock::now() - killed, 10s);
    EXPECT_EQ(server.get("/api/runs"), "");
  }
  EXPECT_TRUE(fs::is_empty(folder)) << "the server left files behind";

  testing::ServerProcess restarted(args, folder);
  ASSERT_NE(restarted.port(), 0) << restarted.first_line();
  auto c = testing::client_of(restarted);
  EXPECT_EQ(testing::body_of(c.Get("/api/runs"))["runs"].size(), 0u);
  const auto short_run = c.Post("/api/runs", R"({"spec": "nielsen-ch3", "epochs": 1, "train_size": 1000})", "application/json");
  ASSERT_TRUE(short_run && short_run->status == 201);
  const auto events = testing::read_events(restarted.port(), 1);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().second["state"], "finished");
}

TEST_F(CrashSafety, CliTrainingKilledWhileAServerWatchesItsLog) {
  NEEDS_MNIST();
  const std::string log = dir_ + "/train.jsonl";
  const auto args = testing::page_server_args({"--watch-log", log, "--data", mnist_});
  testing::ServerProcess server(args);
  ASSERT_NE(server.port(), 0) << server.first_line();
  const pid_t training =
      start_cli("train --layers 784,30,10 --epochs 100 --train-size 2000 --threads 1 --data " + mnist_ + " --log " + log,
                dir_ + "/out.txt");
  const std::string epoch_record = "\"type\":\"epoch\"";
  ASSERT_TRUE(wait_until([&] { return count_of(bytes_of(log), epoch_record) >= 2; }, 120s)) << bytes_of(dir_ + "/out.txt");
  auto c = testing::client_of(server);
  const auto state = [&] { return testing::body_of(c.Get("/api/runs/1"))["state"].get<std::string>(); };
  std::this_thread::sleep_for(500ms);  // over two of the server's looks at the log
  EXPECT_EQ(state(), "running");
  kill_and_reap(training);
  const int epochs_logged = count_of(bytes_of(log), epoch_record);

  // A run that stopped without an end record shows as failed; before, it ran forever.
  EXPECT_TRUE(wait_until([&] { return state() == "failed"; }, 10s)) << state();
  const auto events = testing::read_events(server.port(), 1);  // the stream has ended
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().first, "state");
  EXPECT_EQ(events.back().second["state"], "failed");
  EXPECT_EQ(events.back().second["error"],
            log + ": the training ended without finishing its log (killed, or stopped by an error)");
  EXPECT_NE(server.get("/").find("200 OK"), std::string::npos) << "the server stopped answering";

  // `plot` draws the cut log, its last line torn too.
  write_text(log, bytes_of(log) + R"({"type":"epoch","epoch":99,"trai)");
  const auto plotted = run_cli("plot " + log + " --out " + dir_ + "/plots");
  EXPECT_EQ(plotted.exit_code, 0) << plotted.output;
  EXPECT_NE(plotted.output.find("note: ignored the unfinished last line of " + log), std::string::npos) << plotted.output;
  EXPECT_EQ(bytes_of(dir_ + "/plots/cost.png").substr(0, 8), "\x89PNG\r\n\x1a\n");

  // A server started afresh on the cut log shows its epochs, and that it ended.
  server.stop(SIGKILL);
  testing::ServerProcess restarted(args);
  ASSERT_NE(restarted.port(), 0) << restarted.first_line();
  auto c2 = testing::client_of(restarted);
  EXPECT_TRUE(wait_until([&] { return testing::body_of(c2.Get("/api/runs/1"))["state"] == "failed"; }, 10s));
  const auto again = testing::read_events(restarted.port(), 1);
  int epochs_shown = 0;
  for (const auto& [type, data] : again) epochs_shown += type == "epoch";
  EXPECT_EQ(epochs_shown, epochs_logged);
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again.back().second["state"], "failed");
}

// ---- a full disk --------------------------------------------------------------------------

TEST_F(CrashSafety, FullDiskKeepsThePreviousModelOfTrain) {
  NEEDS_MNIST();
  NEEDS_SMALL_DISK();
  const std::string model = disk_ + "/model.safetensors";
  expect_rerun_on_full_disk_keeps(small_training() + " --out " + model, model);
  EXPECT_EQ(files_in(disk_), (std::set<std::string>{"filler", "model.safetensors"}));
}

TEST_F(CrashSafety, FullDiskKeepsThePreviousCheckpoints) {
  NEEDS_MNIST();
  NEEDS_SMALL_DISK();
  const std::string folder = disk_ + "/ck", best = folder + "/best.safetensors", last = folder + "/checkpoint.safetensors";
  // The best model is saved before the checkpoint, so it is the file the error names.
  expect_rerun_on_full_disk_keeps(small_training() + " --checkpoint-dir " + folder, best, {last});
  EXPECT_NO_THROW(load_checkpoint(last));
  EXPECT_EQ(files_in(folder), (std::set<std::string>{"best.safetensors", "checkpoint.safetensors"}));
}

TEST_F(CrashSafety, FullDiskKeepsThePreviousLanguageModel) {
  if (corpus_.empty()) GTEST_SKIP() << "the corpus is not found (scripts/fetch_corpus.sh)";
  NEEDS_SMALL_DISK();
  const std::string text = dir_ + "/text.txt", model = disk_ + "/lm.model";
  write_text(text, bytes_of(corpus_).substr(0, 200000));
  const std::string train = "lm train --text " + text + " --layers 1 --hidden 32 --sequence 16 --batch 4 --steps 3"
                            " --sample 0 --threads 1 --out " + model;
  expect_rerun_on_full_disk_keeps(train, model);
  EXPECT_EQ(run_cli("lm sample --model " + model + " --length 20").exit_code, 0);
  EXPECT_EQ(files_in(disk_), (std::set<std::string>{"filler", "lm.model"}));
}

TEST_F(CrashSafety, FullDiskKeepsThePreviousCharts) {
  NEEDS_SMALL_DISK();
  const std::string epochs = R"({"type":"start","version":1,"network":"784-30-10 sigmoid","data":null,"model":null}
{"type":"epoch","epoch":0,"train":{"cost":0.5,"accuracy":0.9}}
{"type":"epoch","epoch":1,"train":{"cost":0.4,"accuracy":0.92}}
)";
  const std::string log = dir_ + "/log.jsonl", charts = disk_ + "/charts", cost = charts + "/cost.png";
  write_text(log, epochs);
  ASSERT_EQ(run_cli("plot " + log + " --out " + charts).exit_code, 0);
  const std::string previous = bytes_of(cost);
  fill_disk();
  write_text(log, epochs + R"({"type":"epoch","epoch":2,"train":{"cost":0.3,"accuracy":0.95}})" + "\n");
  const auto r = run_cli_errors("plot " + log + " --out " + charts);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.output, disk_full(cost, kKept));
  EXPECT_EQ(bytes_of(cost), previous);
  const auto svg = run_cli_errors("plot " + log + " --format svg --out " + charts);
  EXPECT_EQ(svg.output, disk_full(charts + "/cost.svg", kNothing));
  EXPECT_EQ(files_in(charts), (std::set<std::string>{"accuracy.png", "cost.png"}));
}

TEST_F(CrashSafety, FullDiskWhileLoggingEndsWithOneLine) {
  NEEDS_MNIST();
  NEEDS_SMALL_DISK();
  const std::string log = disk_ + "/train.jsonl";
  expect_rerun_on_full_disk_keeps(small_training() + " --log " + log, log);

  // Room for the log's start and epoch, not for its test evaluation (11 KB: the confusion matrix
  // and the misclassified digits), which fails to be appended.
  fs::remove(log);
  fill_disk(8192);
  const auto appended = run_cli_errors(small_training() + " --log " + log);
  EXPECT_NE(appended.exit_code, 0);
  EXPECT_EQ(appended.output, "neurite: error: " + log + ": cannot write the log: No space left on device\n");
  EXPECT_EQ(count_of(bytes_of(log), "\"type\":\"epoch\""), 1);
  const auto plotted = run_cli("plot " + log + " --out " + dir_ + "/charts");  // what was logged is readable
  EXPECT_EQ(plotted.exit_code, 0) << plotted.output;
  EXPECT_EQ(files_in(disk_), (std::set<std::string>{"filler", "train.jsonl"}));
}

}  // namespace
}  // namespace neurite
