// neurite::read_csv on a large numeric CSV: throughput (MB/s of file) and peak memory against the
// data as float32 (rows x columns x 4 bytes). Targets: >= 100 MB/s, peak <= 1.5x the data.
//
// Writes the file itself (a header row, then rows of `--columns` numbers with 6 significant digits,
// std::to_chars into an 8 MiB buffer), under /tmp, and deletes it afterwards; or reads the file
// given with --file (kept). The file is read once right after it is written, so it comes from the
// page cache: this measures parsing, not the disk.
//
// Peak memory is the process's resident high-water mark during the read: /proc/self/clear_refs is
// reset to the current RSS just before read_csv (Linux >= 4.0), and VmHWM read after it; getrusage's
// ru_maxrss (lifetime peak) is printed beside it. Writing the file needs only the 8 MiB buffer, so
// both agree.
//
// --passes also times, over the same file, what read_csv does in separate passes, with code of its
// own written the same way (src/data/table.cpp is not changed): reading the bytes through zlib's
// gzread (as BlockReader does), the record-counting pass (count_records), splitting the records
// into fields, and the field-to-float conversion (trim, the missing-value test, std::from_chars).
//
//   build/bench/bench_csv_parse                       # 1 GB (10^9 bytes), 20 columns
//   build/bench/bench_csv_parse --size 100M --passes  # a quicker run, with the pass breakdown
//   build/bench/bench_csv_parse --file data.csv       # an existing file (not deleted)
// Sizes take k, M, G (powers of 10) or KiB, MiB, GiB suffixes. Options: --columns N (20), --dir
// DIR (/tmp), --keep (do not delete the generated file), --seed S.
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "neurite/data/table.h"
#include "neurite/error.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int64_t parse_size(const std::string& text) {
  std::size_t used = 0;
  const double number = std::stod(text, &used);
  std::string unit = text.substr(used);
  const struct {
    const char* name;
    double factor;
  } units[] = {{"", 1},       {"k", 1e3},       {"K", 1e3},       {"M", 1e6}, {"G", 1e9},
               {"KiB", 1024}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}};
  for (const auto& u : units)
    if (unit == u.name) return static_cast<int64_t>(number * u.factor);
  throw std::invalid_argument("a size like 1G, 100M or 512MiB, got '" + text + "'");
}

// kB from a line of /proc/self/status ("VmHWM:   12345 kB"), or -1.
int64_t status_kb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1));
  return -1;
}

bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

