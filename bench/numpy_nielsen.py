#!/usr/bin/python3
"""The seed's algorithm (Nielsen, Neural Networks and Deep Learning, ch. 1-2) in plain numpy.

Mini-batch SGD where each mini-batch's gradient is the sum of per-sample gradients, every one
computed by its own backpropagation pass on a (784, 1) column vector; float64 throughout, as
np.random.randn gives. Sigmoid everywhere, quadratic cost, N(0, 1) weights and biases. Only the
evaluation on the test set is vectorised (it is not timed and gives the same predictions).

Prints one line per epoch and `RESULT seconds_per_epoch=<median> accuracy=<percent> ...`.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_idx import load_mnist  # noqa: E402


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Net:
    def __init__(self, sizes, rng):
        self.sizes = sizes
        self.biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
        self.weights = [rng.standard_normal((n, m)) for m, n in zip(sizes[:-1], sizes[1:])]

    def sample_gradients(self, x, y):
        """Gradients of 1/2 ||a - y||^2 for one sample (column vectors), by backpropagation."""
        a, acts, zs = x, [x], []
        for w, b in zip(self.weights, self.biases):
            z = w @ a + b
            a = sigmoid(z)
            zs.append(z)
            acts.append(a)
        grad_b = [None] * len(self.biases)
        grad_w = [None] * len(self.weights)
        s = sigmoid(zs[-1])
        delta = (acts[-1] - y) * s * (1.0 - s)
        grad_b[-1] = delta
        grad_w[-1] = delta @ acts[-2].T
        for layer in range(2, len(self.sizes)):
            s = sigmoid(zs[-layer])
            delta = (self.weights[-layer + 1].T @ delta) * s * (1.0 - s)
            grad_b[-layer] = delta
            grad_w[-layer] = delta @ acts[-layer - 1].T
        return grad_b, grad_w

    def train_batch(self, xs, ys, rate):
        sum_b = [np.zeros_like(b) for b in self.biases]
        sum_w = [np.zeros_like(w) for w in self.weights]
        for x, y in zip(xs, ys):
            gb, gw = self.sample_gradients(x, y)
            for acc, g in zip(sum_b, gb):
                acc += g
            for acc, g in zip(sum_w, gw):
                acc += g
        step = rate / len(xs)
        for b, g in zip(self.biases, sum_b):
            b -= step * g
        for w, g in zip(self.weights, sum_w):
            w -= step * g

    def predict(self, x_rows):
        a = x_rows.T
        for w, b in zip(self.weights, self.biases):
            a = sigmoid(w @ a + b)
        return a.argmax(axis=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/mnist", help="folder with the four MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--hidden", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    train_x, train_y, test_x, test_y = load_mnist(args.data, dtype=np.float64)
    inputs = train_x.reshape(-1, 784, 1)             # inputs[i] is one (784, 1) column
    targets = np.zeros((len(train_y), 10, 1))
    targets[np.arange(len(train_y)), train_y, 0] = 1.0
    net = Net([784, args.hidden, 10], rng)
    n = len(inputs)

    print(f"numpy {np.__version__}, per-sample backprop, 784-{args.hidden}-10 sigmoid, quadratic cost, "
          f"batch {args.batch}, rate {args.rate}", flush=True)
    seconds, correct = [], 0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = rng.permutation(n)
        for i in range(0, n, args.batch):
            idx = order[i:i + args.batch]
            net.train_batch(inputs[idx], targets[idx], args.rate)
        seconds.append(time.perf_counter() - start)
        correct = int((net.predict(test_x) == test_y).sum())
        print(f"Epoch {epoch}: {correct} / {len(test_y)}  ({seconds[-1]:.3f} s)", flush=True)

    print(f"RESULT seconds_per_epoch={statistics.median(seconds):.4f} "
          f"accuracy={100.0 * correct / len(test_y):.2f} epochs={args.epochs}", flush=True)


if __name__ == "__main__":
    main()
