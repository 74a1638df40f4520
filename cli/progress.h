// Progress on a terminal: one line redrawn in place, at most ten times a second. Nothing at all
// when stdout is not a terminal, where logs and tests read plain lines.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace neurite::cli {

std::string bar_text(int64_t done, int64_t total, int width);  // "[=========>          ]"
std::string duration_text(double seconds);                     // "0.4 s", "17 s", "12:34", "1:02:03"

class StatusLine {
 public:
  StatusLine();
  bool enabled() const { return enabled_; }
  bool due() const;                    // the first draw, or 100 ms since the last
  void show(const std::string& text);  // cut to the terminal's width
  void clear();

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// Training: "epoch 3/30 [====>     ] 21000/50000  48211 samples/s  0:01 left (run 0:14)  cost 0.0873",
// the cost being the mean over the epoch's samples so far. `epoch` counts from 0, as the
// "Epoch j" lines do; the bar shows it counting from 1.
class ProgressBar {
 public:
  void update(int epoch, int epochs, int64_t done, int64_t total, double batch_cost);
  void clear() { line_.clear(); }

 private:
  void start_epoch(int epoch, int64_t done, std::chrono::steady_clock::time_point now);
  std::string text(int epochs, int64_t done, int64_t total, double seconds) const;

  StatusLine line_;
  int epoch_ = -1;
  int64_t first_done_ = 0, last_done_ = 0;  // samples done at the epoch's first and latest batch
  double cost_sum_ = 0;                     // batch cost times samples, this epoch
  double epoch_seconds_ = 0;                // the last whole epoch, its evaluation included; 0: none yet
  std::chrono::steady_clock::time_point epoch_start_{};
};

}  // namespace neurite::cli
