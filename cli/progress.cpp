#include "progress.h"
#include "processes.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace neurite::cli {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kRedrawEvery{100};

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

int terminal_width() {
  winsize size{};
  return ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;  // 0: unknown
}

}  // namespace

std::string bar_text(int64_t done, int64_t total, int width) {
  const int filled = total > 0 ? static_cast<int>(width * done / total) : 0;
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < width && filled > 0) bar.back() = '>';
  bar.resize(static_cast<std::size_t>(width), ' ');
  return "[" + bar + "]";
}

std::string duration_text(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (seconds < 9.95) std::snprintf(text, sizeof text, "%.1f s", seconds);
  else if (s < 60) std::snprintf(text, sizeof text, "%lld s", s);
  else if (s >= 3600) std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
  return text;
}

// Under mpirun a process's output reaches mpirun through a pseudo-terminal even when mpirun's
// own goes to a file, so the line is left out there.
StatusLine::StatusLine() : enabled_(::isatty(STDOUT_FILENO) == 1 && processes() == nullptr) {}

bool StatusLine::due() const { return enabled_ && (!shown_ || Clock::now() - last_ >= kRedrawEvery); }

void StatusLine::show(const std::string& text) {
  if (!enabled_) return;
  const int width = terminal_width();
  // One column short of the width: a full line would wrap on some terminals.
  const auto fits = static_cast<std::size_t>(width - 1);
  const std::string cut = width > 1 && text.size() > fits ? text.substr(0, fits) : text;
  std::printf("\r%s\033[K", cut.c_str());  // \033[K: erase what a longer line left
  std::fflush(stdout);
  shown_ = true;
  last_ = Clock::now();
}

void StatusLine::clear() {
  if (!shown_) return;
  std::printf("\r\033[K");
  std::fflush(stdout);
  shown_ = false;
}

void ProgressBar::start_epoch(int epoch, int64_t done, Clock::time_point now) {
  if (epoch_ >= 0) epoch_seconds_ = seconds_between(epoch_start_, now);
  epoch_ = epoch;
  epoch_start_ = now;
  first_done_ = done;
  last_done_ = 0;
  cost_sum_ = 0;
}

void ProgressBar::update(int epoch, int epochs, int64_t done, int64_t total, double batch_cost) {
  if (!line_.enabled()) return;
  const Clock::time_point now = Clock::now();
  if (epoch != epoch_) start_epoch(epoch, done, now);
  cost_sum_ += batch_cost * static_cast<double>(done - last_done_);
  last_done_ = done;
  // The speed needs two batches; until then there is nothing worth drawing.
  if (done == first_done_ || !line_.due()) return;
  line_.show(text(epochs, done, total, seconds_between(epoch_start_, now)));
}

std::string ProgressBar::text(int epochs, int64_t done, int64_t total, double seconds) const {
  const double per_second = static_cast<double>(done - first_done_) / seconds;
  const double epoch_left = static_cast<double>(total - done) / per_second;
  // Later epochs take as long as the last whole one did (evaluation included), or else as long
  // as this one's training will.
  const double epoch_time = epoch_seconds_ > 0 ? epoch_seconds_ : static_cast<double>(total) / per_second;
  const double run_left = epoch_left + epoch_time * (epochs - 1 - epoch_);
  char line[256];
  std::snprintf(line, sizeof line, "epoch %d/%d %s %lld/%lld  %.0f samples/s  %s left (run %s)  cost %.4f",
                epoch_ + 1, epochs, bar_text(done, total, 24).c_str(), static_cast<long long>(done),
                static_cast<long long>(total), per_second, duration_text(epoch_left).c_str(),
                duration_text(run_left).c_str(), cost_sum_ / static_cast<double>(done));
  return line;
}

}  // namespace neurite::cli
