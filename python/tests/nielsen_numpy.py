"""A plain numpy implementation of Nielsen's per-sample backpropagation and mini-batch update
(chapters 1-3), in float64: the reference the module's results are compared with."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def backprop(weights, biases, x, y, cross_entropy=False):
    activation, activations, zs = x, [x], []
    for w, b in zip(weights, biases):
        z = w @ activation + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    s = sigmoid(zs[-1])
    delta = (activations[-1] - y) * (1.0 if cross_entropy else s * (1 - s))
    nabla_w, nabla_b = [None] * len(weights), [None] * len(weights)
    nabla_b[-1], nabla_w[-1] = delta, delta @ activations[-2].T
    for layer in range(2, len(weights) + 1):
        s = sigmoid(zs[-layer])
        delta = (weights[-layer + 1].T @ delta) * s * (1 - s)
        nabla_b[-layer], nabla_w[-layer] = delta, delta @ activations[-layer - 1].T
    return nabla_b, nabla_w


def update_mini_batch(weights, biases, mini_batch, eta, lmbda=0.0, n=1, cross_entropy=False):
    """The new (weights, biases) after one step; weight decay (1 - eta lmbda / n) when lmbda > 0."""
    sum_b = [np.zeros_like(b) for b in biases]
    sum_w = [np.zeros_like(w) for w in weights]
    for x, y in mini_batch:
        db, dw = backprop(weights, biases, x, y, cross_entropy)
        sum_b = [s + d for s, d in zip(sum_b, db)]
        sum_w = [s + d for s, d in zip(sum_w, dw)]
    m = len(mini_batch)
    new_w = [(1 - eta * lmbda / n) * w - eta / m * s for w, s in zip(weights, sum_w)]
    new_b = [b - eta / m * s for b, s in zip(biases, sum_b)]
    return new_w, new_b