int64_t maxrss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// xorshift64*: fast and good enough for test numbers.
struct Rng {
  uint64_t state;
  uint64_t next() {
    state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
    return state * 2685821657736338717ull;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

// Writes about `bytes` bytes (whole rows) of `columns` numbers; returns the rows written.
int64_t generate(const std::string& path, int64_t bytes, int columns, uint64_t seed) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error(path + ": cannot create");
  std::vector<char> buffer(std::size_t{8} << 20);
  std::size_t used = 0;
  auto flush = [&] {
    if (std::fwrite(buffer.data(), 1, used, file) != used) throw std::runtime_error(path + ": cannot write");
    used = 0;
  };
  std::string header;
  for (int c = 0; c < columns; ++c) header += (c ? ",x" : "x") + std::to_string(c);
  header += '\n';
  std::memcpy(buffer.data(), header.data(), header.size());
  used = header.size();
  int64_t written = static_cast<int64_t>(header.size()), rows = 0;
  Rng rng{seed * 0x9E3779B97F4A7C15ull + 1};
  // Columns of different magnitudes (1e-3 .. 1e4) and signs, as real measurements are.
  std::vector<double> scale(static_cast<std::size_t>(columns));
  for (int c = 0; c < columns; ++c) scale[static_cast<std::size_t>(c)] = std::pow(10.0, c % 8 - 3);
  constexpr std::size_t kRowMax = 32;  // bytes a number can take, with its delimiter
  while (written < bytes) {
    if (buffer.size() - used < kRowMax * static_cast<std::size_t>(columns)) flush();
    char* const row = buffer.data() + used;
    char* p = row;
    for (int c = 0; c < columns; ++c) {
      const auto v = static_cast<float>((rng.uniform() * 2 - 1) * scale[static_cast<std::size_t>(c)]);
      p = std::to_chars(p, row + kRowMax * static_cast<std::size_t>(columns), v, std::chars_format::general, 6).ptr;
      *p++ = c + 1 == columns ? '\n' : ',';
    }
    used += static_cast<std::size_t>(p - row);
    written += p - row;
    ++rows;
  }
  flush();
  if (std::fclose(file) != 0) throw std::runtime_error(path + ": cannot write");
  return rows;
}

// --- The passes of read_csv, written again the same way, each timed on its own. ---

template <typename PerBlock>
void read_blocks(const std::string& path, PerBlock&& per_block) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw std::runtime_error(path + ": cannot open");
  gzbuffer(file, 1 << 20);
  std::vector<char> block(std::size_t{1} << 22);
  for (int n; (n = gzread(file, block.data(), static_cast<unsigned>(block.size()))) > 0;)
    per_block(block.data(), static_cast<std::size_t>(n));
  gzclose(file);
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void time_passes(const std::string& path, double megabytes) {
  auto report = [&](const char* what, double s, const std::string& note = "") {
    std::printf("  %-58s %7.3f s  %8.1f MB/s%s\n", what, s, megabytes / s, note.c_str());
  };
  std::printf("passes (each alone, same file; code of this program written as src/data/table.cpp does it):\n");

  auto start = Clock::now();
  uint64_t checksum = 0;
  read_blocks(path, [&](const char* b, std::size_t n) { checksum += static_cast<unsigned char>(b[n - 1]); });
  report("1. gzread 4 MiB blocks (the bytes, through zlib)", seconds_since(start));

  start = Clock::now();
  std::FILE* raw = std::fopen(path.c_str(), "rb");
  std::vector<char> block(std::size_t{1} << 22);
  for (std::size_t n; (n = std::fread(block.data(), 1, block.size(), raw)) > 0;)
    checksum += static_cast<unsigned char>(block[n - 1]);
  std::fclose(raw);
  report("   (for scale: fread 4 MiB blocks, no zlib)", seconds_since(start));

  start = Clock::now();
  int64_t records = 0;
  bool quoted = false, blank = true;
  read_blocks(path, [&](const char* b, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const char c = b[i];
      if (c == '"') quoted = !quoted;
      if (c == '\n' && !quoted) {
        records += !blank;
        blank = true;
      } else if (c != '\r') {
        blank = false;
      }
    }
  });
  report("2. count_records: a byte loop over the file", seconds_since(start),
         "  (" + std::to_string(records) + " records)");

  start = Clock::now();
  int64_t lines = 0;
  read_blocks(path, [&](const char* b, std::size_t n) {
    for (const char* p = b;
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(b + n - p)))) != nullptr; ++p)
      ++lines;
  });
  report("   (for scale: counting '\\n' with memchr)", seconds_since(start));

  // Split into fields (a scan for the delimiter or '\n' per field, views pushed into a vector),
  // then, separately, the conversion of every field. Records that cross a block are skipped here:
  // a few per 4 MiB, which does not change the rate.
  std::vector<std::string_view> fields;
  std::vector<std::string> missing = {"", "NA", "?"};
  double split_s = 0, convert_s = 0;
  int64_t field_count = 0;
  float sink = 0;
  start = Clock::now();
  read_blocks(path, [&](const char* b, std::size_t n) {
    const char* stop = b + n;
    const char* p = static_cast<const char*>(std::memchr(b, '\n', n));
    if (p == nullptr) return;
    ++p;
    std::vector<std::string_view> all;
    auto t0 = Clock::now();
    while (p < stop) {
      fields.clear();
      const char* q = p;
      for (;;) {
        const char* f = q;
        while (q != stop && *q != ',' && *q != '\n') ++q;
        if (q == stop) break;
        fields.emplace_back(f, static_cast<std::size_t>(q - f));
        if (*q++ == '\n') break;
      }
      if (q == stop) break;
      all.insert(all.end(), fields.begin(), fields.end());
      p = q;
    }
    auto t1 = Clock::now();
    for (const std::string_view field : all) {
      const std::string_view t = trimmed(field);
      if (std::find(missing.begin(), missing.end(), t) != missing.end()) continue;
      float v = 0;
      std::from_chars(t.data(), t.data() + t.size(), v);
      sink += v;
    }
    auto t2 = Clock::now();
    split_s += std::chrono::duration<double>(t1 - t0).count();
    convert_s += std::chrono::duration<double>(t2 - t1).count();
    field_count += static_cast<int64_t>(all.size());
  });
  const double total = seconds_since(start);
  report("3. split records into field views (the CSV scanner's loop)", split_s);
  report(
      "4. per field: trim, missing-value test, std::from_chars", convert_s,
      "  (" + std::to_string(static_cast<int64_t>(1e9 * convert_s / static_cast<double>(field_count))) + " ns/field)");
  report("   3 + 4 with their reads", total);

  start = Clock::now();
  for (std::size_t i = 0; i < 2'000'000; ++i) {  // from_chars alone, on one field text
    float v = 0;
    const char* text = i & 1 ? "-12.3457" : "0.00123457";
    std::from_chars(text, text + std::strlen(text), v);
    sink += v;
  }
  std::printf("  std::from_chars(float) alone on short fields: %.0f ns/field\n", 1e9 * seconds_since(start) / 2e6);
  if (sink == 12345.0f || checksum == 1) std::printf(" ");  // keep the work
}

}  // namespace

