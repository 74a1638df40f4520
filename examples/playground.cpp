// The page's two learning tabs as a library: a Playground session learning the spiral, an epoch
// at a time, and the Backprop stepper on Mazur's example. Exits 1 unless the spiral is learned
// and Mazur's numbers come out.
//
//   build/examples/playground
#include <cmath>
#include <cstdio>

#include "neurite/playground/backprop_stepper.h"
#include "neurite/playground/playground.h"

int main() {
  using namespace neurite::playground;
  Playground p(make_plane_data({.set = PlaneSet::Spiral, .count = 500, .seed = 1}),
               playground_config_from_json({{"features", {"x1", "x2", "sinx1", "sinx2"}}, {"hidden", {8, 8}},
                                            {"optimizer", "adam"}, {"rate", 0.03}}, /*regression=*/false));
  for (int e = 0; e < 100; ++e) p.train_epoch();
  const Losses l = p.losses();
  const PlaneMaps maps = p.maps(50, 16);  // the output and every neuron over [-6, 6]^2
  std::printf("spiral, epoch %lld: test accuracy %.3f, test loss %.4f; %zu hidden layers of maps\n",
              static_cast<long long>(p.epoch()), l.test_accuracy, l.test, maps.layers.size());

  const BackpropTrace t = trace_backprop(mazur_example());
  std::printf("Mazur: total error %.9f, w5 -> %.8f, w1 -> %.9f\n", t.total_error, t.new_weights[1][0][0],
              t.new_weights[0][0][0]);
  const bool mazur = std::abs(t.total_error - 0.298371109) < 5e-10 && std::abs(t.new_weights[1][0][0] - 0.35891648) < 5e-9;
  return l.test_accuracy >= 0.95 && mazur ? 0 : 1;
}
