// One model trained by several processes: run it under mpirun. Every process builds the same
// network and data; neurite::train with an MpiWorld shares out the shards of each batch, and
// the 12 shards give the same weights whether 1, 2, 3, 4 or 6 processes train.
//
//   mpirun -np 2 build/examples/data_parallel        (add --allow-run-as-root as root)
#include <cstdio>

#include "neurite/mpi/mpi_world.h"
#include "neurite/neurite.h"

using namespace neurite;

// 1200 points of two interleaved spirals, the same in every process (a seeded generator).
Dataset spirals() {
  Rng rng(/*seed=*/4, /*stream=*/0);
  Dataset d{Tensor({1200, 2}), Tensor({1200, 2}), {}};
  for (int64_t i = 0; i < 1200; ++i) {
    const int label = static_cast<int>(i % 2);
    const double t = rng.uniform(0.5, 3.0), angle = 2.0 * t + label * 3.14159265;
    d.inputs[i * 2] = static_cast<float>(t * std::cos(angle) + rng.normal() * 0.08);
    d.inputs[i * 2 + 1] = static_cast<float>(t * std::sin(angle) + rng.normal() * 0.08);
    d.targets[i * 2 + label] = 1.0f;
    d.labels.push_back(static_cast<uint8_t>(label));
  }
  return d;
}

int main(int argc, char** argv) {
  mpi::MpiWorld world(argc, argv);  // MPI_Init here, MPI_Finalize at the end of main
  set_num_threads(1);               // one process per core
  const Dataset data = spirals();

  Network net({2}, {.init = {.kind = Initializer::Kind::Xavier}, .seed = 1});
  net.add({{"type", "dense"}, {"out", 32}}).add({{"type", "tanh"}});
  net.add({{"type", "dense"}, {"out", 32}}).add({{"type", "tanh"}});
  net.add({{"type", "dense"}, {"out", 2}});  // logits: the cost applies the softmax
  const SoftmaxLogLikelihoodCost cost;
  Adam optimizer(/*rate=*/0.01);

  const TrainOptions options{.epochs = 30, .batch = 48, .seed = 2, .shards = 12};
  const std::vector<EvaluationSet> sets = {{"train", &data}};
  TrainCallbacks callbacks;
  if (world.rank() == 0)  // process 0 speaks; every process gets the same results
    callbacks.on_epoch = [](const EpochResult& r) {
      if ((r.epoch + 1) % 10 == 0)
        std::printf("epoch %d: %lld / %lld right, %.3f s waiting for the others\n", r.epoch,
                    static_cast<long long>(r.correct), static_cast<long long>(r.total), r.waiting_seconds);
    };
  const TrainResult result = train(net, cost, optimizer, data, sets, options, callbacks, nullptr, &world);

  // A checksum of the weights: the same on every process, and for any number of processes.
  double sum = 0;
  for (const Parameter& p : net.parameters())
    for (float w : p.value->span()) sum += w;
  if (world.rank() == 0)
    std::printf("%d process%s, weight sum %.9f\n", world.size(), world.size() == 1 ? "" : "es", sum);
  return result.epochs.back().correct >= 1140 ? 0 : 1;  // 95% of the spirals
}