int main(int argc, char** argv) {
  int64_t size = 1'000'000'000;
  int columns = 20;
  uint64_t seed = 1;
  std::string dir = "/tmp", given;
  bool keep = false, passes = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--size")
        size = parse_size(value());
      else if (a == "--columns")
        columns = std::stoi(value());
      else if (a == "--dir")
        dir = value();
      else if (a == "--file")
        given = value();
      else if (a == "--seed")
        seed = std::stoull(value());
      else if (a == "--keep")
        keep = true;
      else if (a == "--passes")
        passes = true;
      else if (a == "-h" || a == "--help") {
        std::printf("usage: %s [--size 1G] [--columns 20] [--dir /tmp] [--file CSV] [--keep] [--passes] [--seed 1]\n",
                    argv[0]);
        return 0;
      } else
        throw std::invalid_argument("unknown argument " + a + " (try --help)");
    }
    if (columns < 1 || size < 1) throw std::invalid_argument("--size and --columns must be positive");

    std::string path = given;
    struct Remover {  // the generated file goes, also when something fails
      std::string path;
      ~Remover() {
        if (!path.empty()) std::remove(path.c_str());
      }
    } remover;
    if (path.empty()) {
      path = dir + "/neurite-bench-csv-" + std::to_string(getpid()) + ".csv";
      if (!keep) remover.path = path;
      const auto start = Clock::now();
      const int64_t rows = generate(path, size, columns, seed);
      const double s = seconds_since(start);
      std::printf("generated %s: %lld rows x %d columns, %.1f MB in %.2f s (%.0f MB/s)\n", path.c_str(),
                  static_cast<long long>(rows), columns, static_cast<double>(size) / 1e6, s,
                  static_cast<double>(size) / 1e6 / s);
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw std::runtime_error(path + ": cannot open");
    std::fseek(f, 0, SEEK_END);
    const double megabytes = static_cast<double>(std::ftell(f)) / 1e6;
    std::fclose(f);

    const int64_t rss_before_kb = status_kb("VmRSS");
    const bool reset = reset_peak_rss();
    const auto start = Clock::now();
    neurite::Table table = neurite::read_csv(path);
    const double s = seconds_since(start);
    const int64_t hwm_kb = reset ? status_kb("VmHWM") : -1;
    const int64_t maxrss = maxrss_kb();

    const double data_mb = static_cast<double>(table.rows) * static_cast<double>(table.column_count()) * 4 / 1e6;
    const double peak_mb = static_cast<double>(reset ? hwm_kb : maxrss) * 1024 / 1e6;
    const double grew_mb = peak_mb - static_cast<double>(rss_before_kb) * 1024 / 1e6;
    std::printf("read_csv: %lld rows x %lld columns from %.1f MB in %.3f s: %.1f MB/s (target >= 100)\n",
                static_cast<long long>(table.rows), static_cast<long long>(table.column_count()), megabytes, s,
                megabytes / s);
    std::printf(
        "data as float32: %.1f MB; peak RSS during the read %.1f MB (%s; ru_maxrss %.1f MB), %.1f MB above the "
        "RSS before it (%.1f MB)\n",
        data_mb, peak_mb, reset ? "VmHWM after resetting it" : "ru_maxrss", static_cast<double>(maxrss) * 1024 / 1e6,
        grew_mb, static_cast<double>(rss_before_kb) * 1024 / 1e6);
    std::printf("peak / data: %.2fx (target <= 1.5); growth / data: %.2fx\n", peak_mb / data_mb, grew_mb / data_mb);
    std::printf("RESULT mb_per_s=%.1f peak_over_data=%.3f seconds=%.3f file_mb=%.1f data_mb=%.1f peak_mb=%.1f\n",
                megabytes / s, peak_mb / data_mb, s, megabytes, data_mb, peak_mb);
    table = neurite::Table{};  // free it before the passes

    if (passes) time_passes(path, megabytes);
    if (given.empty() && keep) std::printf("kept %s\n", path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_csv_parse: %s\n", e.what());
    return 1;
  }
  return 0;
}
