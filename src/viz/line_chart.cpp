// Line charts: one line per series over a light grid, axes with ticks on the left and bottom,
// the legend to the right of the data where it can never hide a line.
#include <algorithm>
#include <cmath>
#include <limits>

#include "canvas.h"
#include "neurite/error.h"

namespace neurite {

namespace {

using namespace viz_detail;

constexpr double kLeftMargin = 88;    // y tick labels and the y axis title
constexpr double kRightMargin = 170;  // the legend
constexpr double kBottomMargin = 70;  // x tick labels and the x axis title
constexpr double kGapBelowHeading = 16;
constexpr std::size_t kMostPointsWithMarkers = 40;  // beyond this, dots would blur into the line

struct Bounds {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

struct Axis {
  double lo = 0, hi = 1;
  AxisScale scale = AxisScale::Linear;
  std::vector<double> ticks;

  double fraction(double v) const {
    if (scale == AxisScale::Log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
  double step() const { return ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0; }
};

bool drawable(double x, double y, AxisScale y_scale) {
  return std::isfinite(x) && std::isfinite(y) && (y_scale == AxisScale::Linear || y > 0);
}

void bound_data(const LineChart& chart, Bounds& x, Bounds& y) {
  for (const Series& s : chart.series) {
    require(s.x.size() == s.y.size(), "chart '" + chart.title + "': series '" + s.label + "' has " +
                                          std::to_string(s.x.size()) + " x but " + std::to_string(s.y.size()) +
                                          " y values");
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.x[i], s.y[i], chart.y_scale)) continue;
      x.add(s.x[i]);
      y.add(s.y[i]);
    }
  }
  require(!x.empty(), "chart '" + chart.title + "': no point to draw");
}

// The x axis spans the data exactly (epochs need no margin); ticks fall inside it.
Axis x_axis_for(Bounds data, bool integers) {
  if (data.lo == data.hi) {
    data.lo -= 0.5;
    data.hi += 0.5;
  }
  Axis axis{data.lo, data.hi, AxisScale::Linear, {}};
  for (double t : nice_ticks(data.lo, data.hi, AxisScale::Linear, 8, integers))
    if (t >= data.lo - 1e-9 && t <= data.hi + 1e-9) axis.ticks.push_back(t);
  return axis;
}

// The y axis runs from tick to tick, so the grid closes the data in.
Axis y_axis_for(Bounds data, AxisScale scale) {
  Axis axis{0, 1, scale, nice_ticks(data.lo, data.hi, scale, 6)};
  axis.lo = axis.ticks.front();
  axis.hi = axis.ticks.back();
  return axis;
}

struct Frame {
  Rect area;
  Axis x, y;
  double px(double v) const { return area.left + x.fraction(v) * (area.right - area.left); }
  double py(double v) const { return area.bottom - y.fraction(v) * (area.bottom - area.top); }
};

void line(cairo_t* cr, double x0, double y0, double x1, double y1) {
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

// Faint lines at 2..9 times each power of ten, so a log axis reads as one at a glance. Over more
// decades than this they would merge into a grey band; the decade ticks remain.
constexpr int kMostMinorGridDecades = 12;

void draw_log_minor_grid(cairo_t* cr, const Frame& f) {
  set_color(cr, kFaintGrid);
  // Counted by exponent: 10^-324 is 0 in double, and a decade found by multiplying 0 by 10
  // would never pass the top of the axis.
  const double low = std::floor(std::log10(f.y.lo)), high = std::ceil(std::log10(f.y.hi));
  if (!(high - low <= kMostMinorGridDecades)) return;  // also a bound that is 0 or not finite
  const auto first = static_cast<int>(low), last = static_cast<int>(high);
  for (int exponent = first; exponent < last; ++exponent)
    for (int m = 2; m <= 9; ++m) {
      const double decade = std::pow(10.0, exponent);
      const double v = m * decade;
      if (v > f.y.lo && v < f.y.hi) line(cr, f.area.left, crisp(f.py(v)), f.area.right, crisp(f.py(v)));
    }
}

void draw_grid(cairo_t* cr, const Frame& f) {
  cairo_set_line_width(cr, 1);
  if (f.y.scale == AxisScale::Log) draw_log_minor_grid(cr, f);
  set_color(cr, kGrid);
  for (double t : f.y.ticks) line(cr, f.area.left, crisp(f.py(t)), f.area.right, crisp(f.py(t)));
  for (double t : f.x.ticks) line(cr, crisp(f.px(t)), f.area.top, crisp(f.px(t)), f.area.bottom);
}

void draw_axes(cairo_t* cr, const Frame& f, const LineChart& chart) {
  const double left = crisp(f.area.left), bottom = crisp(f.area.bottom);
  set_color(cr, kAxis);
  cairo_set_line_width(cr, 1);
  line(cr, left, f.area.top, left, bottom);
  line(cr, left, bottom, f.area.right, bottom);
  for (double t : f.y.ticks) {
    line(cr, left - 5, crisp(f.py(t)), left, crisp(f.py(t)));
    draw_text(cr, tick_label(t, f.y.step(), f.y.scale), left - 9, f.py(t), {13}, Align::End, Align::Center);
  }
  for (double t : f.x.ticks) {
    line(cr, crisp(f.px(t)), bottom, crisp(f.px(t)), bottom + 5);
    draw_text(cr, tick_label(t, f.x.step(), AxisScale::Linear), f.px(t), bottom + 10, {13}, Align::Center,
              Align::Start);
  }
  const double middle_x = (f.area.left + f.area.right) / 2, middle_y = (f.area.top + f.area.bottom) / 2;
  set_color(cr, kInk);
  draw_text(cr, chart.x_label, middle_x, bottom + 46, {15}, Align::Center, Align::Center);
  draw_vertical_text(cr, chart.y_label, 22, middle_y, {15});
}

void draw_marker(cairo_t* cr, double x, double y) {
  cairo_new_sub_path(cr);
  cairo_arc(cr, x, y, 3.2, 0, 2 * M_PI);
  cairo_fill(cr);
}

void draw_series(cairo_t* cr, const Frame& f, const Series& s, Color color, AxisScale y_scale) {
  set_color(cr, color);
  cairo_set_line_width(cr, 2.2);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  bool pen_down = false;  // a point that cannot be drawn breaks the line
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    const bool ok = drawable(s.x[i], s.y[i], y_scale);
    if (ok && pen_down) cairo_line_to(cr, f.px(s.x[i]), f.py(s.y[i]));
    if (ok && !pen_down) cairo_move_to(cr, f.px(s.x[i]), f.py(s.y[i]));
    pen_down = ok;
  }
  cairo_stroke(cr);
  if (s.x.size() > kMostPointsWithMarkers) return;
  for (std::size_t i = 0; i < s.x.size(); ++i)
    if (drawable(s.x[i], s.y[i], y_scale)) draw_marker(cr, f.px(s.x[i]), f.py(s.y[i]));
}

void draw_legend(cairo_t* cr, const Frame& f, const LineChart& chart) {
  const double x = f.area.right + 22;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const double y = f.area.top + 10 + 24 * static_cast<double>(i);
    set_color(cr, series_color(i));
    cairo_set_line_width(cr, 2.2);
    line(cr, x, y, x + 26, y);
    draw_marker(cr, x + 13, y);
    set_color(cr, kInk);
    draw_text(cr, chart.series[i].label, x + 34, y, {14}, Align::Start, Align::Center);
  }
}

}  // namespace

