#!/usr/bin/python3
"""Seed 001's CNN trained in PyTorch, for timing side by side with neurite (models/seed001-cnn.json).

Conv 1->16 5x5 pad 2 + ReLU + max-pool 2, conv 16->32 5x5 pad 2 + ReLU + max-pool 2, flatten,
dense 1568->100 + sigmoid, dense 100->10; CrossEntropyLoss (softmax cross-entropy on the logits),
Adam lr 1e-3, mini-batch 50, the training set reshuffled every epoch, PyTorch's default
initialisation (torch.manual_seed(--seed) first), pixels scaled by 1/255.

Run it with Debian's python (/usr/bin/python3 has python3-torch 1.13; there is no torchvision:
the IDX files are read with numpy, .gz or not). OPENBLAS_NUM_THREADS=1 keeps OpenBLAS's threads
from competing with PyTorch's own. After every epoch it evaluates all 10,000 test images and
prints `Epoch j: N / 10000  (S s)`, S being the epoch's training time only (shuffle included,
evaluation excluded). It ends with one line

  RESULT seconds_per_epoch=<median> accuracy=<last, %> epochs=<E> seconds=<s0,s1,..>
         accuracies=<a0,a1,..> time_to_99=<training seconds summed up to the first epoch whose
         test accuracy reached 99.0%, or not_reached> epoch_to_99=<that epoch, or not_reached>

(on one line).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_idx import read_idx  # noqa: E402

TARGET = 99.0  # test accuracy, percent


def images(folder, name, count=None):
    """(n, 1, 28, 28) float32 in [0, 1], converted in place: one float copy, no temporaries."""
    raw = read_idx(os.path.join(folder, name))
    if count is not None:
        raw = raw[:count]
    x = raw.astype(np.float32)
    x /= np.float32(255)
    return torch.from_numpy(x.reshape(-1, 1, 28, 28))


def labels(folder, name, count=None):
    y = read_idx(os.path.join(folder, name)).astype(np.int64)
    return torch.from_numpy(y[:count] if count is not None else y)


def seed001_cnn():
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 100), nn.Sigmoid(),
        nn.Linear(100, 10))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/mnist", help="folder with the four MNIST IDX files (.gz or not)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--train-size", type=int, default=60000,
                        help="use the first N training images (default all 60,000; smaller for quick checks)")
    parser.add_argument("--seed", type=int, default=1, help="torch.manual_seed: initial weights and shuffles")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--eval-batch", type=int, default=1000, help="test images per forward pass when evaluating")
    args = parser.parse_args()
    if args.epochs < 1 or args.threads < 1 or not 1 <= args.train_size <= 60000 or args.batch < 1:
        parser.error("--epochs, --threads and --batch must be positive, --train-size in 1..60000")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train = images(args.data, "train-images-idx3-ubyte", args.train_size)
    y_train = labels(args.data, "train-labels-idx1-ubyte", args.train_size)
    x_test = images(args.data, "t10k-images-idx3-ubyte")
    y_test = labels(args.data, "t10k-labels-idx1-ubyte")

    model = seed001_cnn()
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]

    print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads, seed 001 CNN "
          f"(conv16-pool-conv32-pool-100-10), Adam 1e-3, batch {args.batch}, {n} training images, "
          f"{len(y_test)} test images", flush=True)
    seconds, accuracies = [], []
    time_to_target, epoch_to_target = None, None
    for epoch in range(args.epochs):
        model.train()
        start = time.perf_counter()
        perm = torch.randperm(n, generator=generator)
        for i in range(0, n, args.batch):
            idx = perm[i:i + args.batch]  # one batch copied at a time: no shuffled copy of the set
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)

        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(y_test), args.eval_batch):
                out = model(x_test[i:i + args.eval_batch])
                correct += int((out.argmax(dim=1) == y_test[i:i + args.eval_batch]).sum())
        accuracy = 100.0 * correct / len(y_test)
        accuracies.append(accuracy)
        if time_to_target is None and accuracy >= TARGET:
            time_to_target, epoch_to_target = sum(seconds), epoch
        print(f"Epoch {epoch}: {correct} / {len(y_test)}  ({seconds[-1]:.3f} s)  test accuracy {accuracy:.2f}%",
              flush=True)

    if time_to_target is None:
        print(f"test accuracy never reached {TARGET}% in {args.epochs} epochs", flush=True)
    else:
        print(f"test accuracy reached {TARGET}% after epoch {epoch_to_target}: "
              f"{time_to_target:.3f} s of training", flush=True)
    print(f"RESULT seconds_per_epoch={statistics.median(seconds):.4f} accuracy={accuracies[-1]:.2f} "
          f"epochs={args.epochs} seconds={','.join(f'{s:.4f}' for s in seconds)} "
          f"accuracies={','.join(f'{a:.2f}' for a in accuracies)} "
          f"time_to_99={'not_reached' if time_to_target is None else f'{time_to_target:.4f}'} "
          f"epoch_to_99={'not_reached' if epoch_to_target is None else epoch_to_target}", flush=True)


if __name__ == "__main__":
    main()
