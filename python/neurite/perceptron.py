"""Seed 002's perceptron and linear unit on neurite's core (double precision, so the seed's
printed numbers come out digit for digit).

    p = Perceptron(2, f)                     # f: the activation, a Python function
    p.train(input_vecs, labels, 10, 0.1)     # iterations, rate
    print(p)                                 # weights	:[0.1, 0.2] / bias	:-0.200000
"""
from . import _core

__all__ = ["Perceptron", "LinearUnit", "step"]

step = _core.step


class Perceptron(_core.Perceptron):

    def __str__(self):
        return 'weights\t:%s\nbias\t:%f\n' % (self.weights, self.bias)


class LinearUnit(Perceptron):
    """A perceptron whose activation is the identity: a linear regression trained by SGD."""

    def __init__(self, input_num):
        Perceptron.__init__(self, input_num, lambda x: x)