Rect plot_area_of(const LineChart& chart) {
  return {kLeftMargin, heading_height(chart.subtitle) + kGapBelowHeading, chart.width - kRightMargin,
          chart.height - kBottomMargin};
}

std::vector<uint8_t> render_line_chart(const LineChart& chart, ImageFormat format) {
  Bounds x_data, y_data;
  bound_data(chart, x_data, y_data);
  const Frame frame{plot_area_of(chart), x_axis_for(x_data, chart.integer_x), y_axis_for(y_data, chart.y_scale)};
  Canvas canvas(chart.width, chart.height, format);
  cairo_t* cr = canvas.cr();
  paint_background(cr, kPaper);
  draw_heading(cr, chart.title, chart.subtitle, chart.width);
  draw_grid(cr, frame);
  cairo_save(cr);
  cairo_rectangle(cr, frame.area.left - 4, frame.area.top - 4, frame.area.right - frame.area.left + 8,
                  frame.area.bottom - frame.area.top + 8);
  cairo_clip(cr);  // markers may overhang the frame a little, lines never
  for (std::size_t i = 0; i < chart.series.size(); ++i)
    draw_series(cr, frame, chart.series[i], series_color(i), chart.y_scale);
  cairo_restore(cr);
  draw_axes(cr, frame, chart);
  draw_legend(cr, frame, chart);
  return canvas.finish("chart '" + chart.title + "'");
}

}  // namespace neurite
