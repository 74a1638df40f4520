#!/usr/bin/python3
"""Nielsen's 784-30-10 network trained in PyTorch, for timing side by side with neurite.

Sigmoid layers, N(0, 1) weights and biases, the quadratic cost and plain mini-batch SGD. The
loss is 1/2 * sum((a - y)^2) / batch, so that SGD with rate eta makes exactly Nielsen's update
w -= eta/m * (sum of the m per-sample gradients).

Run it with Debian's python (/usr/bin/python3 has python3-torch); OPENBLAS_NUM_THREADS=1 keeps
OpenBLAS's threads from competing with PyTorch's own. Prints one line per epoch and a final
line `RESULT seconds_per_epoch=<median> accuracy=<percent> ...`. Epoch times count training
only (the shuffle included), not the evaluation on the test set.
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_idx import load_mnist  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/mnist", help="folder with the four MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--hidden", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_x, train_y, test_x, test_y = load_mnist(args.data)
    x_all = torch.from_numpy(train_x)
    y_all = torch.nn.functional.one_hot(torch.from_numpy(train_y), 10).to(torch.float32)
    x_test = torch.from_numpy(test_x)
    y_test = torch.from_numpy(test_y)

    model = torch.nn.Sequential(
        torch.nn.Linear(784, args.hidden), torch.nn.Sigmoid(),
        torch.nn.Linear(args.hidden, 10), torch.nn.Sigmoid())
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 1.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.rate)
    generator = torch.Generator().manual_seed(args.seed)
    n = x_all.shape[0]

    print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"784-{args.hidden}-10 sigmoid, quadratic cost, batch {args.batch}, rate {args.rate}", flush=True)
    seconds, correct = [], 0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        perm = torch.randperm(n, generator=generator)
        xs, ys = x_all[perm], y_all[perm]
        for i in range(0, n, args.batch):
            x, y = xs[i:i + args.batch], ys[i:i + args.batch]
            loss = 0.5 * ((model(x) - y) ** 2).sum() / x.shape[0]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
        with torch.no_grad():
            correct = int((model(x_test).argmax(dim=1) == y_test).sum())
        print(f"Epoch {epoch}: {correct} / {len(y_test)}  ({seconds[-1]:.3f} s)", flush=True)

    print(f"RESULT seconds_per_epoch={statistics.median(seconds):.4f} "
          f"accuracy={100.0 * correct / len(y_test):.2f} epochs={args.epochs}", flush=True)


if __name__ == "__main__":
    main()
